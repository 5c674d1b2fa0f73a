"""A fake Slack Web API on loopback, for tests of the Slack bot.

The bot talks to it through the real `slack_sdk` clients (no patching): point
`ASSISTANT_SLACK_API_URL` (`Settings.slack_api_url`) at `fake.api_url` and give
commands/interactions a `response_url` from `fake.response_url(key)`.

Every call is recorded (`fake.calls`): the Web API method (`chat.postMessage`,
`chat.postEphemeral`, `chat.update`, `auth.test`, ...) or `response_url`, its
body (JSON or form, with `blocks` decoded), the bearer token and the answer the
fake gave (e.g. the `ts` of a posted message). Methods answer `{"ok": true, ...}`
unless a test queued an error with `fake.fail_next(method, error)`.

    with run_fake_slack() as fake:
        ...
        [reply] = fake.wait_for("chat.postMessage", channel="C1")
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0001"


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    token: str | None = None
    key: str | None = None  # the response_url key
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.body.get("blocks") or [])

    def texts(self) -> list[str]:
        """Every mrkdwn/plain text in the message (text fallback, sections, fields, context, buttons)."""
        out = [str(self.body.get("text") or "")]
        for block in self.blocks:
            if isinstance(block.get("text"), dict):
                out.append(block["text"].get("text", ""))
            for f in block.get("fields") or []:
                out.append(f.get("text", ""))
            for el in block.get("elements") or []:
                if isinstance(el.get("text"), dict):
                    out.append(el["text"].get("text", ""))
                elif isinstance(el.get("text"), str):
                    out.append(el["text"])
        return out


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.url = ""
        self._cond = threading.Condition()
        self._errors: dict[str, deque[str]] = defaultdict(deque)
        self._ts = 0

    # -- addresses
    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.url}/response/{key}"

    # -- scripting
    def fail_next(self, method: str, error: str) -> None:
        """The next call to `method` answers {"ok": false, "error": error}."""
        with self._cond:
            self._errors[method].append(error)

    def next_ts(self) -> str:
        with self._cond:
            self._ts += 1
            return f"{int(time.time())}.{self._ts:06d}"

    # -- recording
    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _error_for(self, method: str) -> str | None:
        with self._cond:
            queue = self._errors.get(method)
            return queue.popleft() if queue else None

    def find(self, method: str | None = None, where: Callable[[Call], bool] | None = None, **body: Any) -> list[Call]:
        """Recorded calls to `method` whose body has all of `body` (value None = key absent)."""
        with self._cond:
            calls = list(self.calls)
        out = []
        for c in calls:
            if method is not None and c.method != method:
                continue
            if any(c.body.get(k) != v for k, v in body.items()):
                continue
            if where is not None and not where(c):
                continue
            out.append(c)
        return out

    def wait_for(self, method: str | None = None, count: int = 1, timeout: float = 30.0,
                 where: Callable[[Call], bool] | None = None, **body: Any) -> list[Call]:
        """Block until at least `count` matching calls were recorded; returns them (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.find(method, where, **body)
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.body.get("channel"), c.body.get("thread_ts"), c.key) for c in self.calls]
                    raise AssertionError(f"timed out waiting for {count} × {method} {body}; recorded: {seen}")
                self._cond.wait(min(left, 0.2))


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        data = json.loads(raw)
        return data if isinstance(data, dict) else {"_": data}
    body: dict[str, Any] = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    for key in ("blocks", "attachments"):
        if isinstance(body.get(key), str):
            try:
                body[key] = json.loads(body[key])
            except ValueError:
                pass
    return body


def create_app(fake: FakeSlack) -> FastAPI:
    app = FastAPI()

    @app.post("/api/{method}")
    async def web_api(method: str, request: Request) -> JSONResponse:
        body = dict(request.query_params) | _parse_body(await request.body(), request.headers.get("content-type", ""))
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else body.pop("token", None)
        error = fake._error_for(method)
        if error:
            answer: dict[str, Any] = {"ok": False, "error": error}
        elif method == "auth.test":
            answer = {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "assistant",
                      "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}
        elif method == "chat.postMessage":
            ts = fake.next_ts()
            answer = {"ok": True, "channel": body.get("channel"), "ts": ts,
                      "message": {"type": "message", "text": body.get("text"), "user": BOT_USER_ID, "bot_id": BOT_ID,
                                  "ts": ts, "thread_ts": body.get("thread_ts"), "blocks": body.get("blocks")}}
        elif method == "chat.postEphemeral":
            answer = {"ok": True, "message_ts": fake.next_ts()}
        elif method == "chat.update":
            answer = {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text")}
        else:
            answer = {"ok": True}
        fake._record(Call(method=method, body=body, token=token, response=answer))
        return JSONResponse(answer)

    @app.post("/response/{key}")
    async def response_url(key: str, request: Request) -> PlainTextResponse:
        body = _parse_body(await request.body(), request.headers.get("content-type", "application/json"))
        fake._record(Call(method="response_url", body=body, key=key))
        return PlainTextResponse("ok")

    return app


@contextmanager
def run_fake_slack() -> Iterator[FakeSlack]:
    """Serve a `FakeSlack` on 127.0.0.1 (a free port) in a background thread."""
    fake = FakeSlack()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(fake), log_level="critical", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-slack")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake Slack API did not start")
        time.sleep(0.02)
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
