"""Dependencies shared by the routers: the engine and session authorisation."""

from __future__ import annotations

from typing import Any

from fastapi import Header, Path, Request
from fastapi.concurrency import run_in_threadpool

from api.errors import ApiError


def app_state(request: Request) -> Any:
    return request.app.state.assistant


async def ready_engine(request: Request) -> Any:
    """The engine with its index loaded (waits for a first build)."""
    return await run_in_threadpool(app_state(request).ready_engine)


async def authorised_session(
    request: Request,
    session_id: str = Path(..., min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$"),
    authorization: str | None = Header(None, description="Bearer <session token>"),
) -> str:
    """A session is readable and writable only with its token. Unknown session and
    wrong token look the same (404), so ids can't be probed."""
    token = (authorization or "").removeprefix("Bearer ").strip() if (authorization or "").startswith("Bearer ") else ""
    if not token:
        raise ApiError(401, "unauthorized", "send the session token as 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    engine = app_state(request).engine
    if not await run_in_threadpool(engine.store.verify_token, session_id, token):
        raise ApiError(404, "not_found", f"no session '{session_id}' for this token")
    return session_id
