"""Sessions and messages: JSON replies, or Server-Sent Events when asked for."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from api.deps import EngineDep, ReadyEngineDep, SessionCredentialsDep, SessionId
from api.errors import ApiError, error_body
from assistant.errors import AssistantError
from assistant.reply import Reply

log = logging.getLogger("api")

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])

#: Proxies (nginx, Cloudflare) must pass events through as they come.
STREAM_HEADERS = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


class CreateSession(BaseModel):
    language: Literal["sv", "fi", "da", "nb", "en"] | None = Field(None, description="Reply language until detected.")


class SessionCreated(BaseModel):
    id: str
    token: str = Field(description="Send as 'Authorization: Bearer <token>' on every call for this session.")
    language: str | None


class MessageIn(BaseModel):
    message: str = Field(..., description="The user's message (sv, fi, da, nb or en).")


class FeedbackOut(BaseModel):
    rating: Literal["up", "down"]
    comment: str | None = None
    updated_at: datetime


class TurnOut(BaseModel):
    seq: int
    role: Literal["user", "assistant"]
    text: str
    reply: dict[str, Any] | None = None
    feedback: FeedbackOut | None = Field(None, description="The visitor's rating of this answer, if any.")
    created_at: datetime


class SessionHistory(BaseModel):
    id: str
    language: str | None
    turns: list[TurnOut]


@router.post("", response_model=SessionCreated, status_code=201, summary="Start a session")
async def create_session(engine: EngineDep, body: CreateSession | None = None) -> SessionCreated:
    created = await run_in_threadpool(engine.create_session, body.language if body else None)
    return SessionCreated(id=created.id, token=created.token, language=body.language if body else None)


@router.get("/{session_id}", response_model=SessionHistory, summary="Session history")
async def get_session(engine: EngineDep, session_id: SessionId) -> SessionHistory:
    session = await run_in_threadpool(engine.session_view, session_id)
    turns = await run_in_threadpool(engine.history, session_id)
    ratings = await run_in_threadpool(engine.feedback, session_id)

    def out(turn: Any) -> TurnOut:
        reply = {**turn.payload, "turn": turn.seq} if turn.payload is not None and turn.role == "assistant" else None
        rated = ratings.get(turn.seq)
        feedback = FeedbackOut(rating=rated.rating, comment=rated.comment, updated_at=rated.updated_at) if rated else None
        return TurnOut(seq=turn.seq, role=turn.role, text=turn.text, reply=reply, feedback=feedback,
                       created_at=turn.created_at)

    return SessionHistory(id=session_id, language=session.language if session else None,
                          turns=[out(t) for t in turns])


@router.delete("/{session_id}", status_code=204, summary="Delete this conversation",
               description="Removes the session with its turns, feedback and checklist (so its brief). A lead the "
               "visitor sent keeps what they consented to send, no longer linked to the conversation.")
async def delete_session(engine: EngineDep, session_id: SessionId) -> Response:
    await run_in_threadpool(engine.delete_session, session_id)
    return Response(status_code=204)


@router.post(
    "/{session_id}/messages",
    response_model=Reply,
    summary="Send a message",
    description="Returns the assistant's Reply as JSON, or as Server-Sent Events when the request has "
    "`Accept: text/event-stream` (events: `delta` with text pieces, as a language model writes them; "
    "`replace` with the whole text when the final answer differs from what was streamed (e.g. a model "
    "answer that failed the grounding check, replaced by the offline answer); `citations`, `tool`, "
    "`checklist`, `done` with the whole Reply, or `error`).",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def post_message(request: Request, body: MessageIn, credentials: SessionCredentialsDep,
                       engine: ReadyEngineDep) -> Any:
    session_id = credentials.session_id
    if "text/event-stream" in request.headers.get("accept", ""):
        # A stream answers 200 at once: a wrong token must be a 404 before it starts.
        if not await run_in_threadpool(engine.verify_token, session_id, credentials.token):
            raise ApiError(404, "not_found", f"no session '{session_id}' for this token")
        return EventSourceResponse(stream_reply(engine.reply, session_id, body.message), headers=STREAM_HEADERS,
                                   ping=15)
    # The token is checked on the session row the turn reads anyway (one read, one worker thread).
    return await run_in_threadpool(partial(engine.reply, session_id, body.message, token=credentials.token))


_PIECE = re.compile(r"\S+\s*|\s+")


def text_pieces(text: str, words: int = 4) -> list[str]:
    """The reply text in small pieces (a few words each) for progressive rendering."""
    tokens = _PIECE.findall(text)
    return ["".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]


async def stream_reply(compute: Any, *args: Any) -> AsyncIterator[ServerSentEvent]:
    """Run `compute(*args, on_delta=...) -> Reply` in a worker thread and stream it
    as events: text pieces as a language model writes them (else the finished
    text in pieces), a `replace` event when the final text is not what was
    streamed, then the structured parts and `done`. Errors become an `error`
    event with the standard error body; the stream always ends."""
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue[str] = asyncio.Queue()

    def on_delta(piece: str) -> None:  # called in the worker thread
        loop.call_soon_threadsafe(pieces.put_nowait, piece)

    work = asyncio.ensure_future(run_in_threadpool(compute, *args, on_delta=on_delta))
    streamed: list[str] = []
    getter: asyncio.Future[str] | None = None
    try:
        while not work.done() or not pieces.empty():
            getter = asyncio.ensure_future(pieces.get())
            await asyncio.wait({getter, work}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                continue
            streamed.append(getter.result())
            yield ServerSentEvent(event="delta", data=json.dumps({"text": streamed[-1]}, ensure_ascii=False))
        reply: Reply = work.result()
    except AssistantError as exc:
        yield ServerSentEvent(event="error", data=json.dumps(error_body(exc.code, exc.message, exc.details)))
        return
    except Exception:  # the stream has begun: a 500 is no longer possible, an error event is
        log.exception("streamed reply failed")
        yield ServerSentEvent(event="error", data=json.dumps(error_body(
            "internal_error", "Something went wrong on our side; the error was logged.")))
        return
    finally:
        if getter is not None and not getter.done():
            getter.cancel()
        if not work.done():  # the client went away: the reply is still computed and stored
            work.add_done_callback(lambda task: task.exception())
    if not streamed:
        for piece in text_pieces(reply.text):
            yield ServerSentEvent(event="delta", data=json.dumps({"text": piece}, ensure_ascii=False))
            await asyncio.sleep(0)
    elif "".join(streamed) != reply.text:
        yield ServerSentEvent(event="replace", data=json.dumps({"text": reply.text}, ensure_ascii=False))
    if reply.citations:
        yield ServerSentEvent(event="citations", data=json.dumps([c.model_dump() for c in reply.citations],
                                                                 ensure_ascii=False))
    if reply.tool:
        yield ServerSentEvent(event="tool", data=reply.tool.model_dump_json())
    if reply.checklist:
        yield ServerSentEvent(event="checklist", data=reply.checklist.model_dump_json())
    yield ServerSentEvent(event="done", data=reply.model_dump_json())
