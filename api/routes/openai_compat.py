"""An OpenAI-compatible surface: `POST /v1/chat/completions` and `GET /v1/models`,
so the official SDK and chat UIs that speak the protocol work unchanged.

The last user message is what the engine answers; `user` names the session
(so slot values and the checklist carry over between calls); without it every
call is a fresh session. Citations are appended as a Markdown source list.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from api.deps import ReadyEngineDep
from api.errors import ApiError, error_body
from api.routes.sessions import STREAM_HEADERS, text_pieces
from assistant.engine import Assistant
from assistant.errors import AssistantError
from assistant.i18n import t
from assistant.reply import Reply

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
MODEL_ID = "nordic-outsourcing-assistant"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    user: str | None = Field(None, max_length=100, description="Maps to a session (conversation memory).")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "nordic-outsourcing-assistant"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


@router.get("/models", response_model=ModelList, summary="Models (OpenAI-compatible)")
def models() -> ModelList:
    return ModelList(data=[ModelCard(id=MODEL_ID, created=1_700_000_000)])


def _last_user_text(messages: list[ChatMessage]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            if isinstance(message.content, str):
                return message.content
            if isinstance(message.content, list):
                return " ".join(str(part.get("text", "")) for part in message.content if part.get("type") == "text")
    raise ApiError(422, "invalid_input", "messages: there is no user message to answer")


def render_content(reply: Reply) -> str:
    """The reply as one Markdown text with the citations as a source list."""
    if not reply.citations:
        return reply.text
    lines = [reply.text, "", f"**{t('brief.sources', reply.language)}**"]
    for c in reply.citations:
        lang = t(f"language_name.{c.language}", reply.language)
        lines.append(f"{c.n}. *{c.title}* ({lang}) — «{c.quote}»")
    return "\n".join(lines)


@router.post("/chat/completions", summary="Chat completions (OpenAI-compatible)")
async def chat_completions(body: ChatCompletionRequest, engine: ReadyEngineDep) -> Any:
    text = _last_user_text(body.messages)
    session = f"openai-{body.user}" if body.user else f"openai-{uuid.uuid4().hex}"
    if body.user and not all(ch.isalnum() or ch in "._:@-" for ch in body.user):
        raise ApiError(422, "invalid_input", "user: use letters, digits and . _ : @ - only")
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if body.stream:
        return EventSourceResponse(_stream(engine, session, text, completion_id, created), headers=STREAM_HEADERS,
                                   ping=15)
    reply = await run_in_threadpool(engine.reply, session, text)
    content = render_content(reply)
    return {
        "id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(text.split()), "completion_tokens": len(content.split()),
                  "total_tokens": len(text.split()) + len(content.split())},
    }


async def _stream(engine: Assistant, session: str, text: str, completion_id: str, created: int) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return json.dumps({"id": completion_id, "object": "chat.completion.chunk", "created": created,
                           "model": MODEL_ID, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]},
                          ensure_ascii=False)

    try:
        reply = await run_in_threadpool(engine.reply, session, text)
    except AssistantError as exc:
        yield json.dumps(error_body(exc.code, exc.message, exc.details))
        yield "[DONE]"
        return
    yield chunk({"role": "assistant", "content": ""})
    for piece in text_pieces(render_content(reply)):
        yield chunk({"content": piece})
    yield chunk({}, "stop")
    yield "[DONE]"
