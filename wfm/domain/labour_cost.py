"""Labour cost: wage rates per contract, premiums by local time and weekday, overtime, and what a
week of paid time costs.

A site's `LabourCost` is a section of its versioned roster rules (`wfm.domain.site_rules`), so a
week's roster is priced at the wages valid for its week, in the site's currency.

How a paid hour is priced (every amount per paid hour, in the site's currency):

- the contract's `hourly_rate` (`ContractWage`; a contract without a wage costs 0);
- plus, for each premium whose window holds the hour and that applies to the contract, its
  surcharge `hourly_rate x (multiplier - 1) + extra_per_hour`. Premiums of different kinds stack
  (a Saturday evening earns the weekend and the evening surcharges); windows of one kind never
  overlap for a contract (validation refuses it). A window belongs to the weekday it starts on:
  a night window 22:00-06:00 on Sunday covers Monday 00:00-06:00;
- plus, for the week's paid hours beyond the contract's overtime threshold
  (`overtime_after_weekly_paid_hours`, None: its weekly paid hours max) and only those, the
  overtime surcharge `hourly_rate x (overtime_multiplier - 1) + overtime_extra_per_hour` (on
  top of the hour's window premiums, so which hours are overtime does not change the cost).

Paid time is the shift minus its unpaid breaks (lunches, by the standard rules); paid breaks are
paid. Paid time off is not priced here: the cost is the roster's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SLOT_MINUTES = 15  # premium windows are on this grid of the local week
DAY_SLOTS = 24 * 60 // SLOT_MINUTES
WEEK_SLOTS = 7 * DAY_SLOTS
PREMIUM_KINDS = ("evening", "night", "weekend", "holiday", "other")
MAX_AMOUNT = 1e6  # the largest hourly amount a wage or premium may carry
MAX_MULTIPLIER = 10.0


@dataclass(frozen=True, slots=True)
class ContractWage:
    """What a paid hour of a contract costs, and its overtime."""

    contract: str  # the contract's code in the roster (its name's letters, digits, . _ -)
    hourly_rate: float
    overtime_after_weekly_paid_hours: float | None = None  # None: the contract's weekly max
    overtime_multiplier: float = 1.5
    overtime_extra_per_hour: float = 0.0


@dataclass(frozen=True, slots=True)
class Premium:
    """A surcharge on the paid hours inside a weekly local-time window: from `start_local` to
    `end_local` (at or before the start: the next day; 00:00-00:00 is the whole day) on each of
    `weekdays` (0 = Monday), for the `contracts` named (None: every contract)."""

    kind: str  # one of PREMIUM_KINDS
    start_local: time
    end_local: time
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    multiplier: float = 1.0  # of the contract's hourly rate (1.25: a quarter more)
    extra_per_hour: float = 0.0
    contracts: tuple[str, ...] | None = None

    def applies_to(self, contract: str) -> bool:
        return self.contracts is None or contract in self.contracts

    def slots(self) -> set[int]:
        """The 15-minute slots of the local week (0: Monday 00:00) its window covers."""
        begin = (self.start_local.hour * 60 + self.start_local.minute) // SLOT_MINUTES
        end = (self.end_local.hour * 60 + self.end_local.minute) // SLOT_MINUTES
        length = (end - begin) % DAY_SLOTS or DAY_SLOTS
        return {
            (day * DAY_SLOTS + begin + k) % WEEK_SLOTS
            for day in set(self.weekdays)
            for k in range(length)
        }


@dataclass(frozen=True, slots=True)
class LabourCost:
    """A site's wages and premiums (a section of its roster rules)."""

    wages: tuple[ContractWage, ...] = ()
    premiums: tuple[Premium, ...] = ()

    def wage_of(self, contract: str) -> ContractWage | None:
        return next((w for w in self.wages if w.contract == contract), None)


@dataclass(frozen=True, slots=True)
class WeekCost:
    """What one agent's (or many agents') paid time of a week costs, by part."""

    paid_hours: float = 0.0
    base_cost: float = 0.0
    premium_cost: float = 0.0
    overtime_hours: float = 0.0
    overtime_cost: float = 0.0
    premium_cost_by_kind: dict[str, float] = field(default_factory=dict)

    @property
    def total_cost(self) -> float:
        return self.base_cost + self.premium_cost + self.overtime_cost

    def __add__(self, other: WeekCost) -> WeekCost:
        kinds = dict(self.premium_cost_by_kind)
        for kind, amount in other.premium_cost_by_kind.items():
            kinds[kind] = kinds.get(kind, 0.0) + amount
        return WeekCost(
            paid_hours=self.paid_hours + other.paid_hours,
            base_cost=self.base_cost + other.base_cost,
            premium_cost=self.premium_cost + other.premium_cost,
            overtime_hours=self.overtime_hours + other.overtime_hours,
            overtime_cost=self.overtime_cost + other.overtime_cost,
            premium_cost_by_kind=kinds,
        )


# ------------------------------------------------------------------------------ pricing
def week_cost(
    paid_spans_utc: Sequence[tuple[datetime, datetime]],
    *,
    contract: str,
    weekly_paid_hours_max: float,
    labour: LabourCost,
    zone: ZoneInfo,
) -> WeekCost:
    """The cost of one agent's paid time of a week: `paid_spans_utc` are [start, end) spans of
    paid time (shifts less their unpaid breaks), `contract` the agent's contract code."""
    wage = labour.wage_of(contract)
    if wage is None:
        hours = sum((end - start).total_seconds() for start, end in paid_spans_utc) / 3600.0
        return WeekCost(paid_hours=hours)
    surcharges = _surcharges_by_kind(labour, wage)
    threshold = wage.overtime_after_weekly_paid_hours
    if threshold is None:
        threshold = weekly_paid_hours_max
    paid_hours = 0.0
    by_kind: dict[str, float] = {}
    for start, end in sorted(paid_spans_utc):
        for piece_start, hours in _pieces(start, end):
            paid_hours += hours
            local = piece_start.astimezone(zone)
            slot = local.weekday() * DAY_SLOTS + (local.hour * 60 + local.minute) // SLOT_MINUTES
            for kind, rates in surcharges.items():
                if rates[slot]:
                    by_kind[kind] = by_kind.get(kind, 0.0) + rates[slot] * hours
    overtime_hours = max(0.0, paid_hours - threshold)
    overtime_rate = wage.hourly_rate * (wage.overtime_multiplier - 1) + wage.overtime_extra_per_hour
    return WeekCost(
        paid_hours=paid_hours,
        base_cost=wage.hourly_rate * paid_hours,
        premium_cost=sum(by_kind.values()),
        overtime_hours=overtime_hours,
        overtime_cost=overtime_rate * overtime_hours,
        premium_cost_by_kind=by_kind,
    )


def flexible_hours_cost(
    paid_hours: float,
    *,
    hourly_rate: float,
    weekly_paid_hours_min: float,
    flexible: bool,
    overtime_after_hours: float = math.inf,
    overtime_rate_per_hour: float = 0.0,
) -> float:
    """What the roster objective charges for an agent's week when its contract's hours are
    flexible (min < max): the hours above the minimum at the hourly rate, and those above the
    overtime threshold (if it is below the contract's maximum) at the overtime surcharge too.
    Nothing for a fixed contract: its hours are paid whatever the roster does."""
    if not flexible:
        return 0.0
    above = hourly_rate * max(0.0, paid_hours - weekly_paid_hours_min)
    if overtime_rate_per_hour and math.isfinite(overtime_after_hours):
        above += overtime_rate_per_hour * max(0.0, paid_hours - overtime_after_hours)
    return above


def _surcharges_by_kind(labour: LabourCost, wage: ContractWage) -> dict[str, list[float]]:
    """Per premium kind, the surcharge per hour in each slot of the local week."""
    out: dict[str, list[float]] = {}
    for premium in labour.premiums:
        if not premium.applies_to(wage.contract):
            continue
        rate = wage.hourly_rate * (premium.multiplier - 1) + premium.extra_per_hour
        rates = out.setdefault(premium.kind, [0.0] * WEEK_SLOTS)
        for slot in premium.slots():
            rates[slot] += rate
    return out


def _pieces(start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """[start, end) cut at every 15-minute boundary of UTC (which is one of local time too):
    each piece's start and its hours."""
    out = []
    step = timedelta(minutes=SLOT_MINUTES)
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    cursor = start
    while cursor < end:
        into = (cursor - epoch) % step
        stop = min(end, cursor - into + step)
        out.append((cursor, (stop - cursor).total_seconds() / 3600.0))
        cursor = stop
    return out


# ------------------------------------------------------------------------------ validation
def labour_cost_problems(labour: LabourCost, path: str = "labour_cost") -> list[str]:
    """Every value out of range and every pair of premium windows of one kind that overlap for
    a contract, as 'field: why'."""
    found: list[str] = []
    seen: set[str] = set()
    for i, wage in enumerate(labour.wages):
        here = f"{path}.wages[{i}]"
        if not wage.contract:
            found.append(f"{here}.contract: required")
        elif wage.contract in seen:
            found.append(f"{here}.contract: contract {wage.contract} has a wage already")
        seen.add(wage.contract)
        _amount(found, f"{here}.hourly_rate", wage.hourly_rate)
        _amount(found, f"{here}.overtime_extra_per_hour", wage.overtime_extra_per_hour)
        _multiplier(found, f"{here}.overtime_multiplier", wage.overtime_multiplier)
        hours = wage.overtime_after_weekly_paid_hours
        if hours is not None and (not math.isfinite(hours) or not 0 <= hours <= 168):
            found.append(
                f"{here}.overtime_after_weekly_paid_hours: must be in [0, 168], got {hours}"
            )
    for i, premium in enumerate(labour.premiums):
        found += _premium_problems(f"{path}.premiums[{i}]", premium)
    found += _overlaps(labour, path)
    return found


def unknown_contracts(labour: LabourCost, known: set[str], path: str = "labour_cost") -> list[str]:
    """The wages and premiums that name a contract not in `known`, as 'field: why'."""
    found = []
    listed = ", ".join(sorted(known)) or "none"
    for i, wage in enumerate(labour.wages):
        if wage.contract and wage.contract not in known:
            found.append(
                f"{path}.wages[{i}].contract: unknown contract {wage.contract!r} "
                f"(known contracts: {listed})"
            )
    for i, premium in enumerate(labour.premiums):
        for name in premium.contracts or ():
            if name not in known:
                found.append(
                    f"{path}.premiums[{i}].contracts: unknown contract {name!r} "
                    f"(known contracts: {listed})"
                )
    return found


def _premium_problems(here: str, premium: Premium) -> list[str]:
    found: list[str] = []
    if premium.kind not in PREMIUM_KINDS:
        found.append(
            f"{here}.kind: must be one of {', '.join(PREMIUM_KINDS)}, got {premium.kind!r}"
        )
    for name in ("start_local", "end_local"):
        clock = getattr(premium, name)
        if clock.minute % SLOT_MINUTES or clock.second or clock.microsecond:
            found.append(f"{here}.{name}: must be on a {SLOT_MINUTES}-minute boundary, got {clock}")
    if not premium.weekdays:
        found.append(f"{here}.weekdays: empty")
    if any(not 0 <= day <= 6 for day in premium.weekdays):
        found.append(f"{here}.weekdays: weekdays are 0-6, got {list(premium.weekdays)}")
    elif len(set(premium.weekdays)) != len(premium.weekdays):
        found.append(f"{here}.weekdays: a weekday is given twice")
    _multiplier(found, f"{here}.multiplier", premium.multiplier)
    _amount(found, f"{here}.extra_per_hour", premium.extra_per_hour)
    if premium.contracts is not None and not premium.contracts:
        found.append(f"{here}.contracts: empty; null applies it to every contract")
    return found


def _overlaps(labour: LabourCost, path: str) -> list[str]:
    """Premiums of one kind whose windows share time for some contract."""
    found = []
    for i, first in enumerate(labour.premiums):
        for j in range(i + 1, len(labour.premiums)):
            second = labour.premiums[j]
            if first.kind != second.kind or not _share_contract(first, second):
                continue
            if any(not 0 <= d <= 6 for d in first.weekdays + second.weekdays):
                continue  # reported as out of range
            common = first.slots() & second.slots()
            if common:
                slot = min(common)
                day, minute = divmod(slot, DAY_SLOTS)
                at = f"{_WEEKDAYS[day]} {minute * SLOT_MINUTES // 60:02d}:{minute * 15 % 60:02d}"
                found.append(
                    f"{path}.premiums[{j}]: its {second.kind} window overlaps premiums[{i}]'s "
                    f"(both hold {at}); windows of one kind must not overlap"
                )
    return found


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _share_contract(first: Premium, second: Premium) -> bool:
    if first.contracts is None or second.contracts is None:
        return True
    return bool(set(first.contracts) & set(second.contracts))


def _amount(found: list[str], name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        found.append(f"{name}: must not be negative, got {value}")
    elif value > MAX_AMOUNT:
        found.append(f"{name}: at most {MAX_AMOUNT:g}, got {value}")


def _multiplier(found: list[str], name: str, value: float) -> None:
    if not math.isfinite(value) or not 1.0 <= value <= MAX_MULTIPLIER:
        found.append(f"{name}: must be in [1, {MAX_MULTIPLIER:g}], got {value}")


# ------------------------------------------------------------------------------ documents
def labour_cost_to_document(labour: LabourCost) -> dict[str, Any]:
    """The section as JSON values (times "HH:MM", tuples as lists)."""
    return {
        "wages": [
            {
                "contract": w.contract,
                "hourly_rate": w.hourly_rate,
                "overtime_after_weekly_paid_hours": w.overtime_after_weekly_paid_hours,
                "overtime_multiplier": w.overtime_multiplier,
                "overtime_extra_per_hour": w.overtime_extra_per_hour,
            }
            for w in labour.wages
        ],
        "premiums": [
            {
                "kind": p.kind,
                "start_local": p.start_local.strftime("%H:%M"),
                "end_local": p.end_local.strftime("%H:%M"),
                "weekdays": list(p.weekdays),
                "multiplier": p.multiplier,
                "extra_per_hour": p.extra_per_hour,
                "contracts": None if p.contracts is None else list(p.contracts),
            }
            for p in labour.premiums
        ],
    }


def labour_cost_from_document(doc: Mapping[str, Any]) -> LabourCost:
    """The section of a document written by `labour_cost_to_document` (or checked by
    `labour_cost_document_problems`); absent fields take their defaults."""
    wages = tuple(
        ContractWage(
            contract=str(w["contract"]),
            hourly_rate=float(w["hourly_rate"]),
            overtime_after_weekly_paid_hours=_float_or_none(
                w.get("overtime_after_weekly_paid_hours")
            ),
            overtime_multiplier=float(_or(w.get("overtime_multiplier"), 1.5)),
            overtime_extra_per_hour=float(_or(w.get("overtime_extra_per_hour"), 0.0)),
        )
        for w in doc.get("wages") or ()
    )
    premiums = tuple(
        Premium(
            kind=str(p["kind"]),
            start_local=_clock(p["start_local"]),
            end_local=_clock(p["end_local"]),
            weekdays=tuple(int(d) for d in _or(p.get("weekdays"), range(7))),
            multiplier=float(_or(p.get("multiplier"), 1.0)),
            extra_per_hour=float(_or(p.get("extra_per_hour"), 0.0)),
            contracts=None if p.get("contracts") is None else tuple(map(str, p["contracts"])),
        )
        for p in doc.get("premiums") or ()
    )
    return LabourCost(wages=wages, premiums=premiums)


_WAGE_FIELDS = {
    "contract": "text",
    "hourly_rate": "number",
    "overtime_after_weekly_paid_hours": "number",
    "overtime_multiplier": "number",
    "overtime_extra_per_hour": "number",
}
_PREMIUM_FIELDS = {
    "kind": "text",
    "start_local": "clock",
    "end_local": "clock",
    "weekdays": "ints",
    "multiplier": "number",
    "extra_per_hour": "number",
    "contracts": "texts",
}


def labour_cost_document_problems(doc: Any, path: str = "labour_cost") -> list[str]:
    """What a hand-written section (a file) gets wrong in its shape: unknown fields, missing
    ones and values of the wrong type, as 'field: why'."""
    if not isinstance(doc, dict):
        return [f"{path}: must be an object"]
    found = [f"{path}.{name}: unknown field" for name in sorted(set(doc) - {"wages", "premiums"})]
    for part, fields, required in (
        ("wages", _WAGE_FIELDS, ("contract", "hourly_rate")),
        ("premiums", _PREMIUM_FIELDS, ("kind", "start_local", "end_local")),
    ):
        items = doc.get(part)
        if items is None:
            continue
        if not isinstance(items, list):
            found.append(f"{path}.{part}: must be a list")
            continue
        for i, item in enumerate(items):
            found += _item_problems(f"{path}.{part}[{i}]", item, fields, required)
    return found


def _item_problems(
    here: str, item: Any, fields: dict[str, str], required: tuple[str, ...]
) -> list[str]:
    if not isinstance(item, dict):
        return [f"{here}: must be an object"]
    found = [f"{here}.{name}: unknown field" for name in sorted(set(item) - set(fields))]
    found += [f"{here}.{name}: required" for name in required if item.get(name) is None]
    for name, kind in fields.items():
        value = item.get(name)
        if value is not None and not _CHECKS[kind](value):
            found.append(f"{here}.{name}: {value!r} is not {_CHECKS[kind].__doc__}")
    return found


def _is_number(value: Any) -> bool:
    """a number"""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    """a text"""
    return isinstance(value, str)


def _is_clock(value: Any) -> bool:
    """a local time "HH:MM\""""
    if not isinstance(value, str):
        return False
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_ints(value: Any) -> bool:
    """a list of whole numbers"""
    return isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )


def _is_texts(value: Any) -> bool:
    """a list of texts"""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_CHECKS = {
    "number": _is_number,
    "text": _is_text,
    "clock": _is_clock,
    "ints": _is_ints,
    "texts": _is_texts,
}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _clock(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)
