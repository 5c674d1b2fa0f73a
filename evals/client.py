"""The two ways the harness talks to the assistant, behind one small interface.

* `InProcessClient`: the engine object (`assistant.engine.Assistant`) in this
  process, with a throw-away SQLite session store.
* `HttpClient`: a running server through its public API (`--url`), with the
  standard library only; it waits out 429 (rate limit, honouring
  `Retry-After`) and 503 (index still loading).

Both return replies as JSON dicts and search hits as metadata dicts, so every
metric is computed by the same code in both modes.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from evals.errors import EvalError

TOOL_PATHS = {"staffing": "/v1/tools/staffing", "cost_comparison": "/v1/tools/cost-comparison"}


class HttpStatusError(EvalError):
    """The server answered one request with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def error_reply(session: str, message: str) -> dict[str, Any]:
    """A reply standing for an error on one message: it fails every expectation
    but lets the run go on and report it."""
    return {"session_id": session, "text": message, "language": None, "intent": "error", "citations": [],
            "tool": None, "missing": [], "checklist": None, "covered": False, "suggestions": [], "notice": None}


class InProcessClient:
    mode = "in-process"

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    @property
    def retriever(self) -> Any:
        return self.engine.retriever

    def new_session(self, label: str = "eval") -> str:
        return f"{label}-{uuid.uuid4().hex[:10]}"

    def send(self, session: str, message: str) -> dict[str, Any]:
        from assistant.errors import AssistantError

        try:
            return self.engine.reply(session, message).model_dump(mode="json")
        except AssistantError as exc:
            return error_reply(session, f"{exc.code}: {exc.message}")

    def search(self, question: str, k: int, language: str | None = None) -> tuple[list[dict[str, Any]], str]:
        """An `evals.retrieval.SearchFn` (see `retriever_search`)."""
        from evals.retrieval import retriever_search

        return retriever_search(self.retriever)(question, k, language)

    def tool(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        from assistant.tools import (
            CostComparisonRequest,
            StaffingRequest,
            compare_costs,
            plan_staffing,
        )

        if name == "staffing":
            return plan_staffing(StaffingRequest(**request)).model_dump(mode="json")
        return compare_costs(CostComparisonRequest(**request)).model_dump(mode="json")

    def describe(self) -> dict[str, Any]:
        index = self.retriever.index
        manifest = index.manifest
        return {
            "index": index.path.resolve().name,
            "embedding_model": manifest.get("embedding_model"),
            "corpus_hash": str(manifest.get("corpus_hash", ""))[:12],
            "counts": manifest.get("counts"),
        }


class HttpClient:
    mode = "api"

    def __init__(self, url: str, timeout: float = 120.0, max_wait: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.max_wait = max_wait
        self._tokens: dict[str, str] = {}

    def _request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        waited = 0.0
        while True:
            request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                if exc.code in (429, 503) and waited < self.max_wait:
                    delay = float(exc.headers.get("Retry-After") or 2.0)
                    delay = min(max(delay, 0.5), 30.0)
                    time.sleep(delay)
                    waited += delay
                    continue
                detail = exc.read().decode("utf-8", "replace")[:300]
                raise HttpStatusError(f"{method} {path} -> HTTP {exc.code}: {detail}", exc.code) from exc
            except (urllib.error.URLError, OSError) as exc:
                raise EvalError(f"{method} {self.url}{path} failed: {exc}") from exc

    def new_session(self, label: str = "eval") -> str:
        created = self._request("POST", "/v1/sessions", {})
        self._tokens[created["id"]] = created["token"]
        return created["id"]

    def send(self, session: str, message: str) -> dict[str, Any]:
        try:
            return self._request("POST", f"/v1/sessions/{session}/messages", {"message": message},
                                 token=self._tokens[session])
        except HttpStatusError as exc:
            return error_reply(session, str(exc))

    def search(self, question: str, k: int, _language: str | None = None) -> tuple[list[dict[str, Any]], str]:
        query = urllib.parse.urlencode({"q": question, "k": k})
        body = self._request("GET", f"/v1/search?{query}")
        return body["hits"], body.get("coverage") or ("covered" if body["covered"] else "not_covered")

    def tool(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", TOOL_PATHS[name], request)

    def describe(self) -> dict[str, Any]:
        try:
            ready = self._request("GET", "/readyz")
        except EvalError as exc:
            raise EvalError(f"the server at {self.url} is not ready: {exc}") from exc
        return {"url": self.url, "readyz": ready}
