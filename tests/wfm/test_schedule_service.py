"""The roster problem built from the database: valid, faithful to the stored forecast."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from scheduling.checks import check_problem
from scheduling.problem_json import problem_from_json, problem_to_json, schema_errors
from wfm.db.session import unit_of_work
from wfm.demo import generate_demo_centre
from wfm.errors import ValidationError
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import adjusted_values, run_forecast
from wfm.services.scheduling import build_problem, contract_code


@pytest.fixture
def forecast_site(engine: Engine) -> tuple[str, object]:
    demo = generate_demo_centre(weeks=5, agents=25, seed=11)
    centre = CentreData(
        sites=demo.sites,
        queues=demo.queues,
        segments=demo.segments,
        campaigns=demo.campaigns,
        agents=demo.agents,
        availability=demo.availability,
        time_off=demo.time_off,
        history=demo.history,
    )
    with unit_of_work(engine) as session:
        load_centre(session, centre)
        run = run_forecast(session, site_code=demo.sites[0].code, weeks=2)
    return demo.sites[0].code, run


def test_problem_from_the_database_is_valid_and_matches_the_forecast(
    engine: Engine, forecast_site: tuple[str, object]
) -> None:
    site, run = forecast_site
    zone = ZoneInfo("Europe/Dublin")
    first_day = run.horizon_start_utc.astimezone(zone).date()  # type: ignore[attr-defined]
    week_start = first_day + timedelta(days=(7 - first_day.weekday()) % 7)
    with unit_of_work(engine) as session:
        problem, run_id = build_problem(session, site_code=site, week_start=week_start)
        start = problem.start_utc
        values = adjusted_values(session, run_id, start_utc=start, end_utc=problem.end_utc)
    assert run_id == run.id  # type: ignore[attr-defined]
    assert check_problem(problem) == []
    document = problem_to_json(problem)
    assert schema_errors(document) == []
    assert problem_to_json(problem_from_json(document)) == document
    assert len(problem.agents) == 25
    for queue in problem.queues:
        assert queue.contacts is not None and len(queue.contacts) == problem.interval_count
        expected = sum(v.offered for v in values if v.queue_code == queue.code)
        assert sum(queue.contacts) == pytest.approx(expected)
    for agent in problem.agents:
        assert agent.queue_skills or agent.campaign_skills
    assert contract_code("Full-time 37.5 h") == "Full-time-37.5-h"


def test_a_week_outside_the_forecast_is_refused(
    engine: Engine, forecast_site: tuple[str, object]
) -> None:
    site, run = forecast_site
    late = run.horizon_end_utc.date() + timedelta(days=14)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="not inside forecast"), unit_of_work(engine) as s:
        build_problem(s, site_code=site, week_start=late)
