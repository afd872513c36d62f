"""The capacity plan (`wfm.domain.capacity_plan`): a hand-computed month, and properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.domain.capacity_plan import (
    CapacityPlanError,
    PlanSettings,
    QueueDemand,
    Staff,
    build_plan,
    weekday_counts,
)
from wfm.domain.queue_model import Patience, QueueModel

# The domain reference: 100 calls per 30 min, 180 s handle time, 80 % in 20 s -> 14 agents.
ERLANG_C = QueueModel(
    code="q",
    interval_minutes=30,
    service_level_target=0.8,
    service_threshold_seconds=20.0,
    patience=Patience.given(None),
)
ERLANG_A = replace(ERLANG_C, patience=Patience.given(120.0), max_occupancy=0.85)
JUNE = date(2027, 6, 1)


def demand(model: QueueModel, per_day: float, months: int, aht: float = 180.0) -> QueueDemand:
    """A queue open two half-hours a day, half its contacts in each, every day alike."""
    return QueueDemand(
        model=model,
        profile=((0.5, 0.5),) * 7,
        contacts_by_weekday=((per_day,) * 7,) * months,
        aht_seconds=(aht,) * months,
    )


SETTINGS = PlanSettings(
    unplanned_shrinkage=0.3,
    rostering_efficiency=0.75,
    full_time_weekly_hours=40.0,
    recruiting_lead_weeks=4.0,
    training_weeks=2.0,
    nesting_weeks=2.0,
    nesting_productivity=0.5,
)


def test_golden_three_months_by_hand() -> None:
    plan = build_plan(JUNE, [demand(ERLANG_C, 200.0, 3)], Staff(3, 3.0, 20.0), SETTINGS)
    june, july, august = plan.months
    # June: 30 days x 2 half-hours x 14 agents = 420 serving hours; / 0.7 / 0.75 = 800 paid
    assert june.serving_hours_needed == pytest.approx(420.0)
    assert june.paid_hours_needed == pytest.approx(800.0)
    assert june.fte_needed == pytest.approx(800.0 / (40.0 * 30 / 7))  # 4.6667
    assert july.fte_needed == pytest.approx(4.0 + 2.0 / 3.0)
    # earliest start 29 June; ramp 28 days: only a start by 4 July is ready for August, so
    # two hires start on 1 July (shortfall 1.667 FTE); June and July stay short
    assert plan.earliest_start == date(2027, 6, 29)
    assert [(h.start, h.count, h.for_month) for h in plan.hires] == [
        (date(2027, 7, 1), 2, date(2027, 8, 1))
    ]
    assert june.hires_starting == 0 and july.hires_starting == 2
    # July: each hire trains 1-14 July (0), nests 15-28 (0.5), is full 29-31: 10/31 each
    assert july.fte_productive == pytest.approx(3.0 + 2 * 10 / 31)
    assert july.fte_paid == pytest.approx(5.0)
    assert august.fte_productive == pytest.approx(5.0)
    assert june.short_fte == pytest.approx(4.0 + 2 / 3 - 3.0)
    assert august.short_fte == 0.0
    # cost: paid FTE x 40 h a week x days / 7 x 20 an hour
    assert june.labour_cost == pytest.approx(3 * 40 * 30 / 7 * 20)
    assert july.labour_cost == pytest.approx(5 * 40 * 31 / 7 * 20)
    # June has 3/4.667 of the hours: 9 agents for 10 Erlangs, an unstable queue
    assert june.service_level == pytest.approx(0.0)
    assert august.service_level is not None and august.service_level > 0.8
    assert june.answer_rate is None  # Erlang C can't say
    assert june.contacts == pytest.approx(6000.0) and june.aht_seconds == pytest.approx(180.0)


def test_weekday_counts() -> None:
    assert weekday_counts(JUNE) == (4, 5, 5, 4, 4, 4, 4)  # 1 June 2027 is a Tuesday
    assert sum(weekday_counts(date(2028, 2, 1))) == 29


@pytest.mark.parametrize("per_day", [50.0, 400.0, 1500.0])
def test_more_volume_never_fewer_fte(per_day: float) -> None:
    low = build_plan(JUNE, [demand(ERLANG_A, per_day, 4)], Staff(5, 5.0), SETTINGS)
    high = build_plan(JUNE, [demand(ERLANG_A, per_day * 1.07, 4)], Staff(5, 5.0), SETTINGS)
    for a, b in zip(low.months, high.months, strict=True):
        assert b.fte_needed >= a.fte_needed
        assert b.fte_productive >= a.fte_productive - 1e-9


@pytest.mark.parametrize("lead_weeks", [0.0, 3.0, 9.5, 20.0])
def test_hires_never_arrive_before_the_lead_time(lead_weeks: float) -> None:
    settings = replace(SETTINGS, recruiting_lead_weeks=lead_weeks, monthly_attrition=0.05)
    plan = build_plan(JUNE, [demand(ERLANG_A, 600.0, 12)], Staff(2, 2.0), settings)
    assert plan.hires
    for hire in plan.hires:
        assert (hire.start - JUNE).days >= lead_weeks * 7
        assert hire.count >= 1


def test_zero_attrition_and_enough_staff_hire_nobody() -> None:
    settings = replace(SETTINGS, monthly_attrition=0.0)
    plan = build_plan(JUNE, [demand(ERLANG_A, 200.0, 18)], Staff(40, 40.0, 18.0), settings)
    assert plan.hires == ()
    assert all(m.short_fte == 0.0 and m.fte_paid == pytest.approx(40.0) for m in plan.months)


def test_attrition_is_replaced_and_the_need_met_once_hires_can_be_ready() -> None:
    settings = replace(SETTINGS, monthly_attrition=0.04)
    plan = build_plan(JUNE, [demand(ERLANG_A, 300.0, 18)], Staff(8, 8.0, 18.0), settings)
    assert plan.hires
    ready_from = min(h.for_month for h in plan.hires)
    for month in plan.months:
        assert month.fte_existing <= 8.0
        if month.month >= ready_from:
            assert month.short_fte == pytest.approx(0.0, abs=1e-9)
            assert month.answer_rate is not None and month.answer_rate > 0.5


def test_a_higher_answer_rate_target_needs_more() -> None:
    model = replace(
        ERLANG_A,
        service_level_target=None,
        min_answer_rate=0.8,
        max_occupancy=None,
        patience=Patience.given(60.0),
    )
    base = build_plan(JUNE, [demand(model, 300.0, 2)], Staff(5, 5.0), SETTINGS)
    strict = build_plan(
        JUNE, [demand(model, 300.0, 2)], Staff(5, 5.0), replace(SETTINGS, answer_rate_target=0.95)
    )
    assert strict.months[0].fte_needed > base.months[0].fte_needed


def test_growth_knob_raises_later_months_only() -> None:
    flat = build_plan(JUNE, [demand(ERLANG_A, 300.0, 13)], Staff(5, 5.0), SETTINGS)
    grown = build_plan(
        JUNE,
        [demand(ERLANG_A, 300.0, 13)],
        Staff(5, 5.0),
        replace(SETTINGS, volume_growth_per_year=0.2),
    )
    assert grown.months[0].contacts == pytest.approx(flat.months[0].contacts)
    assert grown.months[12].contacts == pytest.approx(flat.months[12].contacts * 1.2)


def test_without_a_wage_no_cost() -> None:
    plan = build_plan(JUNE, [demand(ERLANG_A, 100.0, 1)], Staff(3, 3.0), SETTINGS)
    assert plan.months[0].labour_cost is None


def test_bad_inputs_name_their_fields() -> None:
    bad = replace(SETTINGS, monthly_attrition=1.5, recruiting_lead_weeks=-1.0)
    with pytest.raises(CapacityPlanError) as caught:
        build_plan(date(2027, 6, 3), [demand(ERLANG_A, 1.0, 19)], Staff(1, 1.0), bad)
    names = {name for name, _ in caught.value.problems}
    assert {"monthly_attrition", "recruiting_lead_weeks", "start_month", "months"} <= names


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    volumes=st.lists(st.floats(0.0, 800.0), min_size=7, max_size=7),
    more=st.floats(1.0, 2.0),
    aht=st.floats(60.0, 600.0),
)
def test_more_volume_never_fewer_fte_for_any_week(
    volumes: list[float], more: float, aht: float
) -> None:
    def plan(scale: float) -> list[float]:
        demand = QueueDemand(
            model=ERLANG_A,
            profile=((0.25, 0.5, 0.25),) * 7,
            contacts_by_weekday=(tuple(v * scale for v in volumes),) * 2,
            aht_seconds=(aht, aht),
        )
        return [m.fte_needed for m in build_plan(JUNE, [demand], Staff(0, 0.0), SETTINGS).months]

    for low, high in zip(plan(1.0), plan(more), strict=True):
        assert high >= low - 1e-12


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    lead=st.floats(0.0, 30.0),
    training=st.floats(0.0, 12.0),
    nesting=st.floats(0.0, 8.0),
    attrition=st.floats(0.0, 0.2),
)
def test_hires_start_after_the_lead_time_and_are_ready_for_their_month(
    lead: float, training: float, nesting: float, attrition: float
) -> None:
    settings_ = replace(
        SETTINGS,
        recruiting_lead_weeks=lead,
        training_weeks=training,
        nesting_weeks=nesting,
        monthly_attrition=attrition,
    )
    plan = build_plan(JUNE, [demand(ERLANG_A, 500.0, 12)], Staff(3, 3.0), settings_)
    for hire in plan.hires:
        assert (hire.start - JUNE).days >= lead * 7 - 1e-9
        assert (hire.for_month - hire.start).days >= (training + nesting) * 7 - 1e-9
    for month in plan.months:
        if any(h.for_month <= month.month for h in plan.hires):
            assert month.short_fte == pytest.approx(0.0, abs=1e-9)


def test_two_plans_months_compared_over_either_plan() -> None:
    from wfm.domain.capacity_plan import COMPARED_FIGURES, compare_months

    first = [
        {"month": "2027-01-01", "fte_needed": 10.0, "labour_cost": None, "hires_starting": 0},
        {"month": "2027-02-01", "fte_needed": 11.0, "labour_cost": 5.0, "hires_starting": 1},
    ]
    second = [
        {"month": "2027-02-01", "fte_needed": 12.5, "labour_cost": 7.0, "hires_starting": 3},
        {"month": "2027-03-01", "fte_needed": 13.0, "labour_cost": 8.0, "hires_starting": 0},
    ]
    months = compare_months(first, second)
    assert [m["month"] for m in months] == ["2027-01-01", "2027-02-01", "2027-03-01"]
    assert all(set(m["figures"]) == set(COMPARED_FIGURES) for m in months)
    january, february, march = (m["figures"] for m in months)
    assert january["fte_needed"] == {"first": 10.0, "second": None, "difference": None}
    assert february["fte_needed"] == {"first": 11.0, "second": 12.5, "difference": 1.5}
    assert february["hires_starting"]["difference"] == 2
    assert january["labour_cost"]["difference"] is None  # a figure one plan lacks
    assert march["labour_cost"] == {"first": None, "second": 8.0, "difference": None}
