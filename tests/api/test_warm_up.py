"""The API's warm-up (`wfm.services.warm_up`, setting `api_warm_up`): each site's opening
schedule is evaluated in the background when a server process starts; a site without a
schedule is skipped, a site that fails does not stop the others, and the evaluation read
afterwards is the one read without a warm-up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from apikit import start_uvicorn
from sqlalchemy import Engine

from wfm.db.repositories import SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Site
from wfm.services import schedule_views, warm_up
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.services.scheduling import build_schedule, first_forecast_week, publish_schedule
from wfm.tools.demo import generate_demo_centre


def _published_week(engine: Engine) -> tuple[str, int]:
    """A small demo centre with a forecast and a published roster of its first week."""
    demo = generate_demo_centre(weeks=3, agents=10, seed=5)
    site = demo.sites[0].code
    with unit_of_work(engine) as session:
        load_centre(session, CentreData.of_demo(demo))
        run_forecast(session, site_code=site, weeks=1)
        week = first_forecast_week(session, site)
        draft = build_schedule(session, site_code=site, week_start=week, time_limit_seconds=2)
        publish_schedule(session, draft.id, datetime.now(UTC))
    return site, draft.id


def _add_empty_site(engine: Engine, like: str) -> str:
    with unit_of_work(engine) as session:
        sites = SiteRepository(session)
        model = sites.get(like)
        sites.add(Site(code="EMPTY", name="No schedule yet", timezone=model.timezone))
    return "EMPTY"


def test_each_sites_opening_schedule_is_evaluated_and_a_failure_is_only_logged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, schedule_id = _published_week(engine)
    empty = _add_empty_site(engine, site)
    assert warm_up.opening_schedule_id(engine, site) == schedule_id
    assert warm_up.opening_schedule_id(engine, empty) is None
    assert warm_up.warm_up(engine) == [schedule_id]  # the site without a schedule skipped

    evaluated: list[int] = []
    real = schedule_views.evaluate

    def failing_once(session: Any, sid: int) -> Any:
        evaluated.append(sid)
        if len(evaluated) == 1:
            raise RuntimeError("the evaluation breaks")
        return real(session, sid)

    monkeypatch.setattr(schedule_views, "evaluate", failing_once)
    assert warm_up.warm_up(engine) == []  # the failure is logged, nothing raised
    assert warm_up.warm_up(engine) == [schedule_id]
    assert evaluated == [schedule_id, schedule_id]


def test_a_server_started_with_the_warm_up_answers_the_same_evaluation(
    engine: Engine, database_url: str
) -> None:
    from api.app import create_app
    from api.settings import ApiSettings
    from wfm.db.repositories import TokenRepository
    from wfm.domain.access import hash_token, new_token

    _, schedule_id = _published_week(engine)
    with unit_of_work(engine) as session:
        expected = schedule_views.evaluate(session, schedule_id)
    token = new_token()
    with unit_of_work(engine) as session:
        TokenRepository(session).add(name="warm", role="planner", token_hash=hash_token(token))
    app: Any = create_app(ApiSettings(database_url=database_url, api_warm_up=True))
    url, server, serving = start_uvicorn(app, lifespan="on")  # the lifespan starts the warm-up
    try:
        warming = app.state.warm_up
        warming.join(timeout=120)
        assert not warming.is_alive()
        response = httpx.get(
            f"{url}/v1/schedules/{schedule_id}/evaluation",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        serving.join(timeout=10)
        app.state.engine.dispose()
    assert response.status_code == 200, response.text
    read = {q["queue_code"]: q for q in response.json()["queues"]}
    assert read and set(read) == {q.queue_code for q in expected.queues}
    for queue in expected.queues:
        assert read[queue.queue_code]["predicted_answer_rate"] == queue.predicted_answer_rate
        assert read[queue.queue_code]["predicted_service_level"] == queue.predicted_service_level
