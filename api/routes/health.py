from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import AppStateDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    index: bool
    database: bool
    problem: str | None = None


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="Readiness: index loaded and database reachable",
            responses={503: {"model": Readiness}})
async def readyz(state: AppStateDep) -> JSONResponse:
    index = state.ready  # the index loads in the background (see api.state)
    try:
        database = await run_in_threadpool(lambda: state.engine.database_reachable())
    except Exception:  # an engine that cannot even be built is a "not ready", not a 500
        database = False
    problem = state.error.message if state.error else None if database else "the session database is unreachable"
    ready = index and database
    body = Readiness(status="ready" if ready else "starting" if state.error is None and database else "unavailable",
                     index=index, database=database, problem=problem)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
