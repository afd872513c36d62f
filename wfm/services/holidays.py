"""A site's public holidays and make-up working days: its country's (the `holidays` package) with
the site's own calendar days over them. The weekly forecast and the capacity plan both take them
from `calendar_options`, so both see the same days."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from wfm.db.repositories import SiteCalendarRepository, SiteRepository
from wfm.domain import CalendarDay, Site

if TYPE_CHECKING:
    from forecasting.calendar import CalendarOptions


def calendar_options(session: Session, site: Site) -> CalendarOptions:
    """The site's calendar as the forecasts take it: its country's holidays and make-up working
    days with the site's own days over them. A country the `holidays` package does not know
    counts as none (the site's own days still count)."""
    from forecasting.calendar import CalendarOptions, CalendarOverride, country_holidays

    overrides = tuple(
        CalendarOverride(d.day, d.kind.value, d.name)
        for d in SiteCalendarRepository(session).days(site.code)
    )
    country = site.country_code or None
    try:
        country_holidays(country, [2000])
    except ValueError:
        country = None
    return CalendarOptions(country=country, overrides=overrides)


def replace_site_calendar(
    session: Session, site_code: str, days: list[CalendarDay]
) -> list[CalendarDay]:
    """Replace the site's own calendar days (distinct dates: the API checks them)."""
    return SiteCalendarRepository(session).replace(site_code, sorted(days, key=lambda d: d.day))


def calendar_year(session: Session, site_code: str, year: int) -> dict[str, Any]:
    """The year's public holidays and make-up working days as the forecasts see them, each
    with where it comes from ("country" or "site"), and the site's days that only cancel the
    country's (kind "normal")."""
    site = SiteRepository(session).get(site_code)
    options = calendar_options(session, site)
    own = {d.day: d for d in SiteCalendarRepository(session).days(site_code)}
    days: list[dict[str, Any]] = []
    for kind, found in (
        ("holiday", options.holidays([year])),
        ("workday", options.workdays([year])),
    ):
        days += [
            {"day": day, "kind": kind, "name": name, "source": "site" if day in own else "country"}
            for day, name in found.items()
        ]
    days += [
        {"day": d.day, "kind": "normal", "name": d.name, "source": "site"}
        for d in own.values()
        if d.kind.value == "normal" and d.day.year == year
    ]
    return {
        "site": site_code,
        "year": year,
        "country": options.country or "",
        "days": sorted(days, key=lambda d: d["day"]),
    }
