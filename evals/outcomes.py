"""Per-item values behind the headline metrics.

A rate such as Recall@5 is the mean of one value per question (1 when a
relevant passage is in the top five). Keeping those values lets the report
give a bootstrap interval and lets the gate say *which* questions newly fail
against the baseline, instead of comparing two aggregates.

Each function maps a section's rows to `{metric name: {item id: value}}`,
with the same metric names as `results["metrics"]` (before any split prefix).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

ItemValues = dict[str, dict[str, float]]
Row = dict[str, Any]


def _collect(rows: Iterable[Row], specs: list[tuple[str, Callable[[Row], bool], Callable[[Row], float]]],
             key: str = "id") -> ItemValues:
    out: ItemValues = {}
    for name, include, value in specs:
        values = {str(r[key]): float(value(r)) for r in rows if include(r)}
        if values:
            out[name] = values
    return out


def _recall(k: int) -> Callable[[Row], float]:
    return lambda r: 1.0 if r["rank"] and r["rank"] <= k else 0.0


def _reciprocal_rank(r: Row) -> float:
    return 1.0 / r["rank"] if r["rank"] and r["rank"] <= 10 else 0.0


def _ndcg(r: Row) -> float:
    rel = r["relevant"][:10]
    dcg = sum(1 / math.log2(i + 2) for i, x in enumerate(rel) if x)
    ideal = sum(1 / math.log2(i + 2) for i in range(max(1, min(10, sum(rel)))))
    return dcg / ideal if ideal else 0.0


def retrieval_items(rows: list[Row], prefix: str = "retrieval") -> ItemValues:
    def answerable(r: Row) -> bool:
        return bool(r["answerable"])

    def cross(r: Row) -> bool:
        return bool(r["answerable"] and r["cross_lingual"])

    specs: list[tuple[str, Callable[[Row], bool], Callable[[Row], float]]] = []
    for group, include in (("", answerable), (".cross_lingual", cross)):
        for k in (1, 3, 5):
            specs.append((f"{prefix}{group}.recall@{k}", include, _recall(k)))
        specs.append((f"{prefix}{group}.mrr@10", include, _reciprocal_rank))
        specs.append((f"{prefix}{group}.ndcg@10", include, _ndcg))
    if rows and "covered" in rows[0] and prefix == "retrieval":
        specs.append((f"{prefix}.coverage.answerable_covered", answerable, lambda r: float(r["covered"])))
        specs.append((f"{prefix}.coverage.unanswerable_declined", lambda r: not r["answerable"],
                      lambda r: float(r["declined"])))
    return _collect(rows, specs)


def answer_items(rows: list[Row], prefix: str = "answers") -> ItemValues:
    def answerable(r: Row) -> bool:
        return bool(r["answerable"])

    return _collect(rows, [
        (f"{prefix}.language", lambda r: True, lambda r: float(r["language_ok"])),
        (f"{prefix}.gold_cited", answerable, lambda r: float(bool(r["gold_cited"]))),
        (f"{prefix}.cross_lingual.gold_cited", lambda r: bool(r["answerable"] and r["cross_lingual"]),
         lambda r: float(bool(r["gold_cited"]))),
        (f"{prefix}.answerable_covered", answerable, lambda r: float(r["covered"])),
        (f"{prefix}.unanswerable_declined", lambda r: not r["answerable"], lambda r: float(r["declined"])),
    ])


def pass_items(rows: list[Row], metric: str, field: str = "ok") -> ItemValues:
    """One pass/fail value per row (routing, extraction, tool references, conversations)."""
    return _collect(rows, [(metric, lambda r: True, lambda r: float(bool(r[field])))])
