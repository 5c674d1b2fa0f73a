"""The one object every surface renders: `Reply`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Intent = Literal["question", "tool", "checklist", "greeting", "off_topic", "error"]


class Citation(BaseModel):
    """A verbatim passage of an article: `quote == article.text[start_index:end_index]`."""

    n: int = Field(description="Citation number as used in the text, [n].")
    doc_id: str
    title: str
    language: str = Field(description="Language of the article (not of the reply).")
    heading: str
    quote: str
    start_index: int
    end_index: int


class ToolRun(BaseModel):
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


SuggestionAction = Literal[
    "ask",
    "checklist.start",
    "checklist.skip",
    "checklist.back",
    "checklist.export",
    "checklist.answer",
    "checklist.restart",
    "tool.staffing",
    "tool.cost_comparison",
]
ACTIONS: tuple[str, ...] = SuggestionAction.__args__  # type: ignore[attr-defined]


class Suggestion(BaseModel):
    """A next step a client renders as a button. Pressing it performs `action`
    (`POST /v1/sessions/{id}/actions`, `Assistant.act`): "ask" sends `value` as
    the user's message, "checklist.answer" answers the current question with
    `value`, the other actions need no value. Clients never match the label."""

    label: str
    action: SuggestionAction = "ask"
    value: str | None = Field(None, description="The question to ask, or the answer to give.")


class Understood(BaseModel):
    """One value a tool used, as the reply understood it: shown before every
    computed result so a misread number can be corrected in the next message."""

    slot: str = Field(description="Argument path, e.g. aht_seconds or offers.1.price_per_minute.")
    value: Any
    text: str = Field(description="The value as shown to the user, in the reply's language.")
    source: str | None = Field(None, description="What the user wrote, when it was read from a message.")
    how: Literal["stated", "derived", "assumed"] = "stated"


class Choice(BaseModel):
    id: str
    label: str


class ChecklistView(BaseModel):
    step_id: str
    step_number: int
    title: str
    question_id: str | None = None
    question: str | None = None
    answer_type: str | None = None
    unit: str | None = None
    required: bool = False
    choices: list[Choice] = []
    done: int
    total: int
    completed: bool = False


class Reply(BaseModel):
    session_id: str
    text: str = Field(description="Markdown, in `language`.")
    language: str
    intent: Intent
    citations: list[Citation] = []
    tool: ToolRun | None = None
    missing: list[str] = Field(default_factory=list, description="Tool arguments still needed.")
    pending_tool: str | None = Field(None, description="The tool whose arguments `missing` lists.")
    understood: list[Understood] = Field(default_factory=list,
                                         description="The values a tool used or has so far (and the assumptions).")
    checklist: ChecklistView | None = None
    covered: bool = True
    coverage: Literal["covered", "partial", "not_covered"] = Field(
        "covered", description="Whether the sources answer the question: fully, only in part (the reply says "
        "what they lack, then gives the closest passage), or not at all.")
    missing_terms: list[str] = Field(
        default_factory=list, description="With coverage 'partial': the question's terms no source contains.")
    suggestions: list[Suggestion] = []
    notice: str | None = Field(None, description="A note about the reply (e.g. language not supported).")
    turn: int | None = Field(None, description="Sequence number of the stored assistant turn (what feedback "
                             "rates: POST /v1/sessions/{id}/turns/{turn}/feedback).")
