"""Tokens and roles over real HTTP: 401 without or with a bad token, 403 for a role's missing
permission, and the token commands of the CLI."""

from __future__ import annotations

import hashlib
import time
from datetime import date

import pytest
from apikit import SITE, ApiServer, ok, seed_centre, start_uvicorn
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from wfm.cli import app as cli
from wfm.db.models import ApiTokenRow
from wfm.db.repositories import TokenRepository
from wfm.db.session import unit_of_work


def test_health_needs_no_token_and_everything_else_does(api: ApiServer) -> None:
    with api.client(role=None) as anonymous:
        health = ok(anonymous.get("/health"))
        assert health["status"] == "ok" and health["schema_revision"]
        for path in ("/v1/me", "/v1/sites", "/v1/kpis?site=x&start=2025-01-01&end=2025-01-02"):
            response = anonymous.get(path)
            assert response.status_code == 401, path
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.json()["error"] == "unauthorized"
    with api.client(token="wfm_not-a-real-token") as stranger:
        response = stranger.get("/v1/sites")
        assert response.status_code == 401
        assert "unknown" in response.json()["detail"]
    with api.client(role=None) as anonymous:
        response = anonymous.get("/v1/sites", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert response.status_code == 401


def test_me_names_the_role_and_its_permissions(api: ApiServer) -> None:
    with api.client("executive") as executive:
        me = ok(executive.get("/v1/me"))
    assert me["role"] == "executive"
    assert "kpi:read" in me["permissions"] and "org:write" not in me["permissions"]


# What each role may do, as the issue describes the roles (not derived from the code's table):
# (method, path, body, roles allowed)
def _cases() -> list[tuple[str, str, dict | None, set[str]]]:
    site = {"code": "lyon", "name": "Lyon", "timezone": "Europe/Paris"}
    return [
        ("GET", "/v1/sites", None, {"admin", "planner", "floor_manager", "executive"}),
        ("POST", "/v1/sites", site, {"admin", "planner"}),
        ("GET", "/v1/agents", None, {"admin", "planner", "floor_manager"}),
        (
            "GET",
            f"/v1/kpis?site={SITE}&start=2025-03-03&end=2025-03-04",
            None,
            {"admin", "planner", "floor_manager", "executive"},
        ),
        ("GET", "/v1/history/coverage", None, {"admin", "planner", "floor_manager"}),
        ("POST", "/v1/forecasts", {"site_code": SITE}, {"admin", "planner"}),
        ("GET", f"/v1/schedules?site={SITE}", None, {"admin", "planner", "floor_manager"}),
        (
            "POST",
            "/v1/staffing/calculate",
            {"intervals": [{"contacts": 10, "aht_seconds": 180}]},
            {"admin", "planner", "floor_manager"},
        ),
        ("GET", "/v1/jobs", None, {"admin", "planner", "floor_manager"}),
    ]


def test_each_role_gets_403_exactly_where_it_lacks_the_permission(api: ApiServer) -> None:
    with api.client("admin") as admin:
        seed_centre(admin)
    agent_token = api.add_token("agent", agent_code="A0")
    for method, path, body, allowed in _cases():
        for role in (*api.tokens, "agent"):
            token = agent_token if role == "agent" else api.tokens[role]
            with api.client(token=token) as client:
                response = client.request(method, path, json=body)
            if role in allowed:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.text)
                assert response.json()["error"] == "forbidden"
                assert role in response.json()["detail"]


def test_publishing_is_for_planners_not_floor_managers(api: ApiServer) -> None:
    with api.client("floor_manager") as floor:
        response = floor.post("/v1/schedules/1/publish")
    assert response.status_code == 403
    with api.client("planner") as planner:
        response = planner.post("/v1/schedules/1/publish")
    assert response.status_code == 404  # allowed, but there is no schedule 1


def test_agent_token_reads_only_its_own_schedule(api: ApiServer) -> None:
    with api.client("admin") as admin:
        seed_centre(admin)
    token = api.add_token("agent", agent_code="A1")
    with api.client(token=token) as agent:
        assert ok(agent.get("/v1/me"))["agent_code"] == "A1"
        assert agent.get("/v1/agents").status_code == 403
        assert agent.get("/v1/sites").status_code == 403
        # no published schedule for that week yet
        response = agent.get("/v1/me/schedule", params={"week_start": date(2025, 3, 3).isoformat()})
        assert response.status_code == 404
        assert agent.get("/v1/schedules/1/agents/A2").status_code in (403, 404)


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.stdout, result.stderr


def test_token_cli_create_list_revoke(api: ApiServer) -> None:
    code, out, err = _run(
        [
            "token",
            "create",
            "--role",
            "executive",
            "--name",
            "board",
            "--database-url",
            api.database_url,
        ]
    )
    assert code == 0, err
    token = out.strip()
    assert token.startswith("wfm_") and "\n" not in token
    with unit_of_work(api.engine) as session:
        stored = session.scalars(select(ApiTokenRow.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored  # only the hash is kept
    with api.client(token=token) as board:
        assert ok(board.get("/v1/me"))["name"] == "board"
    code, out, _ = _run(["token", "list", "--database-url", api.database_url])
    assert code == 0 and "board" in out and token not in out
    token_id = next(line.split("\t")[0] for line in out.splitlines() if "\tboard\t" in line)
    code, _, err = _run(["token", "revoke", token_id, "--database-url", api.database_url])
    assert code == 0 and "refuse it within WFM_API_TOKEN_CACHE_SECONDS" in err
    revoked = time.monotonic()
    with api.client(token=token) as board:
        # the server trusted the token it had checked; the revocation shows within that time
        while (status := board.get("/v1/me").status_code) == 200:
            assert time.monotonic() - revoked < api.token_cache_seconds + 1.0
            time.sleep(0.05)
        assert status == 401


def test_without_the_token_cache_a_revocation_shows_at_once(
    engine: Engine, database_url: str
) -> None:
    from api.app import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings(database_url=database_url, api_token_cache_seconds=0))
    url, server, thread = start_uvicorn(app)
    box = ApiServer(url=url, database_url=database_url, engine=engine)
    token = box.add_token("executive", name="board")
    try:
        with box.client(token=token) as board:
            assert ok(board.get("/v1/me"))["name"] == "board"
            with unit_of_work(engine) as session:
                token_id = session.scalars(
                    select(ApiTokenRow.id).where(ApiTokenRow.name == "board")
                ).one()
                TokenRepository(session).revoke(token_id)
            assert board.get("/v1/me").status_code == 401
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss", "--name", "x"], "--role must be one of"),
        (["--role", "agent", "--name", "x"], "--agent is required"),
        (["--role", "planner", "--name", "x", "--agent", "A0"], "--agent only goes with"),
        (["--role", "agent", "--name", "x", "--agent", "NOPE"], "no agent 'NOPE'"),
    ],
)
def test_token_cli_errors_are_one_line(api: ApiServer, args: list[str], message: str) -> None:
    code, out, err = _run(["token", "create", *args, "--database-url", api.database_url])
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1
