"""The live feeds: agent-state events and queue snapshots, screened per item and stored.

A batch is stored as far as it can be; what cannot is rejected per item with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from wfm.db.repositories.intraday import (
    AgentRef,
    AgentStateFeedRepository,
    IntradaySettings,
    IntradaySettingsRepository,
    QueueSnapshotRepository,
)
from wfm.domain.intraday import (
    AgentMove,
    IngestLimits,
    QueueSnapshot,
    RawEvent,
    Rejection,
    RejectReason,
    StateEvent,
    screen_batch,
)
from wfm.services.intraday.auto import run_due_auto_modes
from wfm.services.intraday.clock import _real_now, clock_now, state_mapping_from

# --- agent-state events ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventIngestResult:
    received: int
    accepted: int
    rejections: tuple[Rejection, ...]

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rejections if r.reason is RejectReason.DUPLICATE)


def ingest_agent_events(
    session: Session,
    *,
    events: Sequence[RawEvent],
    limits: IngestLimits = IngestLimits(),
    real_now_utc: datetime | None = None,
) -> EventIngestResult:
    """Store what can be stored of a batch; the rest is rejected per item with its reason."""
    real = real_now_utc or _real_now()
    feed = AgentStateFeedRepository(session)
    agents = feed.agents(e.agent_code for e in events)
    settings = IntradaySettingsRepository(session).by_site_id()
    known = feed.known_events(e.event_id for e in events)
    latest_ids = feed.latest_by_agent(ref.id for ref in agents.values())
    latest = {code: latest_ids[ref.id] for code, ref in agents.items() if ref.id in latest_ids}

    first_index, groups, repeated = _group_by_site(events, agents)
    rejections: list[Rejection] = []
    accepted: list[StateEvent] = []
    for site_id, indexes in groups.items():
        site_settings = settings.get(site_id) if site_id is not None else None
        now = clock_now(site_settings, real) if site_settings else real
        mapping = state_mapping_from(site_settings.state_mapping if site_settings else None)
        screened = screen_batch(
            [events[i] for i in indexes],
            now_utc=now,
            known_agents=agents,
            known_events=known,
            latest_by_agent=latest,
            mapping=mapping,
            limits=limits,
        )
        accepted.extend(screened.accepted)
        rejections.extend(replace(r, index=indexes[r.index]) for r in screened.rejections)
    rejections.extend(_repeated_rejections(events, first_index, repeated))
    feed.add(accepted, {code: ref.id for code, ref in agents.items()}, real)
    rejections.sort(key=lambda r: r.index)
    return EventIngestResult(len(events), len(accepted), tuple(rejections))


def _group_by_site(
    events: Sequence[RawEvent], agents: Mapping[str, AgentRef]
) -> tuple[dict[str, int], dict[int | None, list[int]], list[int]]:
    """The index of each event id's first occurrence, those first occurrences grouped by the
    agent's site (None: unknown agent), and the indexes of the repeats (an id repeated within the
    batch is screened once, at its first occurrence)."""
    first_index: dict[str, int] = {}
    groups: dict[int | None, list[int]] = {}
    repeated: list[int] = []
    for i, e in enumerate(events):
        if e.event_id in first_index:
            repeated.append(i)
            continue
        first_index[e.event_id] = i
        ref = agents.get(e.agent_code)
        groups.setdefault(ref.site_id if ref else None, []).append(i)
    return first_index, groups, repeated


def _repeated_rejections(
    events: Sequence[RawEvent], first_index: Mapping[str, int], repeated: Sequence[int]
) -> list[Rejection]:
    """A repeat of an id within the batch: a duplicate when it says the same as the first
    occurrence, a conflicting duplicate otherwise."""
    out: list[Rejection] = []
    for i in repeated:
        e = events[i]
        first = events[first_index[e.event_id]]
        same = (first.agent_code, first.occurred_at_utc, first.state, first.reason or None) == (
            e.agent_code,
            e.occurred_at_utc,
            e.state,
            e.reason or None,
        )
        out.append(
            Rejection(
                i,
                e.event_id,
                RejectReason.DUPLICATE if same else RejectReason.CONFLICTING_DUPLICATE,
                f"event {e.event_id!r} appears more than once in the batch"
                + ("" if same else " with different content"),
            )
        )
    return out


# --- queue snapshots ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SnapshotRejection:
    index: int
    queue_code: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class SnapshotIngestResult:
    received: int
    accepted: int
    rejections: tuple[SnapshotRejection, ...]
    auto_applied: tuple[AgentMove, ...] = ()


def ingest_queue_snapshots(
    session: Session,
    *,
    snapshots: Sequence[QueueSnapshot],
    limits: IngestLimits = IngestLimits(),
    real_now_utc: datetime | None = None,
) -> SnapshotIngestResult:
    """Store queue snapshots (idempotent by queue and time); bad items are rejected per item.

    When a site's auto mode is on, it is evaluated here too (at most every 5 site-clock minutes).
    """
    real = real_now_utc or _real_now()
    repo = QueueSnapshotRepository(session)
    queues = repo.queue_ids(s.queue_code for s in snapshots)
    settings = IntradaySettingsRepository(session).by_site_id()
    candidates, rejections = _screen_snapshots(snapshots, queues, settings, limits, real)
    stored = repo.existing((queues[s.queue_code][0], s.observed_at_utc) for _, s in candidates)
    fresh: list[QueueSnapshot] = []
    for i, s in candidates:
        if (queues[s.queue_code][0], s.observed_at_utc) in stored:
            rejections.append(
                SnapshotRejection(
                    i, s.queue_code, "duplicate", "a snapshot of this queue at this time exists"
                )
            )
        else:
            fresh.append(s)
    repo.add(fresh, {code: qid for code, (qid, _) in queues.items()}, real)
    rejections.sort(key=lambda r: r.index)

    site_ids = {queues[s.queue_code][1] for s in fresh}
    applied = run_due_auto_modes(session, site_ids, settings, real)
    return SnapshotIngestResult(len(snapshots), len(fresh), tuple(rejections), tuple(applied))


def _screen_snapshots(
    snapshots: Sequence[QueueSnapshot],
    queues: Mapping[str, tuple[int, int]],
    settings: Mapping[int, IntradaySettings],
    limits: IngestLimits,
    real: datetime,
) -> tuple[list[tuple[int, QueueSnapshot]], list[SnapshotRejection]]:
    """The snapshots that may be stored, with their index in the batch, and the rejections of
    the others (unknown queue, no timezone, ahead of the site clock, repeated within the batch).
    `queues` gives each known queue code its (queue id, site id)."""
    rejections: list[SnapshotRejection] = []
    candidates: list[tuple[int, QueueSnapshot]] = []
    seen: set[tuple[int, datetime]] = set()
    skew = timedelta(seconds=limits.max_clock_skew_seconds)
    for i, s in enumerate(snapshots):
        if s.queue_code not in queues:
            rejections.append(
                SnapshotRejection(i, s.queue_code, "unknown_queue", f"no queue {s.queue_code!r}")
            )
            continue
        if s.observed_at_utc.tzinfo is None:
            rejections.append(
                SnapshotRejection(i, s.queue_code, "naive_timestamp", "observed_at has no timezone")
            )
            continue
        queue_id, site_id = queues[s.queue_code]
        site_settings = settings.get(site_id)
        now = clock_now(site_settings, real) if site_settings else real
        if s.observed_at_utc > now + skew:
            ahead = (s.observed_at_utc - now).total_seconds()
            rejections.append(
                SnapshotRejection(
                    i,
                    s.queue_code,
                    "clock_skew",
                    f"snapshot is {ahead:.0f} s ahead of the server clock "
                    f"(limit {limits.max_clock_skew_seconds:g} s)",
                )
            )
            continue
        key = (queue_id, s.observed_at_utc)
        if key in seen:
            rejections.append(
                SnapshotRejection(i, s.queue_code, "duplicate", "repeated within the batch")
            )
            continue
        seen.add(key)
        candidates.append((i, s))
    return candidates, rejections
