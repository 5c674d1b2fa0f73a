"""`SessionTxn`: one open read-modify-write of one session, what the body of
`SessionStore.transaction`, `update` and `exchange` works on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from assistant.errors import InvalidInput
from assistant.store.models import ROLES, Role, Turn, check_language, json_roundtrip
from assistant.store.schema import utcnow


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
        turns: list[Turn] | Callable[[], list[Turn]],
        last_seq: int | None = None,
        created: bool,
        token: str | None,
    ) -> None:
        self._id = session_id
        self._language = language
        self._state = state
        self._version = version
        # The history is read only when asked for: a turn needs just the last sequence
        # number, and decoding every earlier turn's reply cost more than the turn itself.
        self._turns: list[Turn] | None = None if callable(turns) else list(turns)
        self._load_turns = turns if callable(turns) else None
        self._last_seq = last_seq if last_seq is not None else (self._turns[-1].seq if self._turns else 0)
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
        self._language = check_language(value)

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
        if self._turns is None:
            assert self._load_turns is not None
            self._turns = self._load_turns()
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
            payload = json_roundtrip(payload, "payload")
        last = self._new_turns[-1].seq if self._new_turns else self._last_seq
        turn = Turn(seq=last + 1, role=role, text=text, payload=payload, created_at=utcnow())
        self._new_turns.append(turn)
        return turn

    def close(self) -> None:
        """End the transaction (the store calls this as its block ends, also on error): a txn
        object kept past its block must not suggest that appending to it still means something."""
        self._open = False

    def saved(self, version: int) -> None:
        """Record the version just committed (the store calls this after the save)."""
        self._version = version

    def _check_open(self) -> None:
        if not self._open:
            raise RuntimeError("this session transaction has already ended")
