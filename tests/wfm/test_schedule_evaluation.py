"""The schedule evaluation users see (`wfm.services.schedule_evaluation`) on a hand-built day:
figures worked out here from the shifts and Erlang A, and stored shifts that read back into the
optimizer's roster exactly."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy.stats import binom

from erlang import Calibration, erlang_a
from scheduling.problem import (
    AgentSpec,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    Contract,
    Horizon,
    Problem,
    QueueSpec,
    ShiftRules,
)
from scheduling.roster import ActivitySpan, BreakSpan, Roster, RosterShift
from wfm.domain import Activity, Shift
from wfm.domain.jsonvalues import json_safe
from wfm.services.schedule_evaluation import evaluate_roster, summary_fields
from wfm.services.scheduling import roster_from_shifts, shifts_from_roster

ZONE = ZoneInfo("Europe/Dublin")
MONDAY = date(2026, 6, 1)
SHRINKAGE = 0.2
# contacts per half hour from 08:00 to 16:00 local, nothing else
BUSY = [2.0, 3.0, 4.0, 5.0, 5.0, 4.0, 3.0, 3.0, 4.0, 5.0, 4.0, 3.0, 3.0, 2.0, 2.0, 1.0]


def _at(clock: time) -> datetime:
    return datetime.combine(MONDAY, clock, tzinfo=ZONE).astimezone(UTC)


def _problem() -> Problem:
    contacts = [0.0] * 16 + BUSY + [0.0] * 16
    contract = Contract(
        code="C8",
        weekly_paid_hours_min=0.0,
        weekly_paid_hours_max=40.0,
        days_per_week_min=0,
        days_per_week_max=5,
        shift_lengths_minutes=(480,),
        earliest_start_local=time(7),
        latest_end_local=time(20),
        min_rest_hours=11.0,
        max_consecutive_days=6,
    )
    return Problem(
        site_code="T",
        timezone="Europe/Dublin",
        horizon=Horizon(start_date=MONDAY, days=1, interval_minutes=30),
        queues=(
            QueueSpec(
                code="Q",
                service_level_target=0.8,
                service_threshold_seconds=20.0,
                patience_seconds=240.0,
                value_per_answered_contact=4.0,
                contacts=tuple(contacts),
                aht_seconds=tuple([300.0] * 48),
            ),
        ),
        agents=(
            AgentSpec(code="A", contract=contract, queue_skills=("Q",), campaign_skills=("S",)),
            AgentSpec(code="B", contract=contract, queue_skills=("Q",)),
        ),
        campaigns=(
            CampaignSpec(
                code="S",
                value_per_productive_hour_by_hour=tuple([20.0] * 24),
                calling_hours=(CallingWindow(0, time(10), time(14)),),
                efficiency=0.5,
            ),
        ),
        shift_rules=ShiftRules(
            start_step_minutes=30,
            breaks=(BreakRule("lunch", 30, 180, 270, min_shift_minutes=360, paid=False),),
        ),
        shrinkage=SHRINKAGE,
    )


def _span(start: time, end: time, activity: str) -> ActivitySpan:
    return ActivitySpan(_at(start), _at(end), activity)


def _roster() -> Roster:
    """A: serves, lunches at 11:00, sells 11:30-13:30, serves; B: serves, lunches at 12:00,
    serves, then half an hour of other work. Both 08:00-16:00 local."""
    a = RosterShift(
        agent_code="A",
        shift_date=MONDAY,
        start_utc=_at(time(8)),
        end_utc=_at(time(16)),
        breaks=(BreakSpan(_at(time(11)), _at(time(11, 30)), "lunch"),),
        activities=(
            _span(time(8), time(11), "serve:Q"),
            _span(time(11), time(11, 30), "lunch"),
            _span(time(11, 30), time(13, 30), "sell:S"),
            _span(time(13, 30), time(16), "serve:Q"),
        ),
    )
    b = RosterShift(
        agent_code="B",
        shift_date=MONDAY,
        start_utc=_at(time(8)),
        end_utc=_at(time(16)),
        breaks=(BreakSpan(_at(time(12)), _at(time(12, 30)), "lunch"),),
        activities=(
            _span(time(8), time(12), "serve:Q"),
            _span(time(12), time(12, 30), "lunch"),
            _span(time(12, 30), time(15, 30), "serve:Q"),
            _span(time(15, 30), time(16), "other"),
        ),
    )
    return Roster((a, b))


def test_stored_shifts_read_back_into_the_same_roster() -> None:
    roster = _roster()
    shifts = shifts_from_roster(roster)
    sells = [s for s in shifts[0].activities if s.activity is Activity.SELL]
    assert [(s.campaign_code, s.queue_code) for s in sells] == [("S", None)]
    serves = [s for s in shifts[1].activities if s.activity is Activity.SERVE]
    assert {(s.queue_code, s.campaign_code) for s in serves} == {("Q", None)}
    assert shifts[1].activities[-1].activity is Activity.OTHER
    assert roster_from_shifts(shifts) == roster
    assert shifts_from_roster(roster_from_shifts(shifts)) == shifts


def _serving_per_interval(roster: Roster, problem: Problem) -> np.ndarray:
    """Agents serving Q per half hour, counted from the activity spans."""
    serving = np.zeros(problem.interval_count)
    step = timedelta(minutes=problem.horizon.interval_minutes)
    for shift in roster.shifts:
        for span in shift.activities:
            if span.activity != "serve:Q":
                continue
            moment = span.start_utc
            while moment < span.end_utc:
                serving[(moment - problem.start_utc) // step] += 1
                moment += step
    return serving


def test_the_evaluation_predicts_with_erlang_a_after_shrinkage_and_counts_the_hours() -> None:
    """Each rostered agent is absent with probability SHRINKAGE: the prediction is Erlang A at
    every whole number of agents serving, weighed by the binomial pmf."""
    problem, roster = _problem(), _roster()
    evaluation = evaluate_roster(problem, roster, schedule_id=7, forecast_run_id=3)
    assert evaluation.hard_violations == 0, evaluation.violations
    (q,) = evaluation.queues

    serving = _serving_per_interval(roster, problem)
    contacts = np.array(problem.queues[0].contacts)
    k = np.arange(int(serving.max()) + 1, dtype=float)[None, :]
    kpis = erlang_a(contacts[:, None], 1800.0, 300.0, k, 240.0, 20.0)
    pmf = binom.pmf(k, serving[:, None].astype(int), 1 - SHRINKAGE)
    service_level = (pmf * kpis.service_level).sum(axis=1)
    answered = (pmf * kpis.answered_per_interval).sum(axis=1)
    busy = contacts > 0
    expected_sl = float((service_level * contacts)[busy].sum() / contacts.sum())
    expected_ar = float(answered[busy].sum() / contacts.sum())
    thinned = erlang_a(contacts, 1800.0, 300.0, serving * (1 - SHRINKAGE), 240.0, 20.0)
    assert expected_ar < float(thinned.answered_per_interval.sum() / contacts.sum())
    assert q.predicted_service_level == pytest.approx(expected_sl, rel=1e-9)
    assert q.predicted_answer_rate == pytest.approx(expected_ar, rel=1e-9)
    assert 0.0 < q.predicted_service_level < q.predicted_answer_rate < 1.0  # type: ignore[operator]
    assert q.predicted_asa_seconds is not None and q.predicted_asa_seconds > 0
    assert q.predicted_occupancy is not None and 0.0 < q.predicted_occupancy <= 1.0
    assert q.contacts == pytest.approx(sum(BUSY))
    assert q.intervals == 48 and q.intervals_with_contacts == 16
    assert q.serving_agent_hours == pytest.approx(serving.sum() / 2) == 12.5
    assert q.shortfall_agent_hours == q.under_coverage_agent_hours
    assert q.intervals_under + q.intervals_over <= q.intervals

    assert (evaluation.shifts, evaluation.agents) == (2, 2)
    assert evaluation.shift_hours == 16.0
    assert evaluation.paid_hours == 15.0  # the two lunches are unpaid
    assert evaluation.break_hours == 1.0
    assert evaluation.serve_hours == 12.5
    assert evaluation.sell_hours == 2.0
    assert asdict(evaluation.campaigns["S"]) == {
        "sell_hours": 2.0,
        "productive_hours": 1.0,
        "value": 20.0,  # 2 h x 20 an hour x 50 % efficiency
        "value_source": "",  # a problem built by hand says nothing of its values' source
    }
    assert evaluation.outbound_value == 20.0
    assert (evaluation.shrinkage, evaluation.schedule_id, evaluation.forecast_run_id) == (
        SHRINKAGE,
        7,
        3,
    )


def test_the_stored_summary_keeps_the_evaluation_exactly() -> None:
    evaluation = evaluate_roster(_problem(), _roster())
    stored = json.loads(json.dumps(json_safe(summary_fields(evaluation))))
    assert stored["shrinkage"] == SHRINKAGE
    assert stored["queues"] == {q.queue_code: asdict(q) for q in evaluation.queues}
    assert stored["campaigns"] == {c: asdict(v) for c, v in evaluation.campaigns.items()}
    assert stored["under_coverage_agent_hours"] == evaluation.under_coverage_agent_hours


def _later(shift: Shift, hours: int) -> Shift:
    move = timedelta(hours=hours)
    return replace(
        shift,
        start_utc=shift.start_utc + move,
        end_utc=shift.end_utc + move,
        breaks=tuple(
            replace(b, start_utc=b.start_utc + move, end_utc=b.end_utc + move) for b in shift.breaks
        ),
        activities=tuple(
            replace(a, start_utc=a.start_utc + move, end_utc=a.end_utc + move)
            for a in shift.activities
        ),
    )


def test_a_roster_that_breaks_rules_says_which() -> None:
    first, second = shifts_from_roster(_roster())
    late = _later(second, 5)  # 13:00-21:00: past the contract's latest end, 20:00
    evaluation = evaluate_roster(_problem(), roster_from_shifts((first, late)))
    assert evaluation.hard_violations == 1
    assert evaluation.violations[0].startswith("contract_window: B:")


def test_a_calibrated_queue_is_evaluated_with_its_calibration() -> None:
    """With a calibration (availability 0.8, answer rate and service level recalibrated) the
    evaluation is the calibrated model's: at each whole number k of agents present, the
    calibration's prediction (Erlang A with 0.8 k servers and its patience, then the logistic
    layer; the service level no higher than the answer rate), weighed by the binomial pmf."""
    calibration = Calibration(
        availability=0.8,
        patience_seconds=240.0,
        patience_method="waits",
        answer_rate_coefficients=(0.3, 1.1, -0.05, 0.02),
        service_level_coefficients=(-0.2, 1.0, 0.0, 0.0),
        threshold_seconds=20.0,
    )
    textbook = _problem()
    problem = replace(textbook, queues=(replace(textbook.queues[0], calibration=calibration),))
    roster = _roster()
    (q,) = evaluate_roster(problem, roster).queues
    (plain,) = evaluate_roster(textbook, roster).queues

    serving = _serving_per_interval(roster, problem)
    contacts = np.array(problem.queues[0].contacts)
    k = np.arange(int(serving.max()) + 1, dtype=float)[None, :]
    predicted = calibration.predict(contacts[:, None], 300.0, k, 1800.0, 20.0)
    pmf = binom.pmf(k, serving[:, None].astype(int), 1 - SHRINKAGE)
    answer_rate = (pmf * predicted.answer_rate).sum(axis=1)
    service_level = (pmf * np.minimum(predicted.service_level, predicted.answer_rate)).sum(axis=1)
    busy = contacts > 0
    expected_sl = float((service_level * contacts)[busy].sum() / contacts.sum())
    expected_ar = float((answer_rate * contacts)[busy].sum() / contacts.sum())
    assert q.predicted_service_level == pytest.approx(expected_sl, rel=1e-9)
    assert q.predicted_answer_rate == pytest.approx(expected_ar, rel=1e-9)
    # fewer effective servers: the calibrated queue is predicted worse than the textbook one
    assert q.predicted_answer_rate < plain.predicted_answer_rate - 0.01  # type: ignore[operator]
