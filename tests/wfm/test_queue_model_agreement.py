"""One queue, one model, one answer: the stored staffing requirement, the roster problem's
requirement and the intraday recommendation's servers needed agree for the same queue and
interval, on a real database.

Before the queue model each of them mapped the queue's fields itself: a queue without a patience
estimate was Erlang C in staffing, Erlang A at 3,600 s in the roster and at 120 s on the floor.
Now each asks `QueueModel.of_queue`, so the voice queue here (no estimate: its site's setting,
150 s) and the chat queue (its own estimate, two contacts at once, an occupancy cap) get the same
agents everywhere.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine

from scheduling.economics import requirement
from scheduling.evaluate import evaluate
from scheduling.roster import ActivitySpan, Roster, RosterShift
from wfm.db.repositories import (
    ForecastRepository,
    QueueRepository,
    RequirementRepository,
    SiteRepository,
)
from wfm.db.repositories.calibrations import CalibrationRepository
from wfm.db.session import unit_of_work
from wfm.domain import Agent, Channel, Contract, ForecastRun, ForecastValue, Queue, Site
from wfm.domain.calibration import StoredCalibration
from wfm.domain.queue_model import Calibration, Patience, PatienceSource, QueueModel
from wfm.services import intraday
from wfm.services.centre import CentreData, load_centre
from wfm.services.scheduling import build_problem
from wfm.services.staffing import compute_requirements

SITE = Site("ONE", "One site", "UTC", "IE", default_patience_seconds=150.0)
ESTIMATE = Patience(
    240.0, PatienceSource.HISTORY, datetime(2026, 11, 8, tzinfo=UTC), 220.0, 262.0, 410
)
WEEK = date(2026, 11, 9)  # a Monday
START = datetime(2026, 11, 9, tzinfo=UTC)
INTERVALS = 7 * 96
SHRINKAGE = 0.3
QUEUES = (
    Queue(SITE.code, "VOICE", "Voice", service_level_target=0.8, service_threshold_seconds=20.0),
    Queue(
        SITE.code,
        "CHAT",
        "Chat",
        channel=Channel.CHAT,
        service_level_target=0.9,
        service_threshold_seconds=60.0,
        max_occupancy=0.8,
        chat_concurrency=2,
    ),
)

# the roster problem needs someone to roster; the requirement does not depend on who
AGENT = Agent(SITE.code, "A1", "Agent", Contract("full", 30, 40, 4, 5, (480,)), ("VOICE", "CHAT"))


def _demand(queue: str, i: int) -> tuple[float, float]:
    """Contacts and handle time of interval i: a daily curve, quiet at night, varied AHT."""
    hour = (i % 96) / 4.0
    day = 0.0 if hour < 7 or hour >= 21 else 1.0 + 0.8 * np.sin((hour - 7) / 14 * np.pi)
    contacts = round(day * (45.0 if queue == "VOICE" else 18.0) * (1 + 0.1 * (i % 5)), 2)
    aht = (240.0 if queue == "VOICE" else 420.0) + 15.0 * (i % 7)
    return contacts, aht


@pytest.fixture
def centre(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        load_centre(
            session,
            CentreData(
                sites=[SITE],
                queues=list(QUEUES),
                segments=[],
                campaigns=[],
                agents=[AGENT],
                availability=[],
                time_off=[],
                history=[],
            ),
        )
        QueueRepository(session).set_patience_estimate("CHAT", ESTIMATE)
        values = [
            ForecastValue(q.code, START + timedelta(minutes=15 * i), *_demand(q.code, i))
            for i in range(INTERVALS)
            for q in QUEUES
        ]
        run = ForecastRun(SITE.code, 1, START, 15, START, START + timedelta(days=7))
        run_id = ForecastRepository(session).add_run(run, values)
    assert run_id is not None
    return run_id


def test_one_model_one_requirement_in_staffing_roster_and_intraday(
    engine: Engine, centre: int
) -> None:
    with unit_of_work(engine) as session:
        compute_requirements(session, site_code=SITE.code, shrinkage=SHRINKAGE)
        stored = RequirementRepository(session).list(centre)
        problem, run_id = build_problem(
            session, site_code=SITE.code, week_start=WEEK, shrinkage=SHRINKAGE
        )
        queues = {q.code: q for q in QueueRepository(session).list(SITE.code)}
        site = SiteRepository(session).get(SITE.code)
        at = START + timedelta(days=2, hours=11)  # Wednesday 11:00, busy
        recommendation = intraday.recommendation(session, site_code=SITE.code, at_utc=at)
    assert run_id == centre
    by_queue: dict[str, dict[datetime, tuple[int, int]]] = {q.code: {} for q in QUEUES}
    for r in stored:
        by_queue[r.queue_code][r.interval_start_utc] = (r.required_agents, r.scheduled_agents)
        # Erlang A everywhere: the answer rate is always predicted
        assert r.predicted_answer_rate is not None
    starts = [START + timedelta(minutes=15 * i) for i in range(INTERVALS)]

    # the roster problem: scheduled agents per interval, as stored
    for spec in problem.queues:
        roster = requirement(problem, spec)
        assert roster.tolist() == [by_queue[spec.code][s][1] for s in starts]
        assert roster.max() > 0
        model = QueueModel.of_queue(queues[spec.code], site, 15)
        assert spec.model(15).patience.seconds == model.patience.seconds

    # the intraday recommendation: agents serving needed in each horizon interval, as stored
    outlook = [o for o in recommendation.outlook if o.offered > 0]
    assert {o.queue_code for o in outlook} == {"VOICE", "CHAT"}
    for o in outlook:
        assert o.servers_needed == by_queue[o.queue_code][o.interval_start_utc][0]
        assert o.servers_needed > 0


def test_the_requirement_uses_the_patience_estimate_else_the_site_setting(
    engine: Engine, centre: int
) -> None:
    """The requirement of the queue without an estimate is the site's patience's, not Erlang C's
    nor a long made-up patience's."""
    voice = QUEUES[0]
    with unit_of_work(engine) as session:
        site = SiteRepository(session).get(SITE.code)
        stored_queues = QueueRepository(session).list(SITE.code)
        models = {q.code: QueueModel.of_queue(q, site, 15) for q in stored_queues}
        compute_requirements(session, site_code=SITE.code, shrinkage=SHRINKAGE)
        stored = [r for r in RequirementRepository(session).list(centre) if r.contacts > 0]
        problem, _ = build_problem(
            session, site_code=SITE.code, week_start=WEEK, shrinkage=SHRINKAGE
        )
    assert models["VOICE"].patience == Patience(150.0, PatienceSource.SITE)
    assert models["CHAT"].patience == ESTIMATE
    patience = {q.code: q.patience_seconds for q in problem.queues}
    assert patience == {"VOICE": 150.0, "CHAT": 240.0}
    voice_rows = [r for r in stored if r.queue_code == voice.code]
    contacts = np.array([r.contacts for r in voice_rows])
    aht = np.array([r.aht_seconds for r in voice_rows])
    agents = np.array([r.required_agents for r in voice_rows])
    # the site's patience gives exactly the stored agents; Erlang C (no patience) needs more in
    # some interval, since callers who hang up take load off the agents
    site_model = models["VOICE"]
    assert site_model.requirement(contacts, aht).agents.tolist() == agents.tolist()
    erlang_c = QueueModel(
        code="VOICE",
        interval_minutes=15,
        service_level_target=voice.service_level_target,
        service_threshold_seconds=voice.service_threshold_seconds,
        patience=Patience.given(None),
        max_occupancy=voice.max_occupancy,
    )
    assert np.any(erlang_c.requirement(contacts, aht).agents > agents)


# a calibration of VOICE: 80 % of its serving agents are effectively servers, callers wait 180 s
# on average, and the answer rate and service level are recalibrated
CALIBRATION = Calibration(
    availability=0.8,
    patience_seconds=180.0,
    patience_method="waits",
    answer_rate_coefficients=(0.2, 1.05, -0.04, 0.03),
    service_level_coefficients=(-0.15, 1.0, 0.0, 0.02),
    threshold_seconds=20.0,
    intervals=2000,
    offered=50000.0,
    answered=46000.0,
    abandoned=4000.0,
    fitted_from_utc=START - timedelta(days=56),
    fitted_until_utc=START,
)


def test_a_calibrated_queue_s_roster_is_built_and_evaluated_with_its_calibration(
    engine: Engine, centre: int
) -> None:
    """The roster problem built from the database carries the stored calibration: its queue's
    model predicts what `QueueModel.of_queue` does, its requirement is the stored one, and a
    roster's evaluation is the calibrated model's expectation, not the textbook's."""
    with unit_of_work(engine) as session:
        CalibrationRepository(session).store(
            StoredCalibration(
                queue_code="VOICE",
                fitted_at_utc=START,
                window_start_utc=START - timedelta(days=56),
                window_end_utc=START,
                calibration=CALIBRATION,
                intervals=2000,
                calls=50000.0,
                answer_rate_mae=0.02,
                textbook_answer_rate_mae=0.05,
                answer_rate_noise_floor=0.015,
            )
        )
    with unit_of_work(engine) as session:
        compute_requirements(session, site_code=SITE.code, shrinkage=SHRINKAGE)
        stored = [r for r in RequirementRepository(session).list(centre) if r.queue_code == "VOICE"]
        problem, _ = build_problem(
            session, site_code=SITE.code, week_start=WEEK, shrinkage=SHRINKAGE
        )
        voice = next(q for q in QueueRepository(session).list(SITE.code) if q.code == "VOICE")
        site = SiteRepository(session).get(SITE.code)
    model = QueueModel.of_queue(voice, site, 15)
    spec = next(q for q in problem.queues if q.code == "VOICE")
    chat = next(q for q in problem.queues if q.code == "CHAT")
    assert spec.calibration == CALIBRATION and chat.calibration is None
    assert spec.model(15) == model and model.calibration == CALIBRATION
    assert spec.patience_seconds == 180.0

    # the same predictions at the same staffing, rostered or present
    contacts = np.asarray(spec.contacts)
    aht = np.asarray(spec.aht_seconds)
    staffing = np.asarray([r.required_agents for r in stored], dtype=float)
    for ours, theirs in (
        (spec.model(15).kpis(contacts, aht, staffing), model.kpis(contacts, aht, staffing)),
        (
            spec.model(15).kpis_under_absence(contacts, aht, staffing + 2, SHRINKAGE),
            model.kpis_under_absence(contacts, aht, staffing + 2, SHRINKAGE),
        ),
    ):
        assert ours.answer_rate is not None and theirs.answer_rate is not None
        assert ours.answer_rate.tolist() == theirs.answer_rate.tolist()
        assert ours.service_level.tolist() == theirs.service_level.tolist()

    # the roster's requirement is the stored one, and more than the textbook's
    scheduled = [r.scheduled_agents for r in sorted(stored, key=lambda r: r.interval_start_utc)]
    assert requirement(problem, spec).tolist() == scheduled
    textbook = QueueModel.of_queue(replace(voice, calibration=None), site, 15)
    plain = textbook.requirement_under_absence(contacts, aht, SHRINKAGE).scheduled_agents
    assert np.sum(scheduled) > np.sum(plain)

    # a roster's evaluation: A1 serves VOICE on Wednesday 09:00-17:00
    day = START + timedelta(days=2)
    shift = RosterShift(
        agent_code="A1",
        shift_date=day.date(),
        start_utc=day + timedelta(hours=9),
        end_utc=day + timedelta(hours=17),
        activities=(
            ActivitySpan(day + timedelta(hours=9), day + timedelta(hours=17), "serve:VOICE"),
        ),
    )
    report = next(q for q in evaluate(problem, Roster((shift,))).queues if q.code == "VOICE")
    expected = model.kpis_under_absence(contacts, aht, report.serving, SHRINKAGE)
    assert report.serving.sum() == 32
    assert report.answer_rate is not None and expected.answer_rate is not None
    assert report.answer_rate.tolist() == pytest.approx(expected.answer_rate.tolist(), rel=1e-12)
    assert report.service_level.tolist() == pytest.approx(  # type: ignore[union-attr]
        expected.service_level.tolist(), rel=1e-12
    )
    busy = contacts > 0
    week = float(expected.answered[busy].sum() / contacts.sum())
    assert report.predicted_answer_rate == pytest.approx(week, rel=1e-12)
