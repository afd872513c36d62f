"""`/v1/sites`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request, status

from api.cache import invalidate_kpis
from api.deps import SessionDep, require
from api.errors import responses
from api.schemas import changes, code_path
from api.sites.schemas import (
    CalendarDayRead,
    CalendarReplace,
    CalendarYearRead,
    ShrinkageRead,
    SiteCreate,
    SiteRead,
    SiteUpdate,
)
from wfm.db.repositories import SiteCalendarRepository, SiteRepository
from wfm.domain import CalendarDay, Site
from wfm.domain.access import Permission
from wfm.domain.intraday.shrinkage import DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS
from wfm.services.holidays import calendar_year, replace_site_calendar
from wfm.services.shrinkage import estimate_site_shrinkage, shrinkage_report
from wfm.services.site_calendar import site_week
from wfm.services.site_rules import check_seats

router = APIRouter(prefix="/sites", tags=["sites"])
READ = [Depends(require(Permission.ORG_READ))]
WRITE = [Depends(require(Permission.ORG_WRITE))]


@router.get("", response_model=list[SiteRead], dependencies=READ, responses=responses())
def list_sites(session: SessionDep) -> Any:
    """Every site, by code, with its clock's now, local day and the week pages open on."""
    return [SiteRead.of(s, site_week(session, s.code)) for s in SiteRepository(session).list()]


@router.post(
    "",
    response_model=SiteRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
    responses=responses(409),
)
def create_site(body: SiteCreate, session: SessionDep) -> Any:
    """Create a site; its code must be new (409 otherwise). A site is live unless created with
    `is_simulation: true` (a demo or training site, whose intraday clock may be moved)."""
    site = Site(**body.model_dump())
    SiteRepository(session).add(site)
    return SiteRead.of(site, site_week(session, site.code))


@router.get("/{code}", response_model=SiteRead, dependencies=READ, responses=responses(404))
def get_site(session: SessionDep, code: str = code_path("site")) -> Any:
    """One site, with its clock's now, local day and the week pages open on (`week_start`: the
    published roster's week holding today, else today's Monday; `opening_week_start`: that week
    when published, else the latest published week)."""
    return SiteRead.of(SiteRepository(session).get(code), site_week(session, code))


@router.patch("/{code}", response_model=SiteRead, dependencies=WRITE, responses=responses(404))
def update_site(
    request: Request, body: SiteUpdate, session: SessionDep, code: str = code_path("site")
) -> Any:
    """Change a site's name, timezone, country, seats, default patience (the patience of its
    queues without an estimate from their history), default language ("zh-CN" or "en"),
    currency (ISO 4217) or whether it is a simulation (only a simulation's intraday clock may be
    moved; marking a site live puts its clock back on the real time). Seats that can't hold the
    minimum weekly hours of the site's agents' contracts inside the site's hours (its latest
    roster rules) are 422 naming seats."""
    fields = changes(body, nullable=frozenset({"seats"}))
    if fields.get("seats") is not None:
        check_seats(session, code, fields["seats"])
    site = SiteRepository(session).update_site(code, fields)
    invalidate_kpis(request.app)  # periods follow the site's timezone
    return SiteRead.of(site, site_week(session, code))


LOOKBACK = Query(
    default=DEFAULT_LOOKBACK_DAYS,
    ge=1,
    le=MAX_LOOKBACK_DAYS,
    description="Local days before the site's today (by its clock) to read.",
)


@router.get(
    "/{code}/unplanned-shrinkage",
    response_model=ShrinkageRead,
    dependencies=READ,
    responses=responses(404),
)
def measure_unplanned_shrinkage(
    session: SessionDep, code: str = code_path("site"), lookback_days: int = LOOKBACK
) -> Any:
    """The site's unplanned shrinkage measured on its agents' ACD events over the rostered days
    of the last `lookback_days` local days (share of scheduled work time not available, with
    its 95 % interval, split into days absent and lateness plus aux), beside its setting.
    Nothing is written."""
    return shrinkage_report(
        estimate_site_shrinkage(session, site_code=code, lookback_days=lookback_days)
    )


@router.post(
    "/{code}/unplanned-shrinkage",
    response_model=ShrinkageRead,
    dependencies=WRITE,
    responses=responses(404),
)
def apply_unplanned_shrinkage(
    session: SessionDep,
    code: str = code_path("site"),
    lookback_days: int = LOOKBACK,
) -> Any:
    """Measure as the GET does and write the estimate to the site's `unplanned_shrinkage`
    setting (which requirements and rosters use from then on). 422 naming the count when the
    window holds too few rostered agent-days with events; the setting is then kept."""
    return shrinkage_report(
        estimate_site_shrinkage(session, site_code=code, lookback_days=lookback_days, apply=True)
    )


@router.get(
    "/{code}/calendar",
    response_model=list[CalendarDayRead],
    dependencies=READ,
    responses=responses(404),
)
def site_calendar(session: SessionDep, code: str = code_path("site")) -> Any:
    """The site's own calendar days (holiday, workday, normal) in date order, over its
    country's public holidays and make-up working days."""
    return SiteCalendarRepository(session).days(code)


@router.put(
    "/{code}/calendar",
    response_model=list[CalendarDayRead],
    dependencies=WRITE,
    responses=responses(404),
)
def replace_calendar(
    body: CalendarReplace, session: SessionDep, code: str = code_path("site")
) -> Any:
    """Replace the site's whole calendar (at most 1,000 days, one entry a date; a date listed
    twice is 422 and nothing is written). Forecasts and capacity plans made from now on use
    it."""
    days = [CalendarDay(d.day, d.kind, d.name) for d in body.days]
    return replace_site_calendar(session, code, days)


@router.get(
    "/{code}/calendar/{year}",
    response_model=CalendarYearRead,
    dependencies=READ,
    responses=responses(404),
)
def site_calendar_year(
    session: SessionDep,
    code: str = code_path("site"),
    year: int = Path(ge=1990, le=2100, description="The year to show.", examples=[2027]),
) -> Any:
    """The year's public holidays and make-up working days as the forecasts see them: the
    country's (the `holidays` package) with the site's own days over them, each with its
    source; and the site's days kept ordinary against the country's calendar."""
    return calendar_year(session, code, year)
