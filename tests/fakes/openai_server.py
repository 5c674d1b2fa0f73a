"""A scripted OpenAI-compatible chat server on loopback, for tests of the LLM path.

Tests talk to it through the real `langchain-openai` client (no patching), so
what is exercised is the real wire format: JSON completions, SSE chunks with
`choices[0].delta`, tool-call deltas and `data: [DONE]`.

Every request to `POST /v1/chat/completions` takes the next step of a `Script`
(plain text, tool calls, a hang, an HTTP error, a stream that dies mid-way) and
is recorded in `script.requests`, so a test can assert what the prompt held.

    script = Script([Text("Hello [1]")])
    with run_fake_openai(script) as base_url:
        ...  # ChatOpenAI(base_url=base_url, ...)
    script.requests[0]["messages"]
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

# --------------------------------------------------------------------------- script steps


@dataclass(frozen=True)
class Text:
    """A plain assistant answer. Streamed as one delta per word (spaces kept)."""

    content: str


@dataclass(frozen=True)
class Call:
    """One tool call. `arguments` is sent as is when a string (so a test can send
    broken JSON), else JSON-encoded."""

    name: str
    arguments: dict[str, Any] | str
    id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")

    @property
    def arguments_json(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass(frozen=True)
class ToolCalls:
    """The model asks for one or more tool calls (finish_reason "tool_calls")."""

    calls: list[Call]


@dataclass(frozen=True)
class Hang:
    """No answer for `seconds` (longer than the client's timeout), then a text."""

    seconds: float = 30.0
    then: str = "too late"


@dataclass(frozen=True)
class HTTPError:
    status: int = 500
    message: str = "The server had an error while processing your request."


@dataclass(frozen=True)
class DieMidStream:
    """Streams the first words of `content`, then drops the connection without
    `[DONE]` (non-streaming requests get a truncated JSON body instead)."""

    content: str
    words_before_dying: int = 3


Step = Text | ToolCalls | Hang | HTTPError | DieMidStream


class Script:
    """The queue of responses, consumed one per request, and the requests seen."""

    def __init__(self, steps: list[Step] | None = None) -> None:
        self._steps: deque[Step] = deque(steps or [])
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def push(self, *steps: Step) -> None:
        with self._lock:
            self._steps.extend(steps)

    def _next(self, body: dict[str, Any]) -> Step | None:
        with self._lock:
            self.requests.append(body)
            return self._steps.popleft() if self._steps else None

    @property
    def remaining(self) -> int:
        return len(self._steps)


# --------------------------------------------------------------------------- wire format


def _completion(model: str, step: Text | ToolCalls) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if isinstance(step, Text):
        message["content"] = step.content
        finish = "stop"
    else:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json}}
            for c in step.calls
        ]
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def _words(text: str) -> list[str]:
    """Split keeping the spaces, so the deltas join back to `text` exactly."""
    pieces, current = [], ""
    for ch in text:
        current += ch
        if ch == " ":
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


def _text_chunks(cid: str, model: str, content: str) -> list[str]:
    out = [_chunk(cid, model, {"role": "assistant", "content": ""})]
    out += [_chunk(cid, model, {"content": w}) for w in _words(content)]
    return out


def _tool_chunks(cid: str, model: str, step: ToolCalls) -> list[str]:
    out = [_chunk(cid, model, {"role": "assistant", "content": None})]
    for i, c in enumerate(step.calls):
        out.append(_chunk(cid, model, {"tool_calls": [
            {"index": i, "id": c.id, "type": "function", "function": {"name": c.name, "arguments": ""}}]}))
        args = c.arguments_json
        for start in range(0, len(args), 8):  # arguments arrive in fragments, as from the real API
            fragment = {"index": i, "function": {"arguments": args[start:start + 8]}}
            out.append(_chunk(cid, model, {"tool_calls": [fragment]}))
    return out


def _usage_chunk(cid: str, model: str) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
    return f"data: {json.dumps(body)}\n\n"


class _StreamDied(Exception):
    """Raised inside the streaming body: uvicorn then drops the connection mid-response."""


# --------------------------------------------------------------------------- the app


def create_app(script: Script, released: threading.Event) -> FastAPI:
    app = FastAPI()

    async def wait(seconds: float) -> None:
        # Polls so that stopping the server releases a hanging handler at once.
        end = time.monotonic() + seconds
        while time.monotonic() < end and not released.is_set():
            await asyncio.sleep(0.02)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        body = await request.json()
        step = script._next(body)
        model = body.get("model", "test-model")
        stream = bool(body.get("stream"))
        if step is None:
            return JSONResponse({"error": {"message": "fake server: script exhausted", "type": "server_error"}},
                                status_code=500)
        if isinstance(step, HTTPError):
            return JSONResponse({"error": {"message": step.message, "type": "server_error", "code": None}},
                                status_code=step.status)
        if isinstance(step, Hang):
            await wait(step.seconds)
            step = Text(step.then)
        if not stream:
            if isinstance(step, DieMidStream):
                full = json.dumps(_completion(model, Text(step.content)))
                return StreamingResponse(_truncated(full), media_type="application/json")
            return JSONResponse(_completion(model, step))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(_sse(step, model, include_usage), media_type="text/event-stream")

    return app


async def _truncated(full: str) -> AsyncIterator[str]:
    yield full[: len(full) // 2]
    raise _StreamDied("fake server: connection dropped mid-body")


async def _sse(step: Step, model: str, include_usage: bool) -> AsyncIterator[str]:
    cid = f"chatcmpl-{uuid.uuid4().hex[:16]}"
    if isinstance(step, DieMidStream):
        for piece in _text_chunks(cid, model, step.content)[: step.words_before_dying + 1]:
            yield piece
            await asyncio.sleep(0.01)
        raise _StreamDied("fake server: stream dropped mid-way")
    if isinstance(step, Text):
        pieces, finish = _text_chunks(cid, model, step.content), "stop"
    else:
        assert isinstance(step, ToolCalls)
        pieces, finish = _tool_chunks(cid, model, step), "tool_calls"
    for piece in pieces:
        yield piece
        await asyncio.sleep(0)
    yield _chunk(cid, model, {}, finish)
    if include_usage:
        yield _usage_chunk(cid, model)
    yield "data: [DONE]\n\n"


# --------------------------------------------------------------------------- running it


@contextmanager
def run_fake_openai(script: Script) -> Iterator[str]:
    """Serve `script` on 127.0.0.1 (a free port) in a background thread; yields the
    base URL to give the client (`http://127.0.0.1:<port>/v1`)."""
    released = threading.Event()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(script, released), log_level="critical", lifespan="off",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-openai")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake OpenAI server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        released.set()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
