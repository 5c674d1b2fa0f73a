"""Per-process locks, one per (database, session id): threads of one process
replying to the same conversation queue in order instead of spinning in the
database's busy loop."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.errors import SessionBusy
from assistant.store.failures import BUSY_MESSAGE

# Weak values: a lock lives only while some thread holds or waits for it, so the
# map does not grow forever.
_SESSION_LOCKS: weakref.WeakValueDictionary[tuple[str, str], threading.Lock] = weakref.WeakValueDictionary()
_SESSION_LOCKS_GUARD = threading.Lock()


def _session_lock(db_key: str, session_id: str) -> threading.Lock:
    with _SESSION_LOCKS_GUARD:
        lock = _SESSION_LOCKS.get((db_key, session_id))
        if lock is None:
            lock = threading.Lock()
            _SESSION_LOCKS[(db_key, session_id)] = lock
        return lock


@contextmanager
def queued(db_key: str, session_id: str, timeout: float) -> Iterator[None]:
    """Hold the session's process lock; `SessionBusy` when it is not free within `timeout` s."""
    lock = _session_lock(db_key, session_id)
    if not lock.acquire(timeout=timeout):
        raise SessionBusy(BUSY_MESSAGE, details={"session_id": session_id})
    try:
        yield
    finally:
        lock.release()
