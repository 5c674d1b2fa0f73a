"""A lead webhook receiver on loopback, for the delivery tests: it checks the
HMAC signature, keeps each lead id once (idempotent, as the README asks of a
receiver), and can be told to fail the first N requests of each lead with a 503."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.leads.channels import SIGNATURE_HEADER, verify_signature


@dataclass
class Receiver:
    secret: str
    fail_first: int = 0
    requests: int = 0
    attempts: dict[str, int] = field(default_factory=dict)  # lead id -> requests seen
    bad_signatures: int = 0
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)  # lead id -> body, first delivery kept
    repeats: list[str] = field(default_factory=list)  # lead ids that arrived again after success
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, body: bytes, headers: Any) -> int:
        with self._lock:
            self.requests += 1
            lead = json.loads(body)
            self.attempts[lead["id"]] = self.attempts.get(lead["id"], 0) + 1
            if self.attempts[lead["id"]] <= self.fail_first:
                return 503
            if not verify_signature(body, headers.get(SIGNATURE_HEADER), self.secret):
                self.bad_signatures += 1
                return 401
            if lead["id"] in self.leads:
                self.repeats.append(lead["id"])
            else:
                self.leads[lead["id"]] = lead
            return 200


@contextmanager
def run_receiver(secret: str, *, fail_first: int = 0, port: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret, fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.handle(body, self.headers)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/leads"
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="fake-webhook")
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
