"""The HTTP protocol `wfm serve` runs: uvicorn's, with every connection's small writes sent at once.

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
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

PROTOCOL_PATH = "api.server:NoDelayHttpProtocol"


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's protocol on its C parser (httptools), with TCP_NODELAY on every connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # a socket that refuses the option still serves, only slower
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
