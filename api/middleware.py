"""Edge middleware: request ids and structured access logs, body size limit,
per-client rate limiting. Pure ASGI so streaming responses pass through."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body

access_log = logging.getLogger("api.access")


def _client(scope: Scope, trust_forwarded: bool) -> str:
    if trust_forwarded:
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                return value.decode("latin-1").split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"


async def _send_error(send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                      request_id: str = "-") -> None:
    body = json.dumps(error_body(code, message, {"request_id": request_id})).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"x-request-id", request_id.encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Gives every request an id (X-Request-ID, echoed back) and logs one JSON line per request."""

    def __init__(self, app: ASGIApp, trust_forwarded: bool = False) -> None:
        self.app = app
        self.trust_forwarded = trust_forwarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(json.dumps({
                "request_id": request_id, "method": scope.get("method"), "path": scope.get("path"),
                "status": status, "ms": round((time.perf_counter() - started) * 1000, 1),
                "client": _client(scope, self.trust_forwarded),
            }))


class BodySizeLimitMiddleware:
    """413 for bodies over the limit, by Content-Length or while streaming in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id", "-")
        length = dict(scope.get("headers", [])).get(b"content-length")
        message = f"the request body is larger than the limit of {self.max_bytes} bytes"
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _send_error(send, 413, "payload_too_large", message, request_id=request_id)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return msg

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _send_error(send, 413, "payload_too_large", message, request_id=request_id)


class _TooLarge(Exception):
    pass


class TokenBucket:
    """Per-key token buckets (bounded LRU of keys, so memory stays flat)."""

    def __init__(self, per_minute: int, burst: int, max_keys: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when allowed; otherwise the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


class RateLimitMiddleware:
    """429 with Retry-After when a client sends messages faster than allowed.

    Only the expensive, state-changing calls count (POST under /v1 and /slack):
    health checks, the widget's files and reads are never limited."""

    def __init__(self, app: ASGIApp, per_minute: int, burst: int, trust_forwarded: bool = False) -> None:
        self.app = app
        self.bucket = TokenBucket(per_minute, burst) if per_minute > 0 else None
        self.trust_forwarded = trust_forwarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.bucket is not None and scope["type"] == "http" and scope.get("method") == "POST"
                and scope.get("path", "").startswith("/v1/")):
            wait = self.bucket.take(_client(scope, self.trust_forwarded))
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                await _send_error(send, 429, "rate_limited", f"too many requests; try again in {retry} s",
                                  {"Retry-After": retry}, scope.get("state", {}).get("request_id", "-"))
                return
        await self.app(scope, receive, send)



class FrameAncestorsMiddleware:
    """`Content-Security-Policy: frame-ancestors` on every response: the widget's
    pages (the demo page, the documents) can be framed only by this server and the
    origins allowed in ASSISTANT_CORS_ORIGINS ("*" allows any)."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        sources = ["*"] if "*" in origins else ["'self'", *[o.rstrip("/") for o in origins if _is_origin(o)]]
        self.header = ("frame-ancestors " + " ".join(sources)).encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", self.header))
            await send(message)

        await self.app(scope, receive, send_with_policy)


def _is_origin(value: str) -> bool:
    """scheme://host[:port], nothing a header could be broken with."""
    import re

    return bool(re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+/?", value.strip()))
