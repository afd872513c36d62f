"""A site's roster rules: shift lengths and hours, start step, breaks and lunches, rest and
consecutive days, fairness of unpopular shifts, and the objective's weights.

Rules are versioned: each version applies from the week starting on its `valid_from` date until a
later version takes over, and a roster uses the version valid for its week. A site without any
version uses `DEFAULT_SITE_RULES` (the centre's standard breaks on a 30-minute start grid, the
contracts' own lengths, hours, rest and consecutive days, and the optimizer's default weights).

How the rules meet the contracts: `shift_lengths_minutes` narrows each contract's lengths to the
ones the site allows; `earliest_start_local`/`latest_end_local` are the site's hours, inside which
every shift starts and ends (a contract keeps the part of its own window inside them);
`min_rest_hours` raises each contract's rest to at least it, `max_consecutive_days` lowers its
run of working days to at most it, and `min_consecutive_days_off` asks every agent's week for a
run of at least that many days in a row without a shift start. Fairness and weights left None are
the optimizer's defaults.

Seats and unplanned shrinkage are versioned with the rest: a version's `seats` and
`unplanned_shrinkage` hold for its weeks, and left None they are the site's settings
(`Site.seats`, `Site.unplanned_shrinkage`), which also hold where no version is stored
(`SiteRules.seats_for`, `SiteRules.unplanned_shrinkage_for`). Validation here is pure: values and
rules that contradict each other; what contradicts the site's contracts is checked where those
are read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

from wfm.domain.errors import ValidationError
from wfm.domain.labour_cost import (
    LabourCost,
    labour_cost_document_problems,
    labour_cost_from_document,
    labour_cost_problems,
    labour_cost_to_document,
)
from wfm.domain.types import Site

GRID_MINUTES = 15  # every time in the rules is a multiple of the finest roster interval
DAY_MINUTES = 24 * 60
SEATS_MAX = 100_000  # a version's seats, at most
SHRINKAGE_MAX = 0.9  # a version's unplanned shrinkage, at most


@dataclass(frozen=True, slots=True)
class BreakSetting:
    """One break (or lunch) every shift of a length in [min, max] takes, starting between
    `earliest` and `latest` minutes after the shift starts (both included)."""

    kind: str  # "break" or "lunch"
    minutes: int
    earliest_start_after_shift_start_minutes: int
    latest_start_after_shift_start_minutes: int
    min_shift_minutes: int = 0
    max_shift_minutes: int | None = None
    paid: bool = True

    def applies_to(self, shift_minutes: int) -> bool:
        upper = self.max_shift_minutes if self.max_shift_minutes is not None else shift_minutes
        return self.min_shift_minutes <= shift_minutes <= upper


# The centre's standard break rules: a paid 15-minute break in each half of the shift, and an
# unpaid lunch of 30 minutes on shifts of 6 to 9 hours, 60 minutes on shifts of 9 hours or more.
STANDARD_BREAKS = (
    BreakSetting("break", 15, 60, 150, min_shift_minutes=240),
    BreakSetting("lunch", 30, 180, 300, min_shift_minutes=360, max_shift_minutes=539, paid=False),
    BreakSetting("lunch", 60, 180, 300, min_shift_minutes=540, paid=False),
    BreakSetting("break", 15, 390, 450, min_shift_minutes=450),
)


@dataclass(frozen=True, slots=True)
class SiteRules:
    """One version's rules (see the module docstring for how they meet the contracts)."""

    start_step_minutes: int = 30
    shift_lengths_minutes: tuple[int, ...] | None = None  # None: each contract's own
    earliest_start_local: time | None = None  # the site's hours; None: the contracts'
    latest_end_local: time | None = None  # at or before the earliest start: the next day
    breaks: tuple[BreakSetting, ...] = STANDARD_BREAKS
    min_rest_hours: float | None = None  # None: each contract's own
    max_consecutive_days: int | None = None  # None: each contract's own
    min_consecutive_days_off: int | None = None  # a run of days off each week; None: none
    weekend_weekdays: tuple[int, ...] | None = None  # None: the optimizer's default (Sat, Sun)
    late_start_from_local: time | None = None  # None: no shift counts as a late start
    fairness_weight_per_shift: float | None = None  # None: the optimizer's default
    under_target_penalty_per_agent_hour: float | None = None  # None: derived from selling
    contract_shortfall_penalty_per_hour: float | None = None  # None: the optimizer's default
    campaign_shortfall_penalty_per_hour: float | None = None  # None: the optimizer's default
    labour_cost: LabourCost | None = None  # wages and premiums; None: labour costs nothing
    seats: int | None = None  # None: the site's setting (`Site.seats`; None there: unlimited)
    unplanned_shrinkage: float | None = None  # None: the site's setting

    def seats_for(self, site: Site) -> int | None:
        """The seats of this version's weeks: its own, else the site's (None: unlimited)."""
        return self.seats if self.seats is not None else site.seats

    def unplanned_shrinkage_for(self, site: Site) -> float:
        """The unplanned shrinkage of this version's weeks: its own, else the site's."""
        own = self.unplanned_shrinkage
        return own if own is not None else site.unplanned_shrinkage


DEFAULT_SITE_RULES = SiteRules()


def settings_in_use(rules: SiteRules, site: Site) -> dict[str, Any]:
    """The seats and unplanned shrinkage the weeks of `rules` use, and where each comes from
    ("rules": the version's own, "site": the site's setting), as the API and the CLI show them."""
    return {
        "seats_used": rules.seats_for(site),
        "seats_source": "site" if rules.seats is None else "rules",
        "unplanned_shrinkage_used": rules.unplanned_shrinkage_for(site),
        "unplanned_shrinkage_source": "site" if rules.unplanned_shrinkage is None else "rules",
    }


@dataclass(frozen=True, slots=True)
class SiteRulesVersion:
    """A stored version of a site's rules, valid from the week starting on `valid_from`."""

    site_code: str
    version: int
    valid_from: date
    rules: SiteRules
    created_at_utc: datetime | None = None
    note: str = ""


def rules_problems(rules: SiteRules) -> list[str]:
    """Every value out of range and every pair of rules that contradict, as 'field: why'."""
    found: list[str] = []
    _grid(found, "start_step_minutes", rules.start_step_minutes)
    if rules.start_step_minutes > DAY_MINUTES:
        found.append(f"start_step_minutes: at most {DAY_MINUTES}, got {rules.start_step_minutes}")
    if rules.shift_lengths_minutes is not None:
        if not rules.shift_lengths_minutes:
            found.append("shift_lengths_minutes: empty; null keeps the contracts' lengths")
        for i, length in enumerate(rules.shift_lengths_minutes):
            _grid(found, f"shift_lengths_minutes[{i}]", length)
            if length > DAY_MINUTES:
                found.append(f"shift_lengths_minutes[{i}]: at most {DAY_MINUTES}, got {length}")
        if len(set(rules.shift_lengths_minutes)) != len(rules.shift_lengths_minutes):
            found.append("shift_lengths_minutes: a length is given twice")
    if (rules.earliest_start_local is None) != (rules.latest_end_local is None):
        found.append("earliest_start_local, latest_end_local: give both or neither")
    for name in ("earliest_start_local", "latest_end_local", "late_start_from_local"):
        clock = getattr(rules, name)
        if clock is not None and (clock.minute % GRID_MINUTES or clock.second):
            found.append(f"{name}: must be on a {GRID_MINUTES}-minute boundary, got {clock}")
    if rules.shift_lengths_minutes and rules.earliest_start_local and rules.latest_end_local:
        hours = site_hours_minutes(rules.earliest_start_local, rules.latest_end_local)
        if min(rules.shift_lengths_minutes) > hours:
            found.append(
                f"shift_lengths_minutes: no length fits the site's hours "
                f"{rules.earliest_start_local:%H:%M}-{rules.latest_end_local:%H:%M} ({hours} min)"
            )
    for i, rule in enumerate(rules.breaks):
        found += _break_problems(f"breaks[{i}]", rule, rules.shift_lengths_minutes)
    if rules.min_rest_hours is not None and not 0 <= rules.min_rest_hours <= 48:
        found.append(f"min_rest_hours: must be in [0, 48], got {rules.min_rest_hours}")
    if rules.max_consecutive_days is not None and not 1 <= rules.max_consecutive_days <= 14:
        found.append(f"max_consecutive_days: must be in [1, 14], got {rules.max_consecutive_days}")
    off = rules.min_consecutive_days_off
    if off is not None and not 0 <= off <= 7:
        found.append(f"min_consecutive_days_off: must be in [0, 7], got {off}")
    if rules.weekend_weekdays is not None:
        if any(not 0 <= day <= 6 for day in rules.weekend_weekdays):
            found.append(f"weekend_weekdays: weekdays are 0-6, got {list(rules.weekend_weekdays)}")
        if len(set(rules.weekend_weekdays)) != len(rules.weekend_weekdays):
            found.append("weekend_weekdays: a weekday is given twice")
    for name in (
        "fairness_weight_per_shift",
        "under_target_penalty_per_agent_hour",
        "contract_shortfall_penalty_per_hour",
        "campaign_shortfall_penalty_per_hour",
    ):
        value = getattr(rules, name)
        if value is not None and (not math.isfinite(value) or value < 0 or value > 1e9):
            found.append(f"{name}: must be a money amount in [0, 1e9], got {value}")
    if rules.labour_cost is not None:
        found += labour_cost_problems(rules.labour_cost)
    if rules.seats is not None and not 1 <= rules.seats <= SEATS_MAX:
        found.append(
            f"seats: must be a whole number in [1, {SEATS_MAX}] or null, got {rules.seats}"
        )
    shrinkage = rules.unplanned_shrinkage
    if shrinkage is not None and not (math.isfinite(shrinkage) and 0 <= shrinkage <= SHRINKAGE_MAX):
        found.append(
            f"unplanned_shrinkage: must be in [0, {SHRINKAGE_MAX}] or null, got {shrinkage}"
        )
    return found


def validate_rules(rules: SiteRules) -> SiteRules:
    """The rules, or ValidationError naming every field that is wrong."""
    found = rules_problems(rules)
    if found:
        raise ValidationError("; ".join(found))
    return rules


def site_hours_minutes(earliest_start: time, latest_end: time) -> int:
    """Minutes in the site's hours (an end at or before the start is on the next day)."""
    begin = earliest_start.hour * 60 + earliest_start.minute
    end = latest_end.hour * 60 + latest_end.minute
    return (end - begin) % DAY_MINUTES or DAY_MINUTES


def _grid(found: list[str], name: str, value: int) -> None:
    if value <= 0 or value % GRID_MINUTES:
        found.append(f"{name}: must be a positive multiple of {GRID_MINUTES} minutes, got {value}")


def _break_problems(path: str, rule: BreakSetting, lengths: tuple[int, ...] | None) -> list[str]:
    found: list[str] = []
    if rule.kind not in ("break", "lunch"):
        found.append(f"{path}.kind: must be break or lunch, got {rule.kind!r}")
    _grid(found, f"{path}.minutes", rule.minutes)
    for name in (
        "earliest_start_after_shift_start_minutes",
        "latest_start_after_shift_start_minutes",
    ):
        value = getattr(rule, name)
        if value < 0 or value % GRID_MINUTES:
            found.append(f"{path}.{name}: must be a multiple of {GRID_MINUTES} >= 0, got {value}")
    if rule.latest_start_after_shift_start_minutes < rule.earliest_start_after_shift_start_minutes:
        found.append(
            f"{path}.latest_start_after_shift_start_minutes: before the earliest start "
            f"({rule.latest_start_after_shift_start_minutes} < "
            f"{rule.earliest_start_after_shift_start_minutes})"
        )
    if rule.min_shift_minutes < 0:
        found.append(f"{path}.min_shift_minutes: must be >= 0, got {rule.min_shift_minutes}")
    if rule.max_shift_minutes is not None and rule.max_shift_minutes < rule.min_shift_minutes:
        found.append(
            f"{path}.max_shift_minutes: below min_shift_minutes "
            f"({rule.max_shift_minutes} < {rule.min_shift_minutes})"
        )
    window_end = rule.latest_start_after_shift_start_minutes + rule.minutes
    longest = rule.max_shift_minutes if rule.max_shift_minutes is not None else DAY_MINUTES
    if window_end > longest:
        found.append(
            f"{path}: its window ends {window_end} min after the shift start, after the longest "
            f"shift it applies to ({longest} min)"
        )
    elif lengths:
        applying = [length for length in lengths if rule.applies_to(length)]
        short = [length for length in applying if length < window_end]
        if short:
            found.append(
                f"{path}: its window ends {window_end} min after the shift start, after the end "
                f"of the {'/'.join(map(str, short))}-minute shifts it applies to"
            )
    return found


# ------------------------------------------------------------------------------ documents
def rules_to_document(rules: SiteRules) -> dict[str, Any]:
    """The rules as JSON values (times as "HH:MM", tuples as lists)."""
    doc: dict[str, Any] = {}
    for name, value in asdict(rules).items():
        doc[name] = _json_value(value)
    doc["breaks"] = [{k: _json_value(v) for k, v in asdict(b).items()} for b in rules.breaks]
    if rules.labour_cost is not None:
        doc["labour_cost"] = labour_cost_to_document(rules.labour_cost)
    return doc


def rules_from_document(doc: Mapping[str, Any]) -> SiteRules:
    """The rules of a document written by `rules_to_document` (absent fields: the defaults)."""
    defaults = rules_to_document(DEFAULT_SITE_RULES)
    values = {**defaults, **doc}
    return SiteRules(
        start_step_minutes=int(values["start_step_minutes"]),
        shift_lengths_minutes=_ints(values["shift_lengths_minutes"]),
        earliest_start_local=_clock(values["earliest_start_local"]),
        latest_end_local=_clock(values["latest_end_local"]),
        breaks=tuple(BreakSetting(**b) for b in values["breaks"]),
        min_rest_hours=values["min_rest_hours"],
        max_consecutive_days=values["max_consecutive_days"],
        min_consecutive_days_off=values["min_consecutive_days_off"],
        weekend_weekdays=_ints(values["weekend_weekdays"]),
        late_start_from_local=_clock(values["late_start_from_local"]),
        fairness_weight_per_shift=values["fairness_weight_per_shift"],
        under_target_penalty_per_agent_hour=values["under_target_penalty_per_agent_hour"],
        contract_shortfall_penalty_per_hour=values["contract_shortfall_penalty_per_hour"],
        campaign_shortfall_penalty_per_hour=values["campaign_shortfall_penalty_per_hour"],
        labour_cost=(
            None
            if values["labour_cost"] is None
            else labour_cost_from_document(values["labour_cost"])
        ),
        seats=None if values["seats"] is None else int(values["seats"]),
        unplanned_shrinkage=(
            None if values["unplanned_shrinkage"] is None else float(values["unplanned_shrinkage"])
        ),
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple):
        return list(value)
    return value


def _ints(value: Iterable[int] | None) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(v) for v in value)


def _clock(value: str | time | None) -> time | None:
    if value is None or isinstance(value, time):
        return value
    return time.fromisoformat(value)


_INT_FIELDS = ("start_step_minutes", "max_consecutive_days", "min_consecutive_days_off", "seats")
_NUMBER_FIELDS = (
    "unplanned_shrinkage",
    "min_rest_hours",
    "fairness_weight_per_shift",
    "under_target_penalty_per_agent_hour",
    "contract_shortfall_penalty_per_hour",
    "campaign_shortfall_penalty_per_hour",
)
_CLOCK_FIELDS = ("earliest_start_local", "latest_end_local", "late_start_from_local")
_LIST_FIELDS = ("shift_lengths_minutes", "weekend_weekdays")
_BREAK_INTS = (
    "minutes",
    "earliest_start_after_shift_start_minutes",
    "latest_start_after_shift_start_minutes",
    "min_shift_minutes",
    "max_shift_minutes",
)


RULE_FIELDS = frozenset(
    {*_INT_FIELDS, *_NUMBER_FIELDS, *_CLOCK_FIELDS, *_LIST_FIELDS, "breaks", "labour_cost"}
)  # the fields of a rules document


def parse_rules(doc: Any) -> SiteRules:
    """Rules from a JSON object written by hand (a file), every field optional: ValidationError
    naming each unknown field and each value of the wrong type; then `validate_rules`."""
    if not isinstance(doc, dict):
        raise ValidationError("rules: must be a JSON object")
    found: list[str] = [f"{name}: unknown field" for name in sorted(set(doc) - RULE_FIELDS)]
    for name in _INT_FIELDS:
        _expect(found, name, doc.get(name), _is_int)
    for name in _NUMBER_FIELDS:
        _expect(found, name, doc.get(name), _is_number)
    for name in _CLOCK_FIELDS:
        _expect(found, name, doc.get(name), _is_clock)
    for name in _LIST_FIELDS:
        value = doc.get(name)
        if value is not None and not (isinstance(value, list) and all(map(_is_int, value))):
            found.append(f"{name}: must be a list of whole numbers or null")
    breaks = doc.get("breaks")
    if breaks is not None and not isinstance(breaks, list):
        found.append("breaks: must be a list or null")
    for i, rule in enumerate(breaks if isinstance(breaks, list) else []):
        found += _break_document_problems(f"breaks[{i}]", rule)
    if doc.get("labour_cost") is not None:
        found += labour_cost_document_problems(doc["labour_cost"])
    if found:
        raise ValidationError("; ".join(found))
    return validate_rules(rules_from_document({k: v for k, v in doc.items() if v is not None}))


def _break_document_problems(path: str, rule: Any) -> list[str]:
    if not isinstance(rule, dict):
        return [f"{path}: must be an object"]
    found = [
        f"{path}.{name}: unknown field"
        for name in sorted(set(rule) - {*_BREAK_INTS, "kind", "paid"})
    ]
    for name in ("kind", "minutes", "earliest_start_after_shift_start_minutes",
                 "latest_start_after_shift_start_minutes"):  # fmt: skip
        if name not in rule:
            found.append(f"{path}.{name}: required")
    for name in _BREAK_INTS:
        _expect(found, f"{path}.{name}", rule.get(name), _is_int)
    if not isinstance(rule.get("kind", ""), str):
        found.append(f"{path}.kind: must be break or lunch")
    if not isinstance(rule.get("paid", True), bool):
        found.append(f"{path}.paid: must be true or false")
    return found


def _expect(found: list[str], name: str, value: Any, check: Any) -> None:
    if value is not None and not check(value):
        found.append(f"{name}: {value!r} is not {check.__doc__}")


def _is_int(value: Any) -> bool:
    """a whole number"""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**9


def _is_number(value: Any) -> bool:
    """a number"""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_clock(value: Any) -> bool:
    """a local time "HH:MM\""""
    if not isinstance(value, str):
        return False
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True
