"""Which Slack events were already taken on: a retried event never gets a second reply.

Slack re-sends an event (with `X-Slack-Retry-Num`) when it did not see a 200
in time, up to three times over about five minutes, always with the same
`event_id`. The first delivery that *claims* an event id does the work; every
later delivery of it is acknowledged and dropped.

Claims are rows of the `slack_events` table in the engine's database
(`assistant.store.schema`), so they survive a restart and are shared by every
replica on the same database. A claim is one insert that does nothing when the
id is already there (`ON CONFLICT DO NOTHING` on the primary key), so two
deliveries racing each other cannot both win, on SQLite and PostgreSQL alike.
Entries older than `ttl` (an hour, well past Slack's retry window) are pruned
on each successful claim and at most `max_entries` are kept, so the table stays
small. A per-process set in front of it answers repeats without a database
round trip.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from assistant.store.backends import dialect_insert
from assistant.store.schema import slack_events_table as events


class EventLedger:
    def __init__(self, store: Callable[[], Any], *, ttl: float = 3600.0, max_entries: int = 2000) -> None:
        self._store = store
        self.ttl = ttl
        self.max_entries = max_entries
        self._local: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def _remember(self, event_id: str, at: float) -> None:
        with self._lock:
            self._local[event_id] = at
            self._local.move_to_end(event_id)
            while len(self._local) > self.max_entries:
                self._local.popitem(last=False)

    def claim(self, event_id: str) -> bool:
        """True for the first delivery of `event_id` (do the work); False for a repeat."""
        now = time.time()
        with self._lock:
            if event_id in self._local:
                return False
        seen_at = datetime.fromtimestamp(now, UTC)
        with self._store().write_connection("claim a Slack event") as conn:
            # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
            claimed = conn.execute(
                dialect_insert(conn)(events).values(event_id=event_id, seen_at=seen_at)
                .on_conflict_do_nothing(index_elements=["event_id"]).returning(events.c.event_id)
            ).first()
            fresh = claimed is not None
            if fresh:
                conn.execute(delete(events).where(events.c.seen_at < seen_at - timedelta(seconds=self.ttl)))
                beyond = (select(events.c.event_id).order_by(events.c.seen_at.desc(), events.c.event_id)
                          .offset(self.max_entries))
                conn.execute(delete(events).where(events.c.event_id.in_(beyond)))
        self._remember(event_id, now)
        return fresh
