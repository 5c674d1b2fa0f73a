"""Dependencies shared by the routers: the app state, the engine and session authorisation.

Routes declare what they need with the typed aliases (`engine: EngineDep`,
`session_id: SessionId`); the engine is the one door into sessions, replies,
leads and the database.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    state = app_state(request)
    if state.ready:  # the usual case: no worker thread just to learn that
        return state.engine
    return await run_in_threadpool(state.ready_engine)


@dataclass(frozen=True)
class SessionCredentials:
    """A session id with the token its request presented, not yet checked against the store."""

    session_id: str
    token: str


def session_credentials(
    session_id: str = Path(..., min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$"),
    authorization: str | None = Header(None, description="Bearer <session token>"),
) -> SessionCredentials:
    """The session id and the request's bearer token (401 without one)."""
    token = (authorization or "").removeprefix("Bearer ").strip() if (authorization or "").startswith("Bearer ") else ""
    if not token:
        raise ApiError(401, "unauthorized", "send the session token as 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    return SessionCredentials(session_id, token)


async def authorised_session(
    engine: Annotated[Assistant, Depends(get_engine)],
    credentials: Annotated[SessionCredentials, Depends(session_credentials)],
) -> str:
    """A session is readable and writable only with its token. Unknown session and
    wrong token look the same (404), so ids can't be probed."""
    session_id = credentials.session_id
    if not await run_in_threadpool(engine.verify_token, session_id, credentials.token):
        raise ApiError(404, "not_found", f"no session '{session_id}' for this token")
    return session_id


AppStateDep = Annotated[AppState, Depends(app_state)]
EngineDep = Annotated[Assistant, Depends(get_engine)]
ReadyEngineDep = Annotated[Assistant, Depends(ready_engine)]
SessionId = Annotated[str, Depends(authorised_session)]
#: For a route that checks the token itself, in the same read as its work (`Assistant.reply`).
SessionCredentialsDep = Annotated[SessionCredentials, Depends(session_credentials)]
