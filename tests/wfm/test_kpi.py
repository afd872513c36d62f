"""The KPI formulas of `wfm.domain.kpi` against published figures and the definitions'
properties."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wfm.domain.kpi import (
    IntervalCounts,
    KpiOptions,
    ServiceLevelVariant,
    abandon_rate,
    answer_rate,
    average_handle_time_seconds,
    average_speed_of_answer_seconds,
    counted_abandons,
    forecast_accuracy_percent,
    kpis,
    mean_patience_seconds,
    occupancy,
    offered_contacts,
    outbound_value,
    service_level,
    wmape,
)


def test_anonymous_bank_february_1999() -> None:
    # Published figures (data README): 31,094 offered, 27,162 handled, 3,932 abandoned (12.6 %)
    assert answer_rate(27_162, 31_094) == pytest.approx(0.8735, abs=5e-5)
    assert abandon_rate(3_932, 31_094) == pytest.approx(0.126, abs=5e-4)
    assert offered_contacts(27_162, 3_932, include_short_abandons=True) == 31_094


def test_erlang_c_reference_occupancy() -> None:
    # docs/domain.md: 10 Erlangs on 14 agents is 71.4 % occupancy; over 30 min the agents
    # handle 10 x 1800 s and are available for the rest of 14 x 1800 s
    assert occupancy(18_000.0, 14 * 1800.0 - 18_000.0) == pytest.approx(0.714, abs=5e-4)


def test_zero_denominators_are_undefined_not_zero() -> None:
    assert answer_rate(0, 0) is None
    assert service_level(0, 0) is None
    assert average_speed_of_answer_seconds(0.0, 0) is None
    assert occupancy(0.0, None) is None
    assert wmape([0.0, 0.0], [1.0, 2.0]) is None
    assert mean_patience_seconds(10.0, 5.0, 0) is None


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="short_abandoned"):
        offered_contacts(10, 2, 3)
    with pytest.raises(ValueError, match="answered"):
        answer_rate(-1, 10)
    with pytest.raises(ValueError, match="24 values"):
        outbound_value([], [1.0] * 23, 0.8, "UTC")


def test_short_abandons_and_variants_on_a_worked_example() -> None:
    counts = IntervalCounts(
        answered=90,
        abandoned=10,
        short_abandoned=4,
        answered_within_threshold=72,
        wait_seconds_answered=900.0,
        handle_seconds=18_000.0,
        abandoned_within_threshold=3,
    )
    default = kpis(counts)
    assert (default.offered, default.abandoned) == (96, 6)
    assert default.service_level == pytest.approx(72 / 96)
    assert default.asa_seconds == pytest.approx(10.0) and default.aht_seconds == 200.0
    with_short = kpis(counts, KpiOptions(include_short_abandons=True))
    assert with_short.offered == 100 and with_short.abandon_rate == pytest.approx(0.1)
    ignoring = kpis(counts, KpiOptions(service_level_variant=ServiceLevelVariant.IGNORE_ABANDONS))
    assert ignoring.service_level == pytest.approx(72 / 90)
    counting = kpis(
        counts,
        KpiOptions(service_level_variant=ServiceLevelVariant.ABANDONS_WITHIN_THRESHOLD_COUNT_FOR),
    )
    assert counting.service_level == pytest.approx(75 / 96)
    unknown = kpis(
        IntervalCounts(answered=5, abandoned=1),
        KpiOptions(service_level_variant=ServiceLevelVariant.ABANDONS_WITHIN_THRESHOLD_COUNT_FOR),
    )
    assert unknown.service_level is None  # the ACD did not report abandons within T


counts_strategy = st.builds(
    lambda answered, abandoned, short_share, within_share, wait: IntervalCounts(
        answered=answered,
        abandoned=abandoned,
        short_abandoned=int(abandoned * short_share),
        answered_within_threshold=int(answered * within_share),
        wait_seconds_answered=wait * answered,
        handle_seconds=180.0 * answered,
    ),
    st.integers(0, 5_000),
    st.integers(0, 2_000),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 600),
)


@given(counts_strategy, st.booleans())
def test_rates_are_fractions_that_add_up(counts: IntervalCounts, include_short: bool) -> None:
    values = kpis(counts, KpiOptions(include_short_abandons=include_short))
    if values.offered == 0:
        assert values.answer_rate is None and values.service_level is None
        return
    assert values.answer_rate is not None and values.abandon_rate is not None
    assert values.answer_rate + values.abandon_rate == pytest.approx(1.0)
    for fraction in (values.answer_rate, values.abandon_rate, values.service_level):
        assert fraction is not None and 0.0 <= fraction <= 1.0


@given(counts_strategy)
def test_variant_order(counts: IntervalCounts) -> None:
    against = kpis(counts).service_level
    ignoring = kpis(
        counts, KpiOptions(service_level_variant=ServiceLevelVariant.IGNORE_ABANDONS)
    ).service_level
    with_short = kpis(counts, KpiOptions(include_short_abandons=True))
    if against is not None and ignoring is not None:
        assert ignoring >= against - 1e-12  # abandons only ever count against
    if against is not None and with_short.service_level is not None:
        assert with_short.service_level <= against + 1e-12  # more offered, same answered


@given(st.lists(st.integers(0, 500), min_size=1, max_size=50), st.floats(0.5, 2.0))
def test_wmape_of_a_perfect_and_a_scaled_forecast(actual: list[int], factor: float) -> None:
    assert wmape(actual, actual) in (0.0, None)
    scaled = wmape(actual, [a * factor for a in actual])
    if scaled is not None:
        assert scaled == pytest.approx(abs(factor - 1.0))
        assert forecast_accuracy_percent(actual, [a * factor for a in actual]) == pytest.approx(
            100 * (1 - abs(factor - 1.0))
        )


def test_outbound_value_splits_at_local_hours() -> None:
    values = [0.0] * 24
    values[18], values[19] = 10.0, 40.0
    # 16:30-18:30 UTC is 18:30-20:30 in Paris in summer: 0.5 h at 18, 1 h at 19, 0.5 h at 20
    figures = outbound_value(
        [(datetime(2025, 7, 1, 16, 30, tzinfo=UTC), datetime(2025, 7, 1, 18, 30, tzinfo=UTC))],
        values,
        0.5,
        "Europe/Paris",
    )
    assert figures.sell_hours == pytest.approx(2.0)
    assert figures.productive_hours == pytest.approx(1.0)
    assert figures.value == pytest.approx(0.5 * (0.5 * 10 + 1.0 * 40))


@given(
    counts_strategy,
    st.booleans(),
    st.sampled_from(list(ServiceLevelVariant)),
    st.none() | st.integers(0, 50),
    st.none() | st.floats(0, 1e6),
)
def test_kpis_agree_with_each_formula(
    counts: IntervalCounts,
    include_short: bool,
    variant: ServiceLevelVariant,
    abandoned_within: int | None,
    available: float | None,
) -> None:
    counts = dataclasses.replace(
        counts, abandoned_within_threshold=abandoned_within, available_seconds=available
    )
    values = kpis(
        counts, KpiOptions(include_short_abandons=include_short, service_level_variant=variant)
    )
    offered = offered_contacts(
        counts.answered,
        counts.abandoned,
        counts.short_abandoned,
        include_short_abandons=include_short,
    )
    abandons = counted_abandons(
        counts.abandoned, counts.short_abandoned, include_short_abandons=include_short
    )
    assert (values.offered, values.answered, values.abandoned) == (
        offered,
        counts.answered,
        abandons,
    )
    assert values.answer_rate == answer_rate(counts.answered, offered)
    assert values.abandon_rate == abandon_rate(abandons, offered)
    assert values.service_level == service_level(
        counts.answered_within_threshold,
        offered,
        abandoned=abandons,
        abandoned_within_threshold=abandoned_within,
        variant=variant,
    )
    assert values.asa_seconds == average_speed_of_answer_seconds(
        counts.wait_seconds_answered, counts.answered
    )
    assert values.aht_seconds == average_handle_time_seconds(counts.handle_seconds, counts.answered)
    assert values.occupancy == occupancy(counts.handle_seconds, available)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("answered", -1),
        ("handle_seconds", -0.5),
        ("wait_seconds_abandoned", -3.0),
        ("available_seconds", -1.0),
        ("abandoned_within_threshold", -2),
    ],
)
def test_kpis_refuse_a_negative_count_by_name(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        change: dict[str, Any] = {field: value}
        kpis(dataclasses.replace(IntervalCounts(answered=5, abandoned=2), **change))


def test_kpis_refuse_more_short_abandons_than_abandons() -> None:
    with pytest.raises(ValueError, match="short_abandoned"):
        kpis(IntervalCounts(answered=5, abandoned=2, short_abandoned=3))
