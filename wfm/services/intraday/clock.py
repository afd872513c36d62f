"""The site clock (the real one, or a simulated one the live-day simulator sets), the site's local
day, and the site's intraday settings (auto mode limits, ACD state mapping)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories.intraday import IntradaySettings, IntradaySettingsRepository
from wfm.db.repositories.sites import SiteRepository
from wfm.domain import Site
from wfm.domain.errors import ConflictError, ValidationError
from wfm.domain.grid import local_day_bounds_utc
from wfm.domain.intraday import StateMapping


def _real_now() -> datetime:
    return datetime.now(UTC)


def clock_now(settings: IntradaySettings, real_now_utc: datetime) -> datetime:
    """The site clock: simulated when a clock was set, else the real time."""
    if (
        settings.clock_start_utc is not None
        and settings.clock_anchor_utc is not None
        and settings.clock_speed is not None
    ):
        elapsed = real_now_utc - settings.clock_anchor_utc
        return settings.clock_start_utc + elapsed * settings.clock_speed
    return real_now_utc


def site_now(session: Session, site_code: str, real_now_utc: datetime | None = None) -> datetime:
    settings = IntradaySettingsRepository(session).get(site_code)
    return clock_now(settings, real_now_utc or _real_now())


def set_clock(
    session: Session,
    *,
    site_code: str,
    now_utc: datetime | None,
    speed: float = 1.0,
    updated_by: str = "",
    real_now_utc: datetime | None = None,
) -> IntradaySettings:
    """Start a simulated clock at `now_utc` running `speed` times real time (0 holds it still;
    `now_utc` None goes back to real time).

    Only a site marked as a simulation (`Site.is_simulation`) may have its clock moved: a live
    site's clock is the real time, so moving it raises ConflictError; going back to the real time
    is always allowed."""
    if now_utc is not None and now_utc.tzinfo is None:
        raise ValidationError("now_utc must carry a timezone")
    if not 0 <= speed <= 10_000:
        raise ValidationError("speed must be in [0, 10000]")
    if now_utc is not None and not SiteRepository(session).get(site_code).is_simulation:
        raise ConflictError(
            f"site {site_code!r} is live: its clock is the real time and cannot be moved or sped "
            "up; only a site marked as a simulation (is_simulation, PATCH /v1/sites/{code}) can"
        )
    repo = IntradaySettingsRepository(session)
    real = real_now_utc or _real_now()
    current = repo.get(site_code)
    if now_utc is None:
        updated = replace(current, clock_start_utc=None, clock_anchor_utc=None, clock_speed=None)
    else:
        updated = replace(
            current, clock_start_utc=now_utc, clock_anchor_utc=real, clock_speed=float(speed)
        )
    repo.save(updated, updated_by=updated_by, at_utc=real)
    return updated


def get_settings(session: Session, site_code: str) -> IntradaySettings:
    return IntradaySettingsRepository(session).get(site_code)


def update_settings(
    session: Session, *, site_code: str, changes: Mapping[str, Any], updated_by: str = ""
) -> IntradaySettings:
    """Change the auto mode limits and/or the ACD state mapping of a site."""
    allowed = {
        "auto_enabled",
        "auto_max_agents_per_move",
        "auto_max_agents_switched",
        "auto_allow_to_serve",
        "auto_allow_to_sell",
        "state_mapping",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    for name in ("auto_max_agents_per_move", "auto_max_agents_switched"):
        if name in changes and not (isinstance(changes[name], int) and changes[name] >= 0):
            raise ValidationError(f"{name} must be an integer >= 0")
    if changes.get("state_mapping") is not None:
        state_mapping_from(changes["state_mapping"])  # raises ValidationError when malformed
    repo = IntradaySettingsRepository(session)
    updated = replace(repo.get(site_code), **dict(changes))
    repo.save(updated, updated_by=updated_by, at_utc=_real_now())
    return updated


def state_mapping_from(table: Mapping[str, Any] | None) -> StateMapping:
    """A site's ACD mapping: {"states": {state: activity}, "reasons": [[state, reason, activity]]}
    laid over the default table."""
    if not table:
        return StateMapping()
    try:
        states = dict(table.get("states") or {})
        reasons = {(str(s), str(r)): str(a) for s, r, a in (table.get("reasons") or [])}
        return StateMapping.from_tables(states, reasons)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValidationError(f"state_mapping: {exc}") from None


def _local_day_bounds(site: Site, day: date) -> tuple[datetime, datetime]:
    return local_day_bounds_utc(day, ZoneInfo(site.timezone))


def local_day(site: Site, at_utc: datetime) -> date:
    return at_utc.astimezone(ZoneInfo(site.timezone)).date()
