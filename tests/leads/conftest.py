"""Fixtures of the lead tests: an engine over a temp SQLite store (no index needed:
a lead holds the brief and the transcript, not retrieval), and conversations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.engine import Assistant
from assistant.leads import Contact
from assistant.store import SessionStore
from assistant.settings import Settings
from tests.conftest import CORPUS


def lead_settings(database_url: str, **extra: Any) -> Settings:
    base = dict(corpus_dir=CORPUS, database_url=database_url, lead_retry_base_seconds=0.05,
                lead_retry_max_seconds=0.2, lead_delivery_timeout_seconds=5, purge_interval_seconds=0)
    return Settings(**{**base, **extra})


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'leads.db'}"


@pytest.fixture
def make_engine(db_url: str) -> Iterator[Callable[..., Assistant]]:
    stores: list[SessionStore] = []

    def make(url: str | None = None, **settings: Any) -> Assistant:
        s = lead_settings(url or db_url, **settings)
        store = SessionStore(s.database_url)
        stores.append(store)
        return Assistant(s, store=store, retriever=object())

    yield make
    for store in stores:
        store.close()


def conversation(engine: Assistant, language: str = "sv") -> str:
    """A session with one exchange stored (written directly: no index needed)."""
    created = engine.store.create(language=language)
    with engine.store.transaction(created.id) as txn:
        txn.append("user", "Ska vi börja med ett pilotprojekt?")
        txn.append("assistant", "Ja – en pilot på några månader visar om partnern håller måttet.",
                   {"intent": "question", "language": language, "covered": True})
    return created.id


ANNA = Contact.checked(name="Anna Ångström", email="anna@example.se", company="Fjällmöbler AB", phone="+46 70 123 45 67")
