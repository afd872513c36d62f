"""Calibrating a stored queue against its history (`wfm.services.calibration`), on each database:
the fit recovers the availability and patience the history was drawn with, is stored and used by
the queue's model, beats the textbook on what happened, and refuses what it can't fit."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine

import erlang
from tests.wfm.calibration_history import (
    AVAILABILITY,
    PATIENCE_SECONDS,
    SITE,
    seed_centre,
)
from wfm.db.repositories import QueueRepository, SiteRepository
from wfm.db.repositories.calibrations import CalibrationRepository
from wfm.db.session import unit_of_work
from wfm.domain import Queue
from wfm.domain.calibration import StateChange, serving_seconds
from wfm.domain.errors import ValidationError
from wfm.domain.queue_model import PatienceSource, QueueModel
from wfm.services.calibration import accuracy_report, calibrate_queues

T0 = datetime(2025, 3, 3, 8, tzinfo=UTC)


def test_serving_seconds_split_between_skills_and_capped() -> None:
    """A hand count: A (one skill) serves 08:10-08:40 then logs out; B (two skills) serves from
    08:00 with no later event, so its state lasts the cap (30 min) and counts half per queue."""
    buckets = [
        (T0, T0 + timedelta(minutes=30)),
        (T0 + timedelta(minutes=30), T0 + timedelta(hours=1)),
    ]
    events = {
        "A": [
            StateChange(T0 + timedelta(minutes=40), False),
            StateChange(T0 + timedelta(minutes=10), True),
        ],
        "B": [StateChange(T0, True)],
        "C": [StateChange(T0, True)],  # no skill: counts nowhere
    }
    skills = {"A": ("x",), "B": ("x", "y")}
    got = serving_seconds(
        events, skills, buckets, until_utc=T0 + timedelta(hours=2), max_state_seconds=1800
    )
    assert got["x"] == pytest.approx([20 * 60 + 15 * 60, 10 * 60])
    assert got["y"] == pytest.approx([15 * 60, 0.0])
    assert set(got) == {"x", "y"}


def test_calibration_is_fitted_stored_and_used(engine: Engine) -> None:
    truth = seed_centre(engine, weeks=3)
    with unit_of_work(engine) as session:
        run = calibrate_queues(session, site_code=SITE)
    (result,) = run.queues
    assert result.refused is None and result.fitted is not None
    fitted = result.fitted
    # the window: 56 local days ending with the last local day of history (Sunday 23 March)
    assert run.window_end_utc == datetime(2025, 3, 23, 23, tzinfo=UTC)
    assert run.window_start_utc == run.window_end_utc - timedelta(days=56)
    cal = fitted.calibration
    assert cal.patience_method == "waits"
    assert cal.patience_seconds == pytest.approx(PATIENCE_SECONDS)
    assert cal.availability == pytest.approx(AVAILABILITY, abs=0.04)
    assert fitted.intervals == len(truth.offered)
    assert fitted.calls == pytest.approx(truth.offered.sum())
    # in sample, the calibrated model misses less than the textbook; the history's answered
    # are binomial around the truth, so it misses about what a perfect model would
    assert fitted.answer_rate_mae < 0.6 * fitted.textbook_answer_rate_mae
    assert fitted.answer_rate_mae == pytest.approx(fitted.answer_rate_noise_floor, rel=0.25)
    assert fitted.service_level_mae is not None and fitted.textbook_service_level_mae is not None
    assert fitted.service_level_mae < fitted.textbook_service_level_mae

    with unit_of_work(engine) as session:
        stored = CalibrationRepository(session).get("retail")
        queue = QueueRepository(session).get("retail")
        site = SiteRepository(session).get(SITE)
    assert stored is not None and stored.calibration == cal
    assert stored.answer_rate_mae == pytest.approx(fitted.answer_rate_mae)
    assert queue.calibration == cal
    model = QueueModel.of_queue(queue, site, 30)
    assert model.calibration == cal and model.availability == cal.availability
    assert model.patience.source is PatienceSource.CALIBRATION
    assert model.patience.seconds == pytest.approx(PATIENCE_SECONDS)
    # the model's answer rate is the calibration's own prediction (agents serving as servers)
    kpis = model.kpis(truth.offered[:5], 300.0, truth.agents[:5])
    direct = cal.predict(truth.offered[:5], 300.0, truth.agents[:5], 1800.0, 20.0)
    assert kpis.answer_rate == pytest.approx(direct.answer_rate)
    # and it staffs for the servers the agents really are: a quarter of them are not available
    textbook = QueueModel.of_queue(dataclasses.replace(queue, calibration=None), site, 30)
    assert textbook.patience.source is PatienceSource.SITE
    need = model.requirement([60.0], 300.0).agents[0]
    base = textbook.requirement([60.0], 300.0).agents[0]
    assert need >= base / 0.8 and need <= base / 0.7 + 1

    # a second run replaces the row, it does not add one
    with unit_of_work(engine) as session:
        calibrate_queues(session, site_code=SITE, lookback_days=14)
        again = CalibrationRepository(session).get("retail")
    assert again is not None and again.window_start_utc == run.window_end_utc - timedelta(days=14)


def test_refusals_keep_what_was_stored(engine: Engine) -> None:
    seed_centre(engine, weeks=1)
    seed_centre(engine, queue_code="care", weeks=1, event_weeks=0, with_site=False)
    with unit_of_work(engine) as session:
        QueueRepository(session).add(Queue(site_code=SITE, code="empty", name="no history"))
        run = calibrate_queues(session, site_code=SITE, lookback_days=1)
    by = {q.queue_code: q for q in run.queues}
    assert by["care"].refused is not None and "no agent events" in by["care"].refused
    assert by["empty"].refused == "no interval history in the window"
    # one day: 24 half-hours, fewer than the 48 a fit needs
    assert by["retail"].refused is not None and "fewer than 48" in by["retail"].refused
    assert all(q.fitted is None for q in run.queues)

    with unit_of_work(engine) as session:
        calibrate_queues(session, site_code=SITE)  # a week: retail is fitted
        later = calibrate_queues(session, site_code=SITE, lookback_days=1)
    retail = {q.queue_code: q for q in later.queues}["retail"]
    assert retail.refused is not None and retail.kept is not None  # kept, not dropped
    with unit_of_work(engine) as session:
        assert QueueRepository(session).get("retail").calibration is not None
        assert QueueRepository(session).get("care").calibration is None
        with pytest.raises(ValidationError):
            calibrate_queues(session, site_code=SITE, lookback_days=0)


def test_accuracy_report_per_week(engine: Engine) -> None:
    """Three weeks, agent events in the first two: those two are predicted, calibrated and
    textbook, against an independent count; the third says it has no agent events."""
    truth = seed_centre(engine, weeks=3, event_weeks=2)
    with unit_of_work(engine) as session:
        textbook_only = accuracy_report(session, queue_code="retail", weeks=3)
        calibrate_queues(session, site_code=SITE)
        report = accuracy_report(session, queue_code="retail", weeks=3)
    assert textbook_only.model_source == "textbook" and report.model_source == "calibration"
    assert [str(w.week_start) for w in report.weeks] == ["2025-03-03", "2025-03-10", "2025-03-17"]
    starts = np.array([s.timestamp() for s in truth.starts_utc])
    for k, week in enumerate(report.weeks):
        low = datetime(2025, 3, 3 + 7 * k, tzinfo=UTC).timestamp() - 3600  # local midnight
        mask = (starts >= low) & (starts < low + 7 * 86400)
        assert week.intervals == int(mask.sum())
        assert week.calls == pytest.approx(truth.offered[mask].sum())
        assert week.actual_answer_rate == pytest.approx(
            truth.answered[mask].sum() / truth.offered[mask].sum()
        )
        assert week.actual_service_level == pytest.approx(
            truth.within[mask].sum() / truth.offered[mask].sum()
        )
        if k == 2:
            assert not week.agent_events
            assert week.model is None and week.textbook is None
            assert week.mean_agents_serving is None
            continue
        assert week.agent_events and week.model is not None and week.textbook is not None
        assert week.mean_agents_serving == pytest.approx(truth.agents[mask].mean())
        model, textbook = week.model.score, week.textbook.score
        assert model.answer_rate.mae_call_weighted < textbook.answer_rate.mae_call_weighted
        assert textbook.answer_rate.bias > 0.02  # all agents as servers promises too much
        assert abs(model.answer_rate.bias) < 0.02
        floor = model.answer_rate.noise_floor.call_weighted
        assert floor > 0  # binomial data: the calibrated model misses about the floor
        assert model.answer_rate.mae_call_weighted == pytest.approx(floor, rel=0.3)
        assert textbook.answer_rate.mae_call_weighted > 1.5 * floor
        # an independent score of the textbook: Erlang A with every agent a server
        erlang_a = erlang.erlang_a(
            truth.offered[mask], 1800.0, 300.0, truth.agents[mask], 180.0, 20.0
        )
        independent = erlang.rate_accuracy(
            truth.offered[mask], truth.answered[mask], erlang_a.answer_rate
        )
        assert textbook.answer_rate.mae_call_weighted == pytest.approx(
            independent.mae_call_weighted
        )
        assert week.textbook.predicted_answer_rate == pytest.approx(
            independent.predicted_total_rate
        )


def test_calibrate_queues_command(engine: Engine, database_url: str) -> None:
    from tests.wfm.test_cli import assert_one_line_error, run_wfm

    seed_centre(engine, weeks=1)
    with unit_of_work(engine) as session:
        QueueRepository(session).add(Queue(site_code=SITE, code="empty", name="no history"))
    result = run_wfm("calibrate-queues", "--site", SITE, "--database-url", database_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"site {SITE}: history of the 56 local days to 2025-03-09 23:00 UTC"
    assert lines[1] == "empty: not calibrated: no interval history in the window"
    assert lines[2].startswith("retail: availability 0.7")
    assert "patience 200 s (waits), 168 intervals" in lines[2]
    with unit_of_work(engine) as session:
        assert QueueRepository(session).get("retail").calibration is not None

    again = run_wfm(
        "calibrate-queues", "--site", SITE, "--lookback-days", "1", "--database-url", database_url
    )
    assert again.returncode == 0, again.stderr
    assert "retail: not calibrated: 24 intervals" in again.stdout
    assert "(keeps the one fitted" in again.stdout

    unknown = run_wfm("calibrate-queues", "--site", "nowhere", "--database-url", database_url)
    assert_one_line_error(unknown, "nowhere")
    bad = run_wfm("calibrate-queues", "--lookback-days", "0", "--database-url", database_url)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_forecast_run_calibrates_the_queues(engine: Engine) -> None:
    from wfm.services.forecasting import run_forecast

    seed_centre(engine, weeks=4)
    with unit_of_work(engine) as session:
        assert QueueRepository(session).get("retail").calibration is None
        run_forecast(session, site_code=SITE, weeks=1)
    with unit_of_work(engine) as session:
        stored = CalibrationRepository(session).get("retail")
    assert stored is not None
    assert stored.calibration.availability == pytest.approx(AVAILABILITY, abs=0.04)
    assert stored.window_end_utc == datetime(2025, 3, 30, 22, tzinfo=UTC)  # summer time
