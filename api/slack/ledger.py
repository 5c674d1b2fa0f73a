"""Which Slack events were already taken on: a retried event never gets a second reply.

Slack re-sends an event (with `X-Slack-Retry-Num`) when it did not see a 200
in time, up to three times over about five minutes, always with the same
`event_id`. The first delivery that *claims* an event id does the work; every
later delivery of it is acknowledged and dropped.

Claims are kept in the engine's conversation store, in the state of one
reserved session (`slack:events`: `{"seen": {event_id: unix time}}`), so they
survive a restart and are shared by every replica on the same database. The
claim is a read-modify-write inside `SessionStore.transaction`, which
serialises it (SQLite `BEGIN IMMEDIATE`, PostgreSQL `SELECT ... FOR UPDATE`),
so two deliveries racing each other cannot both win. Entries older than
`ttl` (an hour, well past Slack's retry window) are pruned on each claim and
at most `max_entries` are kept, so the row stays small. A per-process set in
front of it answers repeats without a database round trip.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

LEDGER_SESSION = "slack:events"


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
        with self._store().transaction(LEDGER_SESSION, create=True) as txn:
            seen: dict[str, float] = dict((txn.state or {}).get("seen") or {})
            if event_id in seen:
                fresh = False
            else:
                fresh = True
                seen[event_id] = now
                seen = {k: v for k, v in seen.items() if now - float(v) <= self.ttl}
                if len(seen) > self.max_entries:
                    seen = dict(sorted(seen.items(), key=lambda kv: kv[1])[-self.max_entries:])
                txn.state = {**(txn.state or {}), "seen": seen}
        self._remember(event_id, now)
        return fresh
