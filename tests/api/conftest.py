"""Fixtures for the HTTP edge: an app over the real engine, and a live uvicorn
server on loopback."""

from __future__ import annotations

import pytest

from api.app import create_app
from assistant.engine import Assistant
from assistant.settings import Settings
from tests.conftest import CORPUS


@pytest.fixture
def api_settings(tmp_path, real_index_dir) -> Settings:
    return Settings(corpus_dir=CORPUS, index_dir=real_index_dir, database_url=f"sqlite:///{tmp_path / 'api.db'}",
                    cors_origins=["https://consultancy.example"], rate_limit_per_minute=600, rate_limit_burst=200)


@pytest.fixture
def api_engine(api_settings, retriever) -> Assistant:
    from assistant.store import SessionStore

    return Assistant(api_settings, retriever=retriever, store=SessionStore(api_settings.database_url))


@pytest.fixture
def app(api_settings, api_engine):
    return create_app(api_settings, engine=api_engine)
