"""What differs between SQLite and PostgreSQL, in one place.

* SQLite (one host): the driver's own deferred BEGIN is switched off so that
  writers start with `BEGIN IMMEDIATE`, taking the database's single write lock
  up front: a read-modify-write can never be based on a stale snapshot, and
  other writers wait up to the busy timeout (`PRAGMA busy_timeout`). WAL mode
  lets readers proceed meanwhile; foreign keys are switched on.
* PostgreSQL (shared by replicas): row locks (`SELECT ... FOR UPDATE`) with a
  bounded wait (`SET LOCAL lock_timeout`).
* Upserts: both dialects have `INSERT ... ON CONFLICT`, each in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from assistant.errors import InvalidInput

# Execution option that makes the SQLite `begin` hook emit BEGIN IMMEDIATE.
SQLITE_BEGIN_OPTION = "assistant_sqlite_begin"
WRITE_OPTIONS = {SQLITE_BEGIN_OPTION: "IMMEDIATE"}


@dataclass(frozen=True)
class Database:
    """The engine for a database URL, with what the store needs to know about it."""

    engine: Engine
    #: For writes: on SQLite its transactions begin IMMEDIATE.
    write_engine: Engine
    #: The URL without its password: names the database in per-process lock keys.
    key: str
    #: The SQLite file (its folder is created on first use); None on PostgreSQL.
    sqlite_path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite_path is not None


def open_database(url: str, busy_timeout: float) -> Database:
    """An engine for `url` (SQLite file or PostgreSQL); InvalidInput when the URL is unusable."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput("database_url", "is not a valid SQLAlchemy database URL") from exc
    sqlite_path: Path | None = None
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
                # Each pooled connection would see its own empty database; a
                # temporary file gives tests the same semantics as production.
                raise InvalidInput("database_url", "in-memory SQLite is not supported; use a file")
            sqlite_path = Path(database)
            engine = create_engine(parsed)
            install_sqlite_hooks(engine, busy_timeout)
        else:
            # pre_ping: replicas outlive database restarts and failovers.
            engine = create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise InvalidInput(
            "database_url", f"cannot use this database URL ({type(exc).__name__}: {exc})"
        ) from exc
    return Database(engine=engine, write_engine=engine.execution_options(**WRITE_OPTIONS),
                    key=parsed.render_as_string(hide_password=True), sqlite_path=sqlite_path)


def install_sqlite_hooks(engine: Engine, busy_timeout: float) -> None:
    """Busy timeout, WAL and foreign keys on every connection; BEGIN as the connection's
    execution options say (`WRITE_OPTIONS`: IMMEDIATE)."""
    busy_ms = int(busy_timeout * 1000)

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
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def bound_lock_wait(conn: Connection, busy_timeout: float) -> None:
    """On PostgreSQL, give up waiting for a row lock after `busy_timeout` seconds, like
    SQLite's busy timeout does (SQLite needs nothing here)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(busy_timeout * 1000)}ms'")


def dialect_insert(conn: Connection) -> Any:
    """`insert` with ON CONFLICT for this backend (both dialects have `on_conflict_do_update`)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
