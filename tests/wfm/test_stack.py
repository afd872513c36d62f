"""`wfm up --check`: API, worker and dashboard start together, answer, and stop together."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_up_starts_the_stack_and_its_token_works(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stack.db'}"
    env = {**os.environ, "WFM_DATABASE_URL": url}
    wfm = [sys.executable, "-m", "wfm"]
    subprocess.run([*wfm, "db", "upgrade"], env=env, check=True, capture_output=True)
    api_port, dashboard_port = free_port(), free_port()
    result = subprocess.run(
        [
            *wfm,
            "up",
            "--check",
            "--api-port",
            str(api_port),
            "--dashboard-port",
            str(dashboard_port),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert lines["API"].strip().startswith(f"http://127.0.0.1:{api_port}")
    assert lines["dashboard"].strip() == f"http://127.0.0.1:{dashboard_port}"
    token = lines["admin token (sign in with it)"].strip()
    # everything stopped with the command: the ports are free again
    for port in (api_port, dashboard_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0
    # the printed token is a real admin token of that database
    serve = subprocess.Popen([*wfm, "serve", "--port", str(api_port)], env=env)
    try:
        for _ in range(120):
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{api_port}/v1/me",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=2,
                )
                break
            except httpx.HTTPError:
                subprocess.run(["sleep", "0.25"], check=True)
        assert response.status_code == 200
        assert response.json()["role"] == "admin"
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def test_up_simulate_needs_a_published_roster(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    env = {**os.environ, "WFM_DATABASE_URL": url}
    wfm = [sys.executable, "-m", "wfm"]
    subprocess.run([*wfm, "db", "upgrade"], env=env, check=True, capture_output=True)
    for extra, fragment in (
        ([], "needs a published roster"),
        (["--simulate-date", "someday"], "is not a date"),
    ):
        result = subprocess.run(
            [*wfm, "up", "--check", "--simulate", *extra, "--api-port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert fragment in result.stderr and "Traceback" not in result.stderr
