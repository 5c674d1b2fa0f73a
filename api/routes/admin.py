"""Admin endpoints for the consultancy: insights and leads.

They exist only when ASSISTANT_ADMIN_TOKEN is set (otherwise 404, as for any
unknown path) and need `Authorization: Bearer <that token>` (else 401).
"""

from __future__ import annotations

import hmac
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.deps import AppStateDep, EngineDep
from api.errors import ApiError
from assistant.insights import InsightsReport, parse_since
from assistant.leads import Delivery, Lead


def require_admin(state: AppStateDep, authorization: str | None = Header(None, description="Bearer <admin token>")) -> None:
    expected = state.settings.admin_token
    given = authorization[7:].strip() if (authorization or "").startswith("Bearer ") else ""
    secret = expected.get_secret_value() if expected is not None else ""
    if not given or not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        raise ApiError(401, "unauthorized", "send the admin token as 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


@router.get("/insights", response_model=InsightsReport, summary="What visitors asked that the sources don't cover",
            description="Declined and partly covered questions grouped by topic and language, answers rated 👎 "
            "with comments, tool requests that stalled on a missing value, checklist drop-off per step.")
async def insights(state: AppStateDep, since: str = Query("30d", description="e.g. 30d, 12h, 2w"),
                   language: Literal["sv", "fi", "da", "nb", "en"] = Query("en")) -> InsightsReport:
    period = parse_since(since)  # a malformed period is refused before waiting for the index
    engine = await run_in_threadpool(state.ready_engine)
    return await run_in_threadpool(lambda: engine.insights(since=period, language=language))


class LeadOut(BaseModel):
    lead: Lead
    deliveries: list[Delivery]


class LeadsOut(BaseModel):
    pending_deliveries: int
    leads: list[LeadOut]


@router.get("/leads", response_model=LeadsOut, summary="The newest leads and their delivery state")
async def leads(engine: EngineDep, limit: int = Query(50, ge=1, le=500)) -> LeadsOut:
    store = engine.leads

    def read() -> tuple[int, list[Any]]:
        return store.pending_count(), store.recent(limit)

    pending, recent = await run_in_threadpool(read)
    return LeadsOut(pending_deliveries=pending, leads=[LeadOut(lead=lead, deliveries=d) for lead, d in recent])


__all__ = ["router"]
