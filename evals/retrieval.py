"""Retrieval metrics on `evals/datasets/retrieval.jsonl`.

A retrieved chunk is relevant when it overlaps (same article, intersecting
character span) any gold quote of the question. Recall@k counts a question as
found when a relevant chunk is in the top k; MRR@10 and nDCG@10 use the first
/ all relevant ranks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evals.grouping import per_group
from evals.jsonl import read_jsonl

DATASETS = Path(__file__).resolve().parent / "datasets"


class GoldSpan(BaseModel):
    doc_id: str
    quote: str


class QuestionItem(BaseModel):
    """What every question dataset shares (retrieval here, answer checks in evals.answers)."""

    id: str
    question: str
    language: str
    answerable: bool
    cross_lingual: bool = False


class RetrievalItem(QuestionItem):
    gold: list[GoldSpan] = []


def load_retrieval_dataset(path: Path | None = None) -> list[RetrievalItem]:
    path = path or DATASETS / "retrieval.jsonl"
    return read_jsonl(Path(path), RetrievalItem)


def gold_spans(item: RetrievalItem, texts: dict[str, str]) -> list[tuple[str, int, int]]:
    spans = []
    for gold in item.gold:
        start = texts[gold.doc_id].find(gold.quote)
        if start < 0:
            raise ValueError(f"{item.id}: gold quote not found in {gold.doc_id}: {gold.quote[:60]!r}")
        spans.append((gold.doc_id, start, start + len(gold.quote)))
    return spans


def is_relevant(hit: dict[str, Any], spans: list[tuple[str, int, int]]) -> bool:
    return any(
        hit["doc_id"] == doc and hit["start_index"] < end and start < hit["end_index"] for doc, start, end in spans
    )


#: A search function: question, k, language hint -> (hits' metadata, coverage outcome:
#: "covered", "partial" or "not_covered")
SearchFn = Callable[[str, int, str | None], tuple[list[dict[str, Any]], str]]


def run_retrieval(items: Iterable[RetrievalItem], search: SearchFn, texts: dict[str, str]) -> list[dict[str, Any]]:
    """Per-question outcomes: rank of the first relevant hit (or None) and the coverage outcome."""
    rows = []
    for item in items:
        hits, coverage = search(item.question, 10, item.language)
        spans = gold_spans(item, texts) if item.answerable else []
        relevant = [is_relevant(h, spans) for h in hits]
        rank = relevant.index(True) + 1 if any(relevant) else None
        rows.append(
            {
                "id": item.id,
                "language": item.language,
                "answerable": item.answerable,
                "cross_lingual": item.cross_lingual,
                "rank": rank,
                "relevant": relevant,
                "coverage": coverage,
                # answered at all (a "partial" answer says what the sources lack, then quotes the closest passage)
                "covered": coverage != "not_covered",
                # declined what it cannot answer: not covered, or marked partly covered
                "declined": coverage != "covered",
            }
        )
    return rows


def _metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    if not rows:
        return {}
    n = len(rows)
    out = {f"recall@{k}": sum(1 for r in rows if r["rank"] and r["rank"] <= k) / n for k in (1, 3, 5)}
    out["mrr@10"] = sum(1 / r["rank"] for r in rows if r["rank"] and r["rank"] <= 10) / n
    ndcg = 0.0
    for r in rows:
        rel = r["relevant"][:10]
        dcg = sum(1 / math.log2(i + 2) for i, x in enumerate(rel) if x)
        ideal = sum(1 / math.log2(i + 2) for i in range(max(1, min(10, sum(rel)))))
        ndcg += dcg / ideal if ideal else 0.0
    out["ndcg@10"] = ndcg / n
    out["n"] = n
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    return {
        "overall": _metrics(answerable),
        "cross_lingual": _metrics([r for r in answerable if r["cross_lingual"]]),
        "same_language": _metrics([r for r in answerable if not r["cross_lingual"]]),
        "per_language": per_group(answerable, "language", _metrics),
        "coverage": {
            "answerable_covered": sum(r["covered"] for r in answerable) / max(1, len(answerable)),
            "unanswerable_declined": sum(r["declined"] for r in unanswerable) / max(1, len(unanswerable)),
            "answerable_partial": sum(r["coverage"] == "partial" for r in answerable) / max(1, len(answerable)),
            "unanswerable_not_covered": sum(r["coverage"] == "not_covered" for r in unanswerable)
            / max(1, len(unanswerable)),
            "n_answerable": len(answerable),
            "n_unanswerable": len(unanswerable),
        },
    }


def retriever_search(retriever: Any) -> SearchFn:
    """Adapt a HybridRetriever to SearchFn (the language hint is ignored: detection is part of the system)."""

    def search(question: str, k: int, _language: str | None) -> tuple[list[dict[str, Any]], str]:
        result = retriever.search(question, k=k)
        return [d.metadata for d in result.hits], result.coverage.outcome

    return search


def dump(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
