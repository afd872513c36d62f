"""ACD agent states and what they mean for the plan: the state mapping.

An ACD reports an agent's state (``ready``, ``on_call``, ``not_ready`` ...) and, for some states,
a reason code. Intraday work needs the *activity* behind it, the same vocabulary the roster uses
(serve, sell, break, lunch, other) plus two that only happen in reality: ``not_ready`` (logged in
but unavailable for no planned reason) and ``logged_out``.

`StateMapping` turns (state, reason) into an `ActualActivity`. It is configurable: a table of
states, and a table of (state, reason) pairs that override the state's activity. State and reason
codes are compared case-insensitively with spaces and dashes treated as underscores, so
``"Not Ready"``, ``"not-ready"`` and ``"NOT_READY"`` are the same state.

Default table (`DEFAULT_STATE_ACTIVITIES`, `DEFAULT_REASON_ACTIVITIES`):

============================================  ======================
ACD state                                     activity
============================================  ======================
ready, available, idle                        serve
on_call, inbound_call, talking, hold          serve
after_call_work, acw, wrap_up                 serve
outbound_dialling, dialling, outbound_call    sell
break                                         break
lunch                                         lunch
not_ready (no reason or an unlisted reason)   not_ready
not_ready + break / lunch                     break / lunch
not_ready + meeting / training / coaching     other
logged_out, offline                           logged_out
============================================  ======================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from wfm.domain import Activity


class ActualActivity(enum.StrEnum):
    """What an agent is actually doing, from the ACD state feed."""

    SERVE = "serve"
    SELL = "sell"
    BREAK = "break"
    LUNCH = "lunch"
    OTHER = "other"
    NOT_READY = "not_ready"
    LOGGED_OUT = "logged_out"


# Activities during which the agent is at work (logged in and not on a break or lunch): they count
# as worked minutes for conformance.
WORKING_ACTIVITIES: frozenset[ActualActivity] = frozenset(
    {ActualActivity.SERVE, ActualActivity.SELL, ActualActivity.OTHER, ActualActivity.NOT_READY}
)

# Planned activities that are work (the conformance denominator).
PLANNED_WORK_ACTIVITIES: frozenset[Activity] = frozenset(
    {Activity.SERVE, Activity.SELL, Activity.OTHER}
)

DEFAULT_STATE_ACTIVITIES: Mapping[str, ActualActivity] = {
    "ready": ActualActivity.SERVE,
    "available": ActualActivity.SERVE,
    "idle": ActualActivity.SERVE,
    "on_call": ActualActivity.SERVE,
    "inbound_call": ActualActivity.SERVE,
    "talking": ActualActivity.SERVE,
    "hold": ActualActivity.SERVE,
    "after_call_work": ActualActivity.SERVE,
    "acw": ActualActivity.SERVE,
    "wrap_up": ActualActivity.SERVE,
    "outbound_dialling": ActualActivity.SELL,
    "outbound_dialing": ActualActivity.SELL,
    "dialling": ActualActivity.SELL,
    "dialing": ActualActivity.SELL,
    "outbound_call": ActualActivity.SELL,
    "break": ActualActivity.BREAK,
    "lunch": ActualActivity.LUNCH,
    "not_ready": ActualActivity.NOT_READY,
    "aux": ActualActivity.NOT_READY,
    "logged_out": ActualActivity.LOGGED_OUT,
    "offline": ActualActivity.LOGGED_OUT,
}

DEFAULT_REASON_ACTIVITIES: Mapping[tuple[str, str], ActualActivity] = {
    ("not_ready", "break"): ActualActivity.BREAK,
    ("not_ready", "lunch"): ActualActivity.LUNCH,
    ("not_ready", "meeting"): ActualActivity.OTHER,
    ("not_ready", "training"): ActualActivity.OTHER,
    ("not_ready", "coaching"): ActualActivity.OTHER,
    ("aux", "break"): ActualActivity.BREAK,
    ("aux", "lunch"): ActualActivity.LUNCH,
    ("aux", "meeting"): ActualActivity.OTHER,
    ("aux", "training"): ActualActivity.OTHER,
    ("aux", "coaching"): ActualActivity.OTHER,
}


def normalise_code(code: str) -> str:
    """Lower case, surrounding blanks stripped, spaces and dashes turned into underscores."""
    return "_".join(code.strip().lower().replace("-", " ").split())


class UnknownStateError(ValueError):
    """The state is not in the mapping."""


@dataclass(frozen=True, slots=True)
class StateMapping:
    """ACD (state, reason) → `ActualActivity`; keys are normalised with `normalise_code`."""

    state_activities: Mapping[str, ActualActivity] = field(
        default_factory=lambda: dict(DEFAULT_STATE_ACTIVITIES)
    )
    reason_activities: Mapping[tuple[str, str], ActualActivity] = field(
        default_factory=lambda: dict(DEFAULT_REASON_ACTIVITIES)
    )

    @classmethod
    def from_tables(
        cls,
        states: Mapping[str, str],
        reasons: Mapping[tuple[str, str], str] | None = None,
        *,
        extend_default: bool = True,
    ) -> StateMapping:
        """A mapping from plain strings; with `extend_default` the defaults are kept underneath.

        Raises ValueError naming the entry when an activity is not one of `ActualActivity`.
        """
        state_table: dict[str, ActualActivity] = (
            dict(DEFAULT_STATE_ACTIVITIES) if extend_default else {}
        )
        reason_table: dict[tuple[str, str], ActualActivity] = (
            dict(DEFAULT_REASON_ACTIVITIES) if extend_default else {}
        )
        for state, activity in states.items():
            state_table[normalise_code(state)] = _activity(activity, f"state {state!r}")
        for (state, reason), activity in (reasons or {}).items():
            key = (normalise_code(state), normalise_code(reason))
            reason_table[key] = _activity(activity, f"state {state!r} with reason {reason!r}")
        return cls(state_activities=state_table, reason_activities=reason_table)

    def knows(self, state: str) -> bool:
        return normalise_code(state) in self.state_activities

    def activity_of(self, state: str, reason: str | None = None) -> ActualActivity:
        """The activity of an ACD state; raises `UnknownStateError` for a state not mapped."""
        key = normalise_code(state)
        if reason:
            override = self.reason_activities.get((key, normalise_code(reason)))
            if override is not None:
                return override
        try:
            return self.state_activities[key]
        except KeyError:
            raise UnknownStateError(f"unknown ACD state {state!r}") from None

    def as_table(self) -> list[dict[str, str | None]]:
        """The mapping as rows (state, reason, activity), for documentation and the API."""
        rows: list[dict[str, str | None]] = [
            {"state": s, "reason": None, "activity": a.value}
            for s, a in sorted(self.state_activities.items())
        ]
        rows.extend(
            {"state": s, "reason": r, "activity": a.value}
            for (s, r), a in sorted(self.reason_activities.items())
        )
        return rows


def _activity(value: str, where: str) -> ActualActivity:
    try:
        return ActualActivity(normalise_code(value))
    except ValueError:
        allowed = ", ".join(a.value for a in ActualActivity)
        raise ValueError(f"{where}: activity {value!r} is not one of {allowed}") from None


DEFAULT_STATE_MAPPING = StateMapping()


def matches(planned: Activity | None, actual: ActualActivity) -> bool:
    """Whether the actual activity is what the plan asks for (None = not scheduled: logged out)."""
    if planned is None:
        return actual is ActualActivity.LOGGED_OUT
    return actual.value == planned.value
