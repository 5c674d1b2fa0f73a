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


class Suggestion(BaseModel):
    """A next step a client can render as a button; sending `message` performs it."""

    label: str
    message: str


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
    brief_available: bool = True


class Reply(BaseModel):
    session_id: str
    text: str = Field(description="Markdown, in `language`.")
    language: str
    intent: Intent
    citations: list[Citation] = []
    tool: ToolRun | None = None
    missing: list[str] = Field(default_factory=list, description="Tool arguments still needed.")
    pending_tool: str | None = Field(None, description="The tool whose arguments `missing` lists.")
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
