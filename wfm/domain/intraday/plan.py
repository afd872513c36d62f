"""The effective plan of an agent: the published shift with authorised changes laid over it.

A published shift says, for every minute from its start to its end, what the agent should be doing
(its activity spans, with breaks and lunches on top). During the day a floor manager changes the
plan: a sell/serve *switch* for named agents, or an approved *exception* (a meeting, a coaching
session, an absence). Changes are recorded, never edited into the roster, and laid over it in the
order they were recorded; the result is the *effective plan* that adherence is measured against,
so an authorised change never counts against the agent.

A change with an activity replaces the planned activity over its time range, but only where the
agent is scheduled and only for the activities it `replaces` (a switch from selling to serving
replaces selling and leaves a planned break alone). A change without an activity (an approved
absence) removes its time range from the plan: those minutes are neither scheduled nor counted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from wfm.domain import Activity, Shift


class ChangeKind(enum.StrEnum):
    SWITCH = "switch"  # a floor manager's (or the auto mode's) sell/serve switch
    EXCEPTION = "exception"  # an approved exception: meeting, training, absence ...


@dataclass(frozen=True, slots=True)
class PlanSpan:
    """One planned activity of an agent over [start_utc, end_utc)."""

    start_utc: datetime
    end_utc: datetime
    activity: Activity
    queue_code: str | None = None
    campaign_code: str | None = None
    authorised_change: bool = False


@dataclass(frozen=True, slots=True)
class PlanChange:
    """An authorised change to one agent's plan over [start_utc, end_utc).

    `activity` None removes the range from the plan (an approved absence). `replaces` limits the
    change to spans planned with one of those activities (None: every activity).
    """

    agent_code: str
    start_utc: datetime
    end_utc: datetime
    activity: Activity | None
    kind: ChangeKind = ChangeKind.EXCEPTION
    replaces: frozenset[Activity] | None = None
    queue_code: str | None = None
    campaign_code: str | None = None
    reason: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.start_utc.tzinfo is None or self.end_utc.tzinfo is None:
            raise ValueError("start_utc and end_utc must be timezone-aware")
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")


def switch_change(
    agent_code: str,
    start_utc: datetime,
    end_utc: datetime,
    to_activity: Activity,
    *,
    queue_code: str | None = None,
    campaign_code: str | None = None,
    reason: str = "",
    id: int | None = None,
) -> PlanChange:
    """A sell/serve switch: serve replaces planned selling, or sell replaces planned serving."""
    if to_activity not in (Activity.SERVE, Activity.SELL):
        raise ValueError("a switch goes to serve or to sell")
    source = Activity.SELL if to_activity is Activity.SERVE else Activity.SERVE
    return PlanChange(
        agent_code=agent_code,
        start_utc=start_utc,
        end_utc=end_utc,
        activity=to_activity,
        kind=ChangeKind.SWITCH,
        replaces=frozenset({source}),
        queue_code=queue_code,
        campaign_code=campaign_code,
        reason=reason,
        id=id,
    )


def spans_from_shift(shift: Shift, default_activity: Activity = Activity.SERVE) -> list[PlanSpan]:
    """The shift's minute-by-minute plan: activity spans, with breaks and lunches on top.

    Shift time covered by neither an activity span nor a break gets `default_activity`. Spans are
    clipped to the shift; the result is sorted, non-overlapping and merged where adjacent spans
    carry the same activity, queue and campaign.
    """
    layers: list[PlanSpan] = [
        PlanSpan(a.start_utc, a.end_utc, a.activity, a.queue_code, a.campaign_code,
                 a.authorised_change)
        for a in sorted(shift.activities, key=lambda a: a.start_utc)
    ]  # fmt: skip
    layers.extend(
        PlanSpan(
            b.start_utc,
            b.end_utc,
            Activity.LUNCH if b.kind == Activity.LUNCH.value else Activity.BREAK,
        )
        for b in sorted(shift.breaks, key=lambda b: b.start_utc)
    )
    # Sweep the boundaries; in each piece the last layer covering it wins (breaks are last).
    points = sorted(
        {shift.start_utc, shift.end_utc}
        | {
            p
            for layer in layers
            for p in (layer.start_utc, layer.end_utc)
            if shift.start_utc < p < shift.end_utc
        }
    )
    default = PlanSpan(shift.start_utc, shift.end_utc, default_activity)
    spans: list[PlanSpan] = []
    for lo, hi in zip(points, points[1:], strict=False):
        top = default
        for layer in layers:
            if layer.start_utc <= lo and hi <= layer.end_utc:
                top = layer
        spans.append(_span(top, lo, hi))
    return _merge(spans)


def effective_plan(
    shifts: Iterable[Shift],
    changes: Sequence[PlanChange] = (),
    *,
    default_activity: Activity = Activity.SERVE,
) -> list[PlanSpan]:
    """One agent's effective plan: its shifts' spans with `changes` applied in order."""
    spans: list[PlanSpan] = []
    for shift in sorted(shifts, key=lambda s: s.start_utc):
        spans.extend(spans_from_shift(shift, default_activity))
    spans.sort(key=lambda s: s.start_utc)
    for change in changes:
        spans = apply_change(spans, change)
    return spans


def apply_change(spans: Sequence[PlanSpan], change: PlanChange) -> list[PlanSpan]:
    """The plan with one change applied (only over scheduled time; see the module docstring)."""
    if change.activity is None:
        out: list[PlanSpan] = []
        for s in spans:
            if not _affected(s, change.replaces):
                out.append(s)
                continue
            out.extend(_cut(s, change.start_utc, change.end_utc))
        return out
    overlay = PlanSpan(
        change.start_utc,
        change.end_utc,
        change.activity,
        change.queue_code,
        change.campaign_code,
        authorised_change=True,
    )
    return _merge(_overlay(list(spans), overlay, replaces=change.replaces))


def activity_at(spans: Sequence[PlanSpan], at_utc: datetime) -> PlanSpan | None:
    """The span in force at `at_utc`, or None when the agent is not scheduled then."""
    for s in spans:
        if s.start_utc <= at_utc < s.end_utc:
            return s
        if s.start_utc > at_utc:
            break
    return None


def _span(span: PlanSpan, start: datetime, end: datetime) -> PlanSpan:
    """`span` over [start, end) (direct construction: `dataclasses.replace` is slow in loops)."""
    return PlanSpan(
        start, end, span.activity, span.queue_code, span.campaign_code, span.authorised_change
    )


def _affected(span: PlanSpan, replaces: frozenset[Activity] | None) -> bool:
    return replaces is None or span.activity in replaces


def _cut(span: PlanSpan, start: datetime, end: datetime) -> list[PlanSpan]:
    """The parts of `span` outside [start, end)."""
    if end <= span.start_utc or start >= span.end_utc:
        return [span]
    parts = []
    if span.start_utc < start:
        parts.append(_span(span, span.start_utc, start))
    if end < span.end_utc:
        parts.append(_span(span, end, span.end_utc))
    return parts


def _overlay(
    spans: list[PlanSpan], top: PlanSpan, *, replaces: frozenset[Activity] | None
) -> list[PlanSpan]:
    """Lay `top` over `spans`, only where an affected span lies beneath (a plan never grows)."""
    out: list[PlanSpan] = []
    for s in spans:
        overlaps = s.start_utc < top.end_utc and top.start_utc < s.end_utc
        if not overlaps or not _affected(s, replaces):
            out.append(s)
            continue
        out.extend(_cut(s, top.start_utc, top.end_utc))
        out.append(_span(top, max(s.start_utc, top.start_utc), min(s.end_utc, top.end_utc)))
    out.sort(key=lambda s: s.start_utc)
    return out


def _merge(spans: list[PlanSpan]) -> list[PlanSpan]:
    spans = sorted(spans, key=lambda s: s.start_utc)
    merged: list[PlanSpan] = []
    for s in spans:
        if s.end_utc <= s.start_utc:
            continue
        if merged:
            last = merged[-1]
            if (
                last.end_utc == s.start_utc
                and last.activity == s.activity
                and last.queue_code == s.queue_code
                and last.campaign_code == s.campaign_code
                and last.authorised_change == s.authorised_change
            ):
                merged[-1] = _span(last, last.start_utc, s.end_utc)
                continue
        merged.append(s)
    return merged
