"""Feedback on an answer: 👍/👎 and an optional comment, one per assistant turn."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import EngineDep, SessionId
from assistant.store.models import MAX_FEEDBACK_COMMENT_CHARS

router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["feedback"])


class FeedbackIn(BaseModel):
    rating: Literal["up", "down"]
    comment: str | None = Field(None, description=f"Optional, at most {MAX_FEEDBACK_COMMENT_CHARS} characters.")


class FeedbackSaved(BaseModel):
    session_id: str
    turn: int
    rating: Literal["up", "down"]
    comment: str | None
    created_at: datetime
    updated_at: datetime


@router.post("/turns/{seq}/feedback", response_model=FeedbackSaved, summary="Rate an answer",
             description="Rates the assistant turn `seq` (the `turn` of a Reply). Sending again replaces the "
             "rating and the comment. A user turn or an unknown turn is 404, as is another session's turn.")
async def rate_answer(engine: EngineDep, body: FeedbackIn, session_id: SessionId,
                      seq: int = Path(..., ge=1, le=10_000_000)) -> FeedbackSaved:
    saved = await run_in_threadpool(engine.set_feedback, session_id, seq, body.rating, body.comment)
    return FeedbackSaved(session_id=session_id, turn=saved.seq, rating=saved.rating, comment=saved.comment,
                         created_at=saved.created_at, updated_at=saved.updated_at)
