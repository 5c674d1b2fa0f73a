from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import AppStateDep

router = APIRouter(prefix="/v1", tags=["search"])


class Passage(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    language: str
    heading: str
    start_index: int
    end_index: int
    score: float
    note_ids: list[str]
    text: str


class SearchResponse(BaseModel):
    question: str
    language: str | None
    covered: bool = Field(description="The sources speak to the question (fully or in part).")
    coverage: Literal["covered", "partial", "not_covered"]
    missing_terms: list[str] = Field(default_factory=list,
                                     description="Specific terms of the question that no source contains.")
    hits: list[Passage]


@router.get("/search", response_model=SearchResponse, summary="Search the articles (hybrid retrieval)")
async def search(
    state: AppStateDep,
    q: str = Query(..., max_length=100_000, description="The question, in sv, fi, da, nb or en."),
    k: int = Query(5, ge=1, le=50),
) -> SearchResponse:
    # the query is validated before waiting for the index (a first build can take minutes)
    engine = await run_in_threadpool(state.ready_engine)
    result = await run_in_threadpool(lambda: engine.retriever.search(q, k))
    hits = [
        Passage(text=d.page_content, **{f: d.metadata[f] for f in Passage.model_fields if f != "text"})
        for d in result.hits
    ]
    return SearchResponse(question=result.question, language=result.language, covered=result.covered,
                          coverage=result.coverage.outcome, missing_terms=list(result.coverage.missing_terms),
                          hits=hits)
