"""Token life over real HTTP, on each database: expiry (401 saying so), revocation (401 saying
why), an agent's tokens revoked when the agent leaves (refused at once even though the server had
the token cached), the last use recorded at most once a minute and never waited for, and the
`wfm token` commands' expiry and columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apikit import ApiServer, ok, seed_centre, start_uvicorn
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from wfm.cli import app as cli
from wfm.db.models import ApiTokenRow
from wfm.db.repositories import TokenEntry, TokenRepository
from wfm.db.session import unit_of_work
from wfm.domain.access import hash_token, new_token


@pytest.fixture
def cached_api(engine: Engine, database_url: str) -> Iterator[ApiServer]:
    """The API trusting a checked token for a minute (longer than any test here)."""
    from api.app import create_app
    from api.settings import ApiSettings

    settings = ApiSettings(
        database_url=database_url, api_kpi_cache_seconds=0, api_token_cache_seconds=60.0
    )
    app = create_app(settings)
    url, server, thread = start_uvicorn(app)
    box = ApiServer(url=url, database_url=database_url, engine=engine, token_cache_seconds=60.0)
    box.tokens["admin"] = box.add_token("admin")
    box.tokens["planner"] = box.add_token("planner")
    try:
        yield box
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()


def _token(engine: Engine, role: str, *, name: str, expires_at_utc: datetime | None) -> str:
    secret = new_token()
    with unit_of_work(engine) as session:
        TokenRepository(session).add(
            name=name, role=role, token_hash=hash_token(secret), expires_at_utc=expires_at_utc
        )
    return secret


def _row(engine: Engine, secret: str) -> ApiTokenRow:
    with unit_of_work(engine) as session:
        row = session.scalars(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(secret))
        ).one()
        session.expunge(row)
        return row


def test_expired_and_revoked_tokens_are_refused_saying_why(cached_api: ApiServer) -> None:
    now = datetime.now(UTC)
    expired = _token(cached_api.engine, "planner", name="old", expires_at_utc=now - timedelta(1))
    valid = _token(cached_api.engine, "planner", name="new", expires_at_utc=now + timedelta(1))
    with cached_api.client(token=expired) as client:
        response = client.get("/v1/sites")
        assert response.status_code == 401, response.text
        body = response.json()
        assert body["error"] == "unauthorized" and "expired at" in body["detail"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    with cached_api.client(token=valid) as client:
        assert ok(client.get("/v1/me"))["name"] == "new"
    with unit_of_work(cached_api.engine) as session:
        TokenRepository(session).revoke(_row(cached_api.engine, valid).id, reason="laptop lost")
    fresh = _token(cached_api.engine, "planner", name="gone", expires_at_utc=None)
    with unit_of_work(cached_api.engine) as session:
        TokenRepository(session).revoke(_row(cached_api.engine, fresh).id, reason="laptop lost")
    with cached_api.client(token=fresh) as client:
        response = client.get("/v1/sites")
        assert response.status_code == 401
        assert "revoked" in response.json()["detail"]
        assert "laptop lost" in response.json()["detail"]
    with cached_api.client(token="wfm_no-such-token") as client:
        response = client.get("/v1/sites")
        assert response.status_code == 401 and "unknown" in response.json()["detail"]


def test_an_agents_tokens_stop_working_when_the_agent_leaves(cached_api: ApiServer) -> None:
    with cached_api.client("admin") as admin:
        seed_centre(admin)
    token = cached_api.add_token("agent", agent_code="A1")
    other = cached_api.add_token("agent", agent_code="A2")
    with cached_api.client(token=token) as agent:
        assert ok(agent.get("/v1/me"))["agent_code"] == "A1"  # now cached for a minute
        with cached_api.client("planner") as planner:
            left = ok(planner.patch("/v1/agents/A1", json={"active": False}))
            assert left["active"] is False
        response = agent.get("/v1/me")
        assert response.status_code == 401, response.text
        detail = response.json()["detail"]
        assert "revoked" in detail and "A1 deactivated" in detail
    with cached_api.client(token=other) as colleague:
        assert ok(colleague.get("/v1/me"))["agent_code"] == "A2"
    # coming back does not revive the old token: a new one is made for them
    with cached_api.client("planner") as planner:
        ok(planner.patch("/v1/agents/A1", json={"active": True}))
    with cached_api.client(token=token) as agent:
        assert agent.get("/v1/me").status_code == 401
    code, out, _ = _run(["token", "list", "--database-url", cached_api.database_url])
    assert code == 0
    states = {
        line.split("\t")[3]: line.split("\t")[-1]
        for line in out.splitlines()[1:]
        if line.split("\t")[1] == "agent"
    }
    assert states == {"A1": "revoked", "A2": "active"}


def test_an_inactive_agents_token_is_refused_even_if_not_revoked(api: ApiServer) -> None:
    """An agent marked inactive by other means than the API (no revocation row) is refused."""
    from wfm.db.models import AgentRow

    with api.client("admin") as admin:
        seed_centre(admin)
    token = api.add_token("agent", agent_code="A0")
    with unit_of_work(api.engine) as session:
        session.execute(
            AgentRow.__table__.update().where(AgentRow.code == "A0").values(active=False)
        )
    with api.client(token=token) as agent:
        response = agent.get("/v1/me")
        assert response.status_code == 401
        assert "deactivated" in response.json()["detail"]


def test_last_use_is_recorded_at_most_once_a_minute(api: ApiServer) -> None:
    secret = _token(api.engine, "executive", name="board", expires_at_utc=None)
    assert _row(api.engine, secret).last_used_at is None
    with api.client(token=secret) as board:
        ok(board.get("/v1/me"))  # a read-only request records the use
    first = _row(api.engine, secret).last_used_at
    assert first is not None
    t0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    with unit_of_work(api.engine) as session:
        found = TokenRepository(session).lookup(hash_token(secret), t0)
    assert isinstance(found, TokenEntry)
    assert _row(api.engine, secret).last_used_at == t0
    with unit_of_work(api.engine) as session:
        TokenRepository(session).lookup(hash_token(secret), t0 + timedelta(seconds=30))
    assert _row(api.engine, secret).last_used_at == t0  # not written again within a minute
    with unit_of_work(api.engine) as session:
        TokenRepository(session).lookup(hash_token(secret), t0 + timedelta(seconds=61))
    assert _row(api.engine, secret).last_used_at == t0 + timedelta(seconds=61)


def test_a_locked_token_row_skips_the_last_use_not_the_request(api: ApiServer) -> None:
    """Another transaction holds the write lock (SQLite) or the token's row (PostgreSQL): the
    request is answered and the last use is simply not recorded this time."""
    secret = _token(api.engine, "executive", name="busy", expires_at_utc=None)
    token_id = _row(api.engine, secret).id
    with api.client("admin") as admin:  # the server has its connections open (a running server)
        ok(admin.get("/v1/sites"))
    with api.engine.connect() as holder:
        if api.engine.dialect.name == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holder.execute(
                text("SELECT id FROM api_tokens WHERE id = :id FOR UPDATE"), {"id": token_id}
            )
        try:
            with api.client(token=secret) as board:
                assert ok(board.get("/v1/me"))["name"] == "busy"
        finally:
            holder.rollback()
    assert _row(api.engine, secret).last_used_at is None
    with unit_of_work(api.engine) as session:  # the lock gone, the next look-up records it
        assert isinstance(TokenRepository(session).lookup(hash_token(secret)), TokenEntry)
    assert _row(api.engine, secret).last_used_at is not None


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.stdout, result.stderr


def test_token_cli_expiry_and_list_columns(api: ApiServer, monkeypatch: pytest.MonkeyPatch) -> None:
    db = ["--database-url", api.database_url]
    code, out, err = _run(["token", "create", "--role", "planner", "--name", "ops", *db])
    assert code == 0, err
    default_token = out.strip()
    assert "expires" in err
    ops = _row(api.engine, default_token)
    assert ops.expires_at is not None
    assert timedelta(days=89) < ops.expires_at - ops.created_at <= timedelta(days=90)
    code, out, err = _run(
        ["token", "create", "--role", "planner", "--name", "ci", "--expires-in-days", "0", *db]
    )
    assert code == 0 and "never expires" in err
    assert _row(api.engine, out.strip()).expires_at is None
    monkeypatch.setenv("WFM_TOKEN_TTL_DAYS", "7")
    code, out, err = _run(["token", "create", "--role", "planner", "--name", "week", *db])
    week = _row(api.engine, out.strip())
    assert week.expires_at is not None
    assert week.expires_at - week.created_at <= timedelta(days=7)
    code, _, err = _run(
        ["token", "create", "--role", "planner", "--name", "x", "--expires-in-days", "-1", *db]
    )
    assert code == 2 and "Traceback" not in err
    with api.client(token=default_token) as client:
        ok(client.get("/v1/me"))
    code, out, _ = _run(["token", "list", *db])
    header, *rows = out.splitlines()
    assert header.split("\t") == [
        "id",
        "role",
        "name",
        "agent",
        "created_utc",
        "expires_utc",
        "last_used_utc",
        "revoked_utc",
        "state",
    ]
    by_name = {row.split("\t")[2]: row.split("\t") for row in rows}
    assert by_name["ops"][5] != "-" and by_name["ops"][6] != "-" and by_name["ops"][8] == "active"
    assert by_name["ci"][5] == "-" and by_name["ci"][6] == "-"
    _run(["token", "revoke", by_name["ops"][0], *db])
    code, out, _ = _run(["token", "list", *db])
    ops_row = next(r.split("\t") for r in out.splitlines() if "\tops\t" in r)
    assert ops_row[7] != "-" and ops_row[8] == "revoked"
