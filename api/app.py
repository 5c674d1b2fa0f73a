"""FastAPI app factory: `create_app(settings)`.

Routers per resource; domain errors become the one JSON error shape in
`api.errors`; the widget and its demo page are static files.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.errors import COMMON_ERRORS, SESSION_ERRORS, error_responses, install_error_handlers
from api.middleware import (
    BodySizeLimitMiddleware,
    FrameAncestorsMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
)
from api.routes import admin, checklist, feedback, handoff, health, openai_compat, search, sessions, tools
from api.state import AppState
from assistant import __version__
from assistant.settings import Settings, get_settings

STATIC = Path(__file__).with_name("static")
log = logging.getLogger("api")


def create_app(settings: Settings | None = None, *, engine: Any = None) -> FastAPI:
    """The HTTP app. `engine` lets tests and embedders pass a ready `Assistant`."""
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    state = AppState(settings, engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start_loading()
        state.start_background(_slack_senders(settings))
        try:
            yield
        finally:
            state.stop_background()

    app = FastAPI(
        title="Nordic outsourcing assistant",
        version=__version__,
        description="Answers questions about outsourcing customer service from five Nordic articles, with "
        "citations, in sv, fi, da, nb and en; guides a procurement checklist; computes staffing and costs.",
        lifespan=lifespan,
    )
    app.state.assistant = state
    install_error_handlers(app)
    app.include_router(health.router)
    for module in (tools, search, openai_compat):
        app.include_router(module.router, responses=COMMON_ERRORS)
    for module in (sessions, checklist, feedback, handoff):
        app.include_router(module.router, responses={**COMMON_ERRORS, **SESSION_ERRORS})
    if settings.admin_token is not None and settings.admin_token.get_secret_value().strip():
        app.include_router(admin.router, responses={**COMMON_ERRORS, **error_responses(401)})
    app.include_router(checklist.actions_router, responses={**COMMON_ERRORS, **SESSION_ERRORS})
    _mount_slack(app, settings)
    _mount_widget(app)

    # Middleware runs outside-in in reverse order of adding: request id first, then CORS, size, rate.
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute,
                       burst=settings.rate_limit_burst, trust_forwarded=settings.trust_forwarded_for)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                       allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID"],
                       expose_headers=["X-Request-ID", "Retry-After"], max_age=600)
    app.add_middleware(FrameAncestorsMiddleware, origins=settings.cors_origins)
    app.add_middleware(RequestContextMiddleware, trust_forwarded=settings.trust_forwarded_for)
    return app


def _mount_widget(app: FastAPI) -> None:
    if not (STATIC / "widget.js").exists():
        return

    @app.get("/", include_in_schema=False)
    def demo_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/widget.js", include_in_schema=False)
    def widget_js() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _slack_senders(settings: Settings) -> dict[str, Any]:
    """The Slack leads channel's sender, when Slack and a leads channel are configured."""
    if not (settings.slack_leads_channel and settings.slack_bot_token):
        return {}
    try:
        from api.slack.leads import SlackLeadSender
    except ImportError:
        log.warning("ASSISTANT_SLACK_LEADS_CHANNEL is set but the Slack integration is not installed")
        return {}
    return {"slack": SlackLeadSender(settings)}


def _mount_slack(app: FastAPI, settings: Settings) -> None:
    from api import slack  # slack-bolt itself is imported only when the bot is configured

    try:
        slack.mount(app, settings)
    except ImportError:  # slack-bolt not installed
        log.info("Slack bot disabled: the Slack integration is not installed")
