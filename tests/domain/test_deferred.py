"""Idle time inside serving and the deferred work it absorbs (`wfm.domain.deferred`): the idle
minutes from the queue model's occupancy, the properties of the absorbable amount, a check
against the queue simulator, and the callbacks it covers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.domain.deferred import (
    SIMULATION_TOLERANCE,
    CallbacksDue,
    cover_callbacks,
    idle_time,
)
from wfm.domain.queue_model import Patience, QueueModel

MODEL = QueueModel(
    code="Q",
    interval_minutes=15,
    service_level_target=0.8,
    service_threshold_seconds=20.0,
    patience=Patience.given(120.0),
    min_answer_rate=0.95,
)


def test_idle_minutes_are_the_agents_present_times_one_minus_occupancy() -> None:
    contacts = np.array([0.0, 10.0, 40.0, 90.0])
    aht = np.array([300.0, 240.0, 300.0, 280.0])
    agents = np.array([3.0, 6.0, 18.0, 35.0])
    plain = idle_time(MODEL, contacts, aht, agents, 0.0)
    occupancy = MODEL.kpis(contacts, aht, agents).occupancy
    expected = agents * 15.0 * (1.0 - np.where(contacts > 0, occupancy, 0.0))
    np.testing.assert_allclose(plain.idle_agent_minutes, expected, rtol=1e-12)
    # under absence: the expected agents present and the occupancy expected over them
    absent = idle_time(MODEL, contacts, aht, agents, 0.1)
    kpis = MODEL.kpis_under_absence(contacts, aht, agents, 0.1)
    busy = np.where(contacts > 0, kpis.occupancy, 0.0)
    np.testing.assert_allclose(
        absent.idle_agent_minutes, agents * 0.9 * 15.0 * (1.0 - busy), rtol=1e-12
    )
    # a quiet interval's serving agents are idle throughout and can absorb all of it
    assert absent.idle_agent_minutes[0] == pytest.approx(3 * 0.9 * 15.0)
    assert absent.absorbable_minutes[0] == absent.idle_agent_minutes[0]


@pytest.mark.parametrize("shrinkage", [0.0, 0.12])
def test_the_absorbable_amount_is_where_the_targets_just_hold(shrinkage: float) -> None:
    contacts = np.full(4, 40.0)
    aht = np.full(4, 300.0)
    agents = np.array([21.0, 22.0, 24.0, 28.0])
    found = idle_time(MODEL, contacts, aht, agents, shrinkage)
    assert not found.short.any() and np.all(found.absorbable_minutes > 0.0)
    assert np.all(found.absorbable_minutes < found.idle_agent_minutes)
    cut = found.absorbable_minutes / (15.0 * (1.0 - shrinkage))  # heads taken out of the pool
    at = _between_whole(contacts, aht, agents - cut, shrinkage)
    after = _between_whole(contacts, aht, agents - cut - 0.01, shrinkage)
    met = MODEL.targets_met(*at).all
    assert met is not None and met.all()
    # a hundredth of an agent more and a target fails: the bound is tight
    missed = MODEL.targets_met(*after).all
    assert missed is not None and not missed.any()
    if shrinkage > 0:  # under absence the interpolation is the model's own fractional heads
        own = MODEL.kpis_under_absence(contacts, aht, agents - cut, shrinkage)
        np.testing.assert_allclose(own.service_level, at[0], rtol=1e-9)
        np.testing.assert_allclose(np.asarray(own.answer_rate), at[1], rtol=1e-9)


def _between_whole(
    contacts: np.ndarray, aht: np.ndarray, heads: np.ndarray, shrinkage: float
) -> tuple[np.ndarray, np.ndarray]:
    """Service level and answer rate at fractional heads, interpolated linearly between the
    whole head counts either side (what a fractional head count is under absence)."""
    low = np.floor(heads)
    share = heads - low
    below = MODEL.kpis_under_absence(contacts, aht, low, shrinkage)
    above = MODEL.kpis_under_absence(contacts, aht, low + 1.0, shrinkage)
    assert below.answer_rate is not None and above.answer_rate is not None
    return (
        (1 - share) * below.service_level + share * above.service_level,
        (1 - share) * below.answer_rate + share * above.answer_rate,
    )


@given(
    contacts=st.floats(0.0, 120.0),
    aht=st.floats(60.0, 600.0),
    agents=st.integers(0, 60),
    shrinkage=st.sampled_from([0.0, 0.05, 0.2]),
)
@settings(max_examples=60, deadline=None)
def test_absorbable_is_within_idle_monotone_in_agents_and_zero_when_short(
    contacts: float, aht: float, agents: int, shrinkage: float
) -> None:
    heads = np.array([agents, agents + 1, agents + 2], dtype=float)
    found = idle_time(MODEL, np.full(3, contacts), np.full(3, aht), heads, shrinkage)
    idle, absorbable = found.idle_agent_minutes, found.absorbable_minutes
    assert np.all(absorbable >= 0.0)
    assert np.all(absorbable <= idle + 1e-9)
    assert np.all(np.diff(absorbable) >= -1e-6)  # more agents never absorb less
    assert np.all(absorbable[found.short] == 0.0)  # a short interval absorbs nothing
    kpis = MODEL.kpis_under_absence(np.full(3, contacts), np.full(3, aht), heads, shrinkage)
    met = MODEL.targets_met(kpis.service_level, kpis.answer_rate).all
    assert met is not None
    np.testing.assert_array_equal(found.short, (contacts > 0) & ~met)


@pytest.mark.parametrize(
    ("contacts", "aht", "agents"), [(40.0, 300.0, 22.0), (90.0, 240.0, 36.0), (12.0, 420.0, 11.0)]
)
def test_the_simulator_keeps_the_answer_rate_with_the_absorbable_work_taken(
    contacts: float, aht: float, agents: float
) -> None:
    """The queue simulated call by call (`QueueModel.simulate`) with the absorbable deferred
    work's capacity taken out of the pool: the answer rate and service level stay within
    `SIMULATION_TOLERANCE` of the targets. A fractional cut is simulated as the share of
    intervals with one agent fewer."""
    found = idle_time(MODEL, [contacts], [aht], [agents], 0.0)
    assert found.absorbable_minutes[0] > 0.0
    left = agents - found.absorbable_minutes[0] / 15.0
    intervals = 64
    fewer = int(round((np.ceil(left) - left) * intervals))
    staffing = np.full(intervals, np.ceil(left))
    staffing[np.linspace(0, intervals - 1, fewer).astype(int) if fewer else []] -= 1.0
    result = MODEL.simulate(
        np.full(intervals, contacts), np.full(intervals, aht), staffing, seed=7, replications=8
    )
    assert MODEL.answer_rate_target is not None and MODEL.service_level_target is not None
    assert result.answer_rate.value >= MODEL.answer_rate_target - SIMULATION_TOLERANCE
    assert result.service_level.value >= MODEL.service_level_target - SIMULATION_TOLERANCE
    # and the whole idle time would not do: taking it all breaks the answer-rate target
    busy = MODEL.simulate(
        np.full(intervals, contacts),
        np.full(intervals, aht),
        np.full(intervals, np.floor(agents - found.idle_agent_minutes[0] / 15.0)),
        seed=7,
        replications=2,
    )
    assert busy.answer_rate.value < MODEL.answer_rate_target - SIMULATION_TOLERANCE


ZONE = ZoneInfo("Europe/Paris")


def _day(hours: int) -> list[datetime]:
    """The 15-minute interval starts of 2026-03-02 from 08:00 local, `hours` long."""
    first = datetime(2026, 3, 2, 8, 0, tzinfo=ZONE).astimezone(UTC)
    return [first + timedelta(minutes=15 * i) for i in range(hours * 4)]


def test_callbacks_are_covered_by_absorbable_time_before_they_fall_due() -> None:
    starts = _day(2)  # 08:00 to 10:00 local, 10 absorbable minutes per interval
    absorbable = np.full(len(starts), 10.0)
    local = datetime(2026, 3, 2, tzinfo=ZONE)
    early = CallbacksDue("EARLY", (local.replace(hour=8, minute=30),) * 3, 12.0, "given")
    late = CallbacksDue("LATE", (local.replace(hour=9, minute=45),), 30.0, "given")
    tomorrow = CallbacksDue("NEXT", (local.replace(hour=9) + timedelta(days=1),), 5.0, "given")
    plan = cover_callbacks(starts, 15, absorbable, ZONE, (early, late, tomorrow))
    # by 08:30 only two intervals (20 minutes) have ended: of 36 minutes due, 20 are covered
    assert plan.campaigns["EARLY"].callbacks_due == 3
    assert plan.campaigns["EARLY"].hours_due == pytest.approx(36 / 60)
    assert plan.campaigns["EARLY"].hours_absorbable == pytest.approx(20 / 60)
    # by 09:45: 70 minutes, 20 of them used: the 30 due are all covered
    assert plan.campaigns["LATE"].hours_absorbable == pytest.approx(30 / 60)
    # the next day has no absorbable time here
    assert plan.campaigns["NEXT"].hours_absorbable == 0.0
    assert plan.days[date(2026, 3, 2)].callbacks_due == 4
    assert plan.days[date(2026, 3, 2)].hours_absorbable == pytest.approx(50 / 60)
    assert plan.days[date(2026, 3, 3)].hours_due == pytest.approx(5 / 60)


def test_no_callbacks_nothing_covered() -> None:
    plan = cover_callbacks(_day(1), 15, np.ones(4), ZONE, ())
    assert plan.campaigns == {} and plan.days == {}
