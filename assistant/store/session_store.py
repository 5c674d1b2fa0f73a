"""`SessionStore`: sessions, their engine-owned state, their turns and the
feedback on them, in SQLite or PostgreSQL (see the package docstring for how
writes to one conversation are serialised)."""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Connection, delete, func, select, text
from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

from assistant.errors import AssistantError, InvalidInput, NotFound, SessionConflict, SessionStoreError
from assistant.settings import get_settings
from assistant.store import rows
from assistant.store.backends import bound_lock_wait, dialect_insert, open_database
from assistant.store.failures import translated
from assistant.store.locks import queued
from assistant.store.models import (
    MAX_FEEDBACK_COMMENT_CHARS,
    SESSION_ID_PATTERN,
    CreatedSession,
    Feedback,
    SessionSnapshot,
    Turn,
    check_language,
    check_session_id,
    hash_token,
    json_roundtrip,
)
from assistant.store.migrations import migrate
from assistant.store.schema import feedback_table, sessions_table, turns_table, utcnow
from assistant.store.transaction import SessionTxn

log = logging.getLogger("assistant.store")

DEFAULT_BUSY_TIMEOUT = 30.0

Result = TypeVar("Result")


class SessionStore:
    """Persistent sessions and turns in any SQLAlchemy database (SQLite or PostgreSQL)."""

    def __init__(self, url: str | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        raw_url = url if url is not None else get_settings().database_url
        if busy_timeout <= 0:
            raise InvalidInput("busy_timeout", "must be a positive number of seconds")
        self._busy_timeout = float(busy_timeout)
        self._db = open_database(raw_url, self._busy_timeout)
        self._engine = self._db.engine
        self._write_engine = self._db.write_engine
        self._ready = False
        self._init_lock = threading.Lock()
        self._held = threading.local()  # session ids with a transaction open in this thread

    def close(self) -> None:
        """Close pooled connections (at shutdown, or before handing the store to a fork)."""
        self._engine.dispose()

    # ----------------------------------------------------------------- plumbing

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        with self._init_lock:
            if self._ready:
                return
            if self._db.sqlite_path is not None:
                try:
                    self._db.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise SessionStoreError(
                        "The conversation store's folder cannot be created.",
                        details={"path": str(self._db.sqlite_path.parent)},
                    ) from exc
            with translated("create the tables"):
                try:
                    self._create_tables()
                except (IntegrityError, ProgrammingError):
                    # Another replica created the tables between our check and
                    # our CREATE (PostgreSQL); the second look finds them.
                    self._create_tables()
            self._ready = True

    def _create_tables(self) -> None:
        # The write engine: on SQLite the existence check and CREATE happen under
        # the write lock, so processes starting together do not race.
        with self._write_engine.begin() as conn:
            migrate(conn)

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        self._ensure_ready()
        with translated(action), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self, action: str) -> Iterator[Connection]:
        self._ensure_ready()
        self._refuse_nested_write(None)
        with translated(action), self._write_engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write_unheld(self, action: str) -> Iterator[Connection]:
        # `_write` without the nested-write guard: `update` saves while its own
        # session id is marked as being updated, which is the one allowed write.
        with translated(action), self._write_engine.connect() as conn, conn.begin():
            yield conn

    def _held_ids(self) -> set[str]:
        held: set[str] | None = getattr(self._held, "ids", None)
        if held is None:
            held = self._held.ids = set()
        return held

    def _updating_ids(self) -> set[str]:
        updating: set[str] | None = getattr(self._held, "updating", None)
        if updating is None:
            updating = self._held.updating = set()
        return updating

    def _refuse_nested_write(self, session_id: str | None) -> None:
        # Failing fast beats a 30 s wait for a lock this very thread holds.
        held = self._held_ids()
        if session_id is not None and (session_id in held or session_id in self._updating_ids()):
            raise RuntimeError(f"a transaction on session {session_id!r} is already open in this thread")
        if held and self._db.is_sqlite:
            raise RuntimeError("SQLite has one writer: finish the open session transaction first")

    def _queued(self, session_id: str) -> AbstractContextManager[None]:
        return queued(self._db.key, session_id, self._busy_timeout)

    # ----------------------------------------------------------------- API

    def create(self, session_id: str | None = None, language: str | None = None) -> CreatedSession:
        """Create a session (with a generated id unless one is given) and return its token."""
        session_id = secrets.token_urlsafe(24) if session_id is None else check_session_id(session_id)
        language = check_language(language)
        token = secrets.token_urlsafe(32)
        try:
            with self._write("create a session") as conn:
                rows.insert_session(conn, session_id, language, token)
        except IntegrityError as exc:
            raise InvalidInput("session_id", "already exists") from exc
        return CreatedSession(id=session_id, token=token)

    def get(self, session_id: str) -> SessionSnapshot | None:
        """The session's current state, or None when there is no such session."""
        check_session_id(session_id)
        with self._read("read a session") as conn:
            row = rows.read_session(conn, session_id)
            if row is None:
                return None
            count = conn.execute(
                select(func.count()).select_from(turns_table).where(turns_table.c.session_id == session_id)
            ).scalar_one()
        return SessionSnapshot(
            id=row["id"],
            language=row["language"],
            state=row["state"] or {},
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            turn_count=count,
        )

    def history(self, session_id: str) -> list[Turn]:
        """All turns of the session, oldest first."""
        check_session_id(session_id)
        with self._read("read a conversation") as conn:
            exists = conn.execute(
                select(sessions_table.c.id).where(sessions_table.c.id == session_id)
            ).first()
            if exists is None:
                raise NotFound(f"No session with id '{session_id}'.")
            return rows.load_turns(conn, session_id)

    def verify_token(self, session_id: str, token: str) -> bool:
        """Whether `token` is the session's secret. False for unknown or malformed ids."""
        if not isinstance(token, str) or not isinstance(session_id, str):
            return False
        if not SESSION_ID_PATTERN.fullmatch(session_id):
            return False
        with self._read("check a session token") as conn:
            stored = conn.execute(
                select(sessions_table.c.token_hash).where(sessions_table.c.id == session_id)
            ).scalar_one_or_none()
        # Compare against a dummy for unknown ids too, so timing says nothing.
        expected = stored if stored is not None else "0" * 64
        return hmac.compare_digest(hash_token(token), expected) and stored is not None

    def exchange(self, session_id: str, respond: Callable[[SessionTxn], Result], *,
                 create: bool = False, token: str | None = None) -> Result:
        """One turn of a conversation: `respond(txn)` reads the session (state, language,
        turns), changes it and appends turns; its result is returned once all of it is
        committed.

        `respond` first runs on a snapshot read without holding the database (see
        `update`: a reply may take seconds). When another process or replica saved
        the same session meanwhile, nothing of that run is written and `respond`
        runs once more, on fresh state, under the session's lock (`transaction`):
        retrying optimistically could lose every race while several messages to one
        conversation arrive at once, the lock guarantees progress, and it is only
        held for a conversation that is really contended. So `respond` may run
        twice; only the run whose result is returned was saved. An exception from
        `respond` writes nothing and propagates.

        With `token`, the session must exist and `token` must be its secret (checked
        on the row the turn reads anyway, not in a read of its own); otherwise
        `NotFound`, the same for an unknown id and a wrong token, before `respond` runs.
        """
        try:
            with self.update(session_id, create=create, token=token) as txn:
                result = respond(txn)
            return result
        except SessionConflict:
            log.info("session %s changed in another process; answering again under its lock", session_id)
        with self.transaction(session_id, create=create and token is None) as txn:
            return respond(txn)

    @contextmanager
    def transaction(
        self, session_id: str, *, create: bool = False, language: str | None = None
    ) -> Iterator[SessionTxn]:
        """Read-modify-write one session atomically, serialised with every other
        transaction on it (threads, processes, replicas).

        Unknown ids raise `NotFound`, or with `create=True` are created inside
        this same transaction (with `language`, which is otherwise ignored). On
        normal exit state, language and appended turns are committed and the
        version goes up by one; when the block raises, nothing is written.
        """
        check_session_id(session_id)
        language = check_language(language)
        self._refuse_nested_write(session_id)
        self._ensure_ready()
        held = self._held_ids()
        with self._queued(session_id):
            held.add(session_id)
            try:
                with translated("open a conversation"):
                    conn = self._write_engine.connect()
                try:
                    with translated("open a conversation"):
                        trans = conn.begin()
                        txn = rows.lock_session(conn, session_id, create=create, language=language,
                                                busy_timeout=self._busy_timeout)
                    try:
                        yield txn
                    finally:
                        txn.close()
                    state = json_roundtrip(txn.state, "state")
                    with translated("save the conversation"):
                        txn.saved(rows.save(conn, txn, state))
                        trans.commit()
                finally:
                    conn.close()  # rolls back whatever was not committed
            finally:
                held.discard(session_id)

    @contextmanager
    def update(self, session_id: str, *, create: bool = False, language: str | None = None,
               token: str | None = None) -> Iterator[SessionTxn]:
        """Like `transaction`, but the database is locked only while saving.

        A reply may take seconds (retrieval, a language model), and on SQLite a
        write transaction locks the whole database: holding it while thinking
        would stall every other conversation. So the session is read without a
        lock, the block runs, and the save checks that the version is still the
        one read. Threads of this process are still serialised per session (the
        process lock is held throughout); when another process or replica saved
        in between, the save raises `SessionConflict` and writes nothing, and
        the caller runs the block again on fresh state (inside `transaction`,
        which cannot lose the race again; `exchange` does both).

        One read (the row with its last turn's number) and one write transaction (the
        version check is the UPDATE's condition). With `token`, the session must exist
        and `token` must be its secret, else `NotFound` (see `exchange`).
        """
        check_session_id(session_id)
        language = check_language(language)
        self._refuse_nested_write(session_id)
        self._ensure_ready()
        # Not `held`: no database lock is held while the block runs, so other
        # sessions may be written meanwhile, even from this thread.
        updating = self._updating_ids()
        with self._queued(session_id):
            updating.add(session_id)
            try:
                with self._read("open a conversation") as conn:
                    row = rows.read_session_for_turn(conn, session_id)
                if token is not None:
                    # Against a dummy for unknown ids too, as verify_token does, so timing says nothing.
                    expected = row["token_hash"] if row is not None else "0" * 64
                    if not hmac.compare_digest(hash_token(token), expected) or row is None:
                        raise NotFound(f"no session '{session_id}' for this token")
                elif row is None and not create:
                    raise NotFound(f"No session with id '{session_id}'.")
                seq = row["last_seq"] if row is not None else 0
                new_token = secrets.token_urlsafe(32) if row is None else None
                txn = SessionTxn(
                    session_id=session_id,
                    language=row["language"] if row is not None else language,
                    state=dict(row["state"] or {}) if row is not None else {},
                    version=row["version"] if row is not None else 0,
                    turns=(lambda: self.history(session_id)) if row is not None else [],
                    last_seq=seq,
                    created=row is None,
                    token=new_token,
                )
                try:
                    yield txn
                finally:
                    txn.close()
                state = json_roundtrip(txn.state, "state")
                conflict = SessionConflict(
                    "The conversation changed while this message was answered; please send it again.",
                    details={"session_id": session_id},
                )
                try:
                    with self._write_unheld("save the conversation") as conn:
                        if new_token is not None:
                            rows.insert_session(conn, session_id, txn.language, new_token)
                        else:
                            bound_lock_wait(conn, self._busy_timeout)
                        txn.saved(rows.save(conn, txn, state, conflict=conflict))
                except IntegrityError as exc:  # another process created the same id meanwhile
                    raise conflict from exc
            finally:
                updating.discard(session_id)

    def delete(self, session_id: str) -> bool:
        """Delete the session and its turns; False when there was none."""
        check_session_id(session_id)
        self._refuse_nested_write(session_id)
        with self._queued(session_id), self._write("delete a session") as conn:
            result = conn.execute(delete(sessions_table).where(sessions_table.c.id == session_id))
            return bool(result.rowcount)

    def purge_older_than(self, days: int | None = None) -> int:
        """Delete sessions not updated for `days` (default: the retention setting); returns how many."""
        if days is None:
            days = get_settings().session_retention_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InvalidInput("days", "must be a whole number of days, at least 1")
        cutoff = utcnow() - timedelta(days=days)
        with self._write("purge old sessions") as conn:
            # Turns go with their session through ON DELETE CASCADE.
            result = conn.execute(delete(sessions_table).where(sessions_table.c.updated_at < cutoff))
            return int(result.rowcount or 0)

    # ----------------------------------------------------------------- feedback

    def set_feedback(self, session_id: str, seq: int, rating: str, comment: str | None = None) -> Feedback:
        """Rate the assistant turn `seq` of the session; a second rating replaces the first
        (rating and comment alike). A missing session or turn, or a user turn, is `NotFound`."""
        check_session_id(session_id)
        if rating not in ("up", "down"):
            raise InvalidInput("rating", "must be 'up' or 'down'")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise InvalidInput("seq", "must be a turn number, 1 or more")
        if isinstance(comment, str) and not comment.strip():
            comment = None  # an empty comment box is no comment
        if comment is not None:
            from assistant.user_text import clean_user_text

            comment = clean_user_text(comment, MAX_FEEDBACK_COMMENT_CHARS, "comment", keep_newlines=True)
        now = utcnow()
        with self._write("save feedback") as conn:
            role = conn.execute(
                select(turns_table.c.role).where(turns_table.c.session_id == session_id, turns_table.c.seq == seq)
            ).scalar_one_or_none()
            if role != "assistant":
                raise NotFound(f"No answer {seq} in session '{session_id}'.")
            values = {"session_id": session_id, "seq": seq, "rating": rating, "comment": comment,
                      "created_at": now, "updated_at": now}
            upsert = dialect_insert(conn)(feedback_table).values(**values)
            conn.execute(upsert.on_conflict_do_update(
                index_elements=["session_id", "seq"],
                set_={"rating": rating, "comment": comment, "updated_at": now},
            ))
            row = conn.execute(select(feedback_table).where(
                feedback_table.c.session_id == session_id, feedback_table.c.seq == seq)).mappings().one()
        return Feedback.model_validate(dict(row))

    def feedback(self, session_id: str) -> dict[int, Feedback]:
        """The session's ratings by turn number."""
        check_session_id(session_id)
        with self._read("read feedback") as conn:
            found = conn.execute(
                select(feedback_table).where(feedback_table.c.session_id == session_id)
            ).mappings().all()
        return {r["seq"]: Feedback.model_validate(dict(r)) for r in found}

    # ----------------------------------------------------------------- for the other stores

    @contextmanager
    def read_connection(self, action: str) -> Iterator[Connection]:
        """A connection in a read transaction (tables created; driver errors become domain errors).
        For the modules that keep their rows in this database (leads, insights, the Slack ledger)."""
        with self._read(action) as conn:
            yield conn

    @contextmanager
    def write_connection(self, action: str) -> Iterator[Connection]:
        """A connection in a write transaction (on SQLite it holds the write lock: keep it short)."""
        with self._write(action) as conn:
            yield conn

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def ping(self) -> bool:
        """Whether the database is reachable and the tables exist (for /readyz)."""
        try:
            with self._read("ping") as conn:
                conn.execute(text("SELECT 1"))
        except (AssistantError, SQLAlchemyError, OSError):
            return False
        return True
