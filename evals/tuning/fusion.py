"""Fusion weights on the dev split: Recall@5 / MRR@10 overall and cross-lingual
for a grid of settings, plus the notes ablation (each article's notes dropped
in turn, its questions scored against its own chunks, beside e5 dense alone).

    .venv/bin/python -m evals.tuning.fusion [--grid]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from typing import Any

import numpy as np

from assistant.retrieval import FusionWeights, load_retriever
from evals.tuning.common import DOCS, Question, dev_questions, first_relevant_rank, recall_mrr


def evaluate(retriever: Any, questions: list[Question], weights: FusionWeights) -> dict[str, float]:
    r = retriever.model_copy(update={"weights": weights})
    ranks, cross = [], []
    for q in questions:
        if not q.item.answerable:
            continue
        s = r.signals(q.item.question, q.language, q.vector)
        rank = first_relevant_rank(s.order, q.relevant)
        ranks.append(rank)
        if q.item.cross_lingual:
            cross.append(rank)
    r5, mrr = recall_mrr(ranks)
    return {"recall@5": r5, "mrr@10": mrr, "cross_recall@5": recall_mrr(cross)[0], "n": len(ranks)}


def ablation(retriever: Any, questions: list[Question], weights: FusionWeights) -> dict[str, tuple[float, float, int]]:
    """Per article: (Recall@5 with its notes dropped, e5 dense alone, questions), relevance within the article."""
    r = retriever.model_copy(update={"weights": weights})
    idx = r.index
    note_doc = np.array([n.doc_id for n in idx.notes])
    chunk_doc = np.array([c.doc_id for c in idx.chunks])
    out = {}
    for doc in DOCS:
        dropped = note_doc == doc
        fused_ranks, dense_ranks = [], []
        for q in questions:
            relevant = q.relevant & (chunk_doc == doc)
            if not q.item.answerable or not relevant.any():
                continue
            s = r.signals(q.item.question, q.language, q.vector, dropped_notes=dropped)
            fused_ranks.append(first_relevant_rank(s.order, relevant))
            dense = np.argsort(-s.chunk_similarity, kind="stable")
            dense_ranks.append(first_relevant_rank(dense, relevant))
        out[doc] = (recall_mrr(fused_ranks)[0], recall_mrr(dense_ranks)[0], len(fused_ranks))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grid", action="store_true", help="search the grid (slow) instead of the current weights")
    args = parser.parse_args()
    retriever = load_retriever()
    questions = dev_questions(retriever)
    current = FusionWeights()
    print("current:", current)
    print({k: round(v, 3) for k, v in evaluate(retriever, questions, current).items()})
    for doc, (ablated, dense, n) in ablation(retriever, questions, current).items():
        print(f"  notes of {doc:32s} dropped: Recall@5 {ablated:.2f} (e5 dense alone {dense:.2f}, n={n})"
              f"{'' if ablated >= dense else '  <-- below dense'}")
    if not args.grid:
        return
    rows = []
    for dense, lexn, lexc, bridge, k, tau in itertools.product((0.7, 1.0, 1.4), (0.25, 0.5, 1.0), (0.25, 0.5),
                                                              (0.0, 0.25, 0.5), (2.0, 3.0, 5.0), (0.005, 0.01)):
        w = replace(current, dense_chunks=dense, lexical_notes=lexn, lexical_chunks=lexc, lexical_bridge=bridge,
                    rrf_k=k, dense_temperature=tau, lexical_temperature=2 * tau)
        rows.append((evaluate(retriever, questions, w), w))
    rows.sort(key=lambda r: (-r[0]["recall@5"], -r[0]["mrr@10"]))
    for m, w in rows[:25]:
        print(f"R@5 {m['recall@5']:.3f} cross {m['cross_recall@5']:.3f} MRR {m['mrr@10']:.3f}  "
              f"dense {w.dense_chunks} lexn {w.lexical_notes} lexc {w.lexical_chunks} bridge {w.lexical_bridge} "
              f"k {w.rrf_k} tau {w.dense_temperature}")


if __name__ == "__main__":
    main()
