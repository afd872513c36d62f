"""`/v1/sites/{code}/rules`: a site's roster rules, versioned by the week they apply from."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, status

from api.deps import SessionDep, require
from api.errors import responses
from api.schemas import code_path, day_query
from api.site_rules.schemas import SiteRulesRead, SiteRulesWrite
from wfm.db.repositories import SiteRepository
from wfm.domain import Site
from wfm.domain.access import Permission
from wfm.domain.site_rules import (
    DEFAULT_SITE_RULES,
    SiteRules,
    SiteRulesVersion,
    rules_from_document,
    settings_in_use,
)
from wfm.services.site_rules import latest_or_for_week, set_rules

router = APIRouter(prefix="/sites", tags=["site rules"])
RULES_READ = [Depends(require(Permission.SCHEDULE_READ))]
RULES_WRITE = [Depends(require(Permission.SCHEDULE_WRITE))]


@router.get(
    "/{code}/rules", response_model=SiteRulesRead, dependencies=RULES_READ, responses=responses(404)
)
def get_site_rules(
    session: SessionDep,
    code: str = code_path("site"),
    week_start: date | None = day_query(
        default=None,
        description="A week's first day: the version valid for that week. Absent: the latest "
        "version.",
    ),
) -> Any:
    """The site's roster rules: the version valid for `week_start` (absent: the latest one),
    or the standard rules (version null) when there is none, with the seats and unplanned
    shrinkage its weeks use (the version's own, else the site's) and where they come from."""
    site = SiteRepository(session).get(code)
    found = latest_or_for_week(session, code, week_start)
    return rules_read(site, found)


@router.put(
    "/{code}/rules",
    response_model=SiteRulesRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=RULES_WRITE,
    responses=responses(404),
)
def put_site_rules(body: SiteRulesWrite, session: SessionDep, code: str = code_path("site")) -> Any:
    """Store the site's rules as a new version, valid from the week starting on `valid_from`
    until a later version's; rosters of those weeks use it. 422 naming each field that is wrong:
    a value out of range, rules that contradict (a break window past the end of every shift it
    applies to, the site's hours shorter than every shift length), rules a contract of the
    site's agents can't keep, or seats that can't hold the contracts' minimum hours in the
    site's hours. Nothing is stored then."""
    fields = body.model_dump(exclude={"valid_from", "note"})
    version = set_rules(
        session,
        site_code=code,
        valid_from=body.valid_from,
        rules=rules_of(fields),
        note=body.note,
    )
    return rules_read(SiteRepository(session).get(code), version)


def rules_of(fields: dict[str, Any]) -> SiteRules:
    """The rules of a request's fields (null breaks: the standard ones)."""
    return rules_from_document({k: v for k, v in fields.items() if v is not None or k != "breaks"})


def rules_read(site: Site, found: SiteRulesVersion | None) -> dict[str, Any]:
    rules = DEFAULT_SITE_RULES if found is None else found.rules
    return {
        **asdict(rules),
        "site": site.code,
        "version": None if found is None else found.version,
        "valid_from": None if found is None else found.valid_from,
        "note": "" if found is None else found.note,
        "created_at_utc": None if found is None else found.created_at_utc,
        **settings_in_use(rules, site),
    }
