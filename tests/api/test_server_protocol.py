"""`wfm serve`'s HTTP protocol turns TCP_NODELAY on for connections asyncio leaves without it.

uvicorn's several processes share a listening socket made without the TCP protocol number;
asyncio then leaves Nagle's algorithm on for the accepted connections, and a small answer waits
for the client's delayed acknowledgement. The test makes such a socket and checks both halves."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState

from api.server import NoDelayHttpProtocol


async def _accepted_nodelay(protocol_factory: object) -> int:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # protocol number 0
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.connect_accepted_socket(protocol_factory, accepted)  # type: ignore[arg-type]
        value = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        transport.close()
        return value
    finally:
        client.close()
        listener.close()


def test_connections_of_a_shared_listening_socket_get_nodelay() -> None:
    config = Config(app=lambda scope, receive, send: None)
    config.load()
    state = ServerState()

    # without the protocol's help asyncio leaves the option off on such a connection
    assert asyncio.run(_accepted_nodelay(asyncio.Protocol)) == 0
    assert asyncio.run(_accepted_nodelay(lambda: NoDelayHttpProtocol(config, state, {}))) != 0
