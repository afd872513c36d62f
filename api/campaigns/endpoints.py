"""`/v1/campaigns`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, status

from api.campaigns.schemas import CampaignCreate, CampaignRead, CampaignUpdate
from api.deps import SessionDep, require
from api.errors import ApiError, responses
from api.schemas import CODE_PATTERN, changes, code_path
from wfm.db.repositories import CampaignRepository, SiteRepository
from wfm.domain import CallingWindow, Campaign
from wfm.domain.access import Permission

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
READ = [Depends(require(Permission.ORG_READ))]
WRITE = [Depends(require(Permission.ORG_WRITE))]


@router.get("", response_model=list[CampaignRead], dependencies=READ, responses=responses(404))
def list_campaigns(
    session: SessionDep,
    site: str | None = Query(default=None, pattern=CODE_PATTERN, description="Only this site."),
) -> Any:
    """Every outbound campaign (of one site when `site` is given)."""
    if site is not None:
        SiteRepository(session).id_of(site)
    return CampaignRepository(session).list(site)


@router.post(
    "",
    response_model=CampaignRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(404, 409),
)
def create_campaign(body: CampaignCreate, session: SessionDep) -> Any:
    """Create an outbound campaign on a site (and optionally a segment)."""
    values = body.model_dump(exclude={"calling_windows", "value_per_productive_hour_by_hour"})
    campaign = Campaign(
        **values,
        value_per_productive_hour_by_hour=tuple(body.value_per_productive_hour_by_hour),
        calling_windows=tuple(
            CallingWindow(w.weekday, w.start_local, w.end_local) for w in body.calling_windows
        ),
    )
    CampaignRepository(session).add(campaign)
    return CampaignRepository(session).get(campaign.code)


@router.get("/{code}", response_model=CampaignRead, dependencies=READ, responses=responses(404))
def get_campaign(session: SessionDep, code: str = code_path("campaign")) -> Any:
    """One campaign."""
    return CampaignRepository(session).get(code)


@router.patch("/{code}", response_model=CampaignRead, dependencies=WRITE, responses=responses(404))
def update_campaign(
    body: CampaignUpdate, session: SessionDep, code: str = code_path("campaign")
) -> Any:
    """Change a campaign's name, segment, hourly values, calling windows, hour limits, targets
    (hours, sales, completes) or deadline; null clears an optional one."""
    campaigns = CampaignRepository(session)
    values = changes(
        body,
        nullable=frozenset(
            {
                "segment_code",
                "max_hours_per_week",
                "target_hours",
                "deadline",
                "target_sales",
                "target_completes",
            }
        ),
    )
    current = campaigns.get(code)
    low = values.get("min_hours_per_week", current.min_hours_per_week)
    high = values.get("max_hours_per_week", current.max_hours_per_week)
    if high is not None and high < low:
        raise ApiError(
            422,
            "invalid",
            f"body.max_hours_per_week: {high} is below min_hours_per_week {low}",
            [{"field": "body.max_hours_per_week", "message": "must not be below the minimum"}],
        )
    if "calling_windows" in values:
        values["calling_windows"] = [
            CallingWindow(w.weekday, w.start_local, w.end_local) for w in values["calling_windows"]
        ]
    return campaigns.update_campaign(code, values)
