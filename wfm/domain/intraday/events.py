"""Agent state events: their type, their order, and the screening of an incoming batch.

Events arrive in batches from the ACD, possibly repeated (a retry re-sends a batch), out of order
(two collectors race) or from a machine whose clock is wrong. `screen_batch` decides, per item,
whether an event is kept and, if not, why, so the rest of the batch is kept:

- ``duplicate``: the event id was already received (with the same content): idempotent, not
  stored again. The same id with *different* content is ``conflicting_duplicate``.
- ``unknown_agent``: no such agent at the site.
- ``unknown_state``: the state is not in the state mapping.
- ``naive_timestamp``: the timestamp has no timezone.
- ``clock_skew``: the event is later than the receiver's clock plus `max_clock_skew_seconds`.
- ``too_old``: the event is older than `max_event_age_seconds`.
- ``out_of_order``: the event is older than the agent's latest known event by more than
  `reorder_window_seconds`. Within the window a late event is kept and put in its place in time.

Events are ordered by time; at equal times the order they were received in decides.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from wfm.domain.intraday.states import ActualActivity, StateMapping, UnknownStateError


@dataclass(frozen=True, slots=True)
class StateEvent:
    """One state change of one agent, with the activity the state mapping gave it."""

    event_id: str
    agent_code: str
    occurred_at_utc: datetime
    state: str
    activity: ActualActivity
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event as received, before screening."""

    event_id: str
    agent_code: str
    occurred_at_utc: datetime
    state: str
    reason: str | None = None


class RejectReason(enum.StrEnum):
    DUPLICATE = "duplicate"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    UNKNOWN_AGENT = "unknown_agent"
    UNKNOWN_STATE = "unknown_state"
    NAIVE_TIMESTAMP = "naive_timestamp"
    CLOCK_SKEW = "clock_skew"
    TOO_OLD = "too_old"
    OUT_OF_ORDER = "out_of_order"


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int  # position of the item in the batch
    event_id: str
    reason: RejectReason
    message: str


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Limits of the event feed (seconds)."""

    max_clock_skew_seconds: float = 120.0
    max_event_age_seconds: float = 36 * 3600.0
    reorder_window_seconds: float = 300.0

    def __post_init__(self) -> None:
        for name in ("max_clock_skew_seconds", "max_event_age_seconds", "reorder_window_seconds"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0")


@dataclass(frozen=True, slots=True)
class KnownEvent:
    """What the store already holds for an event id (to tell a retry from a conflict)."""

    agent_code: str
    occurred_at_utc: datetime
    state: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class ScreenedBatch:
    accepted: tuple[StateEvent, ...]
    accepted_indexes: tuple[int, ...]
    rejections: tuple[Rejection, ...]

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rejections if r.reason is RejectReason.DUPLICATE)


def screen_batch(
    batch: Sequence[RawEvent],
    *,
    now_utc: datetime,
    known_agents: Iterable[str] | Mapping[str, object],
    known_events: Mapping[str, KnownEvent],
    latest_by_agent: Mapping[str, datetime],
    mapping: StateMapping,
    limits: IngestLimits = IngestLimits(),
) -> ScreenedBatch:
    """Keep what can be kept of a batch; every other item gets a `Rejection` with its reason.

    `known_events` holds the already stored events whose ids occur in the batch; `latest_by_agent`
    the time of each agent's latest stored event. Items are checked in time order, so a batch may
    list its events in any order; an id repeated within the batch is kept once.
    """
    agents = known_agents if isinstance(known_agents, Mapping) else set(known_agents)
    skew = timedelta(seconds=limits.max_clock_skew_seconds)
    max_age = timedelta(seconds=limits.max_event_age_seconds)
    reorder = timedelta(seconds=limits.reorder_window_seconds)
    rejections: list[Rejection] = []
    candidates: list[tuple[int, RawEvent, ActualActivity]] = []
    seen: dict[str, RawEvent] = {}
    for index, raw in enumerate(batch):
        reason, message = _check_item(raw, now_utc, agents, mapping, skew, max_age)
        if reason is None:
            stored = known_events.get(raw.event_id)
            previous = seen.get(raw.event_id)
            if stored is not None:
                reason, message = _duplicate_reason(raw, stored)
            elif previous is not None:
                reason, message = _duplicate_reason(raw, _known(previous))
        if reason is not None:
            rejections.append(Rejection(index, raw.event_id, reason, message))
            continue
        seen[raw.event_id] = raw
        candidates.append((index, raw, mapping.activity_of(raw.state, raw.reason)))

    latest = dict(latest_by_agent)
    accepted: list[StateEvent] = []
    accepted_indexes: list[int] = []
    for index, raw, activity in sorted(candidates, key=lambda c: (c[1].occurred_at_utc, c[0])):
        last = latest.get(raw.agent_code)
        if last is not None and raw.occurred_at_utc < last - reorder:
            rejections.append(
                Rejection(
                    index,
                    raw.event_id,
                    RejectReason.OUT_OF_ORDER,
                    f"event at {raw.occurred_at_utc.isoformat()} is more than "
                    f"{limits.reorder_window_seconds:g} s older than the agent's latest event "
                    f"({last.isoformat()})",
                )
            )
            continue
        if last is None or raw.occurred_at_utc > last:
            latest[raw.agent_code] = raw.occurred_at_utc
        accepted.append(
            StateEvent(
                event_id=raw.event_id,
                agent_code=raw.agent_code,
                occurred_at_utc=raw.occurred_at_utc,
                state=raw.state,
                activity=activity,
                reason=raw.reason,
            )
        )
        accepted_indexes.append(index)
    rejections.sort(key=lambda r: r.index)
    return ScreenedBatch(tuple(accepted), tuple(accepted_indexes), tuple(rejections))


def _check_item(
    raw: RawEvent,
    now_utc: datetime,
    agents: Mapping[str, object] | set[str],
    mapping: StateMapping,
    skew: timedelta,
    max_age: timedelta,
) -> tuple[RejectReason | None, str]:
    if raw.agent_code not in agents:
        return RejectReason.UNKNOWN_AGENT, f"no agent {raw.agent_code!r}"
    if raw.occurred_at_utc.tzinfo is None:
        return RejectReason.NAIVE_TIMESTAMP, "occurred_at has no timezone"
    if raw.occurred_at_utc > now_utc + skew:
        ahead = (raw.occurred_at_utc - now_utc).total_seconds()
        return (
            RejectReason.CLOCK_SKEW,
            f"event is {ahead:.0f} s ahead of the server clock (limit {skew.total_seconds():g} s)",
        )
    if raw.occurred_at_utc < now_utc - max_age:
        return (
            RejectReason.TOO_OLD,
            f"event is older than {max_age.total_seconds() / 3600:g} h",
        )
    try:
        mapping.activity_of(raw.state, raw.reason)
    except UnknownStateError as exc:
        return RejectReason.UNKNOWN_STATE, str(exc)
    return None, ""


def _known(raw: RawEvent) -> KnownEvent:
    return KnownEvent(raw.agent_code, raw.occurred_at_utc, raw.state, raw.reason)


def _duplicate_reason(raw: RawEvent, stored: KnownEvent) -> tuple[RejectReason, str]:
    same = (
        stored.agent_code == raw.agent_code
        and stored.occurred_at_utc == raw.occurred_at_utc
        and stored.state == raw.state
        and (stored.reason or None) == (raw.reason or None)
    )
    if same:
        return RejectReason.DUPLICATE, f"event {raw.event_id!r} was already received"
    return (
        RejectReason.CONFLICTING_DUPLICATE,
        f"event {raw.event_id!r} was already received with different content",
    )


def ordered(events: Iterable[StateEvent]) -> list[StateEvent]:
    """Events without repeated ids (the first kept), in time order (stable at equal times)."""
    seen: set[str] = set()
    unique: list[StateEvent] = []
    for e in events:
        if e.event_id in seen:
            continue
        seen.add(e.event_id)
        unique.append(e)
    unique.sort(key=lambda e: e.occurred_at_utc)
    return unique
