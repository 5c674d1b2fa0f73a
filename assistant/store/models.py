"""What the store hands out and takes in: sessions, turns and feedback as
pydantic models, and the checks every id, language tag and JSON value passes
before it reaches the database."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import InvalidInput
from assistant.store.schema import MAX_LANGUAGE_CHARS, MAX_SESSION_ID_CHARS

Role = Literal["user", "assistant"]
ROLES: tuple[str, ...] = ("user", "assistant")

SESSION_ID_PATTERN = re.compile(rf"[A-Za-z0-9._:@-]{{1,{MAX_SESSION_ID_CHARS}}}")
# A BCP 47-ish tag ("sv", "nb", "en-GB"); the engine decides which ones it supports.
LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}")

Rating = Literal["up", "down"]
MAX_FEEDBACK_COMMENT_CHARS = 2000


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


def hash_token(token: str) -> str:
    # The token carries 256 bits of randomness, so a fast hash is enough: there is
    # nothing to brute-force that a slow KDF would protect.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_session_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not SESSION_ID_PATTERN.fullmatch(session_id):
        raise InvalidInput(
            "session_id", f"must be 1-{MAX_SESSION_ID_CHARS} characters of letters, digits and . _ : @ -"
        )
    return session_id


def check_language(language: object) -> str | None:
    if language is None:
        return None
    if (
        not isinstance(language, str)
        or len(language) > MAX_LANGUAGE_CHARS
        or not LANGUAGE_PATTERN.fullmatch(language)
    ):
        raise InvalidInput("language", "must be a language tag such as 'sv' or 'en-GB'")
    return language


def json_roundtrip(value: Any, field: str) -> Any:
    """`value` as a later read returns it (tuples become lists...); InvalidInput when it is not JSON."""
    try:
        # allow_nan=False: PostgreSQL's JSON rejects NaN/Infinity; fail the same way on SQLite.
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(field, f"must be JSON-serialisable ({exc})") from exc
