"""Faults show a clear message on the page, never a traceback: the API down, a bad or revoked
token, a role without the permission, no data."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from dashkit import DASHBOARD, DemoApi, free_port, start_uvicorn
from streamlit.testing.v1 import AppTest

from dashboard.client import ApiClient, ApiError

PAGES = [
    "app.py",
    "pages/executive.py",
    "pages/planner.py",
    "pages/plans.py",
    "pages/requests.py",
    "pages/floor.py",
]


def _run(url: str, token: str, script: str, **state: object) -> AppTest:
    at = AppTest.from_file(str(DASHBOARD / script), default_timeout=60)
    at.session_state["wfm_language"] = "en"
    at.session_state["wfm_api_url"] = url
    at.session_state["wfm_token"] = token
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("script", PAGES)
def test_api_down(demo_api: DemoApi, script: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    at = _run(url, demo_api.tokens["admin"], script)
    assert any("does not answer" in e.value for e in at.error)
    # signed in earlier, then the API went away: still a message per part of the page
    me = ApiClient(demo_api.url, demo_api.tokens["admin"]).me()
    at = _run(url, demo_api.tokens["admin"], script, wfm_me=me)
    assert any("does not answer" in e.value for e in at.error)


@pytest.mark.parametrize("script", PAGES)
def test_unknown_token_asks_to_sign_in_again(demo_api: DemoApi, script: str) -> None:
    at = _run(demo_api.url, "wfm_not-a-real-token", script)
    assert any("refused the token" in e.value for e in at.error)
    assert "wfm_token" not in at.session_state


def test_token_revoked_during_the_session(demo_api: DemoApi) -> None:
    me = ApiClient(demo_api.url, demo_api.tokens["executive"]).me()
    at = _run(demo_api.url, "wfm_revoked-or-expired", "pages/executive.py", wfm_me={**me})
    assert any("refused the token" in e.value for e in at.error)


def test_role_without_permission_gets_a_message(demo_api: DemoApi) -> None:
    at = _run(demo_api.url, demo_api.tokens["executive"], "pages/planner.py")
    assert any("may not" in w.value for w in at.warning)
    at = _run(demo_api.url, demo_api.tokens["executive"], "pages/floor.py")
    assert any("may not" in w.value for w in at.warning)
    agent = _run(demo_api.url, demo_api.tokens["admin"], "pages/my_schedule.py")
    assert any("agent token" in i.value for i in agent.info)


def test_sign_in_with_a_bad_token_stays_on_the_form(demo_api: DemoApi) -> None:
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=60)
    at.session_state["wfm_language"] = "en"
    at.session_state["wfm_api_url"] = demo_api.url
    at.run()
    at.text_input(key="sign_in_token").input("wfm_wrong")
    at.button[0].click().run()
    assert not at.exception
    assert any("refused the token" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["WFM dashboard"]


def test_client_errors_name_their_kind(demo_api: DemoApi) -> None:
    with pytest.raises(ApiError) as down:
        ApiClient(f"http://127.0.0.1:{free_port()}", "x").me()
    assert down.value.kind == "unreachable"
    with pytest.raises(ApiError) as bad:
        ApiClient(demo_api.url, "wfm_nope").me()
    assert (bad.value.kind, bad.value.status) == ("unauthorized", 401)
    with pytest.raises(ApiError) as forbidden:
        ApiClient(demo_api.url, demo_api.tokens["executive"]).forecast_runs(demo_api.site)
    assert (forbidden.value.kind, forbidden.value.status) == ("forbidden", 403)
    with pytest.raises(ApiError) as missing:
        ApiClient(demo_api.url, demo_api.tokens["planner"]).schedule(999_999)
    assert (missing.value.kind, missing.value.status) == ("not_found", 404)


def test_history_without_contact_reasons_says_so(tmp_path: Path) -> None:
    """A centre whose history carries no reason mix: the executive page draws its KPIs and says
    there are no contact reasons, instead of an empty chart or an error."""
    from api.app import create_app
    from api.settings import ApiSettings
    from wfm.db import migrate
    from wfm.db.repositories import TokenRepository
    from wfm.db.session import make_engine, unit_of_work
    from wfm.domain.access import hash_token, new_token

    url = f"sqlite:///{tmp_path / 'no-reasons.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    token = new_token()
    with unit_of_work(engine) as session:
        TokenRepository(session).add(name="admin", role="admin", token_hash=hash_token(token))
    engine.dispose()
    app = create_app(ApiSettings(database_url=url, api_kpi_cache_seconds=0))
    base, server, thread = start_uvicorn(app)
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
            site = {"code": "lyon", "name": "Lyon", "timezone": "Europe/Paris"}
            assert http.post("/v1/sites", json=site).status_code == 201
            queue = {"site_code": "lyon", "code": "care", "name": "Care"}
            assert http.post("/v1/queues", json=queue).status_code == 201
            days = [date.today() - timedelta(days=n) for n in (3, 2, 1)]
            csv = "queue,interval_start,interval_minutes,offered,answered,abandoned\n" + "".join(
                f"care,{day.isoformat()}T09:00:00Z,15,10,9,1\n" for day in days
            )
            imported = http.post(
                "/v1/history/import", content=csv, headers={"Content-Type": "text/csv"}
            )
            assert imported.status_code == 200, imported.text
        at = _run(base, token, "pages/executive.py")
        assert not at.error, [e.value for e in at.error]
        assert "Top contact reasons" in [s.value for s in at.subheader]
        assert any("No contact reasons recorded" in i.value for i in at.info)
        assert not [d for d in at.dataframe if "reason" in d.value.columns]
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()
