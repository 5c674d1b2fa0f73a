"""Feedback on answers in the session store, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.errors import InvalidInput, NotFound
from assistant.store import SessionStore


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request, tmp_path: Path):
    if request.param == "sqlite":
        store = SessionStore(f"sqlite:///{tmp_path / 'feedback.db'}")
    else:
        store = SessionStore(request.getfixturevalue("postgres").url)
    yield store
    store.close()


def exchange(store: SessionStore) -> str:
    sid = store.create(language="fi").id
    with store.transaction(sid) as txn:
        txn.append("user", "Kannattaako aloittaa pilotilla?")
        txn.append("assistant", "Kyllä.", {"intent": "question", "language": "fi"})
    return sid


def test_an_answer_is_rated_with_an_optional_comment(any_store):
    sid = exchange(any_store)
    saved = any_store.set_feedback(sid, 2, "down", "  Puuttuu esimerkki.  ")
    assert (saved.seq, saved.rating, saved.comment) == (2, "down", "Puuttuu esimerkki.")
    assert any_store.feedback(sid) == {2: saved}


def test_rating_again_replaces_the_rating_and_the_comment(any_store):
    sid = exchange(any_store)
    first = any_store.set_feedback(sid, 2, "down", "huono")
    second = any_store.set_feedback(sid, 2, "up")
    assert (second.rating, second.comment) == ("up", None)
    assert second.created_at == first.created_at and second.updated_at >= first.updated_at
    assert list(any_store.feedback(sid).values()) == [second]


def test_a_user_turn_or_a_turn_that_does_not_exist_cannot_be_rated(any_store):
    sid = exchange(any_store)
    for seq in (1, 3, 99):
        with pytest.raises(NotFound):
            any_store.set_feedback(sid, seq, "up")
    with pytest.raises(NotFound):
        any_store.set_feedback("no-such-session", 2, "up")


def test_a_turn_of_another_session_is_not_found_in_this_one(any_store):
    mine, other = exchange(any_store), any_store.create().id
    with pytest.raises(NotFound):
        any_store.set_feedback(other, 2, "up")
    assert any_store.feedback(mine) == {} and any_store.feedback(other) == {}


@pytest.mark.parametrize("rating,comment,field", [("meh", None, "rating"), ("up", "x" * 2001, "comment"),
                                                  ("up", 5, "comment")])
def test_bad_feedback_is_refused_naming_the_field(any_store, rating, comment, field):
    sid = exchange(any_store)
    with pytest.raises(InvalidInput) as exc:
        any_store.set_feedback(sid, 2, rating, comment)
    assert exc.value.field == field


def test_deleting_the_session_deletes_its_feedback(any_store):
    sid = exchange(any_store)
    any_store.set_feedback(sid, 2, "up")
    assert any_store.delete(sid)
    with any_store.read_connection("count") as conn:
        from sqlalchemy import func, select

        from assistant.store.schema import feedback_table

        assert conn.execute(select(func.count()).select_from(feedback_table)
                            .where(feedback_table.c.session_id == sid)).scalar_one() == 0


def test_a_database_of_the_previous_version_gets_the_new_tables_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    # The schema as the previous release created it: sessions and turns only.
    old.executescript("""
        CREATE TABLE sessions (id VARCHAR(128) PRIMARY KEY, token_hash VARCHAR(64) NOT NULL, created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL, language VARCHAR(35), state JSON NOT NULL, version INTEGER NOT NULL);
        CREATE INDEX ix_sessions_updated_at ON sessions (updated_at);
        CREATE TABLE turns (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id VARCHAR(128) NOT NULL
            REFERENCES sessions (id) ON DELETE CASCADE, seq INTEGER NOT NULL, role VARCHAR(16) NOT NULL, text TEXT NOT NULL,
            payload JSON, created_at DATETIME NOT NULL, CONSTRAINT uq_turns_session_seq UNIQUE (session_id, seq),
            CONSTRAINT ck_turns_role CHECK (role IN ('user', 'assistant')));
        INSERT INTO sessions VALUES ('old', 'x', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'sv', '{}', 1);
        INSERT INTO turns (session_id, seq, role, text, payload, created_at) VALUES
            ('old', 1, 'user', 'Hej', NULL, '2026-01-01 00:00:00'),
            ('old', 2, 'assistant', 'Hej!', '{"intent": "greeting"}', '2026-01-01 00:00:01');
    """)
    old.commit()
    old.close()
    store = SessionStore(f"sqlite:///{path}")
    assert [t.text for t in store.history("old")] == ["Hej", "Hej!"]
    assert store.set_feedback("old", 2, "up").rating == "up"
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"feedback", "leads", "lead_deliveries"} <= tables
    store.close()
