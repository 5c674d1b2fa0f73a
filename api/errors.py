"""One JSON error shape for every 4xx/5xx: {"error": {"code", "message", "details"}}.

Domain exceptions become HTTP statuses here and only here; stack traces never
leave the server (they go to the log with the request id).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import (
    AssistantError,
    CorpusError,
    IndexUnavailable,
    InvalidInput,
    NotFound,
    Overloaded,
    SessionStoreError,
)

log = logging.getLogger("api")

STATUS_BY_ERROR: list[tuple[type[AssistantError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (IndexUnavailable, 503),
    (CorpusError, 503),
    # The store is down or a session stayed locked past the timeout: the request
    # was fine and nothing was written, so the client should retry.
    (SessionStoreError, 503),
    # More requests wait for the embedding model than its queue holds: refused at once.
    (Overloaded, 503),
]
#: Seconds a client should wait before retrying a 503.
RETRY_AFTER_SECONDS = 1


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorResponse(BaseModel):
    """The one error shape of every 4xx/5xx response."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the error shape for these statuses."""
    return {status: {"model": ErrorResponse} for status in statuses}


COMMON_ERRORS = error_responses(413, 422, 429, 500, 503)
SESSION_ERRORS = error_responses(401, 404)


class ApiError(Exception):
    """An edge-only error with an explicit status (auth, limits)."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}
        self.headers = headers


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _status_for(exc: AssistantError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(AssistantError)
    async def _domain_error(_: Request, exc: AssistantError) -> JSONResponse:
        status = _status_for(exc)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path")), "message": err["msg"]}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "request", "message": "invalid"}
        message = f"{first['field'] or 'request'}: {first['message']}"
        return JSONResponse(error_body("invalid_input", message, {"problems": problems}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 429: "rate_limited"}
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", "-")
        log.exception("unhandled error (request %s)", request_id)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side; the error was logged.",
                       {"request_id": request_id}),
            status_code=500,
        )
