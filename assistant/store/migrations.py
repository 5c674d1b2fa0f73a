"""Bring a database of any earlier version up to the current schema, on first use.

Tables added after the first release are new tables only, so `create_all`
(which creates what is missing and leaves the rest alone) does most of it. What
moved from one table to another is moved by a data migration below: each one
finds nothing to do once it has run, so every start can run them all, in the
same write transaction as `create_all` (on SQLite under the write lock, so
processes starting together do not both move the same rows).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from assistant.store.backends import dialect_insert
from assistant.store.schema import metadata, sessions_table, slack_events_table

#: Until the ledger had its own table, Slack event ids were kept in the state of
#: this reserved session: {"seen": {event_id: unix time}}.
OLD_SLACK_LEDGER_SESSION = "slack:events"


def migrate(conn: Connection) -> None:
    """Create missing tables, then move data kept in an older layout."""
    metadata.create_all(conn)
    move_slack_ledger_out_of_sessions(conn)


def move_slack_ledger_out_of_sessions(conn: Connection) -> int:
    """Move the Slack event ids of the reserved session into `slack_events` and delete
    the session; returns how many ids were moved."""
    state = conn.execute(
        select(sessions_table.c.state).where(sessions_table.c.id == OLD_SLACK_LEDGER_SESSION)
    ).scalar_one_or_none()
    if state is None:
        return 0
    seen: dict[str, Any] = dict((state or {}).get("seen") or {})
    rows = [{"event_id": str(event_id), "seen_at": datetime.fromtimestamp(float(at), UTC)}
            for event_id, at in seen.items()]
    if rows:
        conn.execute(dialect_insert(conn)(slack_events_table).on_conflict_do_nothing(index_elements=["event_id"]),
                     rows)
    conn.execute(delete(sessions_table).where(sessions_table.c.id == OLD_SLACK_LEDGER_SESSION))
    return len(rows)
