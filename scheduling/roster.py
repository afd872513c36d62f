"""A roster: each agent's shifts with breaks and activities, on absolute (UTC) time.

Activities are ``serve:<queue>``, ``sell:<campaign>``, ``break``, ``lunch`` or ``other`` (working
time with nothing to serve or sell). `roster_from_json` reads the ``agents`` part of a roster
document (docs/roster-problem.md, "Output"); the rest of the document is derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

ROSTER_FORMAT = "wfm.roster"
ROSTER_VERSION = 1


class RosterFormatError(ValueError):
    """A roster document that can't be read; the message names the JSON path."""


@dataclass(frozen=True, slots=True)
class BreakSpan:
    start_utc: datetime
    end_utc: datetime
    kind: str


@dataclass(frozen=True, slots=True)
class ActivitySpan:
    start_utc: datetime
    end_utc: datetime
    activity: str


@dataclass(frozen=True, slots=True)
class RosterShift:
    agent_code: str
    shift_date: date  # the local date the shift starts on
    start_utc: datetime
    end_utc: datetime
    breaks: tuple[BreakSpan, ...] = ()
    activities: tuple[ActivitySpan, ...] = ()

    @property
    def minutes(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class Roster:
    shifts: tuple[RosterShift, ...]

    def by_agent(self) -> dict[str, list[RosterShift]]:
        result: dict[str, list[RosterShift]] = {}
        for shift in self.shifts:
            result.setdefault(shift.agent_code, []).append(shift)
        for shifts in result.values():
            shifts.sort(key=lambda shift: shift.start_utc)
        return result


def instant_text(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def shifts_to_json(roster: Roster, agent_codes: list[str]) -> list[dict[str, Any]]:
    """The ``agents`` list of the output: every agent of the problem, with their shifts."""
    by_agent = roster.by_agent()
    return [
        {
            "code": code,
            "shifts": [
                {
                    "date": shift.shift_date.isoformat(),
                    "start_utc": instant_text(shift.start_utc),
                    "end_utc": instant_text(shift.end_utc),
                    "breaks": [
                        {
                            "start_utc": instant_text(brk.start_utc),
                            "end_utc": instant_text(brk.end_utc),
                            "kind": brk.kind,
                        }
                        for brk in shift.breaks
                    ],
                    "activities": [
                        {
                            "start_utc": instant_text(span.start_utc),
                            "end_utc": instant_text(span.end_utc),
                            "activity": span.activity,
                        }
                        for span in shift.activities
                    ],
                }
                for shift in by_agent.get(code, [])
            ],
        }
        for code in agent_codes
    ]


def roster_from_json(document: Any) -> Roster:
    """The shifts of a roster document; `RosterFormatError` naming the JSON path if malformed."""
    if not isinstance(document, dict):
        raise RosterFormatError("$: a roster document must be a JSON object")
    if document.get("format") != ROSTER_FORMAT:
        raise RosterFormatError(f"$.format: must be {ROSTER_FORMAT!r}")
    if document.get("version") != ROSTER_VERSION:
        raise RosterFormatError(f"$.version: must be {ROSTER_VERSION}")
    agents = document.get("agents")
    if not isinstance(agents, list):
        raise RosterFormatError("$.agents: must be a list")
    shifts: list[RosterShift] = []
    for i, agent in enumerate(agents):
        path = f"$.agents[{i}]"
        if not isinstance(agent, dict) or not isinstance(agent.get("code"), str):
            raise RosterFormatError(f"{path}.code: must be a string")
        raw_shifts = agent.get("shifts", [])
        if not isinstance(raw_shifts, list):
            raise RosterFormatError(f"{path}.shifts: must be a list")
        for j, raw in enumerate(raw_shifts):
            spath = f"{path}.shifts[{j}]"
            if not isinstance(raw, dict):
                raise RosterFormatError(f"{spath}: must be an object")
            shifts.append(
                RosterShift(
                    agent_code=agent["code"],
                    shift_date=_date(raw.get("date"), f"{spath}.date"),
                    start_utc=_instant(raw.get("start_utc"), f"{spath}.start_utc"),
                    end_utc=_instant(raw.get("end_utc"), f"{spath}.end_utc"),
                    breaks=tuple(
                        BreakSpan(
                            _instant(brk.get("start_utc"), f"{spath}.breaks[{k}].start_utc"),
                            _instant(brk.get("end_utc"), f"{spath}.breaks[{k}].end_utc"),
                            _text(brk.get("kind"), f"{spath}.breaks[{k}].kind"),
                        )
                        for k, brk in enumerate(_list(raw.get("breaks", []), f"{spath}.breaks"))
                    ),
                    activities=tuple(
                        ActivitySpan(
                            _instant(span.get("start_utc"), f"{spath}.activities[{k}].start_utc"),
                            _instant(span.get("end_utc"), f"{spath}.activities[{k}].end_utc"),
                            _text(span.get("activity"), f"{spath}.activities[{k}].activity"),
                        )
                        for k, span in enumerate(
                            _list(raw.get("activities", []), f"{spath}.activities")
                        )
                    ),
                )
            )
    return Roster(tuple(shifts))


def _list(value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RosterFormatError(f"{path}: must be a list of objects")
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise RosterFormatError(f"{path}: must be a string")
    return value


def _date(value: Any, path: str) -> date:
    try:
        return date.fromisoformat(_text(value, path))
    except ValueError:
        raise RosterFormatError(f"{path}: {value!r} is not a date (YYYY-MM-DD)") from None


def _instant(value: Any, path: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(_text(value, path))
    except ValueError:
        raise RosterFormatError(f"{path}: {value!r} is not an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        raise RosterFormatError(f"{path}: {value!r} needs a UTC offset (Z or +hh:mm)")
    return parsed
