"""Calendar handling: holidays, special days, closed hours, missing days and outliers.

The models only ever see a complete, regular series. Slots that carry no real demand signal
are replaced before fitting, never fed as zeros:

* ``closed``: the queue is structurally closed in that weekday slot (no rows in most recent
  weeks); the model sees 0 there and the forecast is forced to 0.
* ``missing``: no row in a slot that is normally open (a feed gap): imputed.
* ``workday`` (make-up working days: weekend days a country makes working days around its
  holidays, China's 调休, from the `holidays` package's ``weekend_workdays``): imputed in the
  history so the weekend pattern is not disturbed; in the horizon forecast like the nearest
  regular working day (see `forecasting.engine`).
* ``ramp``: the `RAMP_DAYS` working days before and after a long holiday (a block of at least
  `LONG_HOLIDAY_DAYS` days off holding a public holiday, e.g. Spring Festival, Golden Week):
  imputed, and the ratio of their volume to the imputed normal learned per offset (-3..-1,
  +1..+3) and applied in the horizon.
* ``holiday`` (country holidays), ``special`` (user special days), ``excluded`` (days the user
  excluded) and ``outlier`` (days whose total is far from the same weekday's in nearby weeks,
  including normally busy days that report zero): the whole day is imputed.

Imputation takes, slot by slot, the median of the same weekday slot in the nearest weeks.
Only ``observed`` slots are scored in backtests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasting.frame import PreparedHistory, day_index_of

STATUS_OBSERVED = "observed"
STATUS_CLOSED = "closed"
STATUS_MISSING = "missing"
STATUS_HOLIDAY = "holiday"
STATUS_SPECIAL = "special"
STATUS_EXCLUDED = "excluded"
STATUS_OUTLIER = "outlier"
STATUS_WORKDAY = "workday"
STATUS_RAMP = "ramp"
#: a holiday block (consecutive days off holding a public holiday) at least this long is a long
#: holiday (Spring Festival, Golden Week) with ramps on the working days either side
LONG_HOLIDAY_DAYS = 7
#: working days before and after a long holiday that carry their own learned effect
RAMP_DAYS = 3


@dataclass(frozen=True)
class SpecialDay:
    """A day that does not follow the usual pattern.

    Give exactly one of ``multiplier`` (the usual forecast times this factor, e.g. 1.4 for a
    campaign launch, 0 for a closure) or ``like_day`` (the day looks like that other day: its
    actuals when it lies in the history, its forecast when it lies in the horizon).
    ``unique_id`` limits the rule to one queue; ``None`` applies it to all.
    In the history the day is imputed so it does not distort the models.
    """

    day: date
    multiplier: float | None = None
    like_day: date | None = None
    unique_id: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if (self.multiplier is None) == (self.like_day is None):
            raise ValueError(f"special day {self.day}: give exactly one of multiplier or like_day")
        if self.multiplier is not None and not (
            np.isfinite(self.multiplier) and self.multiplier >= 0
        ):
            raise ValueError(f"special day {self.day}: multiplier must be a finite number >= 0")
        if self.like_day is not None and self.like_day == self.day:
            raise ValueError(f"special day {self.day}: like_day must be another day")

    def applies_to(self, unique_id: str) -> bool:
        return self.unique_id is None or self.unique_id == unique_id


def country_holidays(
    country: str | None, years: Iterable[int], subdivision: str | None = None
) -> dict[date, str]:
    """Public holidays of a country (ISO 3166 code) from the `holidays` package."""
    if not country:
        return {}
    import holidays

    try:
        found = holidays.country_holidays(country.upper(), subdiv=subdivision, years=list(years))
    except NotImplementedError as exc:
        raise ValueError(f"unknown country code {country!r} for holidays") from exc
    return {day: str(name) for day, name in sorted(found.items())}


def country_workdays(
    country: str | None, years: Iterable[int], subdivision: str | None = None
) -> dict[date, str]:
    """Make-up working days of a country (weekend days worked in exchange for days off around a
    holiday, e.g. China's 调休) in these years, from the `holidays` package."""
    if not country:
        return {}
    import holidays

    wanted = set(years)
    try:
        found = holidays.country_holidays(country.upper(), subdiv=subdivision, years=sorted(wanted))
    except NotImplementedError as exc:
        raise ValueError(f"unknown country code {country!r} for holidays") from exc
    workdays: set[date] = set(getattr(found, "weekend_workdays", ()))
    return {day: "make-up working day" for day in sorted(workdays) if day.year in wanted}


def regular_workdays_near(
    day: date, holidays: Iterable[date], workdays: Iterable[date]
) -> list[date]:
    """Monday-to-Friday days that are neither holidays nor make-up days, within a week of
    `day`, nearest first (the later one on a tie)."""
    off = set(holidays) | set(workdays)
    near = [day + timedelta(days=sign * step) for step in range(1, 8) for sign in (1, -1)]
    return [d for d in near if d.weekday() < 5 and d not in off]


def festival_ramps(
    holidays: Iterable[date], workdays: Iterable[date], first: date, last: date
) -> dict[date, int]:
    """The working days just before (-RAMP_DAYS..-1) and after (1..RAMP_DAYS) every long
    holiday between `first` and `last`: day -> offset (nearer to a holiday wins a clash)."""
    off = set(holidays)
    made_up = set(workdays)

    def day_off(day: date) -> bool:
        return day in off or (day.weekday() >= 5 and day not in made_up)

    ramps: dict[date, int] = {}
    day = first
    while day <= last:
        if day not in off:
            day += timedelta(days=1)
            continue
        start = day
        while day_off(start - timedelta(days=1)):
            start -= timedelta(days=1)
        end = day
        while day_off(end + timedelta(days=1)):
            end += timedelta(days=1)
        if (end - start).days + 1 >= LONG_HOLIDAY_DAYS:
            for sign, edge in ((-1, start), (1, end)):
                step, found = edge, 0
                while found < RAMP_DAYS:
                    step += timedelta(days=sign)
                    if not day_off(step):
                        found += 1
                        if abs(ramps.get(step, 99)) > found:
                            ramps[step] = sign * found
        day = end + timedelta(days=1)
    return ramps


DAY_HOLIDAY = "holiday"
DAY_WORKDAY = "workday"
DAY_NORMAL = "normal"
OVERRIDE_KINDS = (DAY_HOLIDAY, DAY_WORKDAY, DAY_NORMAL)


@dataclass(frozen=True)
class CalendarOverride:
    """A site's own word on a day, over its country's calendar: ``holiday`` (a public holiday
    the country's calendar lacks: a local festival, a closure for the site's own reasons),
    ``workday`` (a make-up working day) or ``normal`` (an ordinary day of its weekday, whatever
    the country's calendar says)."""

    day: date
    kind: str
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in OVERRIDE_KINDS:
            raise ValueError(f"calendar day {self.day}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class CalendarOptions:
    """How the calendar treats the history (see the module docstring). The public holidays and
    make-up working days are the country's (`country`, `subdivision`) with the site's
    `overrides` over them (`holidays`, `workdays`)."""

    country: str | None = None
    subdivision: str | None = None
    overrides: tuple[CalendarOverride, ...] = ()
    special_days: tuple[SpecialDay, ...] = ()
    excluded_days: tuple[date, ...] = ()
    exclude_outliers: bool = True
    outlier_ratio: float = 2.5
    closed_lookback_weeks: int = 8
    closed_open_fraction: float = 0.25

    def holidays(self, years: Iterable[int]) -> dict[date, str]:
        """The public holidays of these years: the country's, less the days the site overrides,
        plus the site's own."""
        wanted = set(years)
        found = country_holidays(self.country, sorted(wanted), self.subdivision)
        return self._overridden(found, DAY_HOLIDAY, wanted)

    def workdays(self, years: Iterable[int]) -> dict[date, str]:
        """The make-up working days of these years, the country's with the site's over them."""
        wanted = set(years)
        found = country_workdays(self.country, sorted(wanted), self.subdivision)
        return self._overridden(found, DAY_WORKDAY, wanted)

    def _overridden(self, found: dict[date, str], kind: str, years: set[int]) -> dict[date, str]:
        days = {day: name for day, name in found.items() if day.year in years}
        for override in self.overrides:
            days.pop(override.day, None)
            if override.kind == kind and override.day.year in years:
                days[override.day] = override.name or kind
        return dict(sorted(days.items()))


@dataclass(frozen=True)
class CalendarResult:
    """The marked history and what was learned from the calendar.

    ``frame`` is the prepared frame plus ``status``, ``closed_slot`` and ``y_model`` (the
    complete series the models fit). ``closed_pattern[q]`` is a (7, slots per day) boolean
    array of structurally closed weekday slots. ``holiday_multiplier[q]`` is the learned ratio
    of holiday volume to a normal day's (``None`` when the history holds no holiday).
    """

    frame: pd.DataFrame
    closed_pattern: dict[str, np.ndarray]
    holiday_multiplier: dict[str, float | None]
    holidays: dict[date, str]
    counts: dict[str, dict[str, int]]
    workdays: dict[date, str] = field(default_factory=dict)
    #: working days around long holidays (history and the year after it): day -> offset
    ramp_days: dict[date, int] = field(default_factory=dict)
    #: per queue, the learned ratio of a ramp day's volume to a normal day's, per offset
    ramp_multiplier: dict[str, dict[int, float]] = field(default_factory=dict)


def _closed_pattern(
    observed: np.ndarray, dow: np.ndarray, usable_day: np.ndarray, options: CalendarOptions
) -> np.ndarray:
    """(7, spd) boolean: weekday slots that had a row in too few of the recent weeks."""
    spd = observed.shape[1]
    pattern = np.zeros((7, spd), dtype=bool)
    for weekday in range(7):
        days = np.flatnonzero((dow == weekday) & usable_day)[-options.closed_lookback_weeks :]
        if days.size == 0:
            days = np.flatnonzero(dow == weekday)[-options.closed_lookback_weeks :]
        if days.size == 0:
            continue
        fraction = observed[days].mean(axis=0)
        pattern[weekday] = fraction < options.closed_open_fraction
    return pattern


def impute_days(values: np.ndarray, targets: Sequence[int] | np.ndarray) -> np.ndarray:
    """Fill NaN slots of the target days from the same weekday slot of the nearest weeks."""
    n_days = values.shape[0]
    filled = values.copy()
    for day in targets:
        row = filled[day]
        need = np.isnan(values[day])
        if not need.any():
            continue
        candidates: list[int] = []
        for k in range(1, n_days // 7 + 2):
            for other in (day - 7 * k, day + 7 * k):
                if 0 <= other < n_days:
                    candidates.append(other)
        stack = values[candidates] if candidates else np.empty((0, values.shape[1]))
        estimate = np.zeros(values.shape[1])
        for slot in np.flatnonzero(need):
            column = stack[:, slot]
            column = column[~np.isnan(column)][:4]
            estimate[slot] = float(np.median(column)) if column.size else 0.0
        row[need] = estimate[need]
        filled[day] = row
    return filled


@dataclass(frozen=True)
class _QueueMarks:
    """One queue's marks: slot status, closed slots and model series as (days, slots) arrays."""

    status: np.ndarray
    closed_slot: np.ndarray
    y_model: np.ndarray
    closed_pattern: np.ndarray
    holiday_multiplier: float | None
    counts: dict[str, int]


def mark_calendar(history: PreparedHistory, options: CalendarOptions) -> CalendarResult:
    """Mark every slot's status, impute what is not real demand and learn holiday effects."""
    frame = history.frame
    spd = history.slots_per_day
    # the year after the history's too: a horizon that crosses New Year meets its holidays
    years = range(history.first_day.year, history.last_day.year + 2)
    holidays = options.holidays(years)
    holiday_index = [day_index_of(day) for day in holidays]
    workdays = options.workdays(years)
    excluded_index = {day_index_of(day) for day in options.excluded_days}
    workday_index = {day_index_of(day) for day in workdays}
    ramp_days = festival_ramps(
        holidays, workdays, history.first_day - timedelta(days=31), date(years[-1], 12, 31)
    )
    ramp_index = {day_index_of(day) for day in ramp_days}

    statuses: list[np.ndarray] = []
    closed_flags: list[np.ndarray] = []
    y_models: list[np.ndarray] = []
    closed_patterns: dict[str, np.ndarray] = {}
    multipliers: dict[str, float | None] = {}
    counts: dict[str, dict[str, int]] = {}
    for unique_id, group in frame.groupby("unique_id", sort=False):
        queue = str(unique_id)
        marks = _mark_queue(
            queue, group, spd, holiday_index, (workday_index | ramp_index, excluded_index), options
        )
        statuses.append(marks.status.ravel())
        closed_flags.append(marks.closed_slot.ravel())
        y_models.append(marks.y_model.ravel())
        closed_patterns[queue] = marks.closed_pattern
        multipliers[queue] = marks.holiday_multiplier
        counts[queue] = marks.counts

    marked = frame.copy()
    marked["status"] = np.concatenate(statuses)
    marked["closed_slot"] = np.concatenate(closed_flags)
    marked["y_model"] = np.concatenate(y_models)
    if ramp_index:
        marked.loc[
            marked["day_index"].isin(ramp_index) & (marked["status"] == STATUS_WORKDAY), "status"
        ] = STATUS_RAMP
        # a make-up ramp day's normal is the nearest regular working day's, not its weekday's
        normal_of = {
            day_index_of(day): day_index_of(next(iter(near), day))
            for day in ramp_days
            if day in workdays
            for near in [regular_workdays_near(day, holidays, workdays)]
        }
        marked = _with_ramp_normal(marked, normal_of)
        counts = {
            str(queue): {str(k): int(v) for k, v in group["status"].value_counts().items()}
            for queue, group in marked.groupby("unique_id", sort=False)
        }
    return CalendarResult(
        frame=marked,
        closed_pattern=closed_patterns,
        holiday_multiplier=multipliers,
        holidays=holidays,
        counts=counts,
        workdays=workdays,
        ramp_days=ramp_days,
        ramp_multiplier=_ramp_multipliers(marked, ramp_days),
    )


def _ramp_multipliers(
    marked: pd.DataFrame, ramp_days: dict[date, int]
) -> dict[str, dict[int, float]]:
    """Per queue and offset: the ramp days' volume over their imputed normal volume (open
    slots; offsets without a ramp day in the history are absent)."""
    offset_of = {day_index_of(day): offset for day, offset in ramp_days.items()}
    if "ramp_normal" not in marked:
        return {}
    rows = marked[(marked["status"] == STATUS_RAMP) & ~marked["closed_slot"]]
    if rows.empty:
        return {}
    rows = rows.assign(
        offset=rows["day_index"].map(offset_of),
        actual=np.where(rows["observed"], rows["y"].fillna(0.0), 0.0),
    )
    sums = rows.groupby(["unique_id", "offset"])[["actual", "ramp_normal"]].sum()
    out: dict[str, dict[int, float]] = {}
    for (queue, offset), row in sums.iterrows():
        if row["ramp_normal"] > 0:
            out.setdefault(str(queue), {})[int(offset)] = float(row["actual"] / row["ramp_normal"])
    return out


def _with_ramp_normal(marked: pd.DataFrame, normal_of: dict[int, int]) -> pd.DataFrame:
    """`ramp_normal`: the normal volume a ramp slot is compared with: its own imputed value, or
    for a make-up day the same slot of the nearest regular working day."""
    normal = marked["y_model"].to_numpy(dtype=float).copy()
    lookup = marked.set_index(["unique_id", "day_index", "slot"])["y_model"]
    for i in np.flatnonzero(marked["day_index"].isin(list(normal_of)).to_numpy()):
        row = marked.iloc[i]
        key = (row["unique_id"], normal_of[int(row["day_index"])], row["slot"])
        normal[i] = float(lookup.get(key, normal[i]))
    return marked.assign(ramp_normal=normal)


def _mark_queue(
    unique_id: str,
    group: pd.DataFrame,
    spd: int,
    holiday_index: Sequence[int],
    workday_and_excluded: tuple[Iterable[int], Iterable[int]],
    options: CalendarOptions,
) -> _QueueMarks:
    """Statuses, closed slots, the imputed model series and the holiday effect of one queue."""
    n_days = len(group) // spd
    offered = group["y"].to_numpy(dtype=float).reshape(n_days, spd)
    observed = group["observed"].to_numpy().reshape(n_days, spd)
    day_dow = group["dow"].to_numpy()[::spd]
    first_index = int(group["day_index"].iloc[0])
    holiday_rows = [d - first_index for d in holiday_index if 0 <= d - first_index < n_days]
    day_status = _day_status(
        unique_id, n_days, first_index, holiday_rows, workday_and_excluded, options
    )
    usable_day = day_status == ""
    pattern = _closed_pattern(observed, day_dow, usable_day, options)
    closed_slot = pattern[day_dow]

    if options.exclude_outliers:
        for d in _outlier_days(offered, observed, closed_slot, day_dow, usable_day, options):
            day_status[d] = STATUS_OUTLIER

    status = _slot_status(observed, closed_slot, day_status)
    clean = np.where(status == STATUS_OBSERVED, offered, np.nan)
    clean[status == STATUS_CLOSED] = 0.0
    needs = np.flatnonzero(np.isnan(clean).any(axis=1))
    y_model = impute_days(clean, needs)
    multiplier = _holiday_multiplier(offered, observed, y_model, closed_slot, holiday_rows)
    names, tallies = np.unique(status, return_counts=True)
    return _QueueMarks(
        status=status,
        closed_slot=closed_slot,
        y_model=y_model,
        closed_pattern=pattern,
        holiday_multiplier=multiplier,
        counts={str(name): int(tally) for name, tally in zip(names, tallies, strict=True)},
    )


def _day_status(
    unique_id: str,
    n_days: int,
    first_index: int,
    holiday_rows: Sequence[int],
    workday_and_excluded: tuple[Iterable[int], Iterable[int]],
    options: CalendarOptions,
) -> np.ndarray:
    """Per day: holiday, make-up working day, special or excluded (later rules win; a make-up
    working day never overrides a holiday or special day), else ""."""
    workday_index, excluded_index = workday_and_excluded
    day_status = np.full(n_days, "", dtype=object)
    for d in holiday_rows:
        day_status[d] = STATUS_HOLIDAY
    for special in options.special_days:
        d = day_index_of(special.day) - first_index
        if special.applies_to(unique_id) and 0 <= d < n_days:
            day_status[d] = STATUS_SPECIAL
    for d in workday_index:
        if 0 <= d - first_index < n_days and day_status[d - first_index] == "":
            day_status[d - first_index] = STATUS_WORKDAY
    for d in excluded_index:
        if 0 <= d - first_index < n_days:
            day_status[d - first_index] = STATUS_EXCLUDED
    return day_status


def _slot_status(
    observed: np.ndarray, closed_slot: np.ndarray, day_status: np.ndarray
) -> np.ndarray:
    """Per slot: observed, missing or closed, overridden by its day's status (closed slots
    without a row stay closed)."""
    status = np.where(observed, STATUS_OBSERVED, STATUS_MISSING).astype(object)
    status[~observed & closed_slot] = STATUS_CLOSED
    flagged = day_status != ""
    status[flagged] = day_status[flagged][:, None]
    status[flagged[:, None] & closed_slot & ~observed] = STATUS_CLOSED
    return status


def _outlier_days(
    offered: np.ndarray,
    observed: np.ndarray,
    closed_slot: np.ndarray,
    dow: np.ndarray,
    usable_day: np.ndarray,
    options: CalendarOptions,
) -> list[int]:
    """Days whose total is off by more than ``outlier_ratio`` from nearby same weekdays."""
    open_slots = ~closed_slot
    open_count = open_slots.sum(axis=1)
    observed_open = (observed & open_slots).sum(axis=1)
    complete = usable_day & (open_count > 0) & (observed_open >= 0.9 * np.maximum(open_count, 1))
    totals = np.where(observed, offered, 0.0).sum(axis=1)
    outliers: list[int] = []
    n_days = len(totals)
    for d in np.flatnonzero(complete):
        neighbours = [
            d + 7 * k
            for k in (-4, -3, -2, -1, 1, 2, 3, 4)
            if 0 <= d + 7 * k < n_days and complete[d + 7 * k]
        ]
        if len(neighbours) < 2:
            continue
        expected = float(np.median(totals[neighbours]))
        if expected < 20.0:
            continue
        ratio = totals[d] / expected
        if ratio > options.outlier_ratio or ratio < 1.0 / options.outlier_ratio:
            outliers.append(int(d))
    return outliers


def _holiday_multiplier(
    offered: np.ndarray,
    observed: np.ndarray,
    y_model: np.ndarray,
    closed_slot: np.ndarray,
    holiday_rows: Sequence[int],
) -> float | None:
    """Ratio of holiday volume to the imputed normal volume, over the history's holidays."""
    actual = 0.0
    normal = 0.0
    for d in holiday_rows:
        usual = float(y_model[d][~closed_slot[d]].sum())
        if usual <= 0:
            continue
        actual += float(np.where(observed[d], offered[d], 0.0).sum())
        normal += usual
    if normal <= 0:
        return None
    return actual / normal


__all__ = [
    "CalendarOptions",
    "CalendarResult",
    "STATUS_CLOSED",
    "STATUS_EXCLUDED",
    "STATUS_HOLIDAY",
    "STATUS_MISSING",
    "STATUS_OBSERVED",
    "STATUS_OUTLIER",
    "STATUS_SPECIAL",
    "SpecialDay",
    "CalendarOverride",
    "country_holidays",
    "impute_days",
    "mark_calendar",
]
