"""What the engine remembers about a conversation between turns, typed.

The session store keeps this as one plain JSON object per session (the
`state` column); the engine reads it into a `SessionState` when a turn begins
and writes it back with `to_json()` when the turn is saved, so nothing below
the engine handles the raw dict. The JSON layout is the one the engine has
always stored, key for key: a session saved before these types existed loads
and saves back unchanged (`tests/test_state.py`), and keys this version does
not know are carried along rather than dropped.

    {"checklist": {"active", "position", "answers", "skipped", "trail", "completed",
                   "staffing"?, "costs"?},
     "pending_tool", "awaiting", "clarify"?,          # a tool waiting for a value
     "last_tool",                                      # the tool whose result was shown last
     "slots": {tool: arguments}, "slot_notes": {tool: {path: {"source", "how"}}}}

The session's language is not part of it: the store keeps it in a column of
its own (`SessionView.language`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from assistant.tools.extract import Ambiguity


class _Stored(BaseModel):
    """A part of the stored state: serialises to exactly the keys the engine stored
    before it was typed.

    A field is written when it was read from the stored JSON or assigned since,
    or when it differs from its default (a list appended to in place); a field in
    `omit_when_none` is left out while it is None (the engine used to delete
    those keys); a field in `always` is always written.
    """

    model_config = ConfigDict(extra="allow")
    always: ClassVar[frozenset[str]] = frozenset()
    omit_when_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _as_stored(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        fields = type(self).model_fields
        out: dict[str, Any] = {}
        for key, value in data.items():
            info = fields.get(key)
            if info is not None:  # keys of a newer or older version (extras) are always kept
                current = getattr(self, key)
                if current is None and key in self.omit_when_none:
                    continue
                if (key not in self.always and key not in self.model_fields_set
                        and current == info.get_default(call_default_factory=True)):
                    continue
            out[key] = value
        return out


class ComputedTool(BaseModel):
    """A tool run the checklist made from its answers: its arguments and its result."""

    model_config = ConfigDict(extra="allow")

    arguments: dict[str, Any]
    result: dict[str, Any]


class ChecklistProgress(_Stored):
    """Where the procurement checklist is: the position in the flat list of all
    questions, the answers, the trail of positions for "back", and the staffing
    plan and cost comparison computed from the answers so far."""

    always: ClassVar[frozenset[str]] = frozenset({"active", "position", "answers", "skipped", "trail", "completed"})
    omit_when_none: ClassVar[frozenset[str]] = frozenset({"staffing", "costs"})

    active: bool = False
    position: int = 0
    answers: dict[str, Any] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)
    trail: list[int] = Field(default_factory=list)
    completed: bool = False
    staffing: ComputedTool | None = None
    costs: ComputedTool | None = None

    @property
    def running(self) -> bool:
        """Started and not finished: a plain statement is an answer to the current question."""
        return self.active and not self.completed

    def clear(self) -> None:
        """Back to a fresh checklist, in place (callers hold this object)."""
        fresh = type(self)()
        for name in type(self).model_fields:
            setattr(self, name, getattr(fresh, name))
        if self.__pydantic_extra__:
            self.__pydantic_extra__.clear()


class SlotNote(BaseModel):
    """Where a tool argument came from: the words it was read from and, when it
    was worked out rather than stated, how ("yearly", "peak_hour", ...)."""

    model_config = ConfigDict(extra="allow")

    source: str | None = None
    how: str | None = None


class SessionState(_Stored):
    """The engine's memory of one conversation (see the module docstring)."""

    omit_when_none: ClassVar[frozenset[str]] = frozenset({"checklist", "clarify"})

    checklist: ChecklistProgress | None = None
    #: The tool collecting its arguments, and the argument it asked for last.
    pending_tool: str | None = None
    awaiting: str | None = None
    #: A value that could fill either of two arguments: the question "yours or the vendor's?" is open.
    clarify: Ambiguity | None = None
    #: The tool whose result was shown last (a figure in the next message corrects it).
    last_tool: str | None = None
    #: Each tool's arguments gathered so far (as merged; the tools validate them when they run).
    slots: dict[str, Any] = Field(default_factory=dict)
    slot_notes: dict[str, dict[str, SlotNote]] = Field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> SessionState:
        """The state the store kept (None or {} for a new session)."""
        return cls.model_validate(dict(data or {}))

    @classmethod
    def coerce(cls, state: SessionState | Mapping[str, Any] | None) -> SessionState:
        """`state` itself, or the state a stored JSON object describes."""
        return state if isinstance(state, SessionState) else cls.from_json(state)

    def to_json(self) -> dict[str, Any]:
        """The JSON object the store keeps."""
        return self.model_dump(mode="json")

    @property
    def checklist_running(self) -> bool:
        return self.checklist is not None and self.checklist.running

    def checklist_progress(self) -> ChecklistProgress:
        """The checklist's progress, started fresh (not yet active) when there is none."""
        if self.checklist is None:
            self.checklist = ChecklistProgress()
        return self.checklist


class SessionView(BaseModel):
    """A session as the surfaces see it: its language and its state."""

    id: str
    language: str | None
    state: SessionState
