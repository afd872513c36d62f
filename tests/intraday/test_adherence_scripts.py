"""Scripted event streams checked minute for minute against values computed by hand.

Every expected array below was worked out on paper from the definitions in docs/intraday.md:
tolerance 1 min each side of a planned change, breaks and lunches scheduled, conformance over
planned work time.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from intraday_testkit import ev, shift, t

from wfm.domain import Activity
from wfm.domain.intraday import (
    ActualActivity,
    ChangeKind,
    PlanChange,
    adherence_by_minute,
    combine,
    effective_plan,
    status_now,
    switch_change,
)

SERVE, SELL, OTHER = Activity.SERVE, Activity.SELL, Activity.OTHER


def morning_shift():  # 09:00-12:00: serve, a 15-min break at 10:00, serve, then sell from 11:00
    return shift(
        "09:00",
        "12:00",
        activities=[("09:00", "11:00", SERVE), ("11:00", "12:00", SELL)],
        breaks=[("10:00", "10:15", "break")],
    )


def morning_events():
    return [
        ev(t("09:00", 30), "ready"),  # 30 s late: inside the tolerance
        ev(t("10:02"), "break"),  # 2 min late for the break: 1 min beyond the tolerance
        ev(t("10:15", 45), "ready"),  # 45 s late back: inside the tolerance
        ev(t("10:40"), "not_ready"),  # 3 min not ready, no reason
        ev(t("10:43"), "on_call"),
        ev(t("11:00"), "outbound_dialling"),
        ev(t("11:50"), "logged_out"),  # 10 min early: the last minute is inside the tolerance
    ]


def test_morning_minute_by_minute() -> None:
    plan = effective_plan([morning_shift()])
    result = adherence_by_minute("A1", plan, morning_events(), t("09:00"), t("12:00"))
    assert result.minutes == 180

    expected_adherent = np.full(180, 60.0)
    expected_adherent[61] = 0.0  # 10:01-10:02 serving while the break is planned
    expected_adherent[100:103] = 0.0  # 10:40-10:43 not ready
    expected_adherent[170:179] = 0.0  # 11:50-11:59 logged out; 11:59-12:00 is tolerated
    np.testing.assert_array_equal(result.adherent_seconds, expected_adherent)
    np.testing.assert_array_equal(result.scheduled_seconds, np.full(180, 60.0))

    expected_work = np.full(180, 60.0)
    expected_work[60:75] = 0.0  # the break is scheduled, but not work
    np.testing.assert_array_equal(result.scheduled_work_seconds, expected_work)

    expected_worked = np.full(180, 60.0)
    expected_worked[0] = 30.0  # logged in at 09:00:30
    expected_worked[62:75] = 0.0  # on break 10:02-10:15
    expected_worked[75] = 15.0  # back at 10:15:45
    expected_worked[170:180] = 0.0  # logged out at 11:50
    np.testing.assert_array_equal(result.worked_seconds, expected_worked)

    (day,) = result.summarise()
    assert day.scheduled_minutes == 180
    assert day.adherent_minutes == 167
    assert day.adherence == pytest.approx(167 / 180)
    assert day.scheduled_work_minutes == 165
    assert day.worked_minutes == pytest.approx(155.75)
    assert day.conformance == pytest.approx(155.75 / 165)


def test_morning_per_interval() -> None:
    plan = effective_plan([morning_shift()])
    result = adherence_by_minute("A1", plan, morning_events(), t("09:00"), t("12:00"))
    per_interval = result.summarise(15)
    assert [p.period_start_utc for p in per_interval] == [
        t("09:00") + timedelta(minutes=15 * i) for i in range(12)
    ]
    adherent = [p.adherent_minutes for p in per_interval]
    assert adherent == [15, 15, 15, 15, 14, 15, 12, 15, 15, 15, 15, 6]
    # Worked minutes per interval: 14.5 (logged in 09:00:30), 2 in 10:00-10:15, 14.25 after it,
    # 5 in the last interval (logged out 11:50).
    assert [p.worked_minutes for p in per_interval] == [
        14.5,
        15,
        15,
        15,
        2,
        14.25,
        15,
        15,
        15,
        15,
        15,
        5,
    ]
    total = combine(per_interval)
    assert total.adherent_minutes == 167
    assert total.worked_minutes == pytest.approx(155.75)


def test_a_manager_switch_changes_the_plan_not_the_score() -> None:
    sell_hour = shift("11:00", "12:00", activities=[("11:00", "12:00", SELL)])
    events = [
        ev(t("11:00"), "outbound_dialling"),
        ev(t("11:20", 30), "ready"),  # switched to serve 11:20-11:40
        ev(t("11:40", 50), "outbound_call"),
    ]
    without = adherence_by_minute("A1", effective_plan([sell_hour]), events, t("11:00"), t("12:00"))
    expected = np.full(60, 60.0)
    expected[20] = 30.0  # sold until 11:20:30
    expected[21:40] = 0.0
    expected[40] = 10.0  # back to selling at 11:40:50
    np.testing.assert_array_equal(without.adherent_seconds, expected)
    assert without.summarise()[0].adherent_minutes == pytest.approx(2380 / 60)

    switch = switch_change("A1", t("11:20"), t("11:40"), SERVE, queue_code="Q1")
    plan = effective_plan([sell_hour], [switch])
    assert [(s.activity, s.start_utc, s.end_utc, s.authorised_change) for s in plan] == [
        (SELL, t("11:00"), t("11:20"), False),
        (SERVE, t("11:20"), t("11:40"), True),
        (SELL, t("11:40"), t("12:00"), False),
    ]
    with_switch = adherence_by_minute("A1", plan, events, t("11:00"), t("12:00"))
    np.testing.assert_array_equal(with_switch.adherent_seconds, np.full(60, 60.0))
    # Worked time is the same either way.
    np.testing.assert_array_equal(with_switch.worked_seconds, without.worked_seconds)


def test_a_switch_leaves_a_planned_break_alone() -> None:
    s = shift(
        "13:00",
        "15:00",
        activities=[("13:00", "15:00", SELL)],
        breaks=[("14:00", "14:15", "break")],
    )
    plan = effective_plan([s], [switch_change("A1", t("13:30"), t("14:30"), SERVE)])
    assert [(p.activity, p.start_utc, p.end_utc) for p in plan] == [
        (SELL, t("13:00"), t("13:30")),
        (SERVE, t("13:30"), t("14:00")),
        (Activity.BREAK, t("14:00"), t("14:15")),
        (SERVE, t("14:15"), t("14:30")),
        (SELL, t("14:30"), t("15:00")),
    ]


def test_an_approved_absence_is_not_scheduled() -> None:
    s = shift("09:00", "12:00", activities=[("09:00", "12:00", SERVE)])
    absence = PlanChange("A1", t("10:00"), t("11:00"), None, kind=ChangeKind.EXCEPTION)
    events = [
        ev(t("09:00"), "ready"),
        ev(t("09:59", 30), "logged_out"),  # 30 s early: tolerated
        ev(t("11:00", 40), "ready"),  # 40 s late: tolerated
    ]
    result = adherence_by_minute(
        "A1", effective_plan([s], [absence]), events, t("09:00"), t("12:00")
    )
    expected_scheduled = np.full(180, 60.0)
    expected_scheduled[60:120] = 0.0
    np.testing.assert_array_equal(result.scheduled_seconds, expected_scheduled)
    np.testing.assert_array_equal(result.adherent_seconds, expected_scheduled)
    (day,) = result.summarise()
    assert day.adherence == 1.0
    # Worked 09:00-09:59:30 and 11:00:40-12:00.
    assert day.worked_minutes == pytest.approx(59.5 + 59 + 20 / 60)
    assert day.conformance == pytest.approx((59.5 + 59 + 20 / 60) / 120)


def test_an_approved_meeting_matches_not_ready_with_the_meeting_reason() -> None:
    s = shift("09:00", "10:00", activities=[("09:00", "10:00", SERVE)])
    meeting = PlanChange("A1", t("09:20"), t("09:40"), OTHER, reason="team meeting")
    events = [
        ev(t("09:00"), "ready"),
        ev(t("09:20"), "not_ready", "meeting"),
        ev(t("09:40"), "ready"),
    ]
    approved = adherence_by_minute(
        "A1", effective_plan([s], [meeting]), events, t("09:00"), t("10:00")
    )
    assert approved.summarise()[0].adherence == 1.0
    unapproved = adherence_by_minute("A1", effective_plan([s]), events, t("09:00"), t("10:00"))
    assert unapproved.summarise()[0].adherent_minutes == 40
    # A meeting is work either way.
    assert approved.summarise()[0].conformance == 1.0


@pytest.mark.parametrize(
    ("late_seconds", "non_adherent_seconds"),
    [(0, 0), (30, 0), (60, 0), (61, 1), (90, 30), (300, 240)],
)
def test_tolerance_is_one_minute(late_seconds: int, non_adherent_seconds: int) -> None:
    s = shift(
        "09:00",
        "10:00",
        activities=[("09:00", "10:00", SERVE)],
        breaks=[("09:30", "09:45", "break")],
    )
    events = [
        ev(t("09:00"), "ready"),
        ev(t("09:30", late_seconds), "break"),
        ev(t("09:45"), "ready"),
    ]
    result = adherence_by_minute("A1", effective_plan([s]), events, t("09:00"), t("10:00"))
    assert result.adherent_seconds.sum() == 3600 - non_adherent_seconds


def test_tolerance_can_be_changed_and_switched_off() -> None:
    s = shift("09:00", "10:00", activities=[("09:00", "10:00", SERVE)])
    events = [ev(t("09:00", 45), "ready")]
    plan = effective_plan([s])
    strict = adherence_by_minute("A1", plan, events, t("09:00"), t("10:00"), tolerance_seconds=0)
    assert strict.adherent_seconds[0] == 15.0
    lenient = adherence_by_minute("A1", plan, events, t("09:00"), t("10:00"))
    assert lenient.adherent_seconds[0] == 60.0


def test_unordered_and_repeated_events_give_the_same_minutes() -> None:
    plan = effective_plan([morning_shift()])
    events = morning_events()
    shuffled = [events[i] for i in (4, 0, 6, 2, 1, 5, 3)] + [events[1], events[4]]
    a = adherence_by_minute("A1", plan, events, t("09:00"), t("12:00"))
    b = adherence_by_minute("A1", plan, shuffled, t("09:00"), t("12:00"))
    np.testing.assert_array_equal(a.adherent_seconds, b.adherent_seconds)
    np.testing.assert_array_equal(a.worked_seconds, b.worked_seconds)


def test_the_state_before_the_window_carries_in() -> None:
    s = shift("09:00", "10:00", activities=[("09:00", "10:00", SERVE)])
    events = [ev(t("08:55"), "ready")]
    result = adherence_by_minute("A1", effective_plan([s]), events, t("09:00"), t("10:00"))
    assert result.adherent_seconds.sum() == 3600
    assert result.worked_seconds.sum() == 3600


def test_who_is_out_of_adherence_now_and_for_how_long() -> None:
    plan = effective_plan([morning_shift()])
    events = morning_events()
    # 10:01:30: the break started at 10:00, the tolerance ran out at 10:01.
    late = status_now("A1", plan, events, t("10:01", 30))
    assert not late.in_adherence
    assert late.planned is Activity.BREAK and late.actual is ActualActivity.SERVE
    assert late.out_since_utc == t("10:01")
    assert late.out_for_seconds == 30
    # 10:42: not ready since 10:40.
    not_ready = status_now("A1", plan, events, t("10:42"))
    assert not not_ready.in_adherence and not_ready.out_since_utc == t("10:40")
    assert not_ready.out_for_seconds == 120
    # 10:30: fine.
    fine = status_now("A1", plan, events, t("10:30"))
    assert fine.in_adherence and fine.out_since_utc is None and fine.out_for_seconds == 0
    # 11:55: logged out since 11:50, 5 min before the shift end.
    gone = status_now("A1", plan, events, t("11:55"))
    assert not gone.in_adherence and gone.out_since_utc == t("11:50")
    assert gone.actual is ActualActivity.LOGGED_OUT
    # 12:30: not scheduled, logged out: not out of adherence.
    after = status_now("A1", plan, events, t("12:30"))
    assert after.in_adherence and not after.scheduled and after.planned is None


def test_a_switch_recorded_now_clears_the_out_of_adherence_state() -> None:
    sell_hour = shift("11:00", "12:00", activities=[("11:00", "12:00", SELL)])
    events = [ev(t("11:00"), "outbound_dialling"), ev(t("11:20"), "ready")]
    before = status_now("A1", effective_plan([sell_hour]), events, t("11:25"))
    assert not before.in_adherence and before.out_since_utc == t("11:20")
    switched = effective_plan([sell_hour], [switch_change("A1", t("11:20"), t("12:00"), SERVE)])
    assert status_now("A1", switched, events, t("11:25")).in_adherence


def test_bad_windows_are_refused() -> None:
    plan = effective_plan([morning_shift()])
    with pytest.raises(ValueError, match="whole number of minutes"):
        adherence_by_minute("A1", plan, [], t("09:00"), t("09:00", 30))
    with pytest.raises(ValueError, match="after"):
        adherence_by_minute("A1", plan, [], t("10:00"), t("09:00"))
    with pytest.raises(ValueError, match="timezone"):
        adherence_by_minute("A1", plan, [], t("09:00").replace(tzinfo=None), t("10:00"))


def test_no_plan_and_no_events() -> None:
    result = adherence_by_minute("A1", [], [], t("09:00"), t("10:00"))
    assert result.scheduled_seconds.sum() == 0 and result.worked_seconds.sum() == 0
    (total,) = result.summarise()
    assert total.adherence is None and total.conformance is None
    worked = adherence_by_minute("A1", [], [ev(t("09:30"), "ready")], t("09:00"), t("10:00"))
    assert worked.summarise()[0].worked_minutes == 30
