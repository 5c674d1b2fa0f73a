"""An article without notes is not invisible.

For each article in turn, its notes file is removed from a copy of the corpus
and the index is rebuilt (reusing the other vectors). On the dev questions
whose gold passage is in that article, Recall@5 over that article's chunks
must be at least what e5 dense retrieval alone gets: a chunk without notes
competes on the signals it has (dense, BM25 in its language, the glossary
bridge) and is not outvoted by signals it cannot have.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.corpus import corpus_by_id
from assistant.glossary import load_glossary
from assistant.index import build_index, vector_cache
from assistant.retrieval import HybridRetriever
from evals.retrieval import gold_spans, is_relevant, load_retrieval_dataset

from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

ARTICLES = sorted(p.stem for p in CORPUS.glob("*.md"))


def _questions_about(doc_id: str) -> list[tuple[object, list[tuple[str, int, int]]]]:
    texts = {d.id: d.text for d in corpus_by_id(CORPUS).values()}
    out = []
    for item in load_retrieval_dataset():
        if item.answerable:
            spans = [s for s in gold_spans(item, texts) if s[0] == doc_id]
            if spans:
                out.append((item, spans))
    return out


def _recall(retriever: HybridRetriever, questions: list, *, dense_only: bool) -> float:
    hits = 0
    for item, spans in questions:
        if dense_only:
            vector = retriever.embeddings.embed_query_np(item.question)
            order = np.argsort(-(retriever.index.chunk_matrix @ np.asarray(vector, dtype=np.float64)), kind="stable")
            top = [retriever.index.chunks[int(i)] for i in order[:5]]
            metadata = [{"doc_id": c.doc_id, "start_index": c.start_index, "end_index": c.end_index} for c in top]
        else:
            metadata = [h.metadata for h in retriever.search(item.question, k=5).hits]
        hits += any(is_relevant(m, spans) for m in metadata)
    return hits / len(questions)


@pytest.mark.parametrize("doc_id", ARTICLES)
def test_an_article_without_notes_is_found_at_least_as_often_as_by_dense_retrieval(
        doc_id: str, retriever: HybridRetriever, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / f"{doc_id}.notes.yaml").unlink()
    index = build_index(corpus, tmp_path / "index", retriever.embeddings, reuse=vector_cache(retriever.index))
    assert index.manifest["counts"]["embedded"] == 0  # nothing new to embed: same texts, fewer notes
    without_notes = HybridRetriever(index, retriever.embeddings, load_glossary(corpus))
    questions = _questions_about(doc_id)
    assert len(questions) >= 10
    ablated = _recall(without_notes, questions, dense_only=False)
    dense = _recall(without_notes, questions, dense_only=True)
    assert ablated >= dense, f"{doc_id} without notes: Recall@5 {ablated:.2f} < e5 dense alone {dense:.2f}"
    assert ablated > 0.3


def test_the_full_system_finds_more_than_dense_retrieval_for_every_article(retriever: HybridRetriever) -> None:
    for doc_id in ARTICLES:
        questions = _questions_about(doc_id)
        assert _recall(retriever, questions, dense_only=False) > _recall(retriever, questions, dense_only=True)
