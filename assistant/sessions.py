"""The conversation store: sessions, their engine-owned state and their turns.

Every front end (HTTP API, Slack bot, CLI, evals) goes through one
`Assistant.reply(session_id, message)`, which reads and writes a session inside
`SessionStore.update(...)`. That is the unit of consistency: the state, the
language and the new turns of one reply are committed together or not at all,
and replies to the same session are serialised so that two concurrent messages
can never lose or interleave turns. `update` computes the reply without holding
a database lock and saves with a version check (see its docstring);
`transaction` holds the lock from the read to the commit, for short writes and
for a reply that lost such a race (the engine computes it again under the lock,
so a busy conversation cannot starve).

How the serialisation works, per backend:

* PostgreSQL (production, shared by several replicas): `SELECT ... FOR UPDATE`
  on the session row at the start of the transaction. Other sessions proceed in
  parallel; a waiter gives up after `busy_timeout` (`SET LOCAL lock_timeout`).
* SQLite (one host): the transaction starts with `BEGIN IMMEDIATE`, which takes
  the database's single write lock up front, so a read-modify-write can never
  be based on a stale snapshot; other writers wait up to `busy_timeout`
  (`PRAGMA busy_timeout`). WAL mode lets readers proceed meanwhile. SQLite has
  one writer at a time, so on SQLite all write transactions (of any session)
  are serialised: keep the body of a transaction short.
* In both cases a per-process `threading.Lock` per session id makes threads of
  one process queue in order instead of spinning in the database's busy loop.

Session ids are either generated (`secrets.token_urlsafe(24)`, 192 bits) or
given by the caller (Slack thread keys, CLI names). Each session also has a
secret token, returned once at creation and stored only as a SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, ProgrammingError, SQLAlchemyError

from assistant.errors import AssistantError, InvalidInput, NotFound, SessionBusy, SessionConflict, SessionStoreError
from assistant.settings import get_settings

log = logging.getLogger(__name__)

Role = Literal["user", "assistant"]
ROLES: tuple[str, ...] = ("user", "assistant")

SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
# A BCP 47-ish tag ("sv", "nb", "en-GB"); the engine decides which ones it supports.
LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}")
MAX_LANGUAGE_CHARS = 35

DEFAULT_BUSY_TIMEOUT = 30.0

# Execution option that makes the SQLite `begin` hook emit BEGIN IMMEDIATE.
_SQLITE_BEGIN_OPTION = "assistant_sqlite_begin"


# --------------------------------------------------------------------------- schema


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no timezone type and would silently drop the offset, so values are
    stored there as naive UTC and made aware again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the session store; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

sessions_table = Table(
    "sessions",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("language", String(MAX_LANGUAGE_CHARS), nullable=True),
    Column("state", JSON(), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_sessions_updated_at", "updated_at"),  # purge scans by age
)

turns_table = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(128), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    # none_as_null: "no structured reply" is SQL NULL, not the JSON value null.
    Column("payload", JSON(none_as_null=True), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("session_id", "seq", name="uq_turns_session_seq"),
    CheckConstraint("role IN ('user', 'assistant')", name="ck_turns_role"),
)

# Tables added after the first release are new tables only, never new columns of
# existing ones: `metadata.create_all` (checkfirst) then migrates a database of
# any earlier version on first use, on SQLite and PostgreSQL alike.

feedback_table = Table(
    "feedback",
    metadata,
    Column("session_id", String(128), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("rating", String(8), nullable=False),
    Column("comment", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # With its turn (and so with its session) the rating goes too.
    ForeignKeyConstraint(["session_id", "seq"], ["turns.session_id", "turns.seq"], ondelete="CASCADE",
                         name="fk_feedback_turn"),
    CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),
    Index("ix_feedback_updated_at", "updated_at"),
)

leads_table = Table(
    "leads",
    metadata,
    Column("id", String(32), primary_key=True),
    # SET NULL: deleting the conversation keeps what the visitor consented to send, nothing else.
    Column("session_id", String(128), ForeignKey("sessions.id", ondelete="SET NULL"), nullable=True),
    Column("source", String(16), nullable=False),
    Column("language", String(MAX_LANGUAGE_CHARS), nullable=False),
    Column("contact", JSON(), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("brief", JSON(), nullable=False),
    Column("transcript", JSON(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_leads_created_at", "created_at"),
)

lead_deliveries_table = Table(
    "lead_deliveries",
    metadata,
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_by", String(32), nullable=True),
    Column("claimed_until", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", UTCDateTime(), nullable=True),
    CheckConstraint("status IN ('pending', 'delivered')", name="ck_lead_deliveries_status"),
    Index("ix_lead_deliveries_due", "status", "next_attempt_at"),
)


# --------------------------------------------------------------------------- models


class CreatedSession(BaseModel):
    """A new session. The token is shown this once; only its hash is kept."""

    model_config = ConfigDict(frozen=True)

    id: str
    token: str = Field(repr=False)


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    role: Role
    text: str
    payload: dict[str, Any] | None = None
    created_at: datetime


Rating = Literal["up", "down"]
MAX_FEEDBACK_COMMENT_CHARS = 2000


class Feedback(BaseModel):
    """A visitor's rating of one assistant turn (sending again replaces it)."""

    model_config = ConfigDict(frozen=True)

    seq: int
    rating: Rating
    comment: str | None = None
    created_at: datetime
    updated_at: datetime


class SessionSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    language: str | None
    state: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    turn_count: int


class SessionTxn:
    """One open transaction on one session (see `SessionStore.transaction`).

    Mutate `state` and `language` and `append` turns freely; nothing reaches the
    database until the `with` block exits normally.
    """

    def __init__(
        self,
        *,
        session_id: str,
        language: str | None,
        state: dict[str, Any],
        version: int,
        turns: list[Turn],
        created: bool,
        token: str | None,
    ) -> None:
        self._id = session_id
        self._language = language
        self._state = state
        self._version = version
        self._turns = turns
        self._new_turns: list[Turn] = []
        self._created = created
        self._token = token
        self._open = True

    def __repr__(self) -> str:  # never the token: reprs end up in logs
        return f"SessionTxn(id={self._id!r}, version={self._version}, new_turns={len(self._new_turns)})"

    @property
    def id(self) -> str:
        return self._id

    @property
    def created(self) -> bool:
        """True when this transaction created the session."""
        return self._created

    @property
    def token(self) -> str | None:
        """The new session's secret token, only when `created`; shown this once."""
        return self._token

    @property
    def version(self) -> int:
        """The version read at the start; after a commit, the version just written."""
        return self._version

    @property
    def language(self) -> str | None:
        return self._language

    @language.setter
    def language(self, value: str | None) -> None:
        self._language = _check_language(value)

    @property
    def state(self) -> dict[str, Any]:
        return self._state

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        if not isinstance(value, dict):
            raise InvalidInput("state", "must be a dict")
        self._state = value

    @property
    def turns(self) -> list[Turn]:
        """The turns committed before this transaction, in order (a copy)."""
        return list(self._turns)

    @property
    def new_turns(self) -> list[Turn]:
        """The turns appended in this transaction, not yet committed (a copy)."""
        return list(self._new_turns)

    def append(self, role: Role, text: str, payload: Mapping[str, Any] | BaseModel | None = None) -> Turn:
        """Queue a turn with the next sequence number; written at commit."""
        self._check_open()
        if role not in ROLES:
            raise InvalidInput("role", f"must be one of {', '.join(ROLES)}")
        if not isinstance(text, str):
            raise InvalidInput("text", "must be a string")
        if "\x00" in text:  # PostgreSQL text cannot hold NUL; refuse it on every backend alike
            raise InvalidInput("text", "must not contain NUL characters")
        if isinstance(payload, BaseModel):
            payload = payload.model_dump(mode="json")
        if payload is not None:
            if not isinstance(payload, Mapping):
                raise InvalidInput("payload", "must be a JSON object or None")
            # Store exactly what a later read returns (tuples become lists, etc.).
            payload = _json_roundtrip(payload, "payload")
        last = self._new_turns[-1].seq if self._new_turns else (self._turns[-1].seq if self._turns else 0)
        turn = Turn(seq=last + 1, role=role, text=text, payload=payload, created_at=_utcnow())
        self._new_turns.append(turn)
        return turn

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("this session transaction has already ended")


# --------------------------------------------------------------------------- helpers


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _hash_token(token: str) -> str:
    # The token carries 256 bits of randomness, so a fast hash is enough: there is
    # nothing to brute-force that a slow KDF would protect.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_session_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not SESSION_ID_PATTERN.fullmatch(session_id):
        raise InvalidInput(
            "session_id", "must be 1-128 characters of letters, digits and . _ : @ -"
        )
    return session_id


def _check_language(language: object) -> str | None:
    if language is None:
        return None
    if (
        not isinstance(language, str)
        or len(language) > MAX_LANGUAGE_CHARS
        or not LANGUAGE_PATTERN.fullmatch(language)
    ):
        raise InvalidInput("language", "must be a language tag such as 'sv' or 'en-GB'")
    return language


def _json_roundtrip(value: Any, field: str) -> Any:
    try:
        # allow_nan=False: PostgreSQL's JSON rejects NaN/Infinity; fail the same way on SQLite.
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(field, f"must be JSON-serialisable ({exc})") from exc


def _is_busy(exc: SQLAlchemyError) -> bool:
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    if "database is locked" in str(orig).lower():  # SQLite busy timeout ran out
        return True
    # PostgreSQL: lock_timeout, deadlock, serialization failure.
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in {"55P03", "40P01", "40001"}


@contextmanager
def _translated(action: str) -> Iterator[None]:
    """Turn driver errors into domain errors; the original stays chained for the log."""
    try:
        yield
    except IntegrityError:
        raise  # a constraint the caller handles (duplicate id)
    except SQLAlchemyError as exc:
        if _is_busy(exc):
            raise SessionBusy(
                "The conversation is busy with another message; please try again.",
                details={"action": action},
            ) from exc
        log.warning("session store failed to %s: %s", action, exc)
        raise SessionStoreError(
            "The conversation store is unavailable; please try again later.",
            details={"action": action},
        ) from exc


def _dialect_insert(conn: Connection) -> Any:
    """`insert` with ON CONFLICT for this backend (both dialects have `on_conflict_do_update`)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


# Per-process locks, one per (database, session id). Weak values: a lock lives
# only while some thread holds or waits for it, so the map does not grow forever.
_SESSION_LOCKS: weakref.WeakValueDictionary[tuple[str, str], threading.Lock] = weakref.WeakValueDictionary()
_SESSION_LOCKS_GUARD = threading.Lock()


def _session_lock(db_key: str, session_id: str) -> threading.Lock:
    with _SESSION_LOCKS_GUARD:
        lock = _SESSION_LOCKS.get((db_key, session_id))
        if lock is None:
            lock = threading.Lock()
            _SESSION_LOCKS[(db_key, session_id)] = lock
        return lock


# --------------------------------------------------------------------------- store


class SessionStore:
    """Persistent sessions and turns in any SQLAlchemy database (SQLite or PostgreSQL)."""

    def __init__(self, url: str | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        raw_url = url if url is not None else get_settings().database_url
        try:
            parsed = make_url(raw_url)
        except ArgumentError as exc:
            raise InvalidInput("database_url", "is not a valid SQLAlchemy database URL") from exc
        if busy_timeout <= 0:
            raise InvalidInput("busy_timeout", "must be a positive number of seconds")

        self._busy_timeout = float(busy_timeout)
        self._is_sqlite = parsed.get_backend_name() == "sqlite"
        self._sqlite_path: Path | None = None
        self._db_key = parsed.render_as_string(hide_password=True)
        self._ready = False
        self._init_lock = threading.Lock()
        self._held = threading.local()  # session ids with a transaction open in this thread

        try:
            if self._is_sqlite:
                database = parsed.database or ""
                if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
                    # Each pooled connection would see its own empty database; a
                    # temporary file gives tests the same semantics as production.
                    raise InvalidInput("database_url", "in-memory SQLite is not supported; use a file")
                self._sqlite_path = Path(database)
                self._engine = create_engine(parsed)
                self._install_sqlite_hooks(self._engine)
            else:
                # pre_ping: replicas outlive database restarts and failovers.
                self._engine = create_engine(parsed, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            raise InvalidInput(
                "database_url", f"cannot use this database URL ({type(exc).__name__}: {exc})"
            ) from exc
        self._write_engine = self._engine.execution_options(**{_SQLITE_BEGIN_OPTION: "IMMEDIATE"})

    def _install_sqlite_hooks(self, engine: Engine) -> None:
        busy_ms = int(self._busy_timeout * 1000)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # SQLAlchemy's documented pysqlite recipe: stop the driver from issuing
            # its own (deferred, late) BEGIN, so the `begin` hook below decides.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                # busy_timeout first: switching to WAL needs a lock another process may hold.
                cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA foreign_keys = ON")
            finally:
                cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Writers take the write lock at BEGIN: a deferred transaction that reads
            # and later writes fails with SQLITE_BUSY (no waiting) when another
            # writer committed in between, and its read would be stale anyway.
            mode = conn.get_execution_options().get(_SQLITE_BEGIN_OPTION, "")
            conn.exec_driver_sql(f"BEGIN {mode}".strip())

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
            if self._sqlite_path is not None:
                try:
                    self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise SessionStoreError(
                        "The conversation store's folder cannot be created.",
                        details={"path": str(self._sqlite_path.parent)},
                    ) from exc
            with _translated("create the tables"):
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
            metadata.create_all(conn)

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        self._ensure_ready()
        with _translated(action), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self, action: str) -> Iterator[Connection]:
        self._ensure_ready()
        self._refuse_nested_write(None)
        with _translated(action), self._write_engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write_unheld(self, action: str) -> Iterator[Connection]:
        # `_write` without the nested-write guard: `update` saves while its own
        # session id is marked as being updated, which is the one allowed write.
        with _translated(action), self._write_engine.connect() as conn, conn.begin():
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
        if held and self._is_sqlite:
            raise RuntimeError("SQLite has one writer: finish the open session transaction first")

    @contextmanager
    def _queued(self, session_id: str) -> Iterator[None]:
        lock = _session_lock(self._db_key, session_id)
        if not lock.acquire(timeout=self._busy_timeout):
            raise SessionBusy(
                "The conversation is busy with another message; please try again.",
                details={"session_id": session_id},
            )
        try:
            yield
        finally:
            lock.release()

    # ----------------------------------------------------------------- API

    def create(self, session_id: str | None = None, language: str | None = None) -> CreatedSession:
        """Create a session (with a generated id unless one is given) and return its token."""
        session_id = secrets.token_urlsafe(24) if session_id is None else _check_session_id(session_id)
        language = _check_language(language)
        token = secrets.token_urlsafe(32)
        try:
            with self._write("create a session") as conn:
                self._insert_session(conn, session_id, language, token)
        except IntegrityError as exc:
            raise InvalidInput("session_id", "already exists") from exc
        return CreatedSession(id=session_id, token=token)

    def get(self, session_id: str) -> SessionSnapshot | None:
        """The session's current state, or None when there is no such session."""
        _check_session_id(session_id)
        with self._read("read a session") as conn:
            row = conn.execute(
                select(sessions_table).where(sessions_table.c.id == session_id)
            ).mappings().first()
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
        _check_session_id(session_id)
        with self._read("read a conversation") as conn:
            exists = conn.execute(
                select(sessions_table.c.id).where(sessions_table.c.id == session_id)
            ).first()
            if exists is None:
                raise NotFound(f"No session with id '{session_id}'.")
            return self._load_turns(conn, session_id)

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
        return hmac.compare_digest(_hash_token(token), expected) and stored is not None

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
        _check_session_id(session_id)
        language = _check_language(language)
        self._refuse_nested_write(session_id)
        self._ensure_ready()
        held = self._held_ids()
        with self._queued(session_id):
            held.add(session_id)
            try:
                with _translated("open a conversation"):
                    conn = self._write_engine.connect()
                try:
                    with _translated("open a conversation"):
                        trans = conn.begin()
                        txn = self._lock_session(conn, session_id, create=create, language=language)
                    try:
                        yield txn
                    finally:
                        # Also on error: a txn object kept past its block must not
                        # suggest that appending to it still means something.
                        txn._open = False
                    state = _json_roundtrip(txn.state, "state")
                    with _translated("save the conversation"):
                        txn._version = self._save(conn, txn, state)
                        trans.commit()
                finally:
                    conn.close()  # rolls back whatever was not committed
            finally:
                held.discard(session_id)

    @contextmanager
    def update(self, session_id: str, *, create: bool = False, language: str | None = None) -> Iterator[SessionTxn]:
        """Like `transaction`, but the database is locked only while saving.

        A reply may take seconds (retrieval, a language model), and on SQLite a
        write transaction locks the whole database: holding it while thinking
        would stall every other conversation. So the session is read without a
        lock, the block runs, and the save checks that the version is still the
        one read. Threads of this process are still serialised per session (the
        process lock is held throughout); when another process or replica saved
        in between, the save raises `SessionConflict` and writes nothing, and
        the caller runs the block again on fresh state (inside `transaction`,
        which cannot lose the race again).
        """
        _check_session_id(session_id)
        language = _check_language(language)
        self._refuse_nested_write(session_id)
        self._ensure_ready()
        # Not `held`: no database lock is held while the block runs, so other
        # sessions may be written meanwhile, even from this thread.
        updating = self._updating_ids()
        with self._queued(session_id):
            updating.add(session_id)
            try:
                with self._read("open a conversation") as conn:
                    row = conn.execute(
                        select(sessions_table).where(sessions_table.c.id == session_id)
                    ).mappings().first()
                    turns = self._load_turns(conn, session_id) if row is not None else []
                if row is None and not create:
                    raise NotFound(f"No session with id '{session_id}'.")
                token = secrets.token_urlsafe(32) if row is None else None
                txn = SessionTxn(
                    session_id=session_id,
                    language=row["language"] if row is not None else language,
                    state=dict(row["state"] or {}) if row is not None else {},
                    version=row["version"] if row is not None else 0,
                    turns=turns,
                    created=row is None,
                    token=token,
                )
                try:
                    yield txn
                finally:
                    txn._open = False
                state = _json_roundtrip(txn.state, "state")
                conflict = SessionConflict(
                    "The conversation changed while this message was answered; please send it again.",
                    details={"session_id": session_id},
                )
                try:
                    with self._write_unheld("save the conversation") as conn:
                        if token is not None:
                            self._insert_session(conn, session_id, txn.language, token)
                        else:
                            self._check_version(conn, session_id, txn._version, conflict)
                        txn._version = self._save(conn, txn, state)
                except IntegrityError as exc:  # another process created the same id meanwhile
                    raise conflict from exc
            finally:
                updating.discard(session_id)

    def delete(self, session_id: str) -> bool:
        """Delete the session and its turns; False when there was none."""
        _check_session_id(session_id)
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
        cutoff = _utcnow() - timedelta(days=days)
        with self._write("purge old sessions") as conn:
            # Turns go with their session through ON DELETE CASCADE.
            result = conn.execute(delete(sessions_table).where(sessions_table.c.updated_at < cutoff))
            return int(result.rowcount or 0)

    # ----------------------------------------------------------------- feedback

    def set_feedback(self, session_id: str, seq: int, rating: str, comment: str | None = None) -> Feedback:
        """Rate the assistant turn `seq` of the session; a second rating replaces the first
        (rating and comment alike). A missing session or turn, or a user turn, is `NotFound`."""
        _check_session_id(session_id)
        if rating not in ("up", "down"):
            raise InvalidInput("rating", "must be 'up' or 'down'")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise InvalidInput("seq", "must be a turn number, 1 or more")
        if isinstance(comment, str) and not comment.strip():
            comment = None  # an empty comment box is no comment
        if comment is not None:
            from assistant.user_text import clean_user_text

            comment = clean_user_text(comment, MAX_FEEDBACK_COMMENT_CHARS, "comment", keep_newlines=True)
        now = _utcnow()
        with self._write("save feedback") as conn:
            role = conn.execute(
                select(turns_table.c.role).where(turns_table.c.session_id == session_id, turns_table.c.seq == seq)
            ).scalar_one_or_none()
            if role != "assistant":
                raise NotFound(f"No answer {seq} in session '{session_id}'.")
            values = {"session_id": session_id, "seq": seq, "rating": rating, "comment": comment,
                      "created_at": now, "updated_at": now}
            upsert = _dialect_insert(conn)(feedback_table).values(**values)
            conn.execute(upsert.on_conflict_do_update(
                index_elements=["session_id", "seq"],
                set_={"rating": rating, "comment": comment, "updated_at": now},
            ))
            row = conn.execute(select(feedback_table).where(
                feedback_table.c.session_id == session_id, feedback_table.c.seq == seq)).mappings().one()
        return Feedback.model_validate(dict(row))

    def feedback(self, session_id: str) -> dict[int, Feedback]:
        """The session's ratings by turn number."""
        _check_session_id(session_id)
        with self._read("read feedback") as conn:
            rows = conn.execute(
                select(feedback_table).where(feedback_table.c.session_id == session_id)
            ).mappings().all()
        return {r["seq"]: Feedback.model_validate(dict(r)) for r in rows}

    # ----------------------------------------------------------------- for the other stores

    @contextmanager
    def read_connection(self, action: str) -> Iterator[Connection]:
        """A connection in a read transaction (tables created; driver errors become domain errors).
        For the modules that keep their rows in this database (leads, insights)."""
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

    # ----------------------------------------------------------------- internals

    def _insert_session(self, conn: Connection, session_id: str, language: str | None, token: str) -> None:
        now = _utcnow()
        conn.execute(
            insert(sessions_table).values(
                id=session_id,
                token_hash=_hash_token(token),
                created_at=now,
                updated_at=now,
                language=language,
                state={},
                version=0,
            )
        )

    def _lock_session(self, conn: Connection, session_id: str, *, create: bool, language: str | None) -> SessionTxn:
        if conn.dialect.name == "postgresql":
            # Bound the wait for the row lock like SQLite's busy timeout does.
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(self._busy_timeout * 1000)}ms'")
        locking = select(sessions_table).where(sessions_table.c.id == session_id).with_for_update()
        row = conn.execute(locking).mappings().first()
        token: str | None = None
        if row is None:
            if not create:
                raise NotFound(f"No session with id '{session_id}'.")
            candidate = secrets.token_urlsafe(32)
            try:
                # A savepoint, so losing a creation race (PostgreSQL: another replica
                # inserted the same id first) leaves this transaction usable.
                with conn.begin_nested():
                    self._insert_session(conn, session_id, language, candidate)
                token = candidate
            except IntegrityError:
                token = None
            row = conn.execute(locking).mappings().one()
        return SessionTxn(
            session_id=session_id,
            language=row["language"],
            state=dict(row["state"] or {}),
            version=row["version"],
            turns=self._load_turns(conn, session_id),
            created=token is not None,
            token=token,
        )

    def _check_version(self, conn: Connection, session_id: str, expected: int, conflict: SessionConflict) -> None:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(self._busy_timeout * 1000)}ms'")
        locking = select(sessions_table.c.version).where(sessions_table.c.id == session_id).with_for_update()
        current = conn.execute(locking).scalar_one_or_none()
        if current is None:
            raise NotFound(f"No session with id '{session_id}'.")
        if current != expected:
            raise conflict

    def _load_turns(self, conn: Connection, session_id: str) -> list[Turn]:
        rows = conn.execute(
            select(
                turns_table.c.seq,
                turns_table.c.role,
                turns_table.c.text,
                turns_table.c.payload,
                turns_table.c.created_at,
            )
            .where(turns_table.c.session_id == session_id)
            .order_by(turns_table.c.seq)
        ).mappings()
        return [Turn.model_validate(dict(r)) for r in rows]

    def _save(self, conn: Connection, txn: SessionTxn, state: dict[str, Any]) -> int:
        if txn._new_turns:
            conn.execute(
                insert(turns_table),
                [
                    {
                        "session_id": txn.id,
                        "seq": t.seq,
                        "role": t.role,
                        "text": t.text,
                        "payload": t.payload,
                        "created_at": t.created_at,
                    }
                    for t in txn._new_turns
                ],
            )
        new_version = txn._version + 1
        conn.execute(
            update(sessions_table)
            .where(sessions_table.c.id == txn.id)
            .values(state=state, language=txn.language, updated_at=_utcnow(), version=new_version)
        )
        return new_version
