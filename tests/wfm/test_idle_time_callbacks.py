"""The callbacks due in a roster's week (`wfm.services.idle_time.callbacks_due`): open ones due
inside the week only, each taking the mean talk + wrap of its campaign's attempts that reached a
customer in the 28 days before the week, or the week's inbound handle time without them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine

from wfm.db.repositories import CallbackRepository, CampaignRepository, DialerAttemptRepository
from wfm.db.session import unit_of_work
from wfm.domain import CampaignKind
from wfm.domain.dialer import CONTACT_RESULTS, Callback, CallbackStatus
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.services.idle_time import callbacks_due
from wfm.services.scheduling import build_problem, first_forecast_week
from wfm.tools.demo import generate_demo_centre

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_callbacks_due_in_the_week_and_their_handle_minutes(engine: Engine) -> None:
    # the demo's own callbacks left out: the week holds only the callbacks below
    demo = dataclasses.replace(generate_demo_centre(weeks=3, agents=10, seed=11), callbacks=())
    site = demo.sites[0].code
    with unit_of_work(engine) as session:
        load_centre(session, CentreData.of_demo(demo))
        run_forecast(session, site_code=site, weeks=1)
        week = first_forecast_week(session, site)
        problem, _ = build_problem(session, site_code=site, week_start=week)
        zone = problem.zone
        noon = datetime.combine(week + timedelta(days=2), time(12, 0), zone)
        # a callback campaign with no dialer attempts yet
        campaigns = CampaignRepository(session)
        recall = dataclasses.replace(
            campaigns.get("NPS"), code="RECALL", name="Recall", kind=CampaignKind.CALLBACK
        )
        campaigns.add(recall)
        callbacks = CallbackRepository(session)
        for campaign, due, status in [
            ("UPGRADE", noon, CallbackStatus.OPEN),
            ("UPGRADE", noon + timedelta(hours=3), CallbackStatus.OPEN),
            ("UPGRADE", noon, CallbackStatus.MISSED),  # not backlog
            ("UPGRADE", problem.end_utc, CallbackStatus.OPEN),  # the next week's
            ("UPGRADE", problem.start_utc - timedelta(minutes=1), CallbackStatus.OPEN),
            ("NPS", problem.start_utc, CallbackStatus.OPEN),
            ("RECALL", noon, CallbackStatus.OPEN),
        ]:
            callbacks.add(Callback(campaign, due, status=status), NOW)
        found = {c.campaign_code: c for c in callbacks_due(session, problem)}
        attempts = DialerAttemptRepository(session).list(
            campaign_codes=["UPGRADE"],
            start_utc=problem.start_utc - timedelta(days=28),
            end_utc=problem.start_utc,
        )
    assert set(found) == {"UPGRADE", "NPS", "RECALL"}
    assert found["UPGRADE"].due_utc == (noon, noon + timedelta(hours=3))
    assert found["NPS"].due_utc == (problem.start_utc,)
    # an independent count of the UPGRADE attempts that reached a customer
    reached = [a.talk_seconds + a.wrap_seconds for a in attempts if a.result in CONTACT_RESULTS]
    assert len(reached) >= 2
    assert found["UPGRADE"].handle_minutes == pytest.approx(np.mean(reached) / 60.0, rel=1e-12)
    assert f"{len(reached)} attempts" in found["UPGRADE"].handle_source
    # RECALL has no attempts: a serving agent's call, the week's inbound handle time
    contacts = sum(sum(q.contacts or ()) for q in problem.queues)
    handle = sum(float(np.dot(q.contacts or (), q.aht_seconds or ())) for q in problem.queues)
    assert found["RECALL"].handle_minutes == pytest.approx(handle / contacts / 60.0, rel=1e-12)
    assert "inbound handle time" in found["RECALL"].handle_source
    assert "has 0 attempts" in found["RECALL"].handle_source
