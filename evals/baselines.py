"""Retrieval baselines over the system's own loaded index, so the comparison is
about the method and nothing else (same chunks, same vectors, same BM25):

* `bm25`: BM25 over the chunks of every language; a chunk's score is the best
  over the per-language indexes (each stems the question its own way). Chunks
  sharing no term with the question are not retrieved.
* `dense`: the question's vector against the chunk vectors (FAISS inner
  product); no notes, no BM25.

The system (`hybrid`) fuses both with the multilingual notes. Each returns a
`evals.retrieval.SearchFn`; `covered` is not defined for a baseline (always "covered",
and not reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from evals.retrieval import SearchFn


def _metadata(chunk: Any, score: float) -> dict[str, Any]:
    return {
        "chunk_id": chunk.id,
        "doc_id": chunk.doc_id,
        "language": chunk.language,
        "start_index": chunk.start_index,
        "end_index": chunk.end_index,
        "score": round(float(score), 6),
    }


def bm25_search(retriever: Any) -> SearchFn:
    from assistant.retrieval import clean_query

    index = retriever.index

    def search(question: str, k: int, _language: str | None) -> tuple[list[dict[str, Any]], bool]:
        q = clean_query(question, retriever.max_query_chars)
        scores = np.zeros(len(index.chunks), dtype=np.float32)
        for lexical, chunk_ids in index.chunk_bm25.values():
            scores[chunk_ids] = np.maximum(scores[chunk_ids], lexical.scores(q))
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
        return [_metadata(index.chunks[i], scores[i]) for i in order], "covered"

    return search


def dense_search(retriever: Any) -> SearchFn:
    from assistant.retrieval import clean_query

    index = retriever.index
    embeddings = retriever.embeddings

    def search(question: str, k: int, _language: str | None) -> tuple[list[dict[str, Any]], bool]:
        q = clean_query(question, retriever.max_query_chars)
        vector = np.asarray(embeddings.embed_query_np(q), dtype=np.float32).reshape(1, -1)
        sims, ids = index.chunk_vectors.search(vector, min(k, len(index.chunks)))
        return [_metadata(index.chunks[int(i)], s) for s, i in zip(sims[0], ids[0]) if i >= 0], "covered"

    return search


def prewarm(retriever: Any, texts: Iterable[str], batch_size: int = 32, progress: Any = None) -> int:
    """Embed the questions the run will ask in batches (several times faster than
    one at a time on CPU, and bit-identical) and put them in the retriever's
    query cache. Returns how many were embedded."""
    from assistant.errors import AssistantError
    from assistant.retrieval import clean_query

    embeddings = retriever.embeddings
    cache = getattr(embeddings, "cache", None)
    if cache is None:
        return 0
    todo: list[str] = []
    seen: set[str] = set()
    for text in texts:
        try:
            q = clean_query(text, retriever.max_query_chars)
        except AssistantError:
            continue
        if q not in seen and cache.get(q) is None:
            seen.add(q)
            todo.append(q)
    for start in range(0, len(todo), batch_size):
        part = todo[start : start + batch_size]
        vectors = embeddings.embed_queries_np(part)
        for q, vector in zip(part, vectors):
            vector = np.array(vector, dtype=np.float32)
            vector.setflags(write=False)
            cache.put(q, vector)
        if progress is not None:
            progress(min(start + batch_size, len(todo)), len(todo))
    return len(todo)
