"""Unplanned shrinkage from rostered agent-days: golden sums, the interval, and its properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wfm.domain.intraday.shrinkage import MIN_AGENT_DAYS, AgentDay, estimate_unplanned_shrinkage


def test_a_day_absent_and_minutes_late_are_counted_apart() -> None:
    days = [
        AgentDay(465, 465, 465),  # worked the whole day
        AgentDay(465, 0, 0),  # absent
        AgentDay(465, 435, 435),  # 30 min late
        AgentDay(0, 0, 120),  # not rostered that day: left out
    ]
    e = estimate_unplanned_shrinkage(days)
    assert e.agent_days == 3 and e.absent_agent_days == 1
    assert e.scheduled_work_hours == pytest.approx(3 * 465 / 60)
    assert e.unplanned_shrinkage == pytest.approx(495 / 1395)
    assert e.absence_share == pytest.approx(465 / 1395)
    assert e.lateness_and_aux_share == pytest.approx(30 / 1395)
    # ratio estimator over agent-days: residuals of lost - s * scheduled, n / (n - 1)
    s = 495 / 1395
    residual = (0 - s * 465) ** 2 + (465 - s * 465) ** 2 + (30 - s * 465) ** 2
    se = math.sqrt(residual * 3 / 2) / 1395
    assert e.ci_low == pytest.approx(max(0.0, s - 1.959963984540054 * se))
    assert e.ci_high == pytest.approx(s + 1.959963984540054 * se)
    assert not e.sufficient  # 3 agent-days


def test_no_rostered_day_gives_no_estimate_and_bad_minutes_are_refused() -> None:
    e = estimate_unplanned_shrinkage([AgentDay(0, 0, 60)])
    assert e.agent_days == 0 and e.unplanned_shrinkage is None and e.ci_low is None
    assert not e.sufficient
    with pytest.raises(ValueError, match="within the scheduled"):
        estimate_unplanned_shrinkage([AgentDay(100, 120, 120)])


def test_enough_agent_days_make_the_estimate_usable() -> None:
    days = [
        AgentDay(480, 480 if i % 10 else 0, 480 if i % 10 else 0) for i in range(MIN_AGENT_DAYS)
    ]
    e = estimate_unplanned_shrinkage(days)
    assert e.sufficient and e.unplanned_shrinkage == pytest.approx(0.1)


agent_day = st.builds(
    lambda scheduled, share, worked: AgentDay(scheduled, scheduled * share, worked),
    st.floats(1, 720),
    st.floats(0, 1),
    st.floats(0, 720),
)


@given(st.lists(agent_day, min_size=2, max_size=60))
def test_the_estimate_is_a_share_inside_its_interval(days: list[AgentDay]) -> None:
    e = estimate_unplanned_shrinkage(days)
    assert e.unplanned_shrinkage is not None and e.ci_low is not None and e.ci_high is not None
    assert 0 <= e.ci_low <= e.unplanned_shrinkage + 1e-12
    assert e.unplanned_shrinkage <= e.ci_high + 1e-12 and e.ci_high <= 1
    assert e.absence_share is not None and e.lateness_and_aux_share is not None
    assert e.absence_share + e.lateness_and_aux_share == pytest.approx(e.unplanned_shrinkage)


@given(st.lists(agent_day, min_size=2, max_size=30))
def test_the_same_days_repeated_narrow_the_interval(days: list[AgentDay]) -> None:
    once = estimate_unplanned_shrinkage(days)
    four = estimate_unplanned_shrinkage(days * 4)
    assert four.unplanned_shrinkage == pytest.approx(once.unplanned_shrinkage)
    assert once.ci_low is not None and once.ci_high is not None
    assert four.ci_low is not None and four.ci_high is not None
    assert four.ci_high - four.ci_low <= once.ci_high - once.ci_low + 1e-9


def test_a_day_ready_but_never_working_counts_only_its_lost_time_as_absence() -> None:
    # ready all its scheduled minute yet never worked: absent, but nothing of it was lost
    days = [AgentDay(1.0, 0.0, 0.0), AgentDay(1.0, 1.0, 0.0)]
    e = estimate_unplanned_shrinkage(days)
    assert e.unplanned_shrinkage == pytest.approx(0.5)
    assert e.absence_share == pytest.approx(0.5) and e.lateness_and_aux_share == 0.0
