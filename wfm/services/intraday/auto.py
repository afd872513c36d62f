"""The auto mode (the recommendation applied within the floor manager's limits, and logged) and
the worker's periodic intraday cycle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from wfm.db.repositories import SiteRepository
from wfm.db.repositories.intraday import (
    IntradaySettings,
    IntradaySettingsRepository,
    PlanChangeRepository,
    RecommendationLogRepository,
)
from wfm.domain import Activity
from wfm.domain.errors import NotFoundError
from wfm.domain.intraday import (
    AgentMove,
    AutoLimits,
    ChangeKind,
    Direction,
    Recommendation,
    moves_within_limits,
)
from wfm.services.intraday.clock import _real_now, clock_now, site_now
from wfm.services.intraday.recommendation import recommendation
from wfm.services.intraday.reforecast import reforecast_day
from wfm.services.intraday.switches import ItemRejection, SwitchItem, record_switch

AUTO_EVERY = timedelta(minutes=5)  # the auto mode re-evaluates at most this often


@dataclass(frozen=True, slots=True)
class AutoResult:
    recommendation: Recommendation
    applied: tuple[AgentMove, ...]
    rejections: tuple[ItemRejection, ...] = ()


def _log(session: Session, site_code: str, rec: Recommendation, applied: bool) -> None:
    RecommendationLogRepository(session).add(
        site_code,
        {
            "as_of_utc": rec.as_of_utc,
            "direction": rec.direction.value,
            "agent_count": rec.count,
            "moves": [
                {
                    "agent_code": m.agent_code,
                    "to": m.to_activity.value,
                    "queue_code": m.queue_code,
                    "campaign_code": m.campaign_code,
                }
                for m in rec.moves
            ],
            "message": rec.message,
            "service_level_without": rec.service_level_without,
            "service_level_with": rec.service_level_with,
            "answer_rate_without": rec.answer_rate_without,
            "answer_rate_with": rec.answer_rate_with,
            "applied_by_auto": applied,
            "created_at": _real_now(),
        },
    )


def run_auto_mode(
    session: Session, *, site_code: str, at_utc: datetime | None = None
) -> AutoResult:
    """Apply the recommendation within the limits the floor manager set (nothing when off)."""
    now = at_utc or site_now(session, site_code)
    settings = IntradaySettingsRepository(session).get(site_code)
    rec = recommendation(session, site_code=site_code, at_utc=now)
    limits = AutoLimits(
        enabled=settings.auto_enabled,
        max_agents_per_move=settings.auto_max_agents_per_move,
        max_agents_switched=settings.auto_max_agents_switched,
        allow_to_serve=settings.auto_allow_to_serve,
        allow_to_sell=settings.auto_allow_to_sell,
    )
    switched_now = sum(
        1
        for s in PlanChangeRepository(session).list(site_code, now, now + timedelta(seconds=1))
        if s.change.kind is ChangeKind.SWITCH
        and s.change.activity is Activity.SERVE
        and s.created_at_utc <= now
    )
    moves = moves_within_limits(rec, limits, switched_now)
    applied: list[AgentMove] = []
    rejected: list[ItemRejection] = []
    if moves:
        to = Activity.SERVE if rec.direction is Direction.TO_SERVE else Activity.SELL
        result = record_switch(
            session,
            site_code=site_code,
            to_activity=to,
            items=[
                SwitchItem(m.agent_code, m.queue_code, m.campaign_code, m.until_utc) for m in moves
            ],
            start_utc=now,
            reason=f"auto: {rec.message}",
            created_by="auto",
            source="auto",
        )
        done = {c.agent_code for c in result.accepted}
        applied = [m for m in moves if m.agent_code in done]
        rejected = list(result.rejections)
    _log(session, site_code, rec, bool(applied))
    return AutoResult(rec, tuple(applied), tuple(rejected))


def run_due_auto_modes(
    session: Session,
    site_ids: Iterable[int],
    settings: Mapping[int, IntradaySettings],
    real_now_utc: datetime,
) -> list[AgentMove]:
    """Run the auto mode of those sites where it is on and last ran at least `AUTO_EVERY` ago
    by the site clock (a site without a forecast for the day is passed over); the moves applied."""
    applied: list[AgentMove] = []
    for site_id in sorted(site_ids):
        site_settings = settings.get(site_id)
        if site_settings is None or not site_settings.auto_enabled:
            continue
        now = clock_now(site_settings, real_now_utc)
        last = RecommendationLogRepository(session).list(site_settings.site_code, limit=1)
        if last and now - last[0]["as_of_utc"] < AUTO_EVERY:
            continue
        try:
            result = run_auto_mode(session, site_code=site_settings.site_code, at_utc=now)
        except NotFoundError:
            continue  # no forecast for the day: nothing to recommend
        applied.extend(result.applied)
    return applied


def intraday_cycle(
    session: Session, *, site_code: str | None = None, at_utc: datetime | None = None
) -> dict[str, Any]:
    """The worker's periodic intraday job: store each site's reforecast, run its auto mode."""
    sites = [site_code] if site_code else [s.code for s in SiteRepository(session).list()]
    summary: dict[str, Any] = {}
    for code in sites:
        now = at_utc or site_now(session, code)
        try:
            reforecast_day(session, site_code=code, at_utc=now, store=True)
        except NotFoundError as exc:
            summary[code] = {"skipped": str(exc)}
            continue
        entry: dict[str, Any] = {"reforecast_at": now.isoformat()}
        if IntradaySettingsRepository(session).get(code).auto_enabled:
            result = run_auto_mode(session, site_code=code, at_utc=now)
            entry["auto_applied"] = [m.agent_code for m in result.applied]
            entry["auto_message"] = result.recommendation.message
        summary[code] = entry
    return summary
