"""Driver errors turned into the store's domain errors: a lock that could not be
had is `SessionBusy` (try again), anything else `SessionStoreError` (the store
is unavailable). The original error stays chained, for the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from assistant.errors import SessionBusy, SessionStoreError

log = logging.getLogger("assistant.store")

BUSY_MESSAGE = "The conversation is busy with another message; please try again."


def is_busy(exc: SQLAlchemyError) -> bool:
    """Whether the database refused for a lock (a retry may succeed)."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    if "database is locked" in str(orig).lower():  # SQLite busy timeout ran out
        return True
    # PostgreSQL: lock_timeout, deadlock, serialization failure.
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in {"55P03", "40P01", "40001"}


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn driver errors into domain errors; `action` says what failed ("save feedback")."""
    try:
        yield
    except IntegrityError:
        raise  # a constraint the caller handles (duplicate id)
    except SQLAlchemyError as exc:
        if is_busy(exc):
            raise SessionBusy(BUSY_MESSAGE, details={"action": action}) from exc
        log.warning("session store failed to %s: %s", action, exc)
        raise SessionStoreError(
            "The conversation store is unavailable; please try again later.",
            details={"action": action},
        ) from exc
