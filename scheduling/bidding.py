"""Shift bidding: planners publish shift patterns for a coming schedule, agents rank them, and
`assign` gives each agent one pattern (or none) by a priority order, keeping every rule, and says
why per agent. Pure: no I/O; the service reads the round, the bids and the agents.

A pattern is the same shift on some weekdays of every week of the round: local start and end
(an end at or before the start is on the next day), the site's breaks for its length, a number
of places, and the skills (queue or campaign codes) an agent must all have to work it.

Eligibility (`ineligibility`): the agent has every required skill; the pattern keeps the agent's
contract as the roster reads it (narrowed by the site's rules): a shift length of the contract,
starts and ends inside its hours, days per week and weekly paid hours (unpaid breaks deducted)
within its bounds, rest between shifts on consecutive days (24 h minus the shift) at least its
rest, no longer run of working days than its most (across the week boundary too when the pattern
repeats over several weeks), a run of days off of at least its least; every shift inside the
agent's availability windows when the agent has any; and the first shift of the round starts at
least the rest after the agent's last shift before the round, when that is known.

Order (`RULES`): `seniority`: earliest `hire_date` first (agents without one after those with
one), ties by agent code. `rotation` (a fairness rule): whoever fared worst in the site's
previous assigned round goes first: `previous_standing` is the choice number the agent got then
(1: first choice), `MISSED` when the agent bid and got none of the ranked patterns, 0 when the
agent was not in that round or did not bid; higher standing first, then seniority.

Assignment, in two passes over that order: first each agent who ranked patterns takes the
highest-ranked one with a place left that the agent is eligible for; then each agent still
without a pattern (no bid, or none of theirs had room) gets the eligible pattern with the most
places left (ties: the pattern listed first), or none when no eligible pattern has a place left.
Ranked choices come before fallbacks, so no agent's fallback takes a place another agent ranked.
The result is deterministic: the same round and bids give the same awards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from scheduling.problem import AvailabilityWindow, Contract, ShiftRules
from wfm.domain.site_rules import GRID_MINUTES, SiteRules

RULES = ("seniority", "rotation")
Rule = Literal["seniority", "rotation"]
MISSED = 1_000_000  # previous standing of an agent who bid and got none of the ranked patterns
DAY_MINUTES = 24 * 60
SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """The same shift on `weekdays` (0 = Monday) of each week, with `seats` places."""

    id: int
    name: str
    weekdays: tuple[int, ...]
    start_local: time
    end_local: time  # at or before the start: the next day
    seats: int
    skills: tuple[str, ...] = ()

    @property
    def shift_minutes(self) -> int:
        begin = self.start_local.hour * 60 + self.start_local.minute
        end = self.end_local.hour * 60 + self.end_local.minute
        return (end - begin) % DAY_MINUTES or DAY_MINUTES

    @property
    def label(self) -> str:
        """e.g. "Early Mon–Fri 07:00-15:00"."""
        hours = f"{self.start_local:%H:%M}-{self.end_local:%H:%M}"
        return f"{self.name} {days_label(self.weekdays)} {hours}"


@dataclass(frozen=True, slots=True)
class Bidder:
    """An agent of the round's site: skills, contract (narrowed by the site's rules), ranking."""

    code: str
    contract: Contract
    skills: frozenset[str] = frozenset()
    hire_date: date | None = None
    availability: tuple[AvailabilityWindow, ...] = ()
    previous_shift_end_utc: datetime | None = None
    ranking: tuple[int, ...] | None = None  # pattern ids, best first; None: no bid
    previous_standing: int = 0  # rotation rule only (see the module docstring)


@dataclass(frozen=True, slots=True)
class BidRoundSpec:
    """What `assign` reads of a round: its first week, weeks, zone, rule, breaks and patterns."""

    week_start: date
    zone: ZoneInfo
    patterns: tuple[ShiftPattern, ...]
    weeks: int = 1
    rule: Rule = "seniority"
    shift_rules: ShiftRules = field(default_factory=ShiftRules)


@dataclass(frozen=True, slots=True)
class Award:
    """An agent's result: the pattern (None: none), which choice it was (None: not ranked), the
    agent's turn in the order (1 first) and why, in one paragraph."""

    agent_code: str
    pattern_id: int | None
    choice: int | None
    turn: int
    explanation: str
    # the explanation's parts as data ({"kind": ..., fields}), for a reader in another language
    reasons: tuple[dict[str, Any], ...] = ()


def days_label(weekdays: Sequence[int]) -> str:
    """Weekdays as runs: (0, 1, 2, 3, 4) is "Mon–Fri", (0, 2, 5) is "Mon, Wed, Sat"."""
    days = sorted(set(weekdays))
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{SHORT_DAYS[run[0]]}–{SHORT_DAYS[run[-1]]}")
        else:
            parts += [SHORT_DAYS[day] for day in run]
    return ", ".join(parts)


def weekly_paid_hours(pattern: ShiftPattern, rules: ShiftRules) -> float:
    """Paid hours of a week of the pattern: its days times the shift less unpaid breaks."""
    return len(pattern.weekdays) * rules.paid_minutes(pattern.shift_minutes) / 60.0


def _minute(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _inside(start: int, minutes: int, window_start: time, window_end: time) -> bool:
    """Whether [start, start + minutes) lies in the window of the start day (an end at or before
    the window's start is on the next day; 00:00-00:00 is the whole day)."""
    begin = _minute(window_start)
    length = (_minute(window_end) - begin) % DAY_MINUTES or DAY_MINUTES
    return (start - begin) % DAY_MINUTES + minutes <= length


def _longest_run(days: set[int], cyclic: bool) -> int:
    if len(days) == 7:
        return 7 * (2 if cyclic else 1)
    best = run = 0
    for day in list(range(7)) * (2 if cyclic else 1):
        run = run + 1 if day in days else 0
        best = max(best, run)
    return best


def _contract_problem(pattern: ShiftPattern, contract: Contract, spec: BidRoundSpec) -> str | None:
    minutes, days = pattern.shift_minutes, set(pattern.weekdays)
    hours = weekly_paid_hours(pattern, spec.shift_rules)
    if minutes not in contract.shift_lengths_minutes:
        allowed = "/".join(str(m) for m in contract.shift_lengths_minutes) or "none"
        return f"its {minutes}-minute shifts are not a length of your contract ({allowed} min)"
    if not _inside(
        _minute(pattern.start_local),
        minutes,
        contract.earliest_start_local,
        contract.latest_end_local,
    ):
        return (
            f"its shifts fall outside your contract's hours "
            f"({contract.earliest_start_local:%H:%M}-{contract.latest_end_local:%H:%M})"
        )
    if not contract.days_per_week_min <= len(days) <= contract.days_per_week_max:
        return (
            f"its {len(days)} days a week are outside your contract's "
            f"{contract.days_per_week_min}-{contract.days_per_week_max}"
        )
    if not contract.weekly_paid_hours_min - 1e-9 <= hours <= contract.weekly_paid_hours_max + 1e-9:
        return (
            f"its {hours:g} paid hours a week are outside your contract's "
            f"{contract.weekly_paid_hours_min:g}-{contract.weekly_paid_hours_max:g}"
        )
    rest_hours = (DAY_MINUTES - minutes) / 60.0
    cyclic = spec.weeks > 1
    consecutive = any((d + 1) % 7 in days if cyclic else d + 1 in days for d in days)
    if consecutive and rest_hours < contract.min_rest_hours:
        return (
            f"its {rest_hours:g} h between shifts on consecutive days are less than your "
            f"{contract.min_rest_hours:g} h of rest"
        )
    run = _longest_run(days, cyclic)
    if run > contract.max_consecutive_days:
        return f"its {run} days in a row are more than your {contract.max_consecutive_days}"
    off = contract.min_consecutive_days_off
    if off and _longest_run(set(range(7)) - days, cyclic=False) < off:
        return f"it leaves no {off} days off in a row in the week"
    return None


def _first_start_utc(pattern: ShiftPattern, spec: BidRoundSpec) -> datetime:
    day = spec.week_start + timedelta(days=min(pattern.weekdays))
    return datetime.combine(day, pattern.start_local, tzinfo=spec.zone)


def ineligibility(pattern: ShiftPattern, bidder: Bidder, spec: BidRoundSpec) -> str | None:
    """Why the agent may not work the pattern (one clause), None when the agent may."""
    missing = sorted(set(pattern.skills) - bidder.skills)
    if missing:
        return f"it needs skill{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
    problem = _contract_problem(pattern, bidder.contract, spec)
    if problem is not None:
        return problem
    if bidder.availability:
        start, minutes = _minute(pattern.start_local), pattern.shift_minutes
        for day in sorted(set(pattern.weekdays)):
            windows = [w for w in bidder.availability if w.weekday == day]
            if not any(_inside(start, minutes, w.start_local, w.end_local) for w in windows):
                return f"its {SHORT_DAYS[day]} shift is outside your availability"
    if bidder.previous_shift_end_utc is not None:
        rest = timedelta(hours=bidder.contract.min_rest_hours)
        if _first_start_utc(pattern, spec) < bidder.previous_shift_end_utc + rest:
            return (
                f"its first shift starts less than {bidder.contract.min_rest_hours:g} h after "
                "your last shift before the round"
            )
    return None


def eligible_patterns(bidder: Bidder, spec: BidRoundSpec) -> tuple[ShiftPattern, ...]:
    """The round's patterns the agent may work, in the round's order."""
    return tuple(p for p in spec.patterns if ineligibility(p, bidder, spec) is None)


def priority_order(bidders: Sequence[Bidder], rule: Rule) -> list[Bidder]:
    """The agents in their turn order under the rule (see the module docstring)."""

    def seniority(b: Bidder) -> tuple[int, date, str]:
        return (b.hire_date is None, b.hire_date or date.min, b.code)

    if rule == "rotation":
        return sorted(bidders, key=lambda b: (-b.previous_standing, *seniority(b)))
    return sorted(bidders, key=seniority)


def standing(award: Award | None, bid: bool) -> int:
    """An agent's standing for the next round's rotation: the choice got, `MISSED` when the agent
    bid and got none of the ranked patterns, 0 without a bid."""
    if not bid or award is None:
        return 0
    return award.choice if award.choice is not None else MISSED


# the ranked patterns an agent passed over at the agent's turn: (choice, pattern, why)
_Skipped = list[tuple[int, ShiftPattern, str]]


def assign(spec: BidRoundSpec, bidders: Sequence[Bidder]) -> tuple[Award, ...]:
    """Each agent's award, in turn order (see the module docstring)."""
    by_id = {p.id: p for p in spec.patterns}
    left = {p.id: p.seats for p in spec.patterns}
    order = priority_order(bidders, spec.rule)
    eligible = {b.code: {p.id for p in eligible_patterns(b, spec)} for b in order}
    got: dict[str, tuple[int, int]] = {}  # agent -> (pattern id, choice)
    turns: dict[str, _Skipped] = {}
    for bidder in order:
        skipped = turns[bidder.code] = []
        for choice, pattern_id in enumerate(bidder.ranking or (), start=1):
            pattern = by_id.get(pattern_id)
            if pattern is None:
                continue
            if pattern_id not in eligible[bidder.code]:
                why = ineligibility(pattern, bidder, spec) or "it is not open to you"
                skipped.append((choice, pattern, why))
            elif left[pattern_id] <= 0:
                skipped.append((choice, pattern, "full"))
            else:
                left[pattern_id] -= 1
                got[bidder.code] = (pattern_id, choice)
                break
    fallback: dict[str, int] = {}
    for bidder in order:
        if bidder.code in got:
            continue
        room = [p for p in spec.patterns if p.id in eligible[bidder.code] and left[p.id] > 0]
        if room:
            best = max(room, key=lambda p: left[p.id])  # first of the roomiest: max keeps it
            left[best.id] -= 1
            fallback[bidder.code] = best.id
    return tuple(
        _award(spec, bidder, position, turns[bidder.code], got, fallback, eligible)
        for position, bidder in enumerate(order, start=1)
    )


def _award(
    spec: BidRoundSpec,
    bidder: Bidder,
    position: int,
    skipped: _Skipped,
    got: Mapping[str, tuple[int, int]],
    fallback: Mapping[str, int],
    eligible: Mapping[str, set[int]],
) -> Award:
    by_id = {p.id: p for p in spec.patterns}
    reasons: list[dict[str, Any]] = []
    pattern_id: int | None = None
    choice: int | None = None
    if bidder.code in got:
        pattern_id, choice = got[bidder.code]
        reasons.append({"kind": "got", "choice": choice, "pattern": by_id[pattern_id].label})
    elif bidder.ranking:
        reasons.append({"kind": "none_of_choices", "choices": len(bidder.ranking)})
    else:
        reasons.append({"kind": "no_bid"})
    for ranked, pattern, why in skipped:
        if why == "full":
            reasons.append(
                {"kind": "full", "choice": ranked, "pattern": pattern.label, "seats": pattern.seats}
            )
        else:
            reasons.append(
                {"kind": "not_open", "choice": ranked, "pattern": pattern.label, "why": why}
            )
    if bidder.code not in got:
        pattern_id = fallback.get(bidder.code)
        if pattern_id is not None:
            reasons.append({"kind": "fallback", "pattern": by_id[pattern_id].label})
        elif not eligible[bidder.code]:
            reasons.append({"kind": "none_open"})
        else:
            reasons.append({"kind": "all_full"})
    reasons.append(_turn_reason(bidder, spec.rule, position))
    return Award(bidder.code, pattern_id, choice, position, explain(reasons), tuple(reasons))


def _turn_reason(bidder: Bidder, rule: Rule, position: int) -> dict[str, Any]:
    last: str | int | None = None
    if rule == "rotation":
        last = "missed" if bidder.previous_standing == MISSED else bidder.previous_standing or None
    return {
        "kind": "turn",
        "position": position,
        "rule": rule,
        "hired": None if bidder.hire_date is None else bidder.hire_date.isoformat(),
        "last": last,
    }


def explain(reasons: Sequence[Mapping[str, Any]]) -> str:
    """An award's explanation in one English paragraph, from its reasons (`Award.reasons`):
    what the agent got or why not, each ranked choice passed over and why, and the turn."""
    passed = "; ".join(
        f"choice {r['choice']} ({r['pattern']}) was full when your turn came "
        f"(all {r['seats']} places taken by agents ahead of you)"
        if r["kind"] == "full"
        else f"choice {r['choice']} ({r['pattern']}): you may not work it: {r['why']}"
        for r in reasons
        if r["kind"] in ("full", "not_open")
    )
    kinds = {r["kind"]: r for r in reasons}
    turn = _turn_sentence(kinds["turn"])
    if "got" in kinds:
        got = kinds["got"]
        text = f"got choice {got['choice']} ({got['pattern']})"
        return f"{text}: {passed}. {turn}" if passed else f"{text}. {turn}"
    if "none_of_choices" in kinds:
        ranked = kinds["none_of_choices"]["choices"]
        head = f"none of your {ranked} choices could be given: {passed}"
    else:
        head = "you did not bid"
    if "fallback" in kinds:
        tail = (
            f"given {kinds['fallback']['pattern']}, the pattern open to you with the most places "
            "left after every ranked choice was served"
        )
    elif "none_open" in kinds:
        tail = "no pattern of the round is open to you, so none was given"
    else:
        tail = "every pattern open to you was full, so none was given"
    return f"{head}; {tail}. {turn}"


def _turn_sentence(turn: Mapping[str, Any]) -> str:
    hired = (
        f"hired {turn['hired']}" if turn["hired"] else "no hire date, so after every agent with one"
    )
    if turn["rule"] == "rotation":
        if turn["last"] == "missed":
            last = "last round you got none of your choices"
        elif turn["last"]:
            last = f"last round you got choice {turn['last']}"
        else:
            last = "you had no ranked result last round"
        return f"Your turn was {turn['position']} by rotation ({last}; then by seniority: {hired})."
    return f"Your turn was {turn['position']} by seniority ({hired})."


# ------------------------------------------------------------------------------ validation
MAX_PATTERNS = 50
MAX_SEATS = 10_000
MAX_WEEKS = 8
MAX_NAME_LENGTH = 100


def pattern_problems(path: str, pattern: ShiftPattern, rules: SiteRules) -> list[str]:
    """Every value of a pattern that is out of range or breaks the site's rules, as
    'path.field: why' (skills are checked where the site's queues and campaigns are known)."""
    found: list[str] = []
    if not pattern.name.strip() or len(pattern.name) > MAX_NAME_LENGTH:
        found.append(f"{path}.name: 1 to {MAX_NAME_LENGTH} characters")
    if not pattern.weekdays:
        found.append(f"{path}.weekdays: at least one weekday (0 = Monday)")
    if any(not 0 <= day <= 6 for day in pattern.weekdays):
        found.append(f"{path}.weekdays: weekdays are 0-6, got {list(pattern.weekdays)}")
    if len(set(pattern.weekdays)) != len(pattern.weekdays):
        found.append(f"{path}.weekdays: a weekday is given twice")
    if not 1 <= pattern.seats <= MAX_SEATS:
        found.append(f"{path}.seats: places in the pattern, 1 to {MAX_SEATS}, got {pattern.seats}")
    for name in ("start_local", "end_local"):
        clock: time = getattr(pattern, name)
        if clock.second or clock.microsecond or _minute(clock) % GRID_MINUTES:
            found.append(f"{path}.{name}: must be on a {GRID_MINUTES}-minute boundary, got {clock}")
    if _minute(pattern.start_local) % rules.start_step_minutes:
        found.append(
            f"{path}.start_local: shifts start on the site's {rules.start_step_minutes}-minute "
            f"grid, got {pattern.start_local:%H:%M}"
        )
    minutes = pattern.shift_minutes
    if rules.shift_lengths_minutes is not None and minutes not in rules.shift_lengths_minutes:
        lengths = "/".join(str(m) for m in rules.shift_lengths_minutes)
        found.append(f"{path}.end_local: a {minutes}-minute shift; the site allows {lengths} min")
    window = (rules.earliest_start_local, rules.latest_end_local)
    start = _minute(pattern.start_local)
    if (
        window[0] is not None
        and window[1] is not None
        and not _inside(start, minutes, window[0], window[1])
    ):
        found.append(
            f"{path}: {pattern.start_local:%H:%M}-{pattern.end_local:%H:%M} is outside the "
            f"site's hours {window[0]:%H:%M}-{window[1]:%H:%M}"
        )
    return found


def round_problems(patterns: Sequence[ShiftPattern], weeks: int, rule: str) -> list[str]:
    """What is wrong with a round as a whole: its count of patterns, weeks, rule, names."""
    found: list[str] = []
    if not 1 <= len(patterns) <= MAX_PATTERNS:
        found.append(f"patterns: 1 to {MAX_PATTERNS} patterns, got {len(patterns)}")
    if not 1 <= weeks <= MAX_WEEKS:
        found.append(f"weeks: 1 to {MAX_WEEKS}, got {weeks}")
    if rule not in RULES:
        found.append(f"rule: one of {', '.join(RULES)}, got {rule!r}")
    names = [p.name for p in patterns]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        found.append(f"patterns: the name {twice[0]!r} is given twice")
    return found


# ------------------------------------------------------------------------------ shifts
@dataclass(frozen=True, slots=True)
class PatternShift:
    """One shift of a pattern in a week: its local date, UTC start and end, and its breaks
    (kind, UTC start, UTC end), each at the earliest start its window allows after the one
    before."""

    shift_date: date
    start_utc: datetime
    end_utc: datetime
    breaks: tuple[tuple[str, datetime, datetime], ...]


def pattern_shifts(
    pattern: ShiftPattern, week_start: date, zone: ZoneInfo, rules: ShiftRules
) -> tuple[PatternShift, ...]:
    """The pattern's shifts in the week starting on `week_start`, in day order."""
    out = []
    minutes = pattern.shift_minutes
    for weekday in sorted(set(pattern.weekdays)):
        day = week_start + timedelta(days=weekday)
        start = datetime.combine(day, pattern.start_local, tzinfo=zone).astimezone(UTC)
        breaks = []
        taken = 0  # minutes after the start the previous break ends
        for rule in rules.breaks_for(minutes):
            begin = max(rule.earliest_start_after_shift_start_minutes, taken)
            taken = begin + rule.minutes
            breaks.append(
                (
                    rule.kind,
                    start + timedelta(minutes=begin),
                    start + timedelta(minutes=taken),
                )
            )
        out.append(PatternShift(day, start, start + timedelta(minutes=minutes), tuple(breaks)))
    return tuple(out)
