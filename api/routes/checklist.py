"""The checklist of a session: state, button actions and the procurement brief."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from api.deps import AppStateDep, EngineDep, SessionId
from assistant.engine import Assistant
from assistant.reply import ChecklistView, Reply

router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["checklist"])
Language = Literal["sv", "fi", "da", "nb", "en"]


class ChecklistState(BaseModel):
    active: bool
    view: ChecklistView | None


class AnswerIn(BaseModel):
    answer: str = Field(..., description="The answer to the current question.")


class JumpIn(BaseModel):
    step: int = Field(..., description="Step number, 1–10.")


@router.get("/checklist", response_model=ChecklistState, summary="Checklist progress and current question")
async def get_checklist(engine: EngineDep, session_id: SessionId) -> ChecklistState:
    view = await run_in_threadpool(engine.checklist_view, session_id)
    return ChecklistState(active=view is not None and not view.completed, view=view)


async def _action(engine: Assistant, session_id: str, command: str, **kwargs: Any) -> Reply:
    return await run_in_threadpool(engine.checklist_action, session_id, command, **kwargs)


@router.post("/checklist/start", response_model=Reply, summary="Start or resume the checklist")
async def start(engine: EngineDep, session_id: SessionId) -> Reply:
    return await _action(engine, session_id, "start")


@router.post("/checklist/answer", response_model=Reply, summary="Answer the current question")
async def answer(engine: EngineDep, body: AnswerIn, session_id: SessionId) -> Reply:
    return await _action(engine, session_id, "answer", answer=body.answer)


@router.post("/checklist/skip", response_model=Reply, summary="Skip the current question")
async def skip(engine: EngineDep, session_id: SessionId) -> Reply:
    return await _action(engine, session_id, "skip")


@router.post("/checklist/back", response_model=Reply, summary="Go back one question")
async def back(engine: EngineDep, session_id: SessionId) -> Reply:
    return await _action(engine, session_id, "back")


@router.post("/checklist/jump", response_model=Reply, summary="Go to a step")
async def jump(engine: EngineDep, body: JumpIn, session_id: SessionId) -> Reply:
    return await _action(engine, session_id, "jump", step=body.step)


@router.get("/brief.json", summary="The procurement brief as JSON (schema version 1)")
async def brief_json(engine: EngineDep, session_id: SessionId,
                     language: Language | None = Query(None)) -> dict[str, Any]:
    return await run_in_threadpool(engine.brief, session_id, language)


@router.get("/brief.md", response_class=PlainTextResponse, summary="The procurement brief as Markdown",
            responses={200: {"content": {"text/markdown": {}}}})
async def brief_markdown(engine: EngineDep, session_id: SessionId,
                         language: Language | None = Query(None)) -> PlainTextResponse:
    from assistant.checklist.brief import render_markdown

    brief = await run_in_threadpool(engine.brief, session_id, language)
    return PlainTextResponse(render_markdown(brief), media_type="text/markdown; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="procurement-brief.md"'})


def _document(kind: str, media_type: str) -> Any:
    async def endpoint(state: AppStateDep, session_id: SessionId,
                       language: Language | None = Query(None)) -> Response:
        from assistant.documents import render_docx, render_pdf
        from assistant.i18n import t

        render = render_pdf if kind == "pdf" else render_docx

        def build() -> tuple[bytes, str]:
            brief = state.engine.brief(session_id, language)
            return render(brief, state.settings), brief["language"]

        body, lang = await run_in_threadpool(build)
        filename = f"{t('document.filename', lang)}.{kind}"
        return Response(body, media_type=media_type, headers={
            "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})

    return endpoint


router.add_api_route(
    "/brief.pdf", _document("pdf", "application/pdf"), methods=["GET"], response_class=Response,
    summary="The procurement brief as PDF",
    description="In the session's language (or `language`), with the consultancy's name and colours "
    "(ASSISTANT_BRAND_*): answers, staffing and cost tables, a cumulative-cost chart and the cited passages.",
    responses={200: {"content": {"application/pdf": {}}}})
router.add_api_route(
    "/brief.docx", _document("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    methods=["GET"], response_class=Response, summary="The procurement brief as a Word document (DOCX)",
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}}}})
class ActionIn(BaseModel):
    action: str = Field(..., description="A suggestion's action: ask, checklist.start, checklist.skip, checklist.back, "
                                         "checklist.export, checklist.answer, checklist.restart, tool.staffing, "
                                         "tool.cost_comparison.")
    value: str | None = Field(None, description="The question for 'ask', the answer for 'checklist.answer'.")


actions_router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["sessions"])


@actions_router.post("/actions", response_model=Reply, summary="Perform a suggestion's action (a button press)")
async def perform(engine: EngineDep, body: ActionIn, session_id: SessionId) -> Reply:
    return await run_in_threadpool(engine.act, session_id, body.action, body.value)
