"""The request guard over real HTTP (uvicorn with `wfm serve`'s protocol, raw sockets where the
timing of a body matters): authentication before the body and before admission, body caps and
deadlines, JSON nesting, the throttle on refused tokens, security headers and the local
Swagger UI.

No assertion is on wall-clock time: where "not blocked" is the claim, the blocking alternative
would take far longer than a generous client timeout (the body deadline is set to minutes)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from apikit import ApiServer, ok
from sqlalchemy import Engine

from api.guard import FailureThrottle, json_depth_exceeds

Serve = Callable[..., ApiServer]
WAIT_SECONDS = 20.0  # how long a socket waits for an answer that should come at once


@pytest.fixture
def serve(engine: Engine, database_url: str) -> Iterator[Serve]:
    """Start the API with settings overridden; every server started is stopped afterwards."""
    import uvicorn

    from api.app import create_app
    from api.server import NoDelayHttpProtocol
    from api.settings import ApiSettings

    running: list[tuple[Any, threading.Thread, Any]] = []

    def start(**overrides: Any) -> ApiServer:
        settings = ApiSettings(database_url=database_url, api_kpi_cache_seconds=0, **overrides)
        app = create_app(settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", http=NoDelayHttpProtocol)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the API server did not start"
            time.sleep(0.02)
        running.append((server, thread, app))
        box = ApiServer(url=f"http://127.0.0.1:{port}", database_url=database_url, engine=engine)
        box.tokens["admin"] = box.add_token("admin")
        return box

    try:
        yield start
    finally:
        for server, thread, app in running:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.engine.dispose()


# Raw HTTP -----------------------------------------------------------------------------------------


def _connect(api: ApiServer) -> socket.socket:
    host, port = api.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=WAIT_SECONDS)
    return sock


def _head(
    path: str, *, token: str | None = None, length: int | None = None, chunked: bool = False
) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: test", "Content-Type: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Read one response (status, headers, JSON body) from `sock`."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        data = sock.recv(65536)
        assert data, f"connection closed before an answer: {raw!r}"
        raw += data
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    while len(body) < int(headers.get("content-length", "0")):
        data = sock.recv(65536)
        assert data, "connection closed inside the answer's body"
        body += data
    return int(status_line.split()[1]), headers, json.loads(body) if body else {}


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed the connection (waits up to WAIT_SECONDS)."""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def _unanswered(sock: socket.socket) -> bool:
    """Whether nothing has come back on `sock` so far (without waiting)."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
        return False  # an answer, or the server's close
    except BlockingIOError:
        return True
    finally:
        sock.settimeout(WAIT_SECONDS)


def _error_body(body: dict[str, Any], kind: str) -> None:
    assert set(body) >= {"error", "detail", "errors"} and body["error"] == kind, body


# Row 1: slow clients do not hold up authenticated work --------------------------------------------


def test_slow_clients_do_not_hold_up_an_authenticated_request(serve: Serve) -> None:
    # two places in the admission gate; bodies may take minutes before they are cut off
    api = serve(api_max_concurrent_requests=2, api_body_timeout_seconds=600)
    token = api.tokens["admin"]
    strangers, uploads = [], []
    try:
        for _ in range(15):  # no token, a body of 100,000 bytes of which one arrives
            sock = _connect(api)
            sock.sendall(_head("/v1/sites", length=100_000) + b"{")
            strangers.append(sock)
        for _ in range(4):  # a valid token, a body trickling in
            sock = _connect(api)
            sock.sendall(_head("/v1/sites", token=token, length=100_000) + b'{"code": ')
            uploads.append(sock)
        for sock in strangers:  # answered at once, without waiting for the body
            status, headers, body = _answer(sock)
            assert status == 401 and headers.get("connection") == "close"
            _error_body(body, "unauthorized")
            assert _closed_by_server(sock)
        # the uploads are still being read (outside the gate), and /v1/me goes through: were
        # they holding the gate's two places, it would wait the ten minutes of their deadline
        with api.client("admin") as admin:
            admin.timeout = httpx.Timeout(WAIT_SECONDS)
            assert ok(admin.get("/v1/me"))["role"] == "admin"
            for _ in range(5):
                assert admin.get("/v1/sites").status_code == 200
        assert all(_unanswered(sock) for sock in uploads)
    finally:
        for sock in strangers + uploads:
            sock.close()


def test_a_stalled_body_is_cut_off_with_408_and_the_connection_closed(serve: Serve) -> None:
    api = serve(api_body_timeout_seconds=0.5)
    with _connect(api) as sock:
        sock.sendall(_head("/v1/sites", token=api.tokens["admin"], length=1000) + b'{"code"')
        status, headers, body = _answer(sock)
        assert status == 408 and headers.get("connection") == "close"
        _error_body(body, "request_timeout")
        assert _closed_by_server(sock)


def test_a_trickling_body_is_cut_off_although_bytes_keep_coming(serve: Serve) -> None:
    # 0.5 s of grace plus the transfer at 50 kB/s: a byte every 50 ms falls behind at once
    api = serve(api_body_timeout_seconds=0.5, api_body_min_kilobytes_per_second=50)
    with _connect(api) as sock:
        sock.sendall(_head("/v1/sites", token=api.tokens["admin"], length=100_000))
        sent = 0
        while _unanswered(sock):
            assert sent < 2_000, "the body was never cut off"
            sock.sendall(b" ")
            sent += 1
            time.sleep(0.05)
        status, _, body = _answer(sock)
        assert status == 408, body
        assert _closed_by_server(sock)


def test_request_headers_that_never_end_close_the_connection(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.server

    monkeypatch.setattr(api.server, "_header_timeout_seconds", 0.5)
    server = serve()
    with _connect(server) as silent, _connect(server) as partial:
        partial.sendall(b"GET /health HTTP/1.1\r\nHost: te")
        assert _closed_by_server(silent)
        assert _closed_by_server(partial)
    with httpx.Client(base_url=server.url) as client:  # a complete request is served as ever
        assert client.get("/health").status_code == 200


# Row 2: refused before the body; bodies capped ----------------------------------------------------


def test_a_huge_body_without_a_token_is_refused_before_it_is_read(serve: Serve) -> None:
    api = serve()
    with _connect(api) as sock:  # declares 200 MB, sends 10 bytes
        sock.sendall(_head("/v1/sites", length=200_000_000) + b'{"code": "')
        status, headers, body = _answer(sock)
        assert status == 401 and headers["www-authenticate"].startswith("Bearer")
        _error_body(body, "unauthorized")
    with _connect(api) as sock:  # chunked, one chunk of an endless body
        sock.sendall(_head("/v1/sites", token="wfm_wrong", chunked=True) + _chunk(b"[" * 1000))
        status, _, body = _answer(sock)
        assert status == 401 and "unknown" in body["detail"]
    with _connect(api) as sock:  # malformed JSON without a token: 401, not 422
        sock.sendall(_head("/v1/sites", length=5) + b"{{{{{")
        assert _answer(sock)[0] == 401


def test_bodies_over_the_cap_get_413_from_their_length_or_while_they_stream(serve: Serve) -> None:
    api = serve(api_max_body_megabytes=0.1, api_max_import_megabytes=1.0)
    token = api.tokens["admin"]
    with _connect(api) as sock:  # declared: refused before a byte is read
        sock.sendall(_head("/v1/sites", token=token, length=100_001) + b"{")
        status, headers, body = _answer(sock)
        assert status == 413 and headers.get("connection") == "close"
        _error_body(body, "too_large")
        assert body["errors"][0]["field"] == "body"
    with _connect(api) as sock:  # chunked: refused once the count passes the cap
        sock.sendall(_head("/v1/sites", token=token, chunked=True))
        for _ in range(8):
            sock.sendall(_chunk(b" " * 16_000))
        status, _, body = _answer(sock)
        assert status == 413, body
    with api.client("admin") as admin:
        # a full batch of the live feed (20,000 events, some 3 MB) has a cap of its own
        event = {
            "agent_code": "NOBODY",
            "occurred_at_utc": "2026-11-09T09:00:12Z",
            "state": "on_call",
            "reason": "r" * 40,
        }
        batch = {"events": [{**event, "event_id": f"acd-{n:012d}"} for n in range(20_000)]}
        response = admin.post("/v1/agent-events", json=batch)
        assert len(json.dumps(batch)) > 2_000_000
        assert response.status_code not in (413, 500), response.text[:200]
        # under the cap: served as ever
        site = {"code": "lyon", "name": "Lyon", "timezone": "Europe/Paris"}
        assert admin.post("/v1/sites", json=site).status_code == 201
        # the history import has its own, larger cap: 300 kB of CSV is read and judged
        csv = "queue,interval_start,offered,answered,abandoned\n" + "x" * 300_000 + "\n"
        response = admin.post(
            "/v1/history/import", content=csv, headers={"Content-Type": "text/csv"}
        )
        assert response.status_code == 422 and response.json()["error"] != "too_large"
    with _connect(api) as sock:  # and past it, 413 too
        sock.sendall(_head("/v1/history/import", token=token, length=1_000_001) + b"queue,")
        assert _answer(sock)[0] == 413


# Row 7 (nesting) ----------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_422_not_a_server_error(serve: Serve) -> None:
    api = serve()
    deep_array = "[" * 100_000 + "]" * 100_000
    deep_object = '{"a":' * 100_000 + "1" + "}" * 100_000
    with api.client("admin") as admin:
        for path in ("/v1/sites", "/v1/history/import", "/v1/staffing/calculate"):
            for body in (deep_array, deep_object):
                response = admin.post(
                    path, content=body, headers={"Content-Type": "application/json"}
                )
                assert response.status_code == 422, (path, response.text[:200])
                assert "nested deeper than 64 levels" in response.json()["detail"]
        # brackets inside a string are text, not nesting
        name = "[{" * 90
        response = admin.post(
            "/v1/sites", json={"code": "brackets", "name": name, "timezone": "Europe/Paris"}
        )
        assert response.status_code == 201, response.text


def test_json_depth_scan() -> None:
    assert not json_depth_exceeds(b'{"a": [1, {"b": [2]}], "c": [[], {}]}', 4)
    assert json_depth_exceeds(b'{"a": [1, {"b": [[2]]}]}', 4)
    assert not json_depth_exceeds(b'["[[[[", "\\"[[[[[", "\\\\", "{{{{"]', 1)
    assert json_depth_exceeds(b'["\\\\"' + b"[" * 10, 5)  # an escaped backslash ends no string
    assert json_depth_exceeds("[[[[[[]]]]]]".encode("utf-16"), 5)
    assert not json_depth_exceeds('["\\"[[[[[[[["]'.encode("utf-16-le"), 2)
    assert json_depth_exceeds(b'"unterminated [[[[[[', 3)  # errs towards refusing


# Row 11: throttle on refused tokens ---------------------------------------------------------------


def test_refused_tokens_are_throttled_per_address_with_retry_after(serve: Serve) -> None:
    api = serve(api_auth_failures_per_window=5, api_auth_failure_window_seconds=120)
    with api.client("admin") as admin:
        assert admin.get("/v1/me").status_code == 200  # its token is now known good
    with httpx.Client(base_url=api.url, timeout=WAIT_SECONDS) as stranger:
        statuses = [
            stranger.get("/v1/sites", headers={"Authorization": f"Bearer wfm_guess{n}"})
            for n in range(8)
        ]
        assert [r.status_code for r in statuses] == [401] * 5 + [429] * 3
        throttled = statuses[-1]
        _error_body(throttled.json(), "too_many_requests")
        assert 0 < int(throttled.headers["Retry-After"]) <= 120
        # without a token the answer stays 401 (nothing to guess, nothing looked up)
        assert stranger.get("/v1/sites").status_code == 401
    with api.client("admin") as admin:  # a token known good passes from the same address
        assert admin.get("/v1/me").status_code == 200


def test_the_throttle_forgets_after_its_window_and_stays_bounded() -> None:
    now = [0.0]
    throttle = FailureThrottle(3, 10.0, size=100, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_seconds("10.0.0.1") is None
        throttle.failed("10.0.0.1")
    assert throttle.wait_seconds("10.0.0.1") == 10.0
    assert throttle.wait_seconds("10.0.0.2") is None
    now[0] = 9.5
    assert throttle.wait_seconds("10.0.0.1") == pytest.approx(0.5)
    now[0] = 10.0
    assert throttle.wait_seconds("10.0.0.1") is None
    for n in range(1000):
        throttle.failed(f"192.0.2.{n}")
    assert len(throttle) == 100
    assert FailureThrottle(0, 10.0).wait_seconds("x") is None  # 0: disabled


# Row 14: security headers, Swagger UI from this server --------------------------------------------


SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "referrer-policy")


def test_every_answer_carries_the_security_headers(serve: Serve) -> None:
    api = serve()
    with api.client("admin") as admin, httpx.Client(base_url=api.url) as anonymous:
        answers = [
            anonymous.get("/health"),
            anonymous.get("/v1/me"),
            admin.get("/v1/me"),
            admin.get("/v1/no-such-thing"),
            admin.post("/v1/sites", json={}),
            anonymous.get("/openapi.json"),
            anonymous.get("/docs"),
        ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert answers[2].headers["content-security-policy"].startswith("default-src 'none'")


def test_swagger_ui_is_served_from_this_server(serve: Serve) -> None:
    api = serve()
    with httpx.Client(base_url=api.url, timeout=WAIT_SECONDS) as browser:
        page = browser.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        references = re.findall(r'(?:src|href|data-openapi-url)="([^"]*)"', html)
        assert len(references) >= 4, html
        assert not re.search(r"https?:|//", html.replace("<!doctype html>", ""))
        policy = page.headers["content-security-policy"]
        assert (
            "script-src 'self'" in policy
            and "http" not in policy
            and "unsafe" not in (policy.split("script-src")[1].split(";")[0])
        )
        kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png", ".json": "json"}
        for url in references:
            asset = browser.get(url)
            assert asset.status_code == 200, url
            kind = next(v for k, v in kinds.items() if url.endswith(k))
            assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        bundle = browser.get("/docs/static/swagger-ui-bundle.js")
        assert len(bundle.content) > 500_000 and b"SwaggerUIBundle" in bundle.content
        init = browser.get("/docs/init.js").text
        assert "SwaggerUIBundle(" in init and "http" not in init
        assert browser.get("/docs/oauth2-redirect").status_code == 404


def test_the_openapi_document_names_the_guards_answers(serve: Serve) -> None:
    api = serve()
    with httpx.Client(base_url=api.url) as anonymous:
        document = ok(anonymous.get("/openapi.json"))
    assert isinstance(document, dict)
    create_site = document["paths"]["/v1/sites"]["post"]["responses"]
    assert {"401", "408", "413", "429"} <= set(create_site)
    read_me = document["paths"]["/v1/me"]["get"]["responses"]
    assert "429" in read_me and "413" not in read_me
    assert "429" not in document["paths"]["/health"]["get"]["responses"]
