"""Answer checks on `evals/datasets/answers.jsonl`: each question in a fresh
session, and its reply judged on language, citations, grounding and coverage."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field

from evals.grounding import Sources, citation_problems, reply_ungrounded_numbers
from evals.grouping import per_group
from evals.jsonl import read_jsonl
from evals.retrieval import QuestionItem

DATASET = Path(__file__).resolve().parent / "datasets" / "answers.jsonl"


class AnswerItem(QuestionItem):
    gold_doc_ids: list[str] = Field(default_factory=list)


def load_answers_dataset(path: Path | None = None) -> list[AnswerItem]:
    return read_jsonl(Path(path or DATASET), AnswerItem)


def judge_answer(item: AnswerItem, reply: dict[str, Any], sources: Sources) -> dict[str, Any]:
    """One row of outcomes for one question and its reply."""
    cited = [c["doc_id"] for c in reply.get("citations") or []]
    covered = bool(reply.get("covered", True)) and reply.get("intent") == "question"
    coverage = reply.get("coverage") or ("covered" if covered else "not_covered")
    if not covered:
        coverage = "not_covered"
    bad_citations = citation_problems(reply, sources)
    ungrounded = reply_ungrounded_numbers(reply, sources)
    return {
        "id": item.id,
        "language": item.language,
        "answerable": item.answerable,
        "cross_lingual": item.cross_lingual,
        "intent": reply.get("intent"),
        "reply_language": reply.get("language"),
        "language_ok": reply.get("language") == item.language,
        "covered": covered,
        "coverage": coverage,
        "declined": coverage != "covered",
        "cited": sorted(set(cited)),
        "gold_cited": bool(set(cited) & set(item.gold_doc_ids)) if item.answerable else None,
        "citations": len(cited),
        "bad_citations": bad_citations,
        "ungrounded": ungrounded,
        "number_checked": bool(reply.get("intent") in ("question", "tool")),
    }


def run_answers(client: Any, items: list[AnswerItem], sources: Sources,
                step: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        session = client.new_session(f"eval-answer-{item.id}")
        rows.append(judge_answer(item, client.send(session, item.question), sources))
        if step:
            step()
    return rows


def _rate(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    citations = sum(r["citations"] for r in rows)
    bad = sum(len(r["bad_citations"]) for r in rows)
    out = {
        "language": _rate([r["language_ok"] for r in rows]),
        "gold_cited": _rate([bool(r["gold_cited"]) for r in answerable]),
        "answerable_covered": _rate([r["covered"] for r in answerable]),
        "unanswerable_declined": _rate([r["declined"] for r in unanswerable]),
        "answerable_partial": _rate([r["coverage"] == "partial" for r in answerable]),
        "citations_verbatim": (citations - bad) / citations if citations else 1.0,
        "ungrounded_numbers": float(sum(len(r["ungrounded"]) for r in rows)),
        "n": float(len(rows)),
    }
    return {k: v for k, v in out.items() if v is not None}


def summarise_answers(rows: list[dict[str, Any]]) -> dict[str, Any]:
    cross = [r for r in rows if r["answerable"] and r["cross_lingual"]]
    return {
        "overall": _metrics(rows),
        "cross_lingual": {k: v for k, v in _metrics(cross).items()
                          if k in ("language", "gold_cited", "answerable_covered", "n")} if cross else {},
        "per_language": per_group(rows, "language", _metrics),
    }


def failures(rows: list[dict[str, Any]], items: list[AnswerItem] | None = None) -> list[dict[str, Any]]:
    """Rows that fail any check, with the reasons (for the report)."""
    questions = {i.id: i.question for i in items or []}
    out = []
    for r in rows:
        reasons = []
        if not r["language_ok"]:
            reasons.append(f"replied in {r['reply_language']}")
        if r["answerable"] and not r["covered"]:
            reasons.append("declined an answerable question")
        if r["answerable"] and r["covered"] and not r["gold_cited"]:
            reasons.append(f"cited {', '.join(r['cited']) or 'nothing'} instead of the gold article")
        if not r["answerable"] and not r["declined"]:
            reasons.append(f"answered an unanswerable question (cited {', '.join(r['cited']) or 'nothing'})")
        reasons += [f"citation {b}" for b in r["bad_citations"]]
        if r["ungrounded"]:
            reasons.append(f"ungrounded numbers {r['ungrounded']}")
        if reasons:
            out.append({"id": r["id"], "language": r["language"], "message": questions.get(r["id"], ""),
                        "reasons": reasons})
    return out
