"""Fixtures of the dashboard tests: the live demo API (see dashkit)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from dashkit import CHROMIUM, CHROMIUM_ARGS, ROLES, DemoApi, roster, start_uvicorn  # noqa: E402

from wfm.domain import Schedule, ScheduleStatus  # noqa: E402


@pytest.fixture(scope="session")
def demo_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApi]:
    yield from serve_demo(tmp_path_factory)


@pytest.fixture(scope="session")
def browser_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApi]:
    """A demo API of its own for the browser test (it publishes and switches too)."""
    yield from serve_demo(tmp_path_factory, this_week_too=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium (Debian's) for a browser test module; each role gets a context (a
    browser profile) of its own. Skips without Chromium or the playwright package."""
    if not CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def own_demo_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApi]:
    """A demo API for one test module alone: it may import history and events the other
    modules' figures don't expect."""
    yield from serve_demo(tmp_path_factory)


def serve_demo(
    tmp_path_factory: pytest.TempPathFactory, *, this_week_too: bool = False
) -> Iterator[DemoApi]:
    """The demo API; `this_week_too` also publishes a roster for the real current week (what
    the agent's page opens on)."""
    from api.app import create_app
    from api.settings import ApiSettings
    from wfm.db import migrate
    from wfm.db.repositories import ScheduleRepository, TokenRepository
    from wfm.db.session import make_engine, unit_of_work
    from wfm.domain.access import hash_token, new_token
    from wfm.services.centre import CentreData, load_centre
    from wfm.services.forecasting import run_forecast
    from wfm.services.staffing import compute_requirements
    from wfm.tools.demo import generate_demo_centre

    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'demo.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo = generate_demo_centre(weeks=6, agents=30, seed=3)
    centre = CentreData.of_demo(demo)
    site = demo.sites[0]
    zone = ZoneInfo(site.timezone)
    with unit_of_work(engine) as session:
        load_centre(session, centre)
    with unit_of_work(engine) as session:
        run = run_forecast(session, site_code=site.code, weeks=2)
        compute_requirements(session, site_code=site.code, forecast_run_id=run.id)
    week1 = run.horizon_start_utc.astimezone(zone).date()
    week1 -= timedelta(days=week1.weekday())
    week2 = week1 + timedelta(days=7)
    tokens: dict[str, str] = {}
    agent_code = demo.agents[0].code
    with unit_of_work(engine) as session:
        repo = ScheduleRepository(session)
        ids = []
        for week, days in ((week1, 5), (week2, 1)):
            ids.append(
                repo.add(
                    Schedule(
                        site_code=site.code,
                        week_start=week,
                        version=repo.next_version(site.code, week),
                        status=ScheduleStatus.DRAFT,
                        created_at_utc=datetime.now(UTC),
                        shifts=roster(centre, zone, week, days),
                        summary={},
                        forecast_run_id=run.id,
                    )
                )
            )
        repo.publish(ids[0], datetime.now(UTC))
        this_monday = date.today() - timedelta(days=date.today().weekday())
        if this_week_too and this_monday not in (week1, week2):
            this_id = repo.add(
                Schedule(
                    site_code=site.code,
                    week_start=this_monday,
                    version=repo.next_version(site.code, this_monday),
                    status=ScheduleStatus.DRAFT,
                    created_at_utc=datetime.now(UTC),
                    shifts=roster(centre, zone, this_monday, 5),
                    summary={},
                )
            )
            repo.publish(this_id, datetime.now(UTC))
        tokens_repo = TokenRepository(session)
        for role in (*ROLES, "agent"):
            token = new_token()
            tokens_repo.add(
                name=f"dashboard-{role}",
                role=role,
                token_hash=hash_token(token),
                agent_code=agent_code if role == "agent" else None,
            )
            tokens[role] = token
        # a second agent, skilled like the first (CARE) on the same contract: a swap partner
        token = new_token()
        tokens_repo.add(
            name="dashboard-agent2",
            role="agent",
            token_hash=hash_token(token),
            agent_code=demo.agents[2].code,
        )
        tokens["agent2"] = token
    engine.dispose()

    app = create_app(ApiSettings(database_url=url, api_kpi_cache_seconds=0))
    base, server, thread = start_uvicorn(app)
    clock_utc = datetime.combine(week1, time(11, 0), tzinfo=zone).astimezone(UTC)
    box = DemoApi(
        url=base,
        site=site.code,
        timezone=site.timezone,
        week1=week1,
        week2=week2,
        clock_utc=clock_utc,
        agent_code=agent_code,
        tokens=tokens,
        database_url=url,
    )
    with box.client() as http:
        response = http.put(
            "/v1/intraday/clock",
            json={"site": site.code, "now_utc": clock_utc.isoformat(), "speed": 0},
        )
        assert response.status_code == 200, response.text
    try:
        yield box
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_reads() -> None:
    """Each test reads the API afresh (the dashboard's read cache is per process)."""
    from dashboard.common import forget_cached_reads

    forget_cached_reads()
