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

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine

from scheduling.economics import requirement
from wfm.db.repositories import (
    ForecastRepository,
    QueueRepository,
    RequirementRepository,
    SiteRepository,
)
from wfm.db.session import unit_of_work
from wfm.domain import Agent, Channel, Contract, ForecastRun, ForecastValue, Queue, Site
from wfm.domain.queue_model import Patience, PatienceSource, QueueModel
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
