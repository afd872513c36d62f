"""Idle time inside serving in the schedule's evaluation over real HTTP: the stored summary and
GET /v1/schedules/{id}/evaluation give per queue and per local day the serving agents' idle
hours and the deferred hours they can absorb, equal to `wfm.domain.deferred.idle_time` on the
rostered serving counted here from the shifts the API returns; the open callbacks due in the week
are set against them (`cover_callbacks`), and a callback marked done leaves the backlog."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from apikit import ApiServer, ok
from sqlalchemy import delete
from test_schedule_evaluation import (
    _demo_with_forecast,
    _schedule_on_the_command_line,
    _serving,
)

from scheduling.problem import Problem
from wfm.db.models import CallbackRow
from wfm.db.session import unit_of_work
from wfm.domain.deferred import CallbacksDue, IdleTime, cover_callbacks, idle_time
from wfm.services.scheduling import build_problem

IDLE = ("idle_agent_hours", "absorbable_deferred_hours")


def _oracle(problem: Problem, schedule: dict[str, Any]) -> dict[str, IdleTime]:
    """Each queue's idle time at the serving counted from the schedule's shifts."""
    out = {}
    for queue in problem.queues:
        assert queue.contacts is not None and queue.aht_seconds is not None
        out[queue.code] = idle_time(
            queue.model(problem.horizon.interval_minutes),
            queue.contacts,
            queue.aht_seconds,
            _serving(problem, schedule, queue.code),
            problem.shrinkage,
        )
    return out


def test_idle_time_and_callbacks_in_the_evaluation(api: ApiServer) -> None:
    site = _demo_with_forecast(api.engine)
    with unit_of_work(api.engine) as session:  # the demo's own callbacks: this test places its own
        session.execute(delete(CallbackRow))
    printed, said = _schedule_on_the_command_line(api.database_url)
    schedule_id = printed["schedule_id"]
    week_start = date.fromisoformat(printed["week_start"])
    with api.client("planner") as planner:
        stored = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        evaluation = ok(planner.get(f"/v1/schedules/{schedule_id}/evaluation"))
    assert isinstance(stored, dict) and isinstance(evaluation, dict)
    summary = stored["summary"]
    for key in (*IDLE, "idle_days", "callbacks", "callback_hours_due"):
        assert summary[key] == evaluation[key], key
    assert evaluation["callbacks"] == {} and evaluation["callback_hours_absorbable"] == 0.0
    # `wfm schedule` says them too
    assert (
        f"idle time inside serving: {evaluation['idle_agent_hours']:,.1f} agent-hours, "
        f"{evaluation['absorbable_deferred_hours']:,.1f} h absorbable by deferred work; "
        "callbacks due 0.0 h, 0.0 h absorbable"
    ) in said

    with unit_of_work(api.engine) as session:
        problem, _ = build_problem(session, site_code=site, week_start=week_start)
    oracle = _oracle(problem, stored)
    queues = {q["queue_code"]: q for q in evaluation["queues"]}
    for code, found in oracle.items():
        idle = float(found.idle_agent_minutes.sum()) / 60.0
        absorbable = float(found.absorbable_minutes.sum()) / 60.0
        assert queues[code]["idle_agent_hours"] == pytest.approx(idle, rel=1e-9)
        assert queues[code]["absorbable_deferred_hours"] == pytest.approx(absorbable, rel=1e-9)
        assert 0.0 < absorbable < idle
    assert evaluation["absorbable_deferred_hours"] == pytest.approx(
        sum(q["absorbable_deferred_hours"] for q in queues.values()), rel=1e-12
    )

    # per local day: the intervals of that day, every queue together and each queue
    starts = [problem.interval_start_utc(i) for i in range(problem.interval_count)]
    days = np.array([s.astimezone(problem.zone).date() for s in starts])
    rows = evaluation["idle_days"]
    assert [r["day"] for r in rows] == [d.isoformat() for d in problem.dates()]
    for row in rows:
        mask = days == date.fromisoformat(row["day"])
        for code, found in oracle.items():
            assert row["queues"][code]["idle_agent_hours"] == pytest.approx(
                float(found.idle_agent_minutes[mask].sum()) / 60.0, rel=1e-9, abs=1e-12
            )
        assert row["absorbable_deferred_hours"] == pytest.approx(
            sum(float(f.absorbable_minutes[mask].sum()) for f in oracle.values()) / 60.0,
            rel=1e-9,
            abs=1e-12,
        )
        assert row["callbacks_due"] == 0

    # callbacks due in the week: two on the Tuesday afternoon, one at 00:30 on the Wednesday
    # (no absorbable time of its day before it), one marked done (not backlog), one a week later
    tuesday = week_start + timedelta(days=1)
    due = [
        datetime.combine(tuesday, time(15, 0), problem.zone),
        datetime.combine(tuesday, time(16, 30), problem.zone),
        datetime.combine(tuesday + timedelta(days=1), time(0, 30), problem.zone),
        datetime.combine(tuesday, time(12, 0), problem.zone),
        datetime.combine(tuesday + timedelta(days=7), time(12, 0), problem.zone),
    ]
    with api.client("admin") as admin:
        made = [
            ok(
                admin.post(
                    "/v1/outbound/callbacks",
                    json={"campaign_code": "UPGRADE", "due_at": moment.isoformat()},
                ),
                201,
            )
            for moment in due
        ]
        done = made[3]
        assert isinstance(done, dict)
        ok(admin.patch(f"/v1/outbound/callbacks/{done['id']}", json={"status": "done"}))
    with api.client("planner") as planner:
        later = ok(planner.get(f"/v1/schedules/{schedule_id}/evaluation"))
    assert isinstance(later, dict)
    assert later["queues"] == evaluation["queues"]  # the idle time is the roster's alone
    upgrade = later["callbacks"]["UPGRADE"]
    assert upgrade["callbacks_due"] == 3
    # the demo's dialer attempts of the four weeks before say how long a callback takes
    assert "attempts that reached a customer" in upgrade["handle_source"]
    assert 1.0 < upgrade["handle_minutes"] < 15.0
    assert upgrade["hours_due"] == pytest.approx(3 * upgrade["handle_minutes"] / 60.0)
    absorbable = np.sum([f.absorbable_minutes for f in oracle.values()], axis=0)
    plan = cover_callbacks(
        starts,
        problem.horizon.interval_minutes,
        absorbable,
        problem.zone,
        [CallbacksDue("UPGRADE", tuple(due[:3]), upgrade["handle_minutes"], "")],
    )
    assert upgrade["hours_absorbable"] == pytest.approx(
        plan.campaigns["UPGRADE"].hours_absorbable, rel=1e-9
    )
    # the afternoon's two are absorbed, the one due at 00:30 is not
    assert upgrade["hours_absorbable"] == pytest.approx(2 * upgrade["handle_minutes"] / 60.0)
    assert later["callback_hours_absorbable"] == upgrade["hours_absorbable"]
    by_day = {r["day"]: r for r in later["idle_days"]}
    assert by_day[tuesday.isoformat()]["callbacks_due"] == 2
    wednesday = by_day[(tuesday + timedelta(days=1)).isoformat()]
    assert wednesday["callbacks_due"] == 1 and wednesday["callback_hours_absorbable"] == 0.0
