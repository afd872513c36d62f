"""Intraday storage: the agent state feed, queue snapshots, authorised plan changes, settings,
reforecasts, the recommendation log, and the published shifts of a time window.

The state feed is written in bulk (one multi-row insert per batch) and each agent's latest state is
kept in `agent_current_states` with an upsert, so the live views and the out-of-order check never
scan the event history. Activities stored with events are
`wfm.domain.intraday.ActualActivity` values.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wfm.db.models import (
    AgentCampaignSkillRow,
    AgentCurrentStateRow,
    AgentQueueSkillRow,
    AgentRow,
    AgentStateEventRow,
    CampaignRow,
    IntradayRecommendationRow,
    IntradayReforecastRow,
    IntradaySettingsRow,
    PlanChangeRow,
    QueueRow,
    QueueSnapshotRow,
    ScheduleRow,
    ShiftActivityRow,
    ShiftBreakRow,
    ShiftRow,
    SiteRow,
)
from wfm.domain import Activity, ActivitySpan, ScheduleStatus, Shift, ShiftBreak
from wfm.domain.errors import NotFoundError
from wfm.domain.intraday.events import KnownEvent, StateEvent
from wfm.domain.intraday.plan import ChangeKind, PlanChange
from wfm.domain.intraday.reforecast import QueueSnapshot
from wfm.domain.intraday.states import ActualActivity

# SQLite allows 32766 bound parameters per statement (PostgreSQL 65535): keep IN lists and
# multi-row inserts well under both.
_CHUNK = 2000


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True, slots=True)
class AgentRef:
    id: int
    code: str
    site_id: int


@dataclass(frozen=True, slots=True)
class CurrentState:
    agent_code: str
    event_id: str
    occurred_at_utc: datetime
    state: str
    reason: str | None
    activity: ActualActivity


def _current_state_upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (agent) DO UPDATE, only when the new event is not older."""
    table = cast(Table, AgentCurrentStateRow.__table__)
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - the project supports SQLite and PostgreSQL
        raise NotImplementedError(f"no upsert for {dialect}")
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[table.c.agent_id],
        set_={
            "event_id": excluded.event_id,
            "occurred_at_utc": excluded.occurred_at_utc,
            "state": excluded.state,
            "reason": excluded.reason,
            "activity": excluded.activity,
        },
        where=excluded.occurred_at_utc >= table.c.occurred_at_utc,
    )


class AgentStateFeedRepository:
    """Agent state events and each agent's current state."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def agents(self, codes: Iterable[str]) -> dict[str, AgentRef]:
        wanted = sorted(set(codes))
        out: dict[str, AgentRef] = {}
        for chunk in _chunks(wanted):
            for agent_id, code, site_id in self.session.execute(
                select(AgentRow.id, AgentRow.code, AgentRow.site_id).where(
                    AgentRow.code.in_(chunk), AgentRow.active.is_(True)
                )
            ):
                out[code] = AgentRef(agent_id, code, site_id)
        return out

    def known_events(self, event_ids: Iterable[str]) -> dict[str, KnownEvent]:
        wanted = sorted(set(event_ids))
        out: dict[str, KnownEvent] = {}
        for chunk in _chunks(wanted):
            stmt = (
                select(
                    AgentStateEventRow.event_id,
                    AgentRow.code,
                    AgentStateEventRow.occurred_at_utc,
                    AgentStateEventRow.state,
                    AgentStateEventRow.reason,
                )
                .join(AgentRow, AgentStateEventRow.agent_id == AgentRow.id)
                .where(AgentStateEventRow.event_id.in_(chunk))
            )
            for event_id, code, at, state, reason in self.session.execute(stmt):
                out[event_id] = KnownEvent(code, at, state, reason)
        return out

    def latest_by_agent(self, agent_ids: Iterable[int]) -> dict[int, datetime]:
        wanted = sorted(set(agent_ids))
        out: dict[int, datetime] = {}
        for chunk in _chunks(wanted):
            stmt = select(
                AgentCurrentStateRow.agent_id, AgentCurrentStateRow.occurred_at_utc
            ).where(AgentCurrentStateRow.agent_id.in_(chunk))
            out.update(dict(self.session.execute(stmt).all()))
        return out

    def add(
        self,
        events: Sequence[StateEvent],
        agent_ids: Mapping[str, int],
        received_at_utc: datetime,
    ) -> None:
        """Store screened events; move each agent's current state forward where they are newer."""
        if not events:
            return
        rows = [
            {
                "event_id": e.event_id,
                "agent_id": agent_ids[e.agent_code],
                "occurred_at_utc": e.occurred_at_utc,
                "state": e.state,
                "reason": e.reason,
                "activity": e.activity.value,
                "received_at_utc": received_at_utc,
            }
            for e in events
        ]
        # Core executemany: compiled once (cached), batched by the driver.
        self.session.execute(insert(cast(Table, AgentStateEventRow.__table__)), rows)
        newest: dict[int, StateEvent] = {}
        for e in events:  # later in the list wins at equal times (received order)
            agent_id = agent_ids[e.agent_code]
            best = newest.get(agent_id)
            if best is None or e.occurred_at_utc >= best.occurred_at_utc:
                newest[agent_id] = e
        self._upsert_current(
            [
                {
                    "agent_id": agent_id,
                    "event_id": e.event_id,
                    "occurred_at_utc": e.occurred_at_utc,
                    "state": e.state,
                    "reason": e.reason,
                    "activity": e.activity.value,
                }
                for agent_id, e in newest.items()
            ]
        )
        self.session.flush()

    def _upsert_current(self, rows: builtins.list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(_current_state_upsert(self.session.get_bind().dialect.name), rows)

    def events(
        self, site_code: str, start_utc: datetime, end_utc: datetime, agent_code: str | None = None
    ) -> dict[str, builtins.list[StateEvent]]:
        """Events of the site's agents in [start_utc, end_utc), per agent, in time then arrival
        order."""
        stmt = (
            select(
                AgentStateEventRow.event_id,
                AgentRow.code,
                AgentStateEventRow.occurred_at_utc,
                AgentStateEventRow.state,
                AgentStateEventRow.activity,
                AgentStateEventRow.reason,
            )
            .join(AgentRow, AgentStateEventRow.agent_id == AgentRow.id)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .where(
                SiteRow.code == site_code,
                AgentStateEventRow.occurred_at_utc >= start_utc,
                AgentStateEventRow.occurred_at_utc < end_utc,
            )
            .order_by(AgentStateEventRow.occurred_at_utc, AgentStateEventRow.id)
        )
        if agent_code is not None:
            stmt = stmt.where(AgentRow.code == agent_code)
        out: dict[str, builtins.list[StateEvent]] = {}
        for event_id, code, at, state, activity, reason in self.session.execute(stmt):
            out.setdefault(code, []).append(
                StateEvent(event_id, code, at, state, ActualActivity(activity), reason)
            )
        return out

    def current_states(self, site_code: str) -> dict[str, CurrentState]:
        t = AgentCurrentStateRow
        stmt = (
            select(AgentRow.code, t.event_id, t.occurred_at_utc, t.state, t.reason, t.activity)
            .join(AgentRow, t.agent_id == AgentRow.id)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .where(SiteRow.code == site_code)
        )
        return {
            code: CurrentState(code, event_id, at, state, reason, ActualActivity(activity))
            for code, event_id, at, state, reason, activity in self.session.execute(stmt)
        }

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(AgentStateEventRow)) or 0


class QueueSnapshotRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def queue_ids(self, codes: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Queue code -> (queue id, site id) for the codes that exist."""
        stmt = select(QueueRow.code, QueueRow.id, QueueRow.site_id).where(
            QueueRow.code.in_(sorted(set(codes)))
        )
        return {code: (qid, sid) for code, qid, sid in self.session.execute(stmt)}

    def existing(self, keys: Iterable[tuple[int, datetime]]) -> set[tuple[int, datetime]]:
        keys = list(keys)
        if not keys:
            return set()
        queue_ids = sorted({q for q, _ in keys})
        lo = min(at for _, at in keys)
        hi = max(at for _, at in keys)
        stmt = select(QueueSnapshotRow.queue_id, QueueSnapshotRow.observed_at_utc).where(
            QueueSnapshotRow.queue_id.in_(queue_ids),
            QueueSnapshotRow.observed_at_utc >= lo,
            QueueSnapshotRow.observed_at_utc <= hi,
        )
        found = set(self.session.execute(stmt).all())
        return {k for k in keys if k in found}

    def add(
        self,
        snapshots: Sequence[QueueSnapshot],
        queue_ids: Mapping[str, int],
        received_at_utc: datetime,
    ) -> None:
        rows = [
            {
                "queue_id": queue_ids[s.queue_code],
                "observed_at_utc": s.observed_at_utc,
                "contacts_waiting": s.contacts_waiting,
                "longest_wait_seconds": s.longest_wait_seconds,
                "agents_ready": s.agents_ready,
                "answered_today": s.answered_today,
                "abandoned_today": s.abandoned_today,
                "received_at_utc": received_at_utc,
            }
            for s in snapshots
        ]
        for chunk in _chunks(rows, 500):
            self.session.execute(insert(QueueSnapshotRow), list(chunk))
        self.session.flush()

    def list(
        self, site_code: str, start_utc: datetime, end_utc: datetime
    ) -> dict[str, builtins.list[QueueSnapshot]]:
        """Snapshots of the site's queues in [start_utc, end_utc], per queue, oldest first."""
        t = QueueSnapshotRow
        stmt = (
            select(
                QueueRow.code,
                t.observed_at_utc,
                t.contacts_waiting,
                t.longest_wait_seconds,
                t.agents_ready,
                t.answered_today,
                t.abandoned_today,
            )
            .join(QueueRow, t.queue_id == QueueRow.id)
            .join(SiteRow, QueueRow.site_id == SiteRow.id)
            .where(
                SiteRow.code == site_code,
                t.observed_at_utc >= start_utc,
                t.observed_at_utc <= end_utc,
            )
            .order_by(t.observed_at_utc)
        )
        out: dict[str, builtins.list[QueueSnapshot]] = {}
        for code, at, waiting, longest, ready, answered, abandoned in self.session.execute(stmt):
            out.setdefault(code, []).append(
                QueueSnapshot(code, at, waiting, longest, ready, answered, abandoned)
            )
        return out


@dataclass(frozen=True, slots=True)
class StoredPlanChange:
    change: PlanChange
    source: str
    created_by: str
    created_at_utc: datetime


class PlanChangeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        changes: Sequence[PlanChange],
        *,
        source: str,
        created_by: str,
        created_at_utc: datetime,
    ) -> builtins.list[int]:
        agent_ids = dict(
            self.session.execute(
                select(AgentRow.code, AgentRow.id).where(
                    AgentRow.code.in_(sorted({c.agent_code for c in changes}))
                )
            ).all()
        )
        queue_ids = dict(self.session.execute(select(QueueRow.code, QueueRow.id)).all())
        campaign_ids = dict(self.session.execute(select(CampaignRow.code, CampaignRow.id)).all())
        rows = []
        for c in changes:
            if c.agent_code not in agent_ids:
                raise NotFoundError(f"no agent {c.agent_code!r}")
            row = PlanChangeRow(
                agent_id=agent_ids[c.agent_code],
                start_utc=c.start_utc,
                end_utc=c.end_utc,
                activity=c.activity.value if c.activity is not None else None,
                kind=c.kind.value,
                replaces=sorted(a.value for a in c.replaces) if c.replaces is not None else None,
                queue_id=queue_ids.get(c.queue_code) if c.queue_code else None,
                campaign_id=campaign_ids.get(c.campaign_code) if c.campaign_code else None,
                reason=c.reason,
                source=source,
                created_by=created_by,
                created_at=created_at_utc,
            )
            self.session.add(row)
            rows.append(row)
        self.session.flush()
        return [r.id for r in rows]

    def list(
        self,
        site_code: str,
        start_utc: datetime,
        end_utc: datetime,
        *,
        created_before_utc: datetime | None = None,
        after_id: int | None = None,
    ) -> builtins.list[StoredPlanChange]:
        """Changes of the site's agents overlapping [start_utc, end_utc), in recorded order."""
        queue_codes = dict(self.session.execute(select(QueueRow.id, QueueRow.code)).all())
        campaign_codes = dict(self.session.execute(select(CampaignRow.id, CampaignRow.code)).all())
        table = cast(Table, PlanChangeRow.__table__)
        stmt = (
            select(*table.c, AgentRow.code.label("agent_code"))  # rows, not ORM objects
            .join(AgentRow, PlanChangeRow.agent_id == AgentRow.id)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .where(
                SiteRow.code == site_code,
                PlanChangeRow.start_utc < end_utc,
                PlanChangeRow.end_utc > start_utc,
            )
            .order_by(PlanChangeRow.created_at, PlanChangeRow.id)
        )
        if created_before_utc is not None:
            stmt = stmt.where(PlanChangeRow.created_at <= created_before_utc)
        if after_id is not None:
            stmt = stmt.where(PlanChangeRow.id > after_id)
        out = []
        for r in self.session.execute(stmt):
            out.append(
                StoredPlanChange(
                    change=PlanChange(
                        agent_code=r.agent_code,
                        start_utc=r.start_utc,
                        end_utc=r.end_utc,
                        activity=Activity(r.activity) if r.activity is not None else None,
                        kind=ChangeKind(r.kind),
                        replaces=(
                            frozenset(Activity(a) for a in r.replaces)
                            if r.replaces is not None
                            else None
                        ),
                        queue_code=queue_codes.get(r.queue_id) if r.queue_id else None,
                        campaign_code=campaign_codes.get(r.campaign_id) if r.campaign_id else None,
                        reason=r.reason,
                        id=r.id,
                    ),
                    source=r.source,
                    created_by=r.created_by,
                    created_at_utc=r.created_at,
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class IntradaySettings:
    site_code: str
    auto_enabled: bool = False
    auto_max_agents_per_move: int = 3
    auto_max_agents_switched: int = 10
    auto_allow_to_serve: bool = True
    auto_allow_to_sell: bool = True
    state_mapping: dict[str, Any] | None = None
    clock_start_utc: datetime | None = None
    clock_anchor_utc: datetime | None = None
    clock_speed: float | None = None


_SETTING_FIELDS = (
    "auto_enabled",
    "auto_max_agents_per_move",
    "auto_max_agents_switched",
    "auto_allow_to_serve",
    "auto_allow_to_sell",
    "state_mapping",
    "clock_start_utc",
    "clock_anchor_utc",
    "clock_speed",
)


class IntradaySettingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _site_id(self, site_code: str) -> int:
        site_id = self.session.scalar(select(SiteRow.id).where(SiteRow.code == site_code))
        if site_id is None:
            raise NotFoundError(f"no site {site_code!r}")
        return site_id

    def get(self, site_code: str) -> IntradaySettings:
        """The site's settings (the defaults when none were saved)."""
        row = self.session.get(IntradaySettingsRow, self._site_id(site_code))
        if row is None:
            return IntradaySettings(site_code=site_code)
        return IntradaySettings(
            site_code=site_code, **{name: getattr(row, name) for name in _SETTING_FIELDS}
        )

    def by_site_id(self) -> dict[int, IntradaySettings]:
        codes = dict(self.session.execute(select(SiteRow.id, SiteRow.code)).all())
        return {
            row.site_id: IntradaySettings(
                site_code=codes[row.site_id],
                **{name: getattr(row, name) for name in _SETTING_FIELDS},
            )
            for row in self.session.scalars(select(IntradaySettingsRow))
        }

    def save(self, settings: IntradaySettings, *, updated_by: str, at_utc: datetime) -> None:
        site_id = self._site_id(settings.site_code)
        row = self.session.get(IntradaySettingsRow, site_id)
        if row is None:
            row = IntradaySettingsRow(site_id=site_id)
            self.session.add(row)
        for name in _SETTING_FIELDS:
            setattr(row, name, getattr(settings, name))
        row.updated_at = at_utc
        row.updated_by = updated_by
        self.session.flush()


class ReforecastRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(
        self,
        queue_code: str,
        rows: Sequence[tuple[datetime, int, float, float | None, float, float]],
        computed_at_utc: datetime,
    ) -> None:
        """Store a queue's reforecast: (interval start, minutes, forecast, actual, reforecast,
        ratio) per interval, replacing what was stored for those intervals."""
        queue_id = self.session.scalar(select(QueueRow.id).where(QueueRow.code == queue_code))
        if queue_id is None:
            raise NotFoundError(f"no queue {queue_code!r}")
        starts = [r[0] for r in rows]
        if not starts:
            return
        self.session.execute(
            delete(IntradayReforecastRow).where(
                and_(
                    IntradayReforecastRow.queue_id == queue_id,
                    IntradayReforecastRow.interval_start_utc >= min(starts),
                    IntradayReforecastRow.interval_start_utc <= max(starts),
                )
            )
        )
        self.session.execute(
            insert(IntradayReforecastRow),
            [
                {
                    "queue_id": queue_id,
                    "interval_start_utc": start,
                    "interval_minutes": minutes,
                    "forecast_offered": forecast,
                    "actual_offered": actual,
                    "reforecast_offered": reforecast,
                    "applied_ratio": ratio,
                    "computed_at": computed_at_utc,
                }
                for start, minutes, forecast, actual, reforecast, ratio in rows
            ],
        )
        self.session.flush()

    def list(
        self, site_code: str, start_utc: datetime, end_utc: datetime
    ) -> builtins.list[dict[str, Any]]:
        stmt = (
            select(IntradayReforecastRow, QueueRow.code)
            .join(QueueRow, IntradayReforecastRow.queue_id == QueueRow.id)
            .join(SiteRow, QueueRow.site_id == SiteRow.id)
            .where(
                SiteRow.code == site_code,
                IntradayReforecastRow.interval_start_utc >= start_utc,
                IntradayReforecastRow.interval_start_utc < end_utc,
            )
            .order_by(QueueRow.code, IntradayReforecastRow.interval_start_utc)
        )
        return [
            {
                "queue_code": code,
                "interval_start_utc": r.interval_start_utc,
                "interval_minutes": r.interval_minutes,
                "forecast_offered": r.forecast_offered,
                "actual_offered": r.actual_offered,
                "reforecast_offered": r.reforecast_offered,
                "applied_ratio": r.applied_ratio,
                "computed_at_utc": r.computed_at,
            }
            for r, code in self.session.execute(stmt)
        ]

    def totals(
        self, site_code: str, windows: Sequence[tuple[datetime, datetime]]
    ) -> dict[str, builtins.list[tuple[float, float] | None]]:
        """Per queue and window (start inclusive, end exclusive): the stored actual contacts and
        the forecast of the same intervals (those with an actual), or None for a window with no
        stored actual. One query."""
        if not windows:
            return {}
        start = IntradayReforecastRow.interval_start_utc
        window = case(
            *((and_(start >= lo, start < hi), i) for i, (lo, hi) in enumerate(windows)),
            else_=-1,
        ).label("window")
        stmt = (
            select(
                QueueRow.code,
                window,
                func.sum(IntradayReforecastRow.actual_offered),
                func.sum(IntradayReforecastRow.forecast_offered),
            )
            .join(QueueRow, IntradayReforecastRow.queue_id == QueueRow.id)
            .join(SiteRow, QueueRow.site_id == SiteRow.id)
            .where(
                SiteRow.code == site_code,
                IntradayReforecastRow.actual_offered.is_not(None),
                start >= min(lo for lo, _ in windows),
                start < max(hi for _, hi in windows),
            )
            .group_by(QueueRow.code, window)
        )
        out: dict[str, builtins.list[tuple[float, float] | None]] = {}
        for code, index, actual, forecast in self.session.execute(stmt):
            if index < 0:
                continue
            row = out.setdefault(code, [None] * len(windows))
            row[index] = (float(actual or 0.0), float(forecast or 0.0))
        return out


class RecommendationLogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, site_code: str, entry: Mapping[str, Any]) -> int:
        site_id = self.session.scalar(select(SiteRow.id).where(SiteRow.code == site_code))
        if site_id is None:
            raise NotFoundError(f"no site {site_code!r}")
        row = IntradayRecommendationRow(site_id=site_id, **entry)
        self.session.add(row)
        self.session.flush()
        return row.id

    def list(self, site_code: str, limit: int = 50) -> builtins.list[dict[str, Any]]:
        stmt = (
            select(IntradayRecommendationRow)
            .join(SiteRow, IntradayRecommendationRow.site_id == SiteRow.id)
            .where(SiteRow.code == site_code)
            .order_by(IntradayRecommendationRow.as_of_utc.desc(), IntradayRecommendationRow.id)
            .limit(limit)
        )
        return [
            {
                "id": r.id,
                "as_of_utc": r.as_of_utc,
                "direction": r.direction,
                "agent_count": r.agent_count,
                "moves": r.moves,
                "message": r.message,
                "service_level_without": r.service_level_without,
                "service_level_with": r.service_level_with,
                "answer_rate_without": r.answer_rate_without,
                "answer_rate_with": r.answer_rate_with,
                "applied_by_auto": r.applied_by_auto,
            }
            for r in self.session.scalars(stmt)
        ]


@dataclass(frozen=True, slots=True)
class FloorAgentRow:
    code: str
    name: str
    queue_skills: frozenset[str]
    campaign_skills: frozenset[str]


class FloorRepository:
    """What the floor looks like: agents with skills, and the published shifts of a window."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def database_identity(self) -> tuple[str, int]:
        """Which database (and engine) this session reads: caches keyed by stamps include it,
        so two databases with like ids and times never share a cached floor."""
        bind = self.session.get_bind()
        return (str(bind.engine.url), id(bind.engine))

    def agents_stamp(self, site_code: str) -> tuple[Any, ...]:
        """Aggregates over the site's agents and skills that change whenever an agent, a name,
        the active flag or a skill does: when it is unchanged, so is `agents`."""
        site_id = self.session.scalar(select(SiteRow.id).where(SiteRow.code == site_code))
        if site_id is None:
            raise NotFoundError(f"no site {site_code!r}")
        people = self.session.execute(
            select(
                func.count(AgentRow.id),
                func.coalesce(func.sum(AgentRow.id * 3 + case((AgentRow.active, 1), else_=0)), 0),
                func.coalesce(func.sum(func.length(AgentRow.name) * AgentRow.id), 0),
                func.max(AgentRow.id),
            ).where(AgentRow.site_id == site_id)
        ).one()
        stamp: list[Any] = [site_id, *people]
        for skill, other in (
            (AgentQueueSkillRow, AgentQueueSkillRow.queue_id),
            (AgentCampaignSkillRow, AgentCampaignSkillRow.campaign_id),
        ):
            stamp.extend(
                self.session.execute(
                    select(
                        func.count(),
                        func.coalesce(func.sum(skill.agent_id * 100_003 + other), 0),
                    )
                    .select_from(skill)
                    .join(AgentRow, skill.agent_id == AgentRow.id)
                    .where(AgentRow.site_id == site_id)
                ).one()
            )
        return tuple(int(x) if x is not None else None for x in stamp)

    def agents(self, site_code: str) -> dict[str, FloorAgentRow]:
        site_id = self.session.scalar(select(SiteRow.id).where(SiteRow.code == site_code))
        if site_id is None:
            raise NotFoundError(f"no site {site_code!r}")
        names = dict(
            self.session.execute(
                select(AgentRow.code, AgentRow.name).where(
                    AgentRow.site_id == site_id, AgentRow.active.is_(True)
                )
            ).all()
        )
        queue_skills: dict[str, set[str]] = {}
        for agent_code, queue_code in self.session.execute(
            select(AgentRow.code, QueueRow.code)
            .join(AgentQueueSkillRow, AgentQueueSkillRow.agent_id == AgentRow.id)
            .join(QueueRow, AgentQueueSkillRow.queue_id == QueueRow.id)
            .where(AgentRow.site_id == site_id)
        ):
            queue_skills.setdefault(agent_code, set()).add(queue_code)
        campaign_skills: dict[str, set[str]] = {}
        for agent_code, campaign_code in self.session.execute(
            select(AgentRow.code, CampaignRow.code)
            .join(AgentCampaignSkillRow, AgentCampaignSkillRow.agent_id == AgentRow.id)
            .join(CampaignRow, AgentCampaignSkillRow.campaign_id == CampaignRow.id)
            .where(AgentRow.site_id == site_id)
        ):
            campaign_skills.setdefault(agent_code, set()).add(campaign_code)
        return {
            code: FloorAgentRow(
                code,
                name,
                frozenset(queue_skills.get(code, ())),
                frozenset(campaign_skills.get(code, ())),
            )
            for code, name in names.items()
        }

    def published_stamp(self, site_code: str) -> tuple[tuple[int, datetime | None], ...]:
        """What identifies the site's published rosters now (ids and publication times): when
        it is unchanged, so are the published shifts."""
        rows = self.session.execute(
            select(ScheduleRow.id, ScheduleRow.published_at)
            .join(SiteRow, ScheduleRow.site_id == SiteRow.id)
            .where(SiteRow.code == site_code, ScheduleRow.status == ScheduleStatus.PUBLISHED.value)
            .order_by(ScheduleRow.id)
        ).all()
        return tuple((int(i), at) for i, at in rows)

    def published_shifts(
        self, site_code: str, start_utc: datetime, end_utc: datetime
    ) -> dict[str, builtins.list[Shift]]:
        """Shifts of published schedules overlapping [start_utc, end_utc), per agent."""
        shift_rows = self.session.execute(
            select(
                ShiftRow.id,
                AgentRow.code,
                ShiftRow.shift_date,
                ShiftRow.start_utc,
                ShiftRow.end_utc,
            )
            .join(ScheduleRow, ShiftRow.schedule_id == ScheduleRow.id)
            .join(SiteRow, ScheduleRow.site_id == SiteRow.id)
            .join(AgentRow, ShiftRow.agent_id == AgentRow.id)
            .where(
                SiteRow.code == site_code,
                ScheduleRow.status == ScheduleStatus.PUBLISHED.value,
                ShiftRow.start_utc < end_utc,
                ShiftRow.end_utc > start_utc,
            )
        ).all()
        ids = [r[0] for r in shift_rows]
        breaks: dict[int, builtins.list[ShiftBreak]] = {}
        activities: dict[int, builtins.list[ActivitySpan]] = {}
        queue_codes = dict(self.session.execute(select(QueueRow.id, QueueRow.code)).all())
        campaign_codes = dict(self.session.execute(select(CampaignRow.id, CampaignRow.code)).all())
        for chunk in _chunks(ids):
            for shift_id, b_start, b_end, kind in self.session.execute(
                select(
                    ShiftBreakRow.shift_id,
                    ShiftBreakRow.start_utc,
                    ShiftBreakRow.end_utc,
                    ShiftBreakRow.kind,
                ).where(ShiftBreakRow.shift_id.in_(chunk))
            ):
                breaks.setdefault(shift_id, []).append(ShiftBreak(b_start, b_end, kind))
            for (
                shift_id,
                a_start,
                a_end,
                activity,
                queue_id,
                campaign_id,
                authorised,
            ) in self.session.execute(
                select(
                    ShiftActivityRow.shift_id,
                    ShiftActivityRow.start_utc,
                    ShiftActivityRow.end_utc,
                    ShiftActivityRow.activity,
                    ShiftActivityRow.queue_id,
                    ShiftActivityRow.campaign_id,
                    ShiftActivityRow.authorised_change,
                ).where(ShiftActivityRow.shift_id.in_(chunk))
            ):
                activities.setdefault(shift_id, []).append(
                    ActivitySpan(
                        a_start,
                        a_end,
                        Activity(activity),
                        queue_codes.get(queue_id) if queue_id else None,
                        campaign_codes.get(campaign_id) if campaign_id else None,
                        authorised,
                    )
                )
        out: dict[str, builtins.list[Shift]] = {}
        for shift_id, agent_code, shift_date, s_start, s_end in shift_rows:
            out.setdefault(agent_code, []).append(
                Shift(
                    agent_code=agent_code,
                    shift_date=shift_date,
                    start_utc=s_start,
                    end_utc=s_end,
                    breaks=tuple(sorted(breaks.get(shift_id, ()), key=lambda b: b.start_utc)),
                    activities=tuple(
                        sorted(activities.get(shift_id, ()), key=lambda a: a.start_utc)
                    ),
                )
            )
        for shifts in out.values():
            shifts.sort(key=lambda s: s.start_utc)
        return out
