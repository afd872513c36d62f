"""Answer-rate targets in the roster: a queue held to a service level, a least answer rate, an
abandon cap or all of them. The requirement meets each target the queue has and no fewer agents
would (Erlang A computed here as the oracle); a solved tiny problem's evaluation says, per
interval and over the day, which targets are met; the problem file carries the targets."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from roster_factories import agent, contract, problem, queue
from roster_oracle import solve_checked
from scipy.stats import binom

from erlang import erlang_a
from scheduling.checks import check_problem
from scheduling.economics import requirement
from scheduling.evaluate import evaluate
from scheduling.problem import Problem, QueueSpec
from scheduling.problem_json import problem_from_json, problem_to_json
from wfm.domain.queue_model import Patience, QueueModel

PATIENCE_SECONDS = 60.0
AHT_SECONDS = 240.0
# contacts per hour, 08:00 to 20:00 local, on an hour grid
DAY = (
    [0.0] * 8 + [20.0, 40.0, 60.0, 60.0, 50.0, 40.0, 40.0, 50.0, 60.0, 40.0, 30.0, 20.0] + [0.0] * 4
)

KINDS = {
    "service_level": {"service_level_target": 0.8},
    "answer_rate": {"service_level_target": None, "min_answer_rate": 0.95},
    "abandon_cap": {"service_level_target": None, "max_abandon_rate": 0.03},
    "combined": {"service_level_target": 0.8, "min_answer_rate": 0.9, "max_abandon_rate": 0.04},
}


def _problem(targets: dict[str, float | None], *, shrinkage: float = 0.0) -> Problem:
    """One day, sixteen agents on 8-hour shifts, one queue with `targets` and Erlang A demand."""
    base = problem(
        [agent(f"A{i}", contract(lengths=(480,))) for i in range(16)],
        queues=[queue(contacts=DAY, aht_seconds=AHT_SECONDS, patience_seconds=PATIENCE_SECONDS)],
    )
    spec = replace(base.queues[0], **targets)  # type: ignore[arg-type]
    return replace(base, queues=(spec,), shrinkage=shrinkage)


def _kpis(p: Problem, spec: QueueSpec, serving: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Service level and answer rate per interval with `serving` rostered (Erlang A, here),
    each agent absent with probability `p.shrinkage`: Erlang A at every whole staffing weighed
    by the binomial pmf."""
    calls = np.asarray(spec.contacts, dtype=float)[:, None]
    rostered = np.asarray(serving, dtype=int)[:, None]
    k = np.arange(int(rostered.max(initial=0)) + 1, dtype=float)[None, :]
    a = erlang_a(
        calls,
        p.horizon.interval_minutes * 60.0,
        AHT_SECONDS,
        k,
        PATIENCE_SECONDS,
        spec.service_threshold_seconds,
    )
    pmf = binom.pmf(k, rostered, 1.0 - p.shrinkage)
    return (pmf * a.service_level).sum(axis=1), (pmf * a.answer_rate).sum(axis=1)


def _meets(spec: QueueSpec, sl: np.ndarray, ar: np.ndarray) -> np.ndarray:
    ok = np.ones(sl.shape, dtype=bool)
    if spec.service_level_target is not None:
        ok &= sl >= spec.service_level_target - 1e-9
    if spec.min_answer_rate is not None:
        ok &= ar >= spec.min_answer_rate - 1e-9
    if spec.max_abandon_rate is not None:
        ok &= 1.0 - ar <= spec.max_abandon_rate + 1e-9
    return ok


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_requirement_meets_every_target_and_one_agent_fewer_does_not(kind: str) -> None:
    p = _problem(KINDS[kind])
    spec = p.queues[0]
    required = requirement(p, spec)
    busy = np.asarray(DAY) > 0
    assert (required[~busy] == 0).all() and (required[busy] >= 1).all()
    assert _meets(spec, *_kpis(p, spec, required))[busy].all()
    assert not _meets(spec, *_kpis(p, spec, np.maximum(required - 1, 0)))[busy].any()
    # with unplanned shrinkage each rostered agent is absent with probability 0.1: the least
    # rostered whose expected service meets the targets, near the gross-up required / 0.9
    shrunk = _problem(KINDS[kind], shrinkage=0.1)
    rostered = requirement(shrunk, shrunk.queues[0])
    assert _meets(spec, *_kpis(shrunk, spec, rostered))[busy].all()
    assert not _meets(spec, *_kpis(shrunk, spec, np.maximum(rostered - 1, 0)))[busy].any()
    gross = np.ceil(required / 0.9 - 1e-9)
    assert np.all(np.abs(rostered - gross) <= 1)


def test_answer_rate_targets_change_the_requirement() -> None:
    """The targets flow: a strict answer rate needs more agents than 80/20 at 60 s patience,
    and the abandon cap of 1 - r is the same target as an answer rate of r."""
    by_kind = {kind: requirement(p := _problem(t), p.queues[0]) for kind, t in KINDS.items()}
    assert by_kind["answer_rate"].sum() > by_kind["service_level"].sum()
    same = _problem({"service_level_target": None, "max_abandon_rate": 0.05})
    as_rate = _problem({"service_level_target": None, "min_answer_rate": 0.95})
    np.testing.assert_array_equal(
        requirement(same, same.queues[0]), requirement(as_rate, as_rate.queues[0])
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_solved_roster_is_judged_against_each_target_of_the_queue(kind: str) -> None:
    p = _problem(KINDS[kind])
    spec = p.queues[0]
    _, evaluation = solve_checked(p, time_limit_seconds=5.0)
    report = evaluation.queues[0]
    busy = np.asarray(DAY) > 0
    # the optimizer covers the requirement, so the evaluation says every target is met
    assert (report.serving >= report.required).all()
    assert report.intervals_meeting_target == report.intervals_with_contacts == int(busy.sum())
    sl, ar = _kpis(p, spec, report.serving)
    np.testing.assert_allclose(report.service_level, sl, rtol=1e-9)
    np.testing.assert_allclose(report.answer_rate, ar, rtol=1e-9)
    assert report.abandon_rate is not None
    np.testing.assert_allclose(report.abandon_rate, 1.0 - ar, rtol=1e-9)
    has_sl = spec.service_level_target is not None
    has_ar = spec.min_answer_rate is not None or spec.max_abandon_rate is not None
    assert (report.service_level_met is not None) == has_sl
    assert (report.answer_rate_met is not None) == has_ar
    assert (
        (report.week_service_level_met is True) if has_sl else report.week_service_level_met is None
    )
    assert (report.week_answer_rate_met is True) if has_ar else report.week_answer_rate_met is None
    assert report.intervals_meeting_answer_rate == (int(busy.sum()) if has_ar else None)
    weekly_ar = float((ar * np.asarray(DAY)).sum() / sum(DAY))
    assert report.predicted_answer_rate == pytest.approx(weekly_ar, rel=1e-9)
    assert report.predicted_abandon_rate == pytest.approx(1.0 - weekly_ar, rel=1e-9)
    if kind == "combined":  # the stricter of 0.9 and 1 - 0.04
        assert report.answer_rate_target == pytest.approx(0.96)


def test_the_evaluation_says_when_an_answer_rate_target_is_missed() -> None:
    """Too few agents for the target: the day's answer rate is under it and so reported."""
    p = _problem(KINDS["answer_rate"])
    p = replace(p, agents=p.agents[:4])
    _, evaluation = solve_checked(p, time_limit_seconds=3.0)
    report = evaluation.queues[0]
    assert report.week_answer_rate_met is False
    assert report.predicted_answer_rate is not None and report.predicted_answer_rate < 0.95
    assert report.intervals_meeting_answer_rate is not None
    assert report.intervals_meeting_answer_rate < report.intervals_with_contacts
    assert report.intervals_meeting_target == report.intervals_meeting_answer_rate


def test_the_problem_file_carries_the_targets_and_refuses_a_queue_without_any() -> None:
    p = _problem(KINDS["combined"])
    again = problem_from_json(json.loads(json.dumps(problem_to_json(p))))
    assert again.queues[0] == p.queues[0]
    answer_only = _problem(KINDS["answer_rate"])
    document = problem_to_json(answer_only)
    assert document["queues"][0]["service_level_target"] is None
    assert "max_abandon_rate" not in document["queues"][0]
    assert problem_from_json(document).queues[0] == answer_only.queues[0]
    # an evaluation of the round-tripped problem agrees
    assert evaluate(again, _empty()).queues[0].answer_rate_target == pytest.approx(0.96)

    none = _problem({"service_level_target": None})
    assert any("has no target" in issue for issue in check_problem(none))
    bad = _problem({"service_level_target": 0.8, "min_answer_rate": 1.0})
    assert any("min_answer_rate: must be in (0, 1)" in issue for issue in check_problem(bad))


def test_a_queue_model_with_only_an_answer_rate_target_makes_a_problem_queue() -> None:
    model = QueueModel(
        code="Q",
        interval_minutes=60,
        service_level_target=None,
        service_threshold_seconds=20.0,
        patience=Patience.given(PATIENCE_SECONDS),
        min_answer_rate=0.9,
    )
    spec = QueueSpec.of_model(model, contacts=DAY, aht_seconds=[AHT_SECONDS] * len(DAY))
    assert spec.min_answer_rate == 0.9 and spec.service_level_target is None
    assert spec.model(60) == model
    with pytest.raises(ValueError, match="answer-rate or abandon-rate target"):
        QueueSpec.of_model(replace(model, min_answer_rate=None), contacts=DAY)


def _empty():  # type: ignore[no-untyped-def]
    from scheduling.roster import Roster

    return Roster(())
