"""Rank metrics (reused from evals/retrieval.py) and the retrieval baselines, on
small hand-made inputs."""

from __future__ import annotations

import math
from types import SimpleNamespace

import faiss
import numpy as np
import pytest

from assistant.chunking import Chunk
from assistant.lexical import LexicalIndex
from evals.baselines import bm25_search, dense_search, prewarm
from evals.retrieval import summarise


def row(rank: int | None, relevant: list[bool], language: str = "sv", cross: bool = False,
        answerable: bool = True, covered: bool = True, coverage: str | None = None) -> dict:
    coverage = coverage or ("covered" if covered else "not_covered")
    return {"id": "x", "language": language, "answerable": answerable, "cross_lingual": cross, "rank": rank,
            "relevant": relevant, "coverage": coverage, "covered": coverage != "not_covered",
            "declined": coverage != "covered"}


def test_recall_mrr_and_ndcg_on_hand_made_ranks() -> None:
    rows = [
        row(1, [True, False, False]),                      # found first
        row(3, [False, False, True, False, True]),         # found third (and fifth)
        row(None, [False] * 10, language="fi", cross=True),  # never found
        row(6, [False] * 5 + [True], language="fi", cross=True),
    ]
    s = summarise(rows)
    overall = s["overall"]
    assert overall["recall@1"] == pytest.approx(1 / 4)
    assert overall["recall@3"] == pytest.approx(2 / 4)
    assert overall["recall@5"] == pytest.approx(2 / 4)
    assert overall["mrr@10"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 6) / 4)
    ndcg_two = (1 / math.log2(4) + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    ndcg_sixth = 1 / math.log2(7)  # rank 6: 1 / log2(6 + 1), ideal 1
    assert overall["ndcg@10"] == pytest.approx((1 + ndcg_two + 0 + ndcg_sixth) / 4)
    assert s["cross_lingual"]["recall@5"] == 0 and s["cross_lingual"]["n"] == 2
    assert s["per_language"]["sv"]["recall@1"] == pytest.approx(0.5)


def test_coverage_counts_answerable_covered_and_unanswerable_declined() -> None:
    rows = [row(1, [True]), row(2, [False, True], covered=False),
            row(None, [], answerable=False, covered=False), row(None, [], answerable=False, covered=True),
            row(None, [], answerable=False, covered=False)]
    coverage = summarise(rows)["coverage"]
    assert coverage["answerable_covered"] == pytest.approx(0.5)
    assert coverage["unanswerable_declined"] == pytest.approx(2 / 3)


def test_a_partly_covered_answer_counts_as_answered_and_as_declining_what_is_missing() -> None:
    rows = [row(1, [True], coverage="partial"), row(1, [True]),
            row(None, [], answerable=False, coverage="partial"), row(None, [], answerable=False)]
    coverage = summarise(rows)["coverage"]
    assert coverage["answerable_covered"] == 1.0 and coverage["answerable_partial"] == 0.5
    assert coverage["unanswerable_declined"] == 0.5 and coverage["unanswerable_not_covered"] == 0.0


# ---------------------------------------------------------------- baselines over a tiny index


class TinyEmbeddings:
    """Three fixed directions: pricing, pilots, anything else."""

    def __init__(self) -> None:
        self.cache = _Cache()
        self.batches: list[int] = []

    def _vec(self, text: str) -> np.ndarray:
        t = text.lower()
        v = np.array([("pris" in t) + ("price" in t), ("pilot" in t), 0.1], dtype=np.float32)
        return v / np.linalg.norm(v)

    def embed_queries_np(self, texts: list[str]) -> np.ndarray:
        self.batches.append(len(texts))
        return np.vstack([self._vec(t) for t in texts])

    def embed_query_np(self, text: str) -> np.ndarray:
        cached = self.cache.get(text)
        return cached if cached is not None else self._vec(text)


class _Cache(dict):
    def put(self, key: str, value: np.ndarray) -> None:
        self[key] = value


def tiny_retriever() -> SimpleNamespace:
    texts = [("sv", "Prissättning per minut eller per kontakt."), ("fi", "Pilotit ovat harvoin suositeltavia."),
             ("sv", "Kartlägg processerna innan ni outsourcar."), ("da", "Prisen pr. opkald er lav.")]
    chunks = [Chunk(id=f"c{i}", doc_id=f"d-{lang}", title="t", language=lang, heading="", text=text,
                    start_index=0, end_index=len(text)) for i, (lang, text) in enumerate(texts)]
    embeddings = TinyEmbeddings()
    vectors = faiss.IndexFlatIP(3)
    vectors.add(np.vstack([embeddings._vec(c.text) for c in chunks]))
    bm25 = {}
    for lang in ("sv", "fi", "da"):
        ids = np.array([i for i, c in enumerate(chunks) if c.language == lang])
        bm25[lang] = (LexicalIndex.build([chunks[i].text for i in ids], lang), ids)
    index = SimpleNamespace(chunks=chunks, chunk_vectors=vectors, chunk_bm25=bm25)
    return SimpleNamespace(index=index, embeddings=embeddings, max_query_chars=2000)


def test_bm25_baseline_scores_every_language_and_drops_chunks_without_a_shared_term() -> None:
    hits, covered = bm25_search(tiny_retriever())("Kartlägg processerna", 10, None)
    assert [h["chunk_id"] for h in hits] == ["c2"] and covered
    hits, _ = bm25_search(tiny_retriever())("pilotit", 10, "fi")
    assert [h["doc_id"] for h in hits] == ["d-fi"]


def test_dense_baseline_ranks_chunks_by_vector_similarity() -> None:
    hits, _ = dense_search(tiny_retriever())("What price do vendors charge?", 2, None)
    assert {h["chunk_id"] for h in hits} == {"c0", "c3"}
    assert set(hits[0]) >= {"doc_id", "start_index", "end_index"}


def test_prewarm_embeds_unique_questions_in_batches_into_the_query_cache() -> None:
    retriever = tiny_retriever()
    questions = [f"question {i}?" for i in range(5)] + ["question 0?", "  question 1?  "]
    assert prewarm(retriever, questions, batch_size=2) == 5
    assert retriever.embeddings.batches == [2, 2, 1]
    assert set(retriever.embeddings.cache) == {f"question {i}?" for i in range(5)}
    assert prewarm(retriever, questions) == 0  # all cached now
