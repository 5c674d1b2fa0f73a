from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    index: bool


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="Readiness: index loaded",
            responses={503: {"model": Readiness}})
def readyz(request: Request) -> JSONResponse:
    ready = request.app.state.assistant.ready
    body = Readiness(status="ready" if ready else "starting", index=ready)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
