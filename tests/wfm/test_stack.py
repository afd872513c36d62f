"""`wfm up --check`: API, worker and dashboard start together, answer, and stop together."""

from __future__ import annotations

import os
import signal
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

    # each run revokes the previous run's admin token before minting its own: one at a time
    tokens = [token]
    for _ in range(2):
        again = subprocess.run(
            [*wfm, "up", "--check", "--no-dashboard", "--api-port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert again.returncode == 0, again.stderr[-2000:]
        assert "revoked the admin token of the previous `wfm up`" in again.stderr
        printed = dict(line.split(": ", 1) for line in again.stdout.splitlines() if ": " in line)
        tokens.append(printed["admin token (sign in with it)"].strip())
    listed = subprocess.run(
        [*wfm, "token", "list"], env=env, capture_output=True, text=True, check=True
    ).stdout
    up_rows = [line.split("\t") for line in listed.splitlines() if "\twfm-up\t" in line]
    assert [row[-1] for row in up_rows] == ["revoked", "active"]  # the older ones deleted
    assert all(row[5] != "-" for row in up_rows)  # they expire
    serve = subprocess.Popen([*wfm, "serve", "--port", str(api_port)], env=env)
    try:
        answers = [_me(api_port, secret) for secret in tokens]
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert [a.status_code for a in answers] == [401, 401, 200]
    assert "revoked" in answers[1].json()["detail"]
    assert "newer `wfm up`" in answers[1].json()["detail"]


def _me(port: int, token: str) -> httpx.Response:
    for _ in range(120):
        try:
            return httpx.get(
                f"http://127.0.0.1:{port}/v1/me",
                headers={"Authorization": f"Bearer {token}"},
                timeout=2,
            )
        except httpx.HTTPError:
            subprocess.run(["sleep", "0.25"], check=True)
    raise AssertionError("wfm serve did not answer")


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


def test_up_simulate_plays_today_when_the_published_week_holds_it(engine) -> None:  # type: ignore[no-untyped-def]
    """The demo's live week: today (the site's local date) when the latest published roster's
    week holds it, else the week's first day; a named day wins."""
    from datetime import UTC, date, datetime

    from wfm.cli.stack_commands import _simulation_day
    from wfm.db.repositories import ScheduleRepository
    from wfm.db.session import unit_of_work
    from wfm.domain import Schedule, ScheduleStatus, Site
    from wfm.services.centre import CentreData, load_centre

    monday = date(2026, 11, 9)
    with unit_of_work(engine) as session:
        load_centre(
            session,
            CentreData(
                sites=[Site("SIM", "Sim", "Europe/Dublin", "IE", is_simulation=True)],
                queues=[],
                segments=[],
                campaigns=[],
                agents=[],
                availability=[],
                time_off=[],
                history=[],
            ),
        )
        repo = ScheduleRepository(session)
        draft = Schedule("SIM", monday, 1, ScheduleStatus.DRAFT, datetime(2026, 11, 1, tzinfo=UTC))
        repo.publish(repo.add(draft), datetime(2026, 11, 1, tzinfo=UTC))
        # Thursday 23:30 UTC is Thursday in Dublin in November
        thursday = datetime(2026, 11, 12, 23, 30, tzinfo=UTC)
        assert _simulation_day(session, None, thursday) == ("SIM", date(2026, 11, 12))
        sunday_night = datetime(2026, 11, 15, 23, 59, tzinfo=UTC)
        assert _simulation_day(session, None, sunday_night) == ("SIM", date(2026, 11, 15))
        next_monday = datetime(2026, 11, 16, 0, 30, tzinfo=UTC)
        assert _simulation_day(session, None, next_monday) == ("SIM", monday)
        assert _simulation_day(session, "2026-11-10", thursday) == ("SIM", date(2026, 11, 10))


def test_kill_stops_up_and_everything_it_started(tmp_path: Path) -> None:
    """SIGTERM (`kill`, a service manager's stop) stops `wfm up` as Ctrl-C does: the API and
    the worker it started stop with it and the port is free again."""
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    env = {**os.environ, "WFM_DATABASE_URL": url}
    wfm = [sys.executable, "-m", "wfm"]
    subprocess.run([*wfm, "db", "upgrade"], env=env, check=True, capture_output=True)
    api_port = free_port()
    up = subprocess.Popen(
        [*wfm, "up", "--no-dashboard", "--api-port", str(api_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    try:
        for _ in range(240):
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert up.poll() is None, "wfm up stopped at start"
            subprocess.run(["sleep", "0.25"], check=True)
        for _ in range(120):  # the worker starts once the API answers
            children = _children(up.pid)
            if len(children) == 2:
                break
            subprocess.run(["sleep", "0.25"], check=True)
        assert len(children) == 2  # the API and the worker
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=60) == 0  # a stop asked for, as with Ctrl-C
    finally:
        if up.poll() is None:
            up.kill()
    left = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    for pid in left:  # not to leave them running when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, left
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", api_port)) != 0


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in found.split()]


def test_up_refuses_a_port_in_use_before_starting_anything(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ports.db'}"
    env = {**os.environ, "WFM_DATABASE_URL": url}
    wfm = [sys.executable, "-m", "wfm"]
    subprocess.run([*wfm, "db", "upgrade"], env=env, check=True, capture_output=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for args, fragment in (
            (["--no-dashboard", "--api-port", str(port)], f"port {port} on 127.0.0.1 is in use"),
            (["--api-port", str(free_port()), "--dashboard-port", str(port)], "--dashboard-port"),
            (["--api-port", "8123", "--dashboard-port", "8123"], "both 8123"),
        ):
            result = subprocess.run(
                [*wfm, "up", "--check", *args], env=env, capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 2, result.stderr
            assert fragment in result.stderr and "Traceback" not in result.stderr
            assert "starting the" not in result.stderr  # refused before anything started
