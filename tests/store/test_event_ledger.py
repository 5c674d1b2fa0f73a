"""The Slack event ledger: a retried event is taken on once, by one delivery of all
the replicas sharing a database, and its ids live in their own table. Every test
runs on SQLite and on PostgreSQL, each on an empty database of its own."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, insert, select, text, update

from assistant.store.event_ledger import EventLedger
from assistant.store import SessionStore
from assistant.store.schema import (
    feedback_table,
    lead_deliveries_table,
    leads_table,
    sessions_table,
    slack_events_table,
    turns_table,
)


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    base = request.getfixturevalue("postgres").url
    schema = f"ledger_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def store(url: str) -> Iterator[SessionStore]:
    s = SessionStore(url)
    yield s
    s.close()


def stored_ids(url: str) -> dict[str, datetime]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {r.event_id: r.seen_at for r in conn.execute(select(slack_events_table))}
    engine.dispose()
    return found


def test_the_first_delivery_claims_an_event_and_a_retry_does_not(store):
    ledger = EventLedger(lambda: store)
    assert ledger.claim("Ev001") is True
    assert ledger.claim("Ev001") is False
    assert ledger.claim("Ev002") is True


def test_a_claim_holds_for_another_replica_and_after_a_restart(store, url):
    assert EventLedger(lambda: store).claim("Ev001") is True
    other = SessionStore(url)
    try:
        assert EventLedger(lambda: other).claim("Ev001") is False
    finally:
        other.close()


def test_deliveries_racing_each_other_make_exactly_one_claim(store):
    ledgers = [EventLedger(lambda: store) for _ in range(6)]  # one per replica: no shared memory
    start = threading.Barrier(len(ledgers))
    won: list[bool] = []

    def deliver(ledger: EventLedger) -> None:
        start.wait()
        won.append(ledger.claim("EvRACE"))

    threads = [threading.Thread(target=deliver, args=(ledger,)) for ledger in ledgers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == [False] * 5 + [True]


def test_the_ids_are_rows_of_their_own_table_not_a_conversation(store, url):
    EventLedger(lambda: store).claim("Ev001")
    assert set(stored_ids(url)) == {"Ev001"}
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(sessions_table.c.id)).all() == []
    engine.dispose()


def test_ids_older_than_the_ttl_are_pruned_by_the_next_claim(store, url):
    ledger = EventLedger(lambda: store, ttl=60)
    ledger.claim("EvOLD")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(update(slack_events_table).values(seen_at=datetime.now(UTC) - timedelta(seconds=120)))
    engine.dispose()
    ledger.claim("EvNEW")
    assert set(stored_ids(url)) == {"EvNEW"}
    assert EventLedger(lambda: store, ttl=60).claim("EvOLD") is True  # forgotten: Slack stopped retrying long ago


def test_at_most_max_entries_ids_are_kept_the_newest(store, url):
    ledger = EventLedger(lambda: store, max_entries=3)
    for n in range(5):
        ledger.claim(f"Ev{n}")
        time.sleep(0.002)
    assert set(stored_ids(url)) == {"Ev2", "Ev3", "Ev4"}


def test_a_database_with_the_ids_in_the_old_reserved_session_is_migrated(url):
    """Before the ledger had its table, its ids were the state of a session 'slack:events'."""
    recent, older = time.time() - 30, time.time() - 600
    engine = create_engine(url)
    with engine.begin() as conn:  # the schema of that version: no slack_events table
        for table in (sessions_table, turns_table, feedback_table, leads_table, lead_deliveries_table):
            table.create(conn)
        now = datetime.now(UTC)
        conn.execute(insert(sessions_table).values(
            id="slack:events", token_hash="0" * 64, created_at=now, updated_at=now, language=None,
            state={"seen": {"EvRECENT": recent, "EvOLDER": older}}, version=7))
        conn.execute(insert(sessions_table).values(
            id="visitor", token_hash="0" * 64, created_at=now, updated_at=now, language="sv", state={}, version=0))
    engine.dispose()

    store = SessionStore(url)
    try:
        assert store.get("slack:events") is None
        assert store.get("visitor") is not None  # the conversations are left alone
        moved = stored_ids(url)
        assert set(moved) == {"EvRECENT", "EvOLDER"}
        assert abs(moved["EvRECENT"].timestamp() - recent) < 1e-3
        assert abs(moved["EvOLDER"].timestamp() - older) < 1e-3
        assert EventLedger(lambda: store).claim("EvRECENT") is False  # a retry after the upgrade is still dropped
    finally:
        store.close()
    restarted = SessionStore(url)
    try:
        assert restarted.get("slack:events") is None  # the next start finds nothing left to move
        assert set(stored_ids(url)) == {"EvRECENT", "EvOLDER"}
    finally:
        restarted.close()
