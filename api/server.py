"""Running the HTTP server: uvicorn, one process or several workers on one socket."""

from __future__ import annotations

import socket

import uvicorn


class _Config(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            # With several workers uvicorn creates the shared socket without
            # IPPROTO_TCP, so asyncio never sets TCP_NODELAY on its connections
            # and each response waited ~40 ms for a delayed ACK (Nagle).
            # Accepted connections inherit the option from the listening socket.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def server_config(host: str, port: int, workers: int = 1, log_level: str = "info") -> uvicorn.Config:
    """The uvicorn configuration of `assistant serve` (the app factory)."""
    # No uvicorn access line: RequestContextMiddleware logs each request once, as JSON with its
    # id. No WebSocket protocol: no route uses one (and its library is not imported at start).
    return _Config("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level=log_level,
                   access_log=False, ws="none")


def run_server(host: str, port: int, workers: int = 1, log_level: str = "info") -> None:
    """Serve `api.app:create_app` until interrupted."""
    config = server_config(host, port, workers, log_level)
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
