"""Servers on loopback for the harness's own tests, the benchmarks and the load
suite: free ports, a clean environment for server processes, and an app served
in a thread."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any ASSISTANT_*/SLACK_* setting, plus `settings`:
    a server process sees exactly the configuration it is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "SLACK_"))}
    env.update(PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(settings)
    return env


@contextmanager
def live_server(app: Any, timeout: float = 30.0) -> Iterator[str]:
    """Serve the ASGI `app` with uvicorn on 127.0.0.1 in a thread; yields the base URL
    once /healthz answers 200."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
