"""The dev evaluation set: recall thresholds and the covered signal."""

from __future__ import annotations

import pytest

from assistant.corpus import corpus_by_id
from evals.retrieval import load_retrieval_dataset, retriever_search, run_retrieval, summarise


@pytest.fixture(scope="module")
def summary(retriever):
    texts = {d.id: d.text for d in corpus_by_id().values()}
    rows = run_retrieval(load_retrieval_dataset(), retriever_search(retriever), texts)
    return summarise(rows)


def test_the_dev_set_is_big_and_varied_enough():
    items = load_retrieval_dataset()
    answerable = [i for i in items if i.answerable]
    assert len(answerable) >= 60 and sum(i.cross_lingual for i in answerable) >= 25
    assert len([i for i in items if not i.answerable]) >= 15
    assert {i.language for i in answerable} == {"sv", "fi", "da", "nb", "en"}


def test_recall_at_5_overall_is_at_least_90_percent(summary):
    assert summary["overall"]["recall@5"] >= 0.90, summary["overall"]


def test_recall_at_5_cross_lingual_is_at_least_85_percent(summary):
    assert summary["cross_lingual"]["recall@5"] >= 0.85, summary["cross_lingual"]


def test_unanswerable_questions_are_declined(summary):
    assert summary["coverage"]["unanswerable_declined"] >= 0.85, summary["coverage"]


def test_answerable_questions_are_covered(summary):
    assert summary["coverage"]["answerable_covered"] >= 0.90, summary["coverage"]
