"""The procurement brief: the checklist's answers, computed figures, open points
and each step's advice with citations, as JSON (versioned schema) and Markdown.

JSON schema (version 1), documented in README:

    {"schema": "procurement-brief", "version": 1, "language": "sv", "generated_at": ISO-8601,
     "progress": {"done": int, "total": int, "completed": bool},
     "steps": [{"id", "number", "title", "advice", "citations": [int, ...],
                "answers": [{"question_id", "question", "type", "required",
                             "status": "answered"|"skipped"|"open", "value", "display"}]}],
     "staffing": {"arguments": {...}, "result": {...}} | null,
     "cost_comparison": {"arguments": {...}, "result": {...}} | null,
     "open_points": [{"step_id", "question_id", "question"}],
     "sources": [{"n", "doc_id", "title", "language", "heading", "quote", "start_index", "end_index"}]}
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant.checklist.flow import ChecklistFlow
from assistant.checklist.steps import QuestionSpec
from assistant.citations import Citations
from assistant.corpus import corpus_by_id
from assistant.formatting import number, percent
from assistant.i18n import t
from assistant.state import ChecklistProgress

SCHEMA_VERSION = 1


def display_value(question: QuestionSpec, value: Any, lang: str) -> str:
    if value is None:
        return ""
    if question.type == "yes_no":
        return t("checklist.yes" if value else "checklist.no", lang)
    if question.type == "choice":
        choice = question.choice(str(value))
        return choice.label[lang] if choice else str(value)
    if question.type == "multi_choice":
        return ", ".join((question.choice(v).label[lang] if question.choice(v) else str(v)) for v in value)
    if question.type == "number":
        shown = number(float(value), lang, 0 if float(value).is_integer() else 2)
        return f"{shown} {t(f'unit.{question.unit}', lang)}".strip()
    return str(value)


def build_brief(state: ChecklistProgress, lang: str, flow: ChecklistFlow | None = None,
                corpus_dir: Path | None = None) -> dict[str, Any]:
    flow = flow or ChecklistFlow()
    citations = Citations(corpus_by_id(corpus_dir))
    answers = state.answers
    skipped = set(state.skipped)
    sources: list[dict[str, Any]] = []
    steps = []
    for number_, step in enumerate(flow.spec.steps, 1):
        refs = []
        for citation in step.citations:
            source = citations.quote(0, citation.doc_id, citation.quote).model_dump(exclude={"n"})
            existing = next((s for s in sources if s["doc_id"] == source["doc_id"]
                             and s["start_index"] == source["start_index"]), None)
            if existing is None:
                existing = {"n": len(sources) + 1, **source}
                sources.append(existing)
            refs.append(existing["n"])
        rows = []
        for q in step.questions:
            value = answers.get(q.id)
            status = "answered" if q.id in answers else "skipped" if q.id in skipped else "open"
            rows.append({"question_id": q.id, "question": q.text[lang], "type": q.type, "required": q.required,
                         "status": status, "value": value, "display": display_value(q, value, lang)})
        steps.append({"id": step.id, "number": number_, "title": step.title[lang], "advice": step.why[lang],
                      "citations": refs, "answers": rows})
    return {
        "schema": "procurement-brief",
        "version": SCHEMA_VERSION,
        "language": lang,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "progress": {"done": flow.steps_done(state), "total": len(flow.spec.steps),
                     "completed": state.completed},
        "steps": steps,
        "staffing": state.staffing.model_dump() if state.staffing else None,
        "cost_comparison": state.costs.model_dump() if state.costs else None,
        "open_points": [{"step_id": s.id, "question_id": q.id, "question": q.text[lang]}
                        for s, q in flow.open_points(state)],
        "sources": sources,
    }


def render_markdown(brief: dict[str, Any]) -> str:
    lang = brief["language"]
    out = [f"# {t('brief.title', lang)}", "",
           t("brief.progress", lang, done=brief["progress"]["done"], total=brief["progress"]["total"]), ""]
    for step in brief["steps"]:
        refs = "".join(f"[{n}]" for n in step["citations"])
        out += [f"## {step['number']}. {step['title']}", "", f"*{step['advice']}* {refs}", "",
                f"| {t('brief.question', lang)} | {t('brief.answer', lang)} |", "|---|---|"]
        for row in step["answers"]:
            shown = row["display"] or (t("brief.skipped", lang) if row["status"] == "skipped" else "—")
            cell = str(shown).replace("|", "\\|").replace("\n", " ")
            out.append(f"| {row['question'].replace('|', '/')} | {cell} |")
        out.append("")
        if step["id"] == "kpis" and brief.get("staffing"):
            out += _staffing_section(brief["staffing"], lang)
        if step["id"] == "pricing" and brief.get("cost_comparison"):
            out += _costs_section(brief["cost_comparison"], lang)
    out += [f"## {t('brief.open_points', lang)}", ""]
    out += [f"- {p['question']}" for p in brief["open_points"]] or [t("brief.no_open_points", lang)]
    out += ["", f"## {t('brief.sources', lang)}", ""]
    for s in brief["sources"]:
        lang_name = t(f"language_name.{s['language']}", lang)
        out.append(f"{s['n']}. «{s['quote']}» — *{s['title']}* ({lang_name})")
    return "\n".join(out).rstrip() + "\n"


def _staffing_section(staffing: dict[str, Any], lang: str) -> list[str]:
    a, r = staffing["arguments"], staffing["result"]
    return [
        f"### {t('brief.staffing', lang)}", "",
        t("brief.staffing_text", lang, contacts=number(a["contacts"], lang, 1), aht=number(a["aht_seconds"], lang),
          target=percent(a["service_level"], lang), answer=number(a["answer_seconds"], lang), agents=r["agents"],
          fte=number(r["monthly_fte"], lang, 1), service_level=percent(r["service_level"] or 0, lang),
          occupancy=percent(r["occupancy"], lang)),
        "",
    ]


def _costs_section(costs: dict[str, Any], lang: str) -> list[str]:
    r = costs["result"]
    offer = r["offers"][0]
    be = offer["break_even_month"] if offer["break_even_month"] else t("tool.costs.never", lang)
    return [
        f"### {t('brief.costs', lang)}", "",
        t("brief.costs_text", lang, currency=r["currency"], months=r["horizon_months"],
          in_house=number(r["in_house"]["steady_monthly"], lang), offer=number(offer["steady_monthly"], lang),
          in_house_total=number(r["in_house"]["total"], lang), offer_total=number(offer["total"], lang),
          savings=number(offer["savings_total"], lang), break_even=be,
          fte=number(costs["arguments"]["in_house_fte"], lang, 1)),
        "",
    ]
