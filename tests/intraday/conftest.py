"""The intraday tests share builders from `intraday_testkit` (this folder, put on the path)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture
def server(engine: Engine) -> Iterator[object]:
    """The API on a free port (uvicorn in a thread) over the test centre, the site clock held at
    10:00 on the test day, and a token per role."""
    import uvicorn
    from intraday_testkit import SITE, Server, build_centre, t

    from api.app import create_app
    from wfm.db.repositories import TokenRepository
    from wfm.db.session import unit_of_work
    from wfm.domain.access import hash_token
    from wfm.services import intraday as svc

    tokens = {}
    with unit_of_work(engine) as session:
        build_centre(session)
        svc.set_clock(session, site_code=SITE, now_utc=t("10:00"), speed=0)
        for role in ("floor_manager", "planner", "executive", "admin"):
            token = f"wfm_test_{role}"
            TokenRepository(session).add(name=f"t-{role}", role=role, token_hash=hash_token(token))
            tokens[role] = token
    app = create_app(database_url=engine.url.render_as_string(hide_password=False))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted connections inherit this: no 40 ms Nagle / delayed-ACK stalls per response.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", tokens)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()
