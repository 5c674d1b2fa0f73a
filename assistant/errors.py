"""Domain exceptions.

Every error a user can cause is one of these. The edges (CLI, HTTP, Slack) turn
them into a readable message; nothing below the edge knows about HTTP codes.
"""

from __future__ import annotations

from typing import Any


class AssistantError(Exception):
    """Base class: a problem with a clear, user-facing message."""

    code: str = "assistant_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(AssistantError):
    """The caller gave a value outside what is allowed (names the field and range)."""

    code = "invalid_input"

    def __init__(self, field: str, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{field}: {message}", details={"field": field, **(details or {})})
        self.field = field


class CorpusError(AssistantError):
    """A corpus file (or its notes) is malformed; the message names the file and field."""

    code = "corpus_error"


class IndexUnavailable(AssistantError):
    """The index is missing, stale or corrupt and could not (or may not) be rebuilt."""

    code = "index_error"


class NotFound(AssistantError):
    code = "not_found"


class SessionStoreError(AssistantError):
    """The conversation store could not be reached or failed; try again later."""

    code = "session_store_error"


class SessionBusy(SessionStoreError):
    """Another reply to the same session held the lock for longer than the timeout."""

    code = "session_busy"


class SessionConflict(SessionBusy):
    """The session changed (another process or replica replied) between reading it and saving."""

    code = "session_conflict"


class Overloaded(AssistantError):
    """More requests wait for the embedding model than its queue holds; retry shortly."""

    code = "overloaded"
