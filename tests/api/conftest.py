"""Fixtures for the HTTP edge: an app over the real engine, and a live uvicorn
server on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from assistant.engine import Assistant
from assistant.settings import Settings
from tests.conftest import CORPUS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 in a thread; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def api_settings(tmp_path, real_index_dir) -> Settings:
    return Settings(corpus_dir=CORPUS, index_dir=real_index_dir, database_url=f"sqlite:///{tmp_path / 'api.db'}",
                    cors_origins=["https://consultancy.example"], rate_limit_per_minute=600, rate_limit_burst=200)


@pytest.fixture
def api_engine(api_settings, retriever) -> Assistant:
    from assistant.sessions import SessionStore

    return Assistant(api_settings, retriever=retriever, store=SessionStore(api_settings.database_url))


@pytest.fixture
def app(api_settings, api_engine):
    return create_app(api_settings, engine=api_engine)
