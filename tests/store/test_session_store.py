"""The conversation store: ids and tokens, durable state and turns, atomic and
serialised transactions, retention. Every test uses its own SQLite file."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, update
from sqlalchemy.exc import OperationalError

from assistant.errors import InvalidInput, NotFound, SessionBusy, SessionConflict
from assistant.store import SessionStore, Turn
from assistant.store.schema import sessions_table, turns_table
from assistant.settings import ROOT, Settings, get_settings

URLSAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "sessions.db"


@pytest.fixture
def url(db_file: Path) -> str:
    return f"sqlite:///{db_file}"


@pytest.fixture
def store(url: str):
    s = SessionStore(url)
    yield s
    s.close()


def _raw(db_file: Path) -> sqlite3.Connection:
    return sqlite3.connect(db_file, timeout=5)


def _set_updated_at(url: str, session_id: str, when: datetime) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(update(sessions_table).where(sessions_table.c.id == session_id).values(updated_at=when))
    engine.dispose()


def _exchange(store: SessionStore, session_id: str, tag: str) -> None:
    """One reply as the engine does it: read the counter, append a user and an assistant turn, bump it."""
    with store.transaction(session_id) as txn:
        counter = txn.state.get("counter", 0)
        txn.append("user", f"q {tag}")
        time.sleep(0.001)  # widen the read-modify-write window so missing locks would show
        txn.append("assistant", f"a {tag}", {"tag": tag})
        txn.state["counter"] = counter + 1


def _assert_serialised(turns: list[Turn], expected_pairs: int) -> None:
    assert [t.seq for t in turns] == list(range(1, 2 * expected_pairs + 1))
    for question, answer in zip(turns[::2], turns[1::2], strict=True):
        assert question.role == "user" and answer.role == "assistant"
        assert question.text.removeprefix("q ") == answer.text.removeprefix("a ")
    assert len({t.text for t in turns[::2]}) == expected_pairs


def _in_threads(worker: Callable[[int], None], count: int) -> list[BaseException]:
    """Run worker(0..count-1) in threads at once; the exceptions they raised (a thread would swallow them)."""
    errors: list[BaseException] = []

    def run(w: int) -> None:
        try:
            worker(w)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _process_worker(url: str, session_id: str, worker: int, count: int) -> None:
    store = SessionStore(url)
    for i in range(count):
        _exchange(store, session_id, f"p{worker}-{i}")
    store.close()


# --------------------------------------------------------------------- settings


def test_database_url_defaults_to_a_sqlite_file_under_data():
    assert Settings().database_url == f"sqlite:///{ROOT / 'data' / 'assistant.db'}"


def test_database_url_and_retention_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgresql+psycopg://u:p@db/assistant")
    monkeypatch.setenv("ASSISTANT_SESSION_RETENTION_DAYS", "7")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u:p@db/assistant"
    assert settings.session_retention_days == 7


def test_retention_below_one_day_is_refused(monkeypatch):
    monkeypatch.setenv("ASSISTANT_SESSION_RETENTION_DAYS", "0")
    with pytest.raises(ValueError):
        Settings()


# --------------------------------------------------------------------- ids and tokens


def test_create_returns_an_unguessable_id_and_token(store):
    created = [store.create() for _ in range(20)]
    for c in created:
        assert len(c.id) >= 32 and set(c.id) <= URLSAFE  # 24 random bytes = 192 bits
        assert len(c.token) >= 43 and set(c.token) <= URLSAFE  # 32 random bytes = 256 bits
        assert c.id != c.token
    assert len({c.id for c in created}) == 20 and len({c.token for c in created}) == 20


def test_the_token_is_not_shown_in_the_repr(store):
    created = store.create()
    assert created.token not in repr(created)


def test_a_new_session_starts_empty_at_version_zero(store):
    created = store.create(language="sv")
    snap = store.get(created.id)
    assert snap is not None
    assert (snap.language, snap.state, snap.version, snap.turn_count) == ("sv", {}, 0, 0)
    assert snap.created_at.tzinfo is UTC and snap.updated_at == snap.created_at


def test_the_right_token_verifies(store):
    created = store.create()
    assert store.verify_token(created.id, created.token)


def test_a_wrong_token_does_not_verify(store):
    created = store.create()
    other = store.create()
    assert not store.verify_token(created.id, other.token)
    assert not store.verify_token(created.id, "")
    assert not store.verify_token(created.id, created.token + "x")


def test_no_token_verifies_for_an_unknown_or_malformed_session(store):
    created = store.create()
    assert not store.verify_token("no-such-session", created.token)
    assert not store.verify_token("bad id!", created.token)
    assert not store.verify_token(created.id, None)  # type: ignore[arg-type]


def test_only_a_hash_of_the_token_is_stored(store, db_file):
    created = store.create()
    with _raw(db_file) as conn:
        row = conn.execute("SELECT * FROM sessions WHERE id = ?", (created.id,)).fetchone()
    assert created.token not in " ".join(map(str, row))
    assert hashlib.sha256(created.token.encode()).hexdigest() in row


@pytest.mark.parametrize(
    "session_id",
    ["slack:T123:C456:1712345678.000100", "cli-my_chat", "a", "someone@example.com", "x" * 128],
)
def test_a_caller_given_id_of_allowed_characters_is_accepted(store, session_id):
    assert store.create(session_id).id == session_id
    assert store.get(session_id) is not None


@pytest.mark.parametrize(
    "session_id",
    ["", "x" * 129, "has space", "semi;colon", "slash/", "trailing\n", "ünïcode", "quote'", 42],
)
def test_a_caller_given_id_outside_the_alphabet_or_length_is_refused(store, session_id):
    with pytest.raises(InvalidInput) as err:
        store.create(session_id)
    assert err.value.field == "session_id"


def test_creating_an_existing_id_is_refused(store):
    store.create("cli:mine")
    with pytest.raises(InvalidInput, match="already exists") as err:
        store.create("cli:mine")
    assert err.value.field == "session_id"


# --------------------------------------------------------------------- persistence


def test_state_and_turns_survive_a_restart(url):
    first = SessionStore(url)
    created = first.create(language="fi")
    with first.transaction(created.id) as txn:
        txn.state.update({"slots": {"agents": 12}, "pending": "volume?"})
        txn.language = "sv"
        txn.append("user", "Hur många agenter?")
        txn.append("assistant", "Tolv.", {"answer": 12, "sources": ["sv-a"]})
    first.close()

    restarted = SessionStore(url)
    snap = restarted.get(created.id)
    assert snap is not None
    assert snap.state == {"slots": {"agents": 12}, "pending": "volume?"}
    assert (snap.language, snap.version, snap.turn_count) == ("sv", 1, 2)
    assert [(t.role, t.text, t.payload) for t in restarted.history(created.id)] == [
        ("user", "Hur många agenter?", None),
        ("assistant", "Tolv.", {"answer": 12, "sources": ["sv-a"]}),
    ]
    assert restarted.verify_token(created.id, created.token)
    restarted.close()


def test_the_store_creates_the_folder_and_tables_on_first_use(store, db_file):
    assert not db_file.parent.exists()
    assert store.ping()
    with _raw(db_file) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sessions", "turns"} <= tables


def test_sqlite_runs_in_wal_mode(store, db_file):
    store.create()
    with _raw(db_file) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_timestamps_are_timezone_aware_utc(store):
    created = store.create()
    with store.transaction(created.id) as txn:
        txn.append("user", "hej")
    snap = store.get(created.id)
    assert snap is not None and snap.updated_at.tzinfo is UTC and snap.updated_at > snap.created_at
    assert store.history(created.id)[0].created_at.tzinfo is UTC


def test_get_of_an_unknown_session_is_none(store):
    assert store.get("nobody") is None


# --------------------------------------------------------------------- transactions


def test_a_transaction_commits_state_turns_and_a_new_version(store):
    created = store.create()
    with store.transaction(created.id) as txn:
        assert (txn.id, txn.created, txn.token, txn.version) == (created.id, False, None, 0)
        txn.state["step"] = 1
        turn = txn.append("user", "hello")
    assert turn.seq == 1 and txn.version == 1
    snap = store.get(created.id)
    assert snap is not None and (snap.state, snap.version, snap.turn_count) == ({"step": 1}, 1, 1)


def test_a_transaction_sees_the_earlier_turns_and_continues_their_numbering(store):
    created = store.create()
    with store.transaction(created.id) as txn:
        txn.append("user", "one")
        txn.append("assistant", "two")
    with store.transaction(created.id) as txn:
        assert [(t.seq, t.text) for t in txn.turns] == [(1, "one"), (2, "two")]
        assert txn.append("user", "three").seq == 3
        assert [t.text for t in txn.new_turns] == ["three"]
        assert len(txn.turns) == 2


def test_an_exception_inside_a_transaction_writes_nothing(store):
    created = store.create(language="en")
    with store.transaction(created.id) as txn:
        txn.state["kept"] = True
        txn.append("user", "kept")
    before = store.get(created.id)

    with pytest.raises(ZeroDivisionError), store.transaction(created.id) as txn:
        txn.state["kept"] = False
        txn.state["extra"] = 1
        txn.language = "da"
        txn.append("user", "lost")
        txn.append("assistant", "lost")
        1 / 0  # noqa: B018

    assert store.get(created.id) == before
    assert [t.text for t in store.history(created.id)] == ["kept"]


def test_an_unknown_session_without_create_is_not_found(store):
    with pytest.raises(NotFound), store.transaction("nobody") as txn:
        txn.append("user", "hi")
    assert store.get("nobody") is None


def test_an_unknown_session_with_create_is_created_in_the_same_transaction(store):
    with store.transaction("slack:T1:C1:1.0", create=True, language="nb") as txn:
        assert txn.created and txn.token and txn.turns == []
        txn.append("user", "hei")
        token = txn.token
    snap = store.get("slack:T1:C1:1.0")
    assert snap is not None and (snap.language, snap.version, snap.turn_count) == ("nb", 1, 1)
    assert store.verify_token("slack:T1:C1:1.0", token)


def test_create_on_an_existing_session_just_opens_it(store):
    created = store.create(language="sv")
    with store.transaction(created.id, create=True, language="en") as txn:
        assert not txn.created and txn.token is None and txn.language == "sv"


def test_a_creation_that_fails_leaves_no_session(store):
    with pytest.raises(RuntimeError), store.transaction("cli:oops", create=True):
        raise RuntimeError("engine failed")
    assert store.get("cli:oops") is None


def test_a_transaction_object_is_dead_after_its_block(store):
    created = store.create()
    with store.transaction(created.id) as txn:
        pass
    with pytest.raises(RuntimeError):
        txn.append("user", "late")


def test_a_nested_transaction_in_the_same_thread_fails_fast_instead_of_deadlocking(store):
    created = store.create()
    other = store.create()
    with store.transaction(created.id):
        with pytest.raises(RuntimeError), store.transaction(created.id):
            pass
        with pytest.raises(RuntimeError), store.transaction(other.id):  # SQLite: one writer
            pass


def test_payloads_are_stored_as_the_json_they_read_back_as(store):
    created = store.create()
    with store.transaction(created.id) as txn:
        turn = txn.append("assistant", "ok", {"pair": (1, 2), 3: "three"})
    assert turn.payload == {"pair": [1, 2], "3": "three"}
    assert store.history(created.id)[0].payload == turn.payload


# --------------------------------------------------------------------- concurrency


def test_threads_replying_to_one_session_never_lose_or_interleave_turns(url):
    store = SessionStore(url)
    created = store.create()

    def worker(w: int) -> None:
        for i in range(25):
            _exchange(store, created.id, f"t{w}-{i}")

    assert _in_threads(worker, 8) == []
    snap = store.get(created.id)
    assert snap is not None and snap.state["counter"] == 200 and snap.version == 200
    turns = store.history(created.id)
    assert len(turns) == 400
    _assert_serialised(turns, 200)
    store.close()


def test_processes_replying_to_one_session_never_lose_or_interleave_turns(url):
    store = SessionStore(url)
    created = store.create()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_worker, args=(url, created.id, w, 40)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]

    snap = store.get(created.id)
    assert snap is not None and snap.state["counter"] == 80
    turns = store.history(created.id)
    assert len(turns) == 160
    _assert_serialised(turns, 80)
    assert {t.text.split("-")[0] for t in turns} == {"q p0", "q p1", "a p0", "a p1"}
    store.close()


def test_a_sqlite_transaction_holds_the_write_lock_from_its_start(store, db_file):
    created = store.create()
    with store.transaction(created.id):
        other = sqlite3.connect(db_file, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_a_session_held_too_long_by_another_thread_is_reported_busy(url):
    store = SessionStore(url, busy_timeout=0.2)
    created = store.create()
    inside, release = threading.Event(), threading.Event()

    def holder() -> None:
        with store.transaction(created.id):
            inside.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(5)
    try:
        with pytest.raises(SessionBusy), store.transaction(created.id):
            pass
    finally:
        release.set()
        t.join()
    store.close()


def test_a_database_locked_by_another_process_is_reported_busy(url, db_file):
    store = SessionStore(url, busy_timeout=0.2)
    created = store.create()
    other = sqlite3.connect(db_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(SessionBusy), store.transaction(created.id):
            pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.close()


# --------------------------------------------------------------------- update (lock only while saving)


def test_update_commits_state_turns_and_a_new_version_like_a_transaction(store):
    created = store.create()
    with store.update(created.id) as txn:
        txn.state["step"] = 3
        txn.language = "fi"
        txn.append("user", "hei")
        txn.append("assistant", "moi")
    snap = store.get(created.id)
    assert snap is not None and snap.state == {"step": 3} and snap.language == "fi" and snap.version == 1
    assert [t.text for t in store.history(created.id)] == ["hei", "moi"]


def test_update_with_create_makes_the_session_with_a_token_at_save_time(store):
    with store.update("thread-1", create=True, language="da") as txn:
        assert txn.created and txn.token
        assert store.get("thread-1") is None  # nothing is written before the block ends
        txn.append("user", "hej")
    assert store.verify_token("thread-1", txn.token)
    snap = store.get("thread-1")
    assert snap is not None and snap.language == "da" and snap.turn_count == 1


def test_update_of_an_unknown_session_without_create_is_not_found(store):
    with pytest.raises(NotFound), store.update("nobody"):
        pass


def test_update_does_not_lock_the_database_while_its_block_runs(store, db_file):
    """A slow reply (a language model) must not make every other conversation wait."""
    slow, other = store.create(), store.create()
    with store.update(slow.id) as txn:
        with store.transaction(other.id) as other_txn:  # another thread would do this; SQLite allows it here
            other_txn.append("user", "not blocked")
        raw = sqlite3.connect(db_file, timeout=0, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")  # the write lock is free
        raw.execute("ROLLBACK")
        raw.close()
        txn.append("user", "slow")
    assert [t.text for t in store.history(other.id)] == ["not blocked"]
    assert [t.text for t in store.history(slow.id)] == ["slow"]


def test_update_refuses_to_save_over_a_change_made_meanwhile_by_another_process(store, db_file):
    created = store.create()
    with pytest.raises(SessionConflict), store.update(created.id) as txn:
        txn.state["answer"] = "mine"
        txn.append("user", "mine")
        other = _raw(db_file)  # another process (a replica) saves the same session meanwhile
        with other:
            other.execute("UPDATE sessions SET state = ?, version = version + 1 WHERE id = ?",
                          ('{"answer": "theirs"}', created.id))
        other.close()
    snap = store.get(created.id)
    assert snap is not None and snap.state == {"answer": "theirs"} and snap.version == 1
    assert store.history(created.id) == []  # nothing of the stale update was written


def test_update_refuses_to_create_a_session_another_process_created_meanwhile(url):
    mine, theirs = SessionStore(url), SessionStore(url)
    with pytest.raises(SessionConflict), mine.update("thread-9", create=True) as txn:
        txn.append("user", "mine")
        theirs.create("thread-9")
    assert mine.history("thread-9") == []
    mine.close()
    theirs.close()


def test_threads_updating_one_session_never_lose_or_interleave_turns(url):
    store = SessionStore(url)
    created = store.create()

    def worker(w: int) -> None:
        for i in range(20):
            with store.update(created.id) as txn:
                counter = txn.state.get("counter", 0)
                txn.append("user", f"q u{w}-{i}")
                time.sleep(0.001)
                txn.append("assistant", f"a u{w}-{i}")
                txn.state["counter"] = counter + 1

    assert _in_threads(worker, 6) == []
    snap = store.get(created.id)
    assert snap is not None and snap.state["counter"] == 120
    _assert_serialised(store.history(created.id), 120)
    store.close()


# --------------------------------------------------------------------- exchange (one turn, the store's retry policy)


@pytest.fixture(params=["sqlite", "postgres"])
def any_url(request, url: str) -> str:
    return url if request.param == "sqlite" else request.getfixturevalue("postgres").url


def _another_replica_saves(url: str, session_id: str, text: str) -> None:
    """What another process does to the session meanwhile: a turn, new state, version + 1."""
    engine = create_engine(url)
    with engine.begin() as conn:
        version, state = conn.execute(select(sessions_table.c.version, sessions_table.c.state)
                                      .where(sessions_table.c.id == session_id)).one()
        conn.execute(insert(turns_table).values(session_id=session_id, seq=version * 2 + 1, role="user", text=text,
                                                created_at=datetime.now(UTC)))
        conn.execute(update(sessions_table).where(sessions_table.c.id == session_id)
                     .values(state={**state, "seen": [*state.get("seen", []), text]}, version=version + 1))
    engine.dispose()


def _row_is_locked(url: str, session_id: str) -> bool:
    """Whether another connection would have to wait to write the session."""
    engine = create_engine(url, connect_args={"timeout": 0} if url.startswith("sqlite") else {})
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(select(sessions_table.c.id).where(sessions_table.c.id == session_id)
                             .with_for_update(nowait=True))
            conn.rollback()
        return False
    except OperationalError:
        return True
    finally:
        engine.dispose()


def _one_turn(tag: str) -> Callable:
    """A respond function as the engine writes one: read the state, append both turns, change the state."""
    def respond(txn) -> str:
        txn.append("user", f"q {tag}")
        txn.append("assistant", f"a {tag}")
        txn.state["seen"] = [*txn.state.get("seen", []), tag]
        return f"reply to {tag}"

    return respond


def test_exchange_commits_what_respond_did_and_returns_its_result(store):
    created = store.create()
    assert store.exchange(created.id, _one_turn("first")) == "reply to first"
    snap = store.get(created.id)
    assert snap is not None and snap.state == {"seen": ["first"]} and snap.version == 1
    assert [t.text for t in store.history(created.id)] == ["q first", "a first"]


def test_exchange_with_create_makes_the_session_and_without_it_an_unknown_one_is_not_found(store):
    store.exchange("thread-3", _one_turn("hello"), create=True)
    assert [t.text for t in store.history("thread-3")] == ["q hello", "a hello"]
    with pytest.raises(NotFound):
        store.exchange("nobody", _one_turn("hello"))
    assert store.get("nobody") is None


def test_exchange_answers_again_under_the_lock_when_another_process_saved_meanwhile(any_url):
    store = SessionStore(any_url)
    created = store.create()
    runs: list[dict] = []

    def respond(txn) -> str:
        runs.append({"version": txn.version, "turns": [t.text for t in txn.turns],
                     "locked": _row_is_locked(any_url, created.id)})
        if len(runs) == 1:
            _another_replica_saves(any_url, created.id, "theirs")
        return _one_turn(f"mine{len(runs)}")(txn)

    assert store.exchange(created.id, respond) == "reply to mine2"
    # The first run read version 0 without a lock and lost the race; the second ran on
    # the other process's save, holding the session's lock.
    assert runs == [{"version": 0, "turns": [], "locked": False},
                    {"version": 1, "turns": ["theirs"], "locked": True}]
    snap = store.get(created.id)
    assert snap is not None and snap.version == 2 and snap.state == {"seen": ["theirs", "mine2"]}
    assert [t.text for t in store.history(created.id)] == ["theirs", "q mine2", "a mine2"]
    store.close()


def test_an_error_in_respond_writes_nothing_and_is_not_retried(store):
    created = store.create()
    calls = []

    def respond(txn) -> str:
        calls.append(txn.version)
        txn.append("user", "lost")
        raise ValueError("no answer")

    with pytest.raises(ValueError, match="no answer"):
        store.exchange(created.id, respond)
    assert calls == [0]
    assert store.history(created.id) == []
    snap = store.get(created.id)
    assert snap is not None and snap.version == 0


def _exchange_worker(url: str, session_id: str, worker: int, count: int) -> None:
    store = SessionStore(url)
    for i in range(count):
        tag = f"x{worker}-{i}"

        def respond(txn, tag: str = tag) -> None:
            counter = txn.state.get("counter", 0)
            txn.append("user", f"q {tag}")
            time.sleep(0.002)  # a reply takes a while: other processes save meanwhile
            txn.append("assistant", f"a {tag}")
            txn.state["counter"] = counter + 1

        store.exchange(session_id, respond)
    store.close()


def test_processes_exchanging_on_one_session_never_lose_or_interleave_turns(url):
    store = SessionStore(url)
    created = store.create()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_exchange_worker, args=(url, created.id, w, 30)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]

    snap = store.get(created.id)
    assert snap is not None and snap.state["counter"] == 60 and snap.version == 60
    turns = store.history(created.id)
    _assert_serialised(turns, 60)
    assert {t.text.split("-")[0] for t in turns} == {"q x0", "q x1", "a x0", "a x1"}
    store.close()


# --------------------------------------------------------------------- history, delete, purge


def test_history_is_ordered_by_sequence(store):
    created = store.create()
    for i in range(3):
        with store.transaction(created.id) as txn:
            txn.append("user", f"q{i}")
            txn.append("assistant", f"a{i}")
    assert [(t.seq, t.role, t.text) for t in store.history(created.id)] == [
        (1, "user", "q0"), (2, "assistant", "a0"),
        (3, "user", "q1"), (4, "assistant", "a1"),
        (5, "user", "q2"), (6, "assistant", "a2"),
    ]


def test_history_of_an_unknown_session_is_not_found(store):
    with pytest.raises(NotFound):
        store.history("nobody")


def test_delete_removes_the_session_and_its_turns(store, db_file):
    created = store.create()
    with store.transaction(created.id) as txn:
        txn.append("user", "bye")
    assert store.delete(created.id) is True
    assert store.get(created.id) is None
    with _raw(db_file) as conn:
        assert conn.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0
    assert store.delete(created.id) is False


def test_purge_deletes_only_sessions_untouched_for_longer_than_the_retention(store, url, db_file):
    old, recent, fresh = store.create("old"), store.create("recent"), store.create("fresh")
    for s in (old, recent, fresh):
        with store.transaction(s.id) as txn:
            txn.append("user", s.id)
    now = datetime.now(UTC)
    _set_updated_at(url, old.id, now - timedelta(days=100))
    _set_updated_at(url, recent.id, now - timedelta(days=10))

    assert store.purge_older_than(30) == 1
    assert store.get("old") is None and store.get("recent") and store.get("fresh")
    with _raw(db_file) as conn:
        assert {r[0] for r in conn.execute("SELECT session_id FROM turns")} == {"recent", "fresh"}


def test_purge_defaults_to_the_retention_setting(store, url, monkeypatch):
    monkeypatch.setenv("ASSISTANT_SESSION_RETENTION_DAYS", "5")
    get_settings.cache_clear()
    try:
        store.create("stale")
        store.create("fresh")
        _set_updated_at(url, "stale", datetime.now(UTC) - timedelta(days=6))
        assert store.purge_older_than() == 1
        assert store.get("stale") is None and store.get("fresh") is not None
    finally:
        monkeypatch.delenv("ASSISTANT_SESSION_RETENTION_DAYS")
        get_settings.cache_clear()


def test_ping_reports_a_reachable_database(store):
    assert store.ping() is True


def test_ping_reports_an_unusable_database(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store = SessionStore(f"sqlite:///{blocker / 'sessions.db'}")
    assert store.ping() is False


# --------------------------------------------------------------------- invalid input


@pytest.mark.parametrize("language", ["", "english!", "x" * 40, "s", 5])
def test_a_malformed_language_is_refused(store, language):
    with pytest.raises(InvalidInput) as err:
        store.create(language=language)
    assert err.value.field == "language"


def test_setting_a_malformed_language_in_a_transaction_is_refused(store):
    created = store.create()
    with pytest.raises(InvalidInput), store.transaction(created.id) as txn:
        txn.language = "no such language"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("system", "hi"), "role"),
        (("user", None), "text"),
        (("user", "nul\x00byte"), "text"),
        (("assistant", "ok", ["not", "an", "object"]), "payload"),
        (("assistant", "ok", {"bad": {1, 2}}), "payload"),
        (("assistant", "ok", {"nan": float("nan")}), "payload"),
    ],
)
def test_a_malformed_turn_is_refused(store, args, field):
    created = store.create()
    with pytest.raises(InvalidInput) as err, store.transaction(created.id) as txn:
        txn.append(*args)
    assert err.value.field == field
    assert store.history(created.id) == []


def test_state_that_is_not_json_is_refused_and_nothing_is_written(store):
    created = store.create()
    with pytest.raises(InvalidInput) as err, store.transaction(created.id) as txn:
        txn.append("user", "hi")
        txn.state["when"] = datetime.now(UTC)
    assert err.value.field == "state"
    assert store.history(created.id) == [] and store.get(created.id).version == 0


@pytest.mark.parametrize("days", [0, -1, 1.5, True])
def test_purge_refuses_a_retention_below_one_whole_day(store, days):
    with pytest.raises(InvalidInput) as err:
        store.purge_older_than(days)
    assert err.value.field == "days"


@pytest.mark.parametrize("bad_url", ["sqlite://", "sqlite:///:memory:", "not a url", "nosuchdb://x"])
def test_an_unusable_database_url_is_refused(bad_url):
    with pytest.raises(InvalidInput) as err:
        SessionStore(bad_url)
    assert err.value.field == "database_url"


def test_lookups_refuse_a_malformed_session_id(store):
    for call in (store.get, store.history, store.delete):
        with pytest.raises(InvalidInput):
            call("bad id!")
    with pytest.raises(InvalidInput), store.transaction("bad id!", create=True):
        pass


def _answer(txn) -> str:
    txn.state = {"answered": True}
    txn.append("user", "hello")
    txn.append("assistant", "hi")
    return "ok"


def test_an_exchange_with_the_right_token_is_saved(store):
    created = store.create()
    assert store.exchange(created.id, _answer, token=created.token) == "ok"
    assert [t.role for t in store.history(created.id)] == ["user", "assistant"]
    assert store.get(created.id).state == {"answered": True}


def test_an_exchange_with_a_wrong_token_writes_nothing_and_looks_like_an_unknown_session(store):
    created = store.create()
    calls = []
    with pytest.raises(NotFound, match="for this token"):
        store.exchange(created.id, lambda txn: calls.append(txn), token="not-the-token")
    assert calls == [] and store.history(created.id) == [] and store.get(created.id).version == 0


def test_an_exchange_with_a_token_never_creates_the_session(store):
    with pytest.raises(NotFound, match="for this token"):
        store.exchange("no-such-session", _answer, create=True, token="some-token")
    assert store.get("no-such-session") is None

