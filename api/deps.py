"""Dependencies shared by the routers: the app state, the engine and session authorisation.

Routes declare what they need with the typed aliases (`engine: EngineDep`,
`session_id: SessionId`); the engine is the one door into sessions, replies,
leads and the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.concurrency import run_in_threadpool

from api.errors import ApiError
from api.state import AppState
from assistant.engine import Assistant


def app_state(request: Request) -> AppState:
    return request.app.state.assistant


def get_engine(request: Request) -> Assistant:
    """The engine; its sessions work before the index is ready."""
    return app_state(request).engine


async def ready_engine(request: Request) -> Assistant:
    """The engine with its index loaded (waits for a first build)."""
    return await run_in_threadpool(app_state(request).ready_engine)


async def authorised_session(
    engine: Annotated[Assistant, Depends(get_engine)],
    session_id: str = Path(..., min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$"),
    authorization: str | None = Header(None, description="Bearer <session token>"),
) -> str:
    """A session is readable and writable only with its token. Unknown session and
    wrong token look the same (404), so ids can't be probed."""
    token = (authorization or "").removeprefix("Bearer ").strip() if (authorization or "").startswith("Bearer ") else ""
    if not token:
        raise ApiError(401, "unauthorized", "send the session token as 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    if not await run_in_threadpool(engine.verify_token, session_id, token):
        raise ApiError(404, "not_found", f"no session '{session_id}' for this token")
    return session_id


AppStateDep = Annotated[AppState, Depends(app_state)]
EngineDep = Annotated[Assistant, Depends(get_engine)]
ReadyEngineDep = Annotated[Assistant, Depends(ready_engine)]
SessionId = Annotated[str, Depends(authorised_session)]
