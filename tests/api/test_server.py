"""How `assistant serve` runs uvicorn."""

from __future__ import annotations

import socket

from api.server import server_config


def test_connections_on_the_socket_shared_by_workers_send_without_nagle_delay():
    """uvicorn's own shared socket left Nagle on: ~40 ms more per response with --workers."""
    listener = server_config("127.0.0.1", 0, workers=2).bind_socket()
    listener.listen()
    client = socket.create_connection(listener.getsockname()[:2])
    accepted, _ = listener.accept()
    try:
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        for s in (accepted, client, listener):
            s.close()
