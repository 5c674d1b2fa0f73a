"""Shared by the tuning scripts: the dev retrieval set with relevance per chunk,
and each question's vector computed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.corpus import corpus_by_id
from assistant.language import detect_language
from evals.retrieval import RetrievalItem, gold_spans, load_retrieval_dataset

DOCS = ("sv-outsourcing-beslut", "sv-upphandla-kundtjanst", "fi-ei-pikavoittoja", "da-call-center-outsourcing",
        "nb-outsourcing-kundeopplevelse")


@dataclass
class Question:
    item: RetrievalItem
    language: str | None
    vector: np.ndarray
    relevant: np.ndarray  # per chunk


def dev_questions(retriever: Any, items: list[RetrievalItem] | None = None) -> list[Question]:
    from assistant.retrieval import clean_query

    items = items if items is not None else load_retrieval_dataset()
    texts = {d.id: d.text for d in corpus_by_id(retriever_corpus(retriever)).values()}
    chunks = retriever.index.chunks
    cleaned = [clean_query(i.question, retriever.max_query_chars) for i in items]
    vectors = retriever.embeddings.embed_queries_np(cleaned)
    out = []
    for item, text, vector in zip(items, cleaned, vectors):
        relevant = np.zeros(len(chunks), dtype=bool)
        if item.answerable:
            spans = gold_spans(item, texts)
            relevant = np.array([any(c.doc_id == d and c.start_index < e and s < c.end_index for d, s, e in spans)
                                 for c in chunks])
        out.append(Question(item.model_copy(update={"question": text}), detect_language(text), vector, relevant))
    return out


def retriever_corpus(retriever: Any) -> Any:
    from assistant.settings import get_settings

    return get_settings().corpus_dir


def first_relevant_rank(order: np.ndarray, relevant: np.ndarray, depth: int = 10) -> int | None:
    for rank, c in enumerate(order[:depth], 1):
        if relevant[c]:
            return rank
    return None


def recall_mrr(ranks: list[int | None], k: int = 5) -> tuple[float, float]:
    n = max(1, len(ranks))
    return (sum(1 for r in ranks if r and r <= k) / n, sum(1 / r for r in ranks if r) / n)
