"""Hostile values over real HTTP: dates at the ends of the calendar, lone surrogates and control
characters in text. Each is a 422 naming the field (never a 5xx, a reset connection or a
half-written row); values inside the calendar window and ordinary non-ASCII text still work.

Most cases run on one seeded SQLite server (module scope); the NUL byte, which PostgreSQL refuses
in text, also runs on PostgreSQL (marker `postgres`)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apikit import ApiServer, ok, seed_centre, start_uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfm.db import migrate
from wfm.db.session import make_engine

FIRST = "0001-01-01"
LAST = "9999-12-31"
FIRST_EAST = "0001-01-01T00:00:00+14:00"  # its UTC instant is before year 1
LAST_WEST = "9999-12-31T23:59:59-12:00"  # its UTC instant is after year 9999
WINDOW_MESSAGE = "must lie between 1900-01-01 and 2999-12-31"


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """A seeded centre on SQLite behind uvicorn, shared by the module's read-mostly cases."""
    from api.app import create_app
    from api.settings import ApiSettings

    url = f"sqlite:///{Path(tmp_path_factory.mktemp('hostile')) / 'hostile.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    app = create_app(ApiSettings(database_url=url, api_kpi_cache_seconds=0))
    base, server, thread = start_uvicorn(app)
    box = ApiServer(url=base, database_url=url, engine=engine)
    box.tokens["admin"] = box.add_token("admin")
    box.tokens["planner"] = box.add_token("planner")
    with box.client("admin") as admin:
        seed_centre(admin)
    try:
        yield box
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        app.state.engine.dispose()
        engine.dispose()


def send(client: httpx.Client, method: str, path: str, query: Any = None, body: Any = None) -> Any:
    """The request with its body as ASCII JSON: a lone surrogate travels as the escape `\\ud800`
    (valid JSON text that decodes to a string no UTF-8 encoder accepts)."""
    content = None if body is None else json.dumps(body, ensure_ascii=True).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    return client.request(method, path, params=query, content=content, headers=headers)


def assert_refused(response: httpx.Response, field: str, message: str) -> dict[str, Any]:
    assert response.status_code == 422, (response.status_code, response.text)
    body = response.json()
    assert body["error"] == "invalid"
    named = [e for e in body["errors"] if e["field"] == field]
    assert named, (field, body)
    assert message in named[0]["message"], (message, named[0])
    assert body["detail"].startswith(field) or field in body["detail"], body["detail"]
    return named[0]


SWITCH = {"site": "paris", "to": "serve", "agents": [{"agent_code": "A0"}]}
EXCEPTION = {"site": "paris", "agent_code": "A0"}
SNAPSHOT = {
    "queue_code": "retail",
    "contacts_waiting": 0,
    "longest_wait_seconds": 0,
    "agents_ready": 0,
    "answered_today": 0,
    "abandoned_today": 0,
}
ADJUSTMENT = {"queue_code": "retail", "target": "offered", "operation": "scale", "value": 1.1}
DAY_OFF = {"start_utc": "2026-07-14T00:00:00+02:00", "end_utc": "2026-07-15T00:00:00+02:00"}

# (method, path, query, body, the field named in the 422)
DATE_CASES: list[tuple[str, str, dict[str, Any] | None, Any, str]] = [
    # kpis
    (
        "GET",
        "/v1/kpis",
        {"site": "paris", "start": FIRST, "end": "2025-01-01"},
        None,
        "query.start",
    ),
    ("GET", "/v1/kpis", {"site": "paris", "start": "9999-12-30", "end": LAST}, None, "query.start"),
    ("GET", "/v1/kpis", {"site": "paris", "start": "2999-12-01", "end": LAST}, None, "query.end"),
    (
        "GET",
        "/v1/kpis/contact-reasons",
        {"site": "paris", "start": FIRST, "end": "0001-01-08"},
        None,
        "query.start",
    ),
    ("GET", "/v1/kpis/outbound", {"site": "paris", "week_start": LAST}, None, "query.week_start"),
    # forecasts and requirements
    ("GET", "/v1/forecasts/1/values", {"start": FIRST_EAST}, None, "query.start"),
    ("GET", "/v1/forecasts/1/requirements", {"end": LAST_WEST}, None, "query.end"),
    ("GET", "/v1/requirements", {"site": "paris", "start": FIRST_EAST}, None, "query.start"),
    (
        "POST",
        "/v1/forecast-adjustments",
        None,
        {**ADJUSTMENT, "start_utc": FIRST_EAST, "end_utc": "2025-01-01T00:00:00Z"},
        "body.start_utc",
    ),
    # agents and campaigns
    ("PATCH", "/v1/agents/A0", None, {"hire_date": LAST}, "body.hire_date"),
    ("PATCH", "/v1/agents/A0", None, {"hire_date": FIRST}, "body.hire_date"),
    ("PATCH", "/v1/campaigns/renewals", None, {"deadline": LAST}, "body.deadline"),
    (
        "POST",
        "/v1/agents/A0/time-off",
        None,
        {"start_utc": FIRST_EAST, "end_utc": "0001-01-03T00:00:00Z"},
        "body.start_utc",
    ),
    (
        "POST",
        "/v1/agents/A0/time-off",
        None,
        {"start_utc": "2999-12-30T00:00:00Z", "end_utc": LAST_WEST},
        "body.end_utc",
    ),
    # the caller's schedule
    ("GET", "/v1/me/schedule", {"week_start": LAST}, None, "query.week_start"),
    # intraday reads
    ("GET", "/v1/adherence", {"site": "paris", "date": LAST, "period": "week"}, None, "query.date"),
    ("GET", "/v1/adherence", {"site": "paris", "date": FIRST}, None, "query.date"),
    (
        "GET",
        "/v1/adherence/minutes",
        {"site": "paris", "agent": "A0", "date": LAST},
        None,
        "query.date",
    ),
    ("GET", "/v1/adherence/live", {"site": "paris", "at": FIRST_EAST}, None, "query.at"),
    ("GET", "/v1/intraday/day", {"site": "paris", "date": LAST}, None, "query.date"),
    ("GET", "/v1/intraday/day", {"site": "paris", "date": FIRST}, None, "query.date"),
    ("GET", "/v1/queue-snapshots", {"site": "paris", "date": LAST}, None, "query.date"),
    ("GET", "/v1/intraday/recommendation", {"site": "paris", "at": LAST_WEST}, None, "query.at"),
    ("GET", "/v1/intraday/reforecast", {"site": "paris", "at": FIRST_EAST}, None, "query.at"),
    (
        "GET",
        "/v1/agent-events",
        {"site": "paris", "start_utc": FIRST_EAST, "end_utc": "0001-01-02T00:00:00Z"},
        None,
        "query.start_utc",
    ),
    (
        "GET",
        "/v1/intraday/plan-changes",
        {"site": "paris", "start_utc": "2025-01-01T00:00:00Z", "end_utc": LAST_WEST},
        None,
        "query.end_utc",
    ),
    # intraday writes
    (
        "POST",
        "/v1/agent-events",
        None,
        {
            "events": [
                {"event_id": "e1", "agent_code": "A0", "occurred_at_utc": FIRST_EAST, "state": "x"}
            ]
        },
        "body.events.0.occurred_at_utc",
    ),
    (
        "POST",
        "/v1/queue-snapshots",
        None,
        {"snapshots": [{**SNAPSHOT, "observed_at_utc": LAST_WEST}]},
        "body.snapshots.0.observed_at_utc",
    ),
    ("POST", "/v1/intraday/switch", None, {**SWITCH, "start_utc": FIRST_EAST}, "body.start_utc"),
    (
        "POST",
        "/v1/intraday/switch",
        None,
        {**SWITCH, "agents": [{"agent_code": "A0", "end_utc": LAST_WEST}]},
        "body.agents.0.end_utc",
    ),
    (
        "POST",
        "/v1/intraday/exceptions",
        None,
        {**EXCEPTION, "start_utc": "2999-12-31T00:00:00Z", "end_utc": LAST_WEST},
        "body.end_utc",
    ),
    ("PUT", "/v1/intraday/clock", None, {"site": "paris", "now_utc": LAST_WEST}, "body.now_utc"),
]


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "field"),
    DATE_CASES,
    ids=[f"{m} {p} {f}" for m, p, _, _, f in DATE_CASES],
)
def test_dates_at_the_ends_of_the_calendar_are_422_naming_the_field(
    centre: ApiServer, method: str, path: str, query: Any, body: Any, field: str
) -> None:
    with centre.client("admin") as admin:
        error = assert_refused(send(admin, method, path, query, body), field, WINDOW_MESSAGE)
        assert error["value"] is not None
        # the connection survived the refusal: the next request on it is answered
        assert admin.get("/v1/me").status_code == 200


# the window's own ends are accepted: reads answer (200, or 404 where nothing is stored)
INSIDE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("/v1/kpis", {"site": "paris", "start": "1900-01-01", "end": "1900-01-08"}),
    ("/v1/kpis", {"site": "paris", "start": "2999-12-24", "end": "2999-12-31"}),
    ("/v1/kpis/contact-reasons", {"site": "paris", "start": "2999-12-01", "end": "2999-12-31"}),
    ("/v1/kpis/outbound", {"site": "paris", "week_start": "2999-12-30"}),
    ("/v1/adherence", {"site": "paris", "date": "2999-12-31", "period": "week"}),
    ("/v1/adherence", {"site": "paris", "date": "1900-01-01", "period": "interval"}),
    ("/v1/adherence/minutes", {"site": "paris", "agent": "A0", "date": "2999-12-31"}),
    ("/v1/adherence/live", {"site": "paris", "at": "1900-01-01T00:00:00+14:00"}),
    ("/v1/queue-snapshots", {"site": "paris", "date": "1900-01-01"}),
    ("/v1/intraday/day", {"site": "paris", "date": "2999-12-31"}),
    ("/v1/intraday/reforecast", {"site": "paris", "at": "2999-12-31T23:59:59-12:00"}),
    (
        "/v1/agent-events",
        {"site": "paris", "start_utc": "1900-01-01T00:00:00+14:00", "end_utc": "1900-01-02T00:00Z"},
    ),
    (
        "/v1/intraday/plan-changes",
        {
            "site": "paris",
            "start_utc": "1900-01-01T00:00:00+14:00",
            "end_utc": "2999-12-31T23:59:59-12:00",
        },
    ),
]


@pytest.mark.parametrize(("path", "query"), INSIDE_CASES, ids=[p for p, _ in INSIDE_CASES])
def test_the_ends_of_the_window_are_answered(
    centre: ApiServer, path: str, query: dict[str, Any]
) -> None:
    with centre.client("admin") as admin:
        response = admin.get(path, params=query)
    assert response.status_code in (200, 404), (response.status_code, response.text)
    if response.status_code == 404:  # nothing stored to read (no forecast): said as such
        assert response.json()["error"] == "not_found"


def test_an_agent_token_reads_its_week_only_inside_the_window(centre: ApiServer) -> None:
    token = centre.add_token("agent", agent_code="A0")
    with centre.client(token=token) as agent:
        assert_refused(
            agent.get("/v1/me/schedule", params={"week_start": FIRST}),
            "query.week_start",
            WINDOW_MESSAGE,
        )
        assert agent.get("/v1/me/schedule", params={"week_start": "2999-12-30"}).status_code in (
            200,
            404,
        )


# --- text ----------------------------------------------------------------------------------------

SURROGATE = "\ud800"
NUL = "\x00"
_codes = (f"h{n}" for n in itertools.count())


def _agent(code: str, name: str = "Agent", contract_name: str = "full-time") -> dict[str, Any]:
    from apikit import contract

    return {"site_code": "paris", "code": code, "name": name, "contract": contract(contract_name)}


def _event(**item: str) -> dict[str, Any]:
    base = {"event_id": "e-1", "agent_code": "A0", "occurred_at_utc": "2026-01-05T09:00:00Z"}
    return {"events": [{**base, "state": "ready", **item}]}


# (method, path, a body with the hostile text at `{}`, the field named)
TEXT_CASES: list[tuple[str, str, Any, str]] = [
    (
        "POST",
        "/v1/sites",
        lambda t: {"code": next(_codes), "name": t, "timezone": "UTC"},
        "body.name",
    ),
    ("PATCH", "/v1/sites/paris", lambda t: {"name": f"Paris {t}"}, "body.name"),
    (
        "POST",
        "/v1/queues",
        lambda t: {"site_code": "paris", "code": next(_codes), "name": t},
        "body.name",
    ),
    ("PATCH", "/v1/queues/retail", lambda t: {"name": t}, "body.name"),
    ("POST", "/v1/segments", lambda t: {"code": next(_codes), "name": t}, "body.name"),
    ("PATCH", "/v1/campaigns/renewals", lambda t: {"name": t}, "body.name"),
    ("POST", "/v1/agents", lambda t: _agent(next(_codes), name=f"A {t}"), "body.name"),
    (
        "POST",
        "/v1/agents",
        lambda t: _agent(next(_codes), contract_name=t),
        "body.contract.name",
    ),
    ("PATCH", "/v1/agents/A1", lambda t: {"name": t}, "body.name"),
    (
        "POST",
        "/v1/agents/A0/time-off",
        lambda t: {**DAY_OFF, "reason": f"leave{t}"},
        "body.reason",
    ),
    (
        "POST",
        "/v1/forecast-adjustments",
        lambda t: {
            **ADJUSTMENT,
            "start_utc": "2026-01-05T00:00:00Z",
            "end_utc": "2026-01-06T00:00:00Z",
            "note": f"promo{t}",
        },
        "body.note",
    ),
    ("POST", "/v1/agent-events", lambda t: _event(event_id=f"e{t}"), "body.events.0.event_id"),
    ("POST", "/v1/agent-events", lambda t: _event(state=f"ready{t}"), "body.events.0.state"),
    ("POST", "/v1/agent-events", lambda t: _event(reason=t), "body.events.0.reason"),
    ("POST", "/v1/intraday/switch", lambda t: {**SWITCH, "reason": t}, "body.reason"),
    (
        "POST",
        "/v1/intraday/exceptions",
        lambda t: {**EXCEPTION, **DAY_OFF, "reason": t},
        "body.reason",
    ),
    (
        "PUT",
        "/v1/intraday/settings",
        lambda t: {"state_mapping": {"reasons": [["not_ready", f"coffee{t}", "break"]]}},
        "body.state_mapping.reasons.0.1",
    ),
]


@pytest.mark.parametrize(
    ("hostile", "message"),
    [(SURROGATE, "lone surrogate"), (NUL, "control character U+0000")],
    ids=["surrogate", "nul"],
)
@pytest.mark.parametrize(
    ("method", "path", "make", "field"),
    TEXT_CASES,
    ids=[f"{m} {p} {f}" for m, p, _, f in TEXT_CASES],
)
def test_a_lone_surrogate_or_a_nul_in_text_is_422_naming_the_field(
    centre: ApiServer, method: str, path: str, make: Any, field: str, hostile: str, message: str
) -> None:
    query = {"site": "paris"} if path == "/v1/intraday/settings" else None
    with centre.client("admin") as admin:
        error = assert_refused(send(admin, method, path, query, make(hostile)), field, message)
        # the refused value is echoed escaped, so the error body itself encodes
        assert "\\ud800" in error["value"] or "\\x00" in error["value"], error
        assert admin.get("/v1/me").status_code == 200


def test_text_stays_text(centre: ApiServer) -> None:
    """Non-ASCII names are stored as given; a tab inside a name is refused; a note keeps lines."""
    with centre.client("admin") as admin:
        name = "Café Zürich – 東京 👋"
        created = ok(send(admin, "POST", "/v1/segments", body={"code": "intl", "name": name}), 201)
        assert created["name"] == name  # type: ignore[index]
        assert ok(admin.get("/v1/segments/intl"))["name"] == name  # type: ignore[index]
        assert_refused(
            send(admin, "PATCH", "/v1/segments/intl", body={"name": "Gold\tplus"}),
            "body.name",
            "control character U+0009",
        )
        note = "Promotion week:\n\tTV spot on Monday"
        adjustment = {
            **ADJUSTMENT,
            "start_utc": "2026-02-02T00:00:00Z",
            "end_utc": "2026-02-03T00:00:00Z",
            "note": note,
        }
        made = ok(send(admin, "POST", "/v1/forecast-adjustments", body=adjustment), 201)
        assert made["note"] == note  # type: ignore[index]
        ok(admin.delete(f"/v1/forecast-adjustments/{made['id']}"), 204)  # type: ignore[index]


def test_control_characters_in_query_text_are_refused_and_escaped(centre: ApiServer) -> None:
    with centre.client("admin") as admin:
        for path, query, field in [
            ("/v1/jobs", {"kind": "forecast\x00"}, "query.kind"),
            (
                "/v1/kpis",
                {"site": "paris", "start": "2025-01-01", "end": "2025-01-02", "queue": "r\x00"},
                "query.queue",
            ),
        ]:
            response = admin.get(path, params=query)
            assert response.status_code == 422, response.text
            error = next(e for e in response.json()["errors"] if e["field"] == field)
            assert "\\x00" in error["value"]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(name=st.text(st.characters(codec=None), min_size=0, max_size=40))
def test_any_text_as_a_name_is_stored_or_refused_never_a_5xx(centre: ApiServer, name: str) -> None:
    """Any string (surrogates and control characters included) as a segment's name: a 201 that
    reads back the same name (stripped), or a 422 naming body.name."""
    code = next(_codes)
    with centre.client("admin") as admin:
        response = send(admin, "POST", "/v1/segments", body={"code": code, "name": name})
        assert response.status_code in (201, 422), (response.status_code, response.text)
        if response.status_code == 201:
            assert ok(admin.get(f"/v1/segments/{code}"))["name"] == name.strip()  # type: ignore[index]
        else:
            assert any(e["field"] == "body.name" for e in response.json()["errors"])


# --- on each backend: the NUL byte never reaches the database ------------------------------------


def test_a_nul_byte_is_refused_before_the_database(api: ApiServer) -> None:
    """PostgreSQL refuses NUL in text (DataError, a 500 before); the API answers 422 first and
    stores nothing, on either backend."""
    with api.client("admin") as admin:
        ok(admin.post("/v1/sites", json={"code": "paris", "name": "Paris", "timezone": "UTC"}), 201)
        assert_refused(
            send(
                admin,
                "POST",
                "/v1/sites",
                body={"code": "lyon", "name": f"Ly{NUL}on", "timezone": "UTC"},
            ),
            "body.name",
            "U+0000",
        )
        assert admin.get("/v1/sites/lyon").status_code == 404
        assert_refused(
            send(admin, "PATCH", "/v1/sites/paris", body={"name": f"Par{NUL}is"}),
            "body.name",
            "U+0000",
        )
        assert ok(admin.get("/v1/sites/paris"))["name"] == "Paris"  # type: ignore[index]
        assert_refused(
            send(admin, "POST", "/v1/segments", body={"code": "s", "name": SURROGATE}),
            "body.name",
            "lone surrogate",
        )
        assert admin.get("/v1/segments/s").status_code == 404


# --- the safety net: what the database refuses is a 4xx, a server fault stays a 500 --------------


def test_database_refusals_map_to_422_and_server_faults_stay_500() -> None:
    from fastapi import FastAPI
    from sqlalchemy.exc import DataError, ProgrammingError, StatementError

    from api.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)
    refusals: dict[str, Exception] = {
        "data": DataError("INSERT", {}, ValueError("text cannot contain NUL (0x00) bytes")),
        "overflow": StatementError("bind", "SELECT", {}, OverflowError("date value out of range")),
        "other-bind": StatementError("bind", "SELECT", {}, TypeError("not a datetime")),
        "programming": ProgrammingError("SELECT", {}, Exception('relation "x" does not exist')),
        "overflow-in-code": OverflowError("date value out of range"),
    }

    @app.get("/raise/{kind}")
    def _raise(kind: str) -> None:
        raise refusals[kind]

    base, server, thread = start_uvicorn(app)
    try:
        with httpx.Client(base_url=base) as client:
            data = client.get("/raise/data")
            assert data.status_code == 422 and "NUL" in data.json()["detail"]
            overflow = client.get("/raise/overflow")
            assert overflow.status_code == 422 and "out of range" in overflow.json()["detail"]
        # a fault of the server is not disguised as the client's: 500, said as such
        for kind in ("other-bind", "programming", "overflow-in-code"):
            with httpx.Client(base_url=base) as client:
                response = client.get(f"/raise/{kind}")
            assert response.status_code == 500, (kind, response.text)
            assert response.json()["error"] == "internal"
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
