"""The SQL of one conversation: insert and lock its row, check its version, read
its turns and save a transaction (state, language, new turns, version + 1).
Every function runs on a connection inside the caller's transaction."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.errors import NotFound, SessionConflict
from assistant.store.backends import bound_lock_wait
from assistant.store.models import Turn, hash_token
from assistant.store.schema import sessions_table, turns_table, utcnow
from assistant.store.transaction import SessionTxn


def insert_session(conn: Connection, session_id: str, language: str | None, token: str) -> None:
    now = utcnow()
    conn.execute(
        insert(sessions_table).values(
            id=session_id,
            token_hash=hash_token(token),
            created_at=now,
            updated_at=now,
            language=language,
            state={},
            version=0,
        )
    )


def read_session(conn: Connection, session_id: str) -> Any:
    """The session's row as a mapping, or None (no lock)."""
    return conn.execute(select(sessions_table).where(sessions_table.c.id == session_id)).mappings().first()


#: The session's row with its last turn's sequence number (`last_seq`, None without turns):
#: what a turn reads, in one statement.
_SESSION_WITH_LAST_SEQ = select(
    sessions_table,
    select(func.max(turns_table.c.seq)).where(turns_table.c.session_id == sessions_table.c.id)
    .scalar_subquery().label("last_seq"),
).where(sessions_table.c.id == bindparam("session_id"))


def read_session_for_turn(conn: Connection, session_id: str) -> Any:
    """The session's row plus `last_seq` (0 without turns) as a mapping, or None (no lock)."""
    row = conn.execute(_SESSION_WITH_LAST_SEQ, {"session_id": session_id}).mappings().first()
    return None if row is None else {**row, "last_seq": int(row["last_seq"] or 0)}


def lock_session(conn: Connection, session_id: str, *, create: bool, language: str | None,
                 busy_timeout: float) -> SessionTxn:
    """Lock the session's row for this transaction (creating it with `create`) and open a txn on it."""
    bound_lock_wait(conn, busy_timeout)
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
                insert_session(conn, session_id, language, candidate)
            token = candidate
        except IntegrityError:
            token = None
        row = conn.execute(locking).mappings().one()
    return SessionTxn(
        session_id=session_id,
        language=row["language"],
        state=dict(row["state"] or {}),
        version=row["version"],
        turns=lambda: load_turns(conn, session_id),  # the connection stays open while the block runs
        last_seq=last_seq(conn, session_id),
        created=token is not None,
        token=token,
    )


def last_seq(conn: Connection, session_id: str) -> int:
    """The session's last turn's sequence number (0 without turns)."""
    value = conn.execute(select(func.max(turns_table.c.seq)).where(turns_table.c.session_id == session_id)).scalar()
    return int(value or 0)


def load_turns(conn: Connection, session_id: str) -> list[Turn]:
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


# The statements of a turn's save, built once (not per turn): only their parameters change.
_SAVE_VALUES = {
    "state": bindparam("b_state", type_=sessions_table.c.state.type),
    "language": bindparam("b_language", type_=sessions_table.c.language.type),
    "updated_at": bindparam("b_updated_at", type_=sessions_table.c.updated_at.type),
    "version": bindparam("b_new_version", type_=sessions_table.c.version.type),
}
_SAVE = update(sessions_table).where(sessions_table.c.id == bindparam("b_id")).values(_SAVE_VALUES)
_SAVE_IF_VERSION = (update(sessions_table)
                    .where(sessions_table.c.id == bindparam("b_id"), sessions_table.c.version == bindparam("b_version"))
                    .values(_SAVE_VALUES))
_INSERT_TURN = insert(turns_table)


def save(conn: Connection, txn: SessionTxn, state: dict[str, Any], *,
         conflict: SessionConflict | None = None) -> int:
    """Write the txn's state, language and new turns; returns the new version.

    With `conflict`, the row is written only while its version is still the txn's
    (the check and the write are one UPDATE, which takes the row's lock on
    PostgreSQL): `conflict` is raised when another writer got there first, and
    NotFound when the session was deleted meanwhile.
    """
    new_version = txn.version + 1
    values = {"b_id": txn.id, "b_version": txn.version, "b_state": state, "b_language": txn.language,
              "b_updated_at": utcnow(), "b_new_version": new_version}
    written = conn.execute(_SAVE_IF_VERSION if conflict is not None else _SAVE, values).rowcount
    if conflict is not None and written != 1:
        exists = conn.execute(select(sessions_table.c.id).where(sessions_table.c.id == txn.id)).first()
        if exists is None:
            raise NotFound(f"No session with id '{txn.id}'.")
        raise conflict
    new_turns = txn.new_turns
    if new_turns:
        conn.execute(
            _INSERT_TURN,
            [
                {
                    "session_id": txn.id,
                    "seq": t.seq,
                    "role": t.role,
                    "text": t.text,
                    "payload": t.payload,
                    "created_at": t.created_at,
                }
                for t in new_turns
            ],
        )
    return new_version
