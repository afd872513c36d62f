"""KPI formulas of the contact centre, as pure functions (no I/O).

Definitions follow `docs/domain.md` ("KPI definitions"). Every ratio is a fraction in [0, 1] (or
None when its denominator is zero: a KPI of an interval without contacts is undefined, not zero).
Counts follow the stored history's convention: `abandoned` counts every abandon, short ones
included, and `short_abandoned` is the part of them that hung up within the short-abandon threshold.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

_Number = TypeVar("_Number", int, float)


class ServiceLevelVariant(enum.StrEnum):
    """How abandoned contacts count in the service level.

    - `abandons_against` (default): answered within T / offered; every abandon counts against.
    - `ignore_abandons`: answered within T / (offered - abandoned), i.e. / answered.
    - `abandons_within_threshold_count_for`: (answered within T + abandoned within T) / offered.
    """

    ABANDONS_AGAINST = "abandons_against"
    IGNORE_ABANDONS = "ignore_abandons"
    ABANDONS_WITHIN_THRESHOLD_COUNT_FOR = "abandons_within_threshold_count_for"


@dataclass(frozen=True, slots=True)
class KpiOptions:
    """The selectable variants; the defaults are the project's definitions."""

    include_short_abandons: bool = False
    service_level_variant: ServiceLevelVariant = ServiceLevelVariant.ABANDONS_AGAINST


@dataclass(frozen=True, slots=True)
class IntervalCounts:
    """Sums over one or more intervals of a queue (or several queues)."""

    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answered_within_threshold: int = 0
    handle_seconds: float = 0.0
    wait_seconds_answered: float = 0.0
    wait_seconds_abandoned: float = 0.0
    # Abandons within the service threshold; only some ACDs report it (None: unknown).
    abandoned_within_threshold: int | None = None
    # Agent time available for contacts but not handling one (None: unknown).
    available_seconds: float | None = None

    def __add__(self, other: IntervalCounts) -> IntervalCounts:
        return IntervalCounts(
            answered=self.answered + other.answered,
            abandoned=self.abandoned + other.abandoned,
            short_abandoned=self.short_abandoned + other.short_abandoned,
            answered_within_threshold=(
                self.answered_within_threshold + other.answered_within_threshold
            ),
            handle_seconds=self.handle_seconds + other.handle_seconds,
            wait_seconds_answered=self.wait_seconds_answered + other.wait_seconds_answered,
            wait_seconds_abandoned=self.wait_seconds_abandoned + other.wait_seconds_abandoned,
            abandoned_within_threshold=_add_optional(
                self.abandoned_within_threshold, other.abandoned_within_threshold
            ),
            available_seconds=_add_optional(self.available_seconds, other.available_seconds),
        )


def _add_optional(a: _Number | None, b: _Number | None) -> _Number | None:
    if a is None or b is None:
        return None
    return a + b


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator <= 0:
        return None
    return numerator / denominator


def _check_counts(**counts: float) -> None:
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


def offered_contacts(
    answered: int, abandoned: int, short_abandoned: int = 0, *, include_short_abandons: bool = False
) -> int:
    """Offered = answered + abandoned, short abandons excluded unless asked to include them."""
    _check_counts(answered=answered, abandoned=abandoned, short_abandoned=short_abandoned)
    if short_abandoned > abandoned:
        raise ValueError(
            f"short_abandoned ({short_abandoned}) cannot exceed abandoned ({abandoned})"
        )
    counted_abandons = abandoned if include_short_abandons else abandoned - short_abandoned
    return answered + counted_abandons


def counted_abandons(abandoned: int, short_abandoned: int, *, include_short_abandons: bool) -> int:
    """The abandons that count in offered and in the abandon rate."""
    return abandoned if include_short_abandons else abandoned - short_abandoned


def answer_rate(answered: int, offered: int) -> float | None:
    """Answered / offered."""
    _check_counts(answered=answered, offered=offered)
    return _ratio(answered, offered)


def abandon_rate(abandoned: int, offered: int) -> float | None:
    """Abandoned / offered (with the same short-abandon rule as offered)."""
    _check_counts(abandoned=abandoned, offered=offered)
    return _ratio(abandoned, offered)


def service_level(
    answered_within_threshold: int,
    offered: int,
    *,
    abandoned: int = 0,
    abandoned_within_threshold: int | None = None,
    variant: ServiceLevelVariant = ServiceLevelVariant.ABANDONS_AGAINST,
) -> float | None:
    """The share of contacts served within the threshold T, in the chosen variant.

    `offered` and `abandoned` must follow the same short-abandon rule. The variant that counts
    abandons within T for the centre needs `abandoned_within_threshold`; None then means unknown.
    """
    _check_counts(
        answered_within_threshold=answered_within_threshold, offered=offered, abandoned=abandoned
    )
    if abandoned_within_threshold is not None:
        _check_counts(abandoned_within_threshold=abandoned_within_threshold)
    return _service_level(
        answered_within_threshold, offered, abandoned, abandoned_within_threshold, variant
    )


def _service_level(
    within: int,
    offered: int,
    abandoned: int,
    abandoned_within: int | None,
    variant: ServiceLevelVariant,
) -> float | None:
    """`service_level` of counts already checked."""
    if variant is ServiceLevelVariant.ABANDONS_AGAINST:
        return _ratio(within, offered)
    if variant is ServiceLevelVariant.IGNORE_ABANDONS:
        return _ratio(within, offered - abandoned)
    if abandoned_within is None:
        return None
    return _ratio(within + abandoned_within, offered)


def average_speed_of_answer_seconds(wait_seconds_answered: float, answered: int) -> float | None:
    """ASA = total wait of answered contacts / answered."""
    _check_counts(wait_seconds_answered=wait_seconds_answered, answered=answered)
    return _ratio(wait_seconds_answered, answered)


def average_handle_time_seconds(handle_seconds: float, answered: int) -> float | None:
    """AHT = total handle time (talk + hold + after-call work) / answered."""
    _check_counts(handle_seconds=handle_seconds, answered=answered)
    return _ratio(handle_seconds, answered)


def occupancy(handle_seconds: float, available_seconds: float | None) -> float | None:
    """Occupancy = handle time / (handle time + available time); None when available is unknown."""
    if available_seconds is None:
        return None
    _check_counts(handle_seconds=handle_seconds, available_seconds=available_seconds)
    return _ratio(handle_seconds, handle_seconds + available_seconds)


def occupancy_from_staffed(handle_seconds: float, staffed_seconds: float) -> float | None:
    """Occupancy when only the agent time staffed on the queue is known: available time is what
    is left of it after handling, so occupancy = handle / staffed, capped at 1."""
    _check_counts(handle_seconds=handle_seconds, staffed_seconds=staffed_seconds)
    if staffed_seconds <= 0:
        return None
    return min(1.0, handle_seconds / staffed_seconds)


def mean_patience_seconds(
    wait_seconds_abandoned: float, wait_seconds_answered: float, abandoned: int
) -> float | None:
    """Estimate of mean patience for Erlang A: (time abandoners waited + time answered callers
    waited) / number abandoned."""
    _check_counts(
        wait_seconds_abandoned=wait_seconds_abandoned,
        wait_seconds_answered=wait_seconds_answered,
        abandoned=abandoned,
    )
    return _ratio(wait_seconds_abandoned + wait_seconds_answered, abandoned)


def wmape(actual: Iterable[float], forecast: Iterable[float]) -> float | None:
    """WMAPE = sum |actual - forecast| / sum actual; None when nothing actually arrived."""
    pairs = list(zip(actual, forecast, strict=True))
    for a, f in pairs:
        _check_counts(actual=a, forecast=f)
    total = sum(a for a, _ in pairs)
    if total <= 0:
        return None
    return sum(abs(a - f) for a, f in pairs) / total


def forecast_accuracy_percent(actual: Iterable[float], forecast: Iterable[float]) -> float | None:
    """Forecast accuracy = 100 - WMAPE (as a percentage); it can go below zero."""
    error = wmape(actual, forecast)
    return None if error is None else 100.0 * (1.0 - error)


@dataclass(frozen=True, slots=True)
class KpiValues:
    offered: int
    answered: int
    abandoned: int
    answer_rate: float | None
    abandon_rate: float | None
    service_level: float | None
    asa_seconds: float | None
    aht_seconds: float | None
    occupancy: float | None


def kpis(counts: IntervalCounts, options: KpiOptions = KpiOptions()) -> KpiValues:
    """Every interval KPI of the sums, under the chosen options (the formulas of the functions
    above; the counts are checked once, since reports compute thousands of these)."""
    c = counts
    checked = [
        c.answered,
        c.abandoned,
        c.short_abandoned,
        c.answered_within_threshold,
        c.handle_seconds,
        c.wait_seconds_answered,
        c.wait_seconds_abandoned,
    ]
    if c.abandoned_within_threshold is not None:
        checked.append(c.abandoned_within_threshold)
    if c.available_seconds is not None:
        checked.append(c.available_seconds)
    if min(checked) < 0 or c.short_abandoned > c.abandoned:  # let the functions say which
        offered_contacts(c.answered, c.abandoned, c.short_abandoned)
        _check_counts(**{k: v for k, v in _fields_of(c).items() if v is not None})
    abandons = counted_abandons(
        c.abandoned, c.short_abandoned, include_short_abandons=options.include_short_abandons
    )
    offered = c.answered + abandons
    return KpiValues(
        offered=offered,
        answered=c.answered,
        abandoned=abandons,
        answer_rate=_ratio(c.answered, offered),
        abandon_rate=_ratio(abandons, offered),
        service_level=_service_level(
            c.answered_within_threshold,
            offered,
            abandons,
            c.abandoned_within_threshold,
            options.service_level_variant,
        ),
        asa_seconds=_ratio(c.wait_seconds_answered, c.answered),
        aht_seconds=_ratio(c.handle_seconds, c.answered),
        occupancy=(
            None
            if c.available_seconds is None
            else _ratio(c.handle_seconds, c.handle_seconds + c.available_seconds)
        ),
    )


def _fields_of(counts: IntervalCounts) -> dict[str, float | None]:
    """The counts by field name."""
    return {name: getattr(counts, name) for name in IntervalCounts.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class OutboundFigures:
    sell_hours: float
    productive_hours: float
    value: float


def outbound_value(
    spans: Iterable[tuple[datetime, datetime]],
    value_per_productive_hour_by_hour: Sequence[float],
    efficiency: float,
    timezone: str,
) -> OutboundFigures:
    """Hours sold on a campaign and their value: each span is cut at local hour boundaries and
    every piece is worth efficiency x hours x the value of a productive hour at that local hour."""
    if len(value_per_productive_hour_by_hour) != 24:
        raise ValueError("value_per_productive_hour_by_hour needs 24 values")
    if not 0 < efficiency <= 1:
        raise ValueError(f"efficiency must be in (0, 1], got {efficiency}")
    zone = ZoneInfo(timezone)
    hours = 0.0
    value = 0.0
    for start, end in spans:
        if end <= start:
            continue
        cursor = start
        while cursor < end:
            local = cursor.astimezone(zone)
            next_hour = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            boundary = min(end, next_hour.astimezone(UTC))
            piece = (boundary - cursor).total_seconds() / 3600.0
            hours += piece
            value += piece * efficiency * value_per_productive_hour_by_hour[local.hour]
            cursor = boundary
    return OutboundFigures(sell_hours=hours, productive_hours=hours * efficiency, value=value)


# --- contact reasons ------------


@dataclass(frozen=True, slots=True)
class ReasonFigures:
    """One contact reason over a range, against the range just before it.

    Shares are of the contacts whose reason was recorded (every reason, not only the top ones);
    None where the denominator is zero. `share_change` is in fraction points."""

    reason: str
    rank: int  # 1 = the most frequent reason
    count: int
    share: float | None
    previous_count: int
    previous_share: float | None
    count_change: int
    count_change_ratio: float | None  # (count - previous) / previous
    share_change: float | None
    counts_by_period: tuple[int, ...]
    shares_by_period: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class ReasonRanking:
    contacts_by_period: tuple[int, ...]  # contacts with a recorded reason, per period
    contacts: int
    previous_contacts: int
    reasons_recorded: int  # distinct reasons in the range
    outside_top_count: int  # contacts of the reasons not in `top`
    top: tuple[ReasonFigures, ...]


def rank_contact_reasons(
    counts_by_period: Sequence[Mapping[str, int]], previous: Mapping[str, int], top: int
) -> ReasonRanking:
    """The `top` most frequent reasons over the periods (ties by name), each with its count and
    share per period, and its change against the `previous` range's counts."""
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    for counts in [*counts_by_period, previous]:
        _check_counts(**{f"reason {name!r}": n for name, n in counts.items()})
    totals: dict[str, int] = {}
    for counts in counts_by_period:
        for name, n in counts.items():
            totals[name] = totals.get(name, 0) + n
    per_period = tuple(sum(counts.values()) for counts in counts_by_period)
    contacts = sum(per_period)
    previous_contacts = sum(previous.values())
    ranked = sorted((item for item in totals.items() if item[1] > 0), key=lambda i: (-i[1], i[0]))
    figures = []
    for rank, (name, count) in enumerate(ranked[:top], start=1):
        before = previous.get(name, 0)
        share = _ratio(count, contacts)
        previous_share = _ratio(before, previous_contacts)
        figures.append(
            ReasonFigures(
                reason=name,
                rank=rank,
                count=count,
                share=share,
                previous_count=before,
                previous_share=previous_share,
                count_change=count - before,
                count_change_ratio=_ratio(count - before, before),
                share_change=(
                    None if share is None or previous_share is None else share - previous_share
                ),
                counts_by_period=tuple(c.get(name, 0) for c in counts_by_period),
                shares_by_period=tuple(
                    _ratio(c.get(name, 0), n)
                    for c, n in zip(counts_by_period, per_period, strict=True)
                ),
            )
        )
    return ReasonRanking(
        contacts_by_period=per_period,
        contacts=contacts,
        previous_contacts=previous_contacts,
        reasons_recorded=len(ranked),
        outside_top_count=contacts - sum(f.count for f in figures),
        top=tuple(figures),
    )
