"""FastAPI app factory: `create_app(settings)`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routes import health, search
from api.state import AppState
from assistant import __version__
from assistant.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    state = AppState(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start_loading()
        yield

    app = FastAPI(
        title="Nordic outsourcing assistant",
        version=__version__,
        description="Answers questions about outsourcing customer service from five Nordic articles, "
        "with citations, in sv, fi, da, nb and en.",
        lifespan=lifespan,
    )
    app.state.assistant = state
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(search.router)
    return app
