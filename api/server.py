"""How `wfm serve` runs uvicorn: its protocol with every connection's small writes sent at once,
and several server processes that share the connections evenly.

A response leaves in two writes (head, then body). Without TCP_NODELAY the kernel holds the
second until the client acknowledges the first, and clients delay that acknowledgement by up to
40 ms: a small answer then takes some 40 ms longer than it cost to compute. asyncio turns the
option on only for sockets it created itself as TCP; the listening socket that uvicorn shares
with several server processes is not one of them, so the option is set here for every
connection, whatever the number of processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import multiprocessing.process
import signal
import socket
import sys
import threading
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from wfm.domain.errors import ConfigurationError

log = logging.getLogger("wfm.api")

PROTOCOL_PATH = "api.server:NoDelayHttpProtocol"


_header_timeout_seconds: float | None = None


def header_timeout_seconds() -> float:
    """WFM_API_HEADER_TIMEOUT_SECONDS, read once per server process."""
    global _header_timeout_seconds
    if _header_timeout_seconds is None:
        from api.settings import ApiSettings

        _header_timeout_seconds = ApiSettings().api_header_timeout_seconds
    return _header_timeout_seconds


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's protocol on its C parser (httptools), with TCP_NODELAY on every connection, and
    a deadline for a request's headers.

    uvicorn waits for headers without limit: a client that connects and sends nothing, or sends
    its headers a byte at a time, holds its connection open for ever. Here the headers must be
    complete within `api_header_timeout_seconds` of the connection (or, on a kept-alive
    connection, of the request's first byte), or the connection is closed. The body has its own
    deadline in `api.guard.RequestGuard`.
    """

    header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # a socket that refuses the option still serves, only slower
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.header_deadline is None:
            self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self.header_deadline = self.loop.call_later(
            header_timeout_seconds(), self._headers_too_slow
        )

    def _disarm_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if not self.transport.is_closing():
            log.info("closing a connection whose request headers did not arrive in time")
            self.transport.close()


# Several server processes ------------------------------------------------------------------------
#
# uvicorn's own `workers=N` binds one listening socket and shares it: every process accepts from
# it, and which one wins a new connection is up to the scheduler. Keep-alive clients stay with the
# process that accepted them, so one process can end up serving most of them while another idles
# (seen: one process at 0.44 of a core, the other at 0.07, with p95 latency doubling). Here each
# process listens on its own socket with SO_REUSEPORT, and Linux spreads new connections over the
# sockets evenly by a hash of their addresses.

RESTART_LIMIT = 5  # processes that died within STARTUP_GRACE_SECONDS of starting, before giving up
STARTUP_GRACE_SECONDS = 10.0


def balanced_processes_available() -> bool:
    """Whether this platform spreads connections over SO_REUSEPORT sockets (Linux does)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return family, address


def reserve_port(host: str, port: int) -> int:
    """The port the server processes will share: `port`, checked free, or for 0 one the kernel
    picks (each process asking for port 0 on its own would get a port of its own).

    Raises ConfigurationError when something already listens there, another WFM server included
    (whose SO_REUSEPORT sockets would otherwise share the port with this one)."""
    family, address = _address(host, port)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from exc
        return int(probe.getsockname()[1])


def _listening_socket(host: str, port: int) -> socket.socket:
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def _serve_one(host: str, port: int, log_level: str) -> None:
    """One server process: its own socket on the shared port, the app built from the environment
    (WFM_... settings), uvicorn until SIGTERM or SIGINT."""
    import uvicorn

    sock = _listening_socket(host, port)
    config = uvicorn.Config(
        "api.app:create_app", factory=True, log_level=log_level, http=PROTOCOL_PATH
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve_processes(host: str, port: int, processes: int, log_level: str) -> int:
    """Run `processes` server processes on host:port until SIGTERM or SIGINT; a process that dies
    is replaced. Returns the exit code: 0 after a requested stop, 1 when processes keep dying at
    start (a broken configuration; their error is in the log). `port` comes from
    `reserve_port`."""
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        child = context.Process(
            target=_serve_one, args=(host, port, log_level), name="wfm-serve", daemon=False
        )
        child.start()
        return child, time.monotonic()

    children = [start() for _ in range(processes)]
    early_deaths = 0
    code = 0
    try:
        while not stop.wait(0.5):
            for index, (child, started) in enumerate(children):
                if child.is_alive():
                    continue
                if time.monotonic() - started < STARTUP_GRACE_SECONDS:
                    early_deaths += 1
                log.warning(
                    "server process %s exited with code %s; starting another",
                    child.pid,
                    child.exitcode,
                )
                if early_deaths >= RESTART_LIMIT:
                    log.error("server processes keep exiting at start; stopping")
                    code = 1
                    stop.set()
                    break
                children[index] = start()
    finally:
        for child, _ in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for child, _ in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
                child.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code
