"""`wfm serve --workers N`: N processes, each on its own SO_REUSEPORT socket, share the
connections; a process that dies is replaced; SIGTERM stops them all; a taken port is a one-line
error. Checked through /proc on Linux, where the kernel does the spreading."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from api.server import balanced_processes_available, reserve_port

pytestmark = pytest.mark.skipif(
    not balanced_processes_available(), reason="connections are spread by Linux's SO_REUSEPORT"
)

ROOT = Path(__file__).resolve().parents[2]


def _serve_command(port: int, database_url: str) -> list[str]:
    """`wfm serve` with two processes on `port` (0: one the server picks)."""
    return [
        sys.executable, "-m", "wfm", "serve", "--port", str(port), "--workers", "2",
        "--database-url", database_url, "--log-level", "warning",
    ]  # fmt: skip


def _start(port: int, database_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _serve_command(port, database_url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` and that run the server (not multiprocessing helpers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


ESTABLISHED, LISTEN = "01", "0A"  # TCP states as /proc/net/tcp writes them


def _sockets(pid: int, port: int, state: str) -> int:
    """TCP sockets of process `pid` on local port `port` in `state`."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == state and fields[9] in inodes:
                count += 1
    return count


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"wfm serve exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("wfm serve did not answer /health")


@pytest.fixture
def served(engine: Engine, database_url: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = reserve_port("127.0.0.1", 0)
    process = _start(port, database_url)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_processes_share_the_connections_and_replace_one_that_dies(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = served
    children = _children(process.pid)
    assert len(children) == 2
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for _ in range(40)]
    try:
        for client in clients:  # 40 keep-alive connections, each answered once
            assert client.get("/health").status_code == 200
        per_process = [_sockets(child, port, ESTABLISHED) for child in children]
        assert sum(per_process) == 40
        # hashed over two sockets, fewer than 5 of 40 on one is a chance of about 1 in 10^6
        assert min(per_process) >= 5, per_process
    finally:
        for client in clients:
            client.close()

    os.kill(children[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = _children(process.pid)
        if len(now) == 2 and children[0] not in now:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the killed process was not replaced: {_children(process.pid)}")
    _wait_healthy(f"http://127.0.0.1:{port}", process)

    survivors = _children(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in survivors)


def test_a_port_in_use_is_a_one_line_error(engine: Engine, database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            _serve_command(port, database_url),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot listen on 127.0.0.1:")
    assert "in use" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_processes_that_keep_dying_at_start_stop_the_server(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.server import RESTART_LIMIT, serve_processes

    # each process builds its app from the environment: a broken setting kills it at start
    monkeypatch.setenv("WFM_DATABASE_URL", "nosuchdriver://nowhere")
    caplog.set_level(logging.WARNING, logger="wfm.api")
    began = time.monotonic()
    code = serve_processes("127.0.0.1", reserve_port("127.0.0.1", 0), 2, "critical")
    assert code == 1
    assert time.monotonic() - began < 120  # gave up, rather than restarting forever
    deaths = [r for r in caplog.records if "exited with code" in r.getMessage()]
    assert len(deaths) == RESTART_LIMIT
    assert any("keep exiting at start" in r.getMessage() for r in caplog.records)


def test_port_zero_gives_every_process_the_same_free_port(
    engine: Engine, database_url: str
) -> None:
    process = _start(0, database_url)
    try:
        assert process.stderr is not None
        announced = process.stderr.readline()
        assert announced.startswith("WFM API on http://127.0.0.1:"), announced
        port = int(announced.split("http://127.0.0.1:", 1)[1].split(" ", 1)[0])
        assert port > 0
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        children = _children(process.pid)
        assert len(children) == 2
        assert all(_sockets(child, port, LISTEN) == 1 for child in children)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
