"""Adherence seen in the middle of the day: only elapsed time counts, and each agent with a plan
today has a state (not started, in adherence, on break, out of adherence, absent, between shifts,
finished), worked out by hand from the definitions in docs/intraday.md."""

from __future__ import annotations

import numpy as np
import pytest
from intraday_testkit import ev, shift, t

from wfm.domain import Activity
from wfm.domain.intraday import AgentState, adherence_by_minute, effective_plan, status_now

SERVE = Activity.SERVE


def plan_09_to_12():  # serve 09:00-12:00 with a break 10:00-10:15
    return effective_plan(
        [shift("09:00", "12:00", activities=[("09:00", "12:00", SERVE)],
               breaks=[("10:00", "10:15", "break")])]
    )  # fmt: skip


def test_a_day_seen_at_ten_counts_its_first_hour_only() -> None:
    events = [ev(t("09:00"), "ready")]
    whole = adherence_by_minute("A", plan_09_to_12(), events, t("00:00"), t("23:59"))
    at_ten = adherence_by_minute(
        "A", plan_09_to_12(), events, t("00:00"), t("23:59"), until_utc=t("10:00", 30)
    )
    (day,) = at_ten.summarise()
    # 09:00-10:00:30 scheduled; the 30 s after 10:00 are tolerated (the break is planned at 10:00)
    assert day.scheduled_minutes == pytest.approx(60.5)
    assert day.adherent_minutes == pytest.approx(60.5)
    assert day.worked_minutes == pytest.approx(60.5)
    assert day.scheduled_work_minutes == pytest.approx(60.0)  # the break is not work
    assert day.conformance == pytest.approx(60.5 / 60.0)
    # Without the cut-off the agent's "ready" is carried to midnight: 14 h 59 min worked.
    (carried,) = whole.summarise()
    assert carried.worked_minutes == pytest.approx(15 * 60 - 1)
    assert carried.conformance > 5
    # Minute by minute the two agree up to the cut-off and the later minutes are empty.
    cut = 10 * 60
    assert np.array_equal(at_ten.adherent_seconds[:cut], whole.adherent_seconds[:cut])
    assert at_ten.adherent_seconds[cut] == pytest.approx(30.0)
    assert not at_ten.scheduled_seconds[cut + 1 :].any()
    assert not at_ten.worked_seconds[cut + 1 :].any()


def test_a_cut_off_before_the_window_counts_nothing_and_naive_times_are_refused() -> None:
    m = adherence_by_minute(
        "A", plan_09_to_12(), [ev(t("09:00"), "ready")], t("09:00"), t("12:00"),
        until_utc=t("08:00"),
    )  # fmt: skip
    assert not m.scheduled_seconds.any() and not m.worked_seconds.any()
    with pytest.raises(ValueError, match="until_utc"):
        adherence_by_minute(
            "A",
            plan_09_to_12(),
            [],
            t("09:00"),
            t("12:00"),
            until_utc=t("10:00").replace(tzinfo=None),
        )


@pytest.mark.parametrize(
    ("events", "at", "state", "in_adherence"),
    [
        ([], "08:30", AgentState.NOT_STARTED, True),
        ([ev(t("08:55"), "ready")], "08:58", AgentState.NOT_STARTED, True),
        ([ev(t("09:00"), "ready")], "09:30", AgentState.IN_ADHERENCE, True),
        ([ev(t("09:00"), "ready"), ev(t("10:00"), "break")], "10:05", AgentState.ON_BREAK, True),
        # late back from the break: out of adherence, not absent (logged in today)
        (
            [ev(t("09:00"), "ready"), ev(t("10:00"), "break")],
            "10:20", AgentState.OUT_OF_ADHERENCE, False,
        ),
        # within the minute's tolerance of the shift start: not yet absent
        ([], "09:00", AgentState.IN_ADHERENCE, True),
        # never logged in since 09:00
        ([], "09:05", AgentState.ABSENT, False),
        (
            [ev(t("08:00"), "ready"), ev(t("08:30"), "logged_out")],
            "09:40", AgentState.ABSENT, False,
        ),
        # logged in late: out of adherence from 09:01 to 09:20, then in
        ([ev(t("09:20"), "ready")], "09:10", AgentState.ABSENT, False),
        ([ev(t("09:20"), "ready")], "09:30", AgentState.IN_ADHERENCE, True),
        (
            [ev(t("09:00"), "ready"), ev(t("12:00"), "logged_out")],
            "13:00", AgentState.FINISHED, True,
        ),
    ],
)  # fmt: skip
def test_the_state_of_an_agent_at_a_moment(events, at, state, in_adherence) -> None:  # type: ignore[no-untyped-def]
    status = status_now("A", plan_09_to_12(), events, t(at))
    assert status.state == state
    assert status.in_adherence is in_adherence
    if state in (AgentState.NOT_STARTED, AgentState.IN_ADHERENCE, AgentState.ABSENT):
        assert status.shift_start_utc == t("09:00")
    if state == AgentState.ABSENT:
        assert status.out_since_utc == t("09:01")  # the tolerance ends


def test_between_two_shifts_of_the_day() -> None:
    plan = effective_plan(
        [
            shift("07:00", "09:00", activities=[("07:00", "09:00", SERVE)]),
            shift("17:00", "19:00", activities=[("17:00", "19:00", SERVE)]),
        ]
    )
    events = [ev(t("07:00"), "ready"), ev(t("09:00"), "logged_out")]
    status = status_now("A", plan, events, t("12:00"))
    assert status.state == AgentState.OFF_SHIFT and status.in_adherence
    assert status.shift_start_utc == t("17:00")
    # not logged in once since 17:00: absent from the second shift
    assert status_now("A", plan, events, t("17:30")).state == AgentState.ABSENT
    back = [*events, ev(t("17:00"), "ready"), ev(t("17:20"), "logged_out")]
    status = status_now("A", plan, back, t("17:30"))
    assert status.state == AgentState.OUT_OF_ADHERENCE and status.out_since_utc == t("17:20")


def test_live_adherence_over_http_gives_each_agent_of_the_day_its_state(server) -> None:  # type: ignore[no-untyped-def]
    """The test centre: S1-S3 and P1-P3 09:00-17:00 with a break at 12:00, X1 likewise; the
    site clock at 10:00."""
    from intraday_testkit import DAY, SITE

    def event(event_id: str, agent: str, hhmm: str, state: str) -> dict[str, str]:
        at = f"{DAY.isoformat()}T{hhmm}:00Z"
        return {"event_id": event_id, "agent_code": agent, "occurred_at_utc": at, "state": state}

    def clock(hhmm: str) -> None:
        now = f"{DAY.isoformat()}T{hhmm}:00Z"
        r = c.put("/v1/intraday/clock", json={"site": SITE, "now_utc": now, "speed": 0})
        assert r.status_code == 200, r.text

    def live(**params: str) -> dict[str, dict]:  # type: ignore[type-arg]
        r = c.get("/v1/adherence/live", params={"site": SITE, **params})
        assert r.status_code == 200, r.text
        return {a["agent_code"]: a for a in r.json()["agents"]} | {"": r.json()}

    with server.client() as c:
        early = live(at=f"{DAY.isoformat()}T08:30:00Z")
        assert early[""]["scheduled_now"] == 0 and early[""]["states"]["not_started"] == 7
        assert early[""]["last_event_utc"] is None  # no state has arrived today
        assert early["S1"]["state"] == "not_started"
        assert early["S1"]["shift_start_utc"].startswith(f"{DAY.isoformat()}T09:00:00")
        events = [
            event("a", "S1", "09:00", "ready"),
            event("b", "S2", "09:30", "ready"),  # late, then in
            event("c", "S3", "09:00", "ready"),
            event("d", "S3", "09:50", "logged_out"),  # left early
        ]
        assert c.post("/v1/agent-events", json={"events": events}).status_code == 200
        now = live()
        assert now[""]["last_event_utc"].startswith(f"{DAY.isoformat()}T09:50:00")
        assert now["S1"]["state"] == now["S2"]["state"] == "in_adherence"
        assert now["S3"]["state"] == "out_of_adherence"
        assert now["S3"]["out_since_utc"].startswith(f"{DAY.isoformat()}T09:50:00")
        assert {now[a]["state"] for a in ("P1", "P2", "P3", "X1")} == {"absent"}
        assert now[""]["states"] == {
            "not_started": 0, "in_adherence": 2, "on_break": 0, "out_of_adherence": 1,
            "absent": 4, "off_shift": 0, "finished": 0,
        }  # fmt: skip
        assert now[""]["scheduled_now"] == 7 and now[""]["out_of_adherence"] == 5
        # The day so far: S2 scheduled 60 minutes, in adherence from 09:30 only.
        (s2,) = c.get(
            "/v1/adherence", params={"site": SITE, "date": DAY.isoformat(), "agent": "S2"}
        ).json()
        assert s2["scheduled_minutes"] == 60 and s2["worked_minutes"] == 30
        assert s2["adherent_minutes"] == 31  # 09:00-09:01 tolerated, then from 09:30

        clock("12:05")
        c.post("/v1/agent-events", json={"events": [event("e", "S1", "12:00", "break")]})
        assert live()["S1"]["state"] == "on_break"
        clock("18:00")
        late = live()
        assert late[""]["states"]["finished"] == 7 and late[""]["scheduled_now"] == 0
