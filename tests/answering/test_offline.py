"""The offline answerer: a note's summary in the user's language, its verbatim quote, and a
second article when the ranking cannot tell two apart."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.answering.offline import AnswerSettings, OfflineAnswerer
from assistant.corpus import corpus_by_id

TRIAL = "Er det en god idé at starte med et kort prøveforløb, før vi binder os til en partner?"


@pytest.fixture(scope="module")
def docs():
    return corpus_by_id()


def test_an_answer_quotes_its_source_verbatim_and_speaks_the_users_language(retriever, docs) -> None:
    answer = OfflineAnswerer(retriever, docs).compose(
        retriever.search("Which pricing models do vendors offer?", 5, "en"), "en")
    assert answer.covered and answer.citations
    for citation in answer.citations:
        text = docs[citation.doc_id].text
        assert text[citation.start_index:citation.end_index] == citation.quote
    assert "(article in " in answer.text


def test_a_nearly_as_good_passage_of_another_article_is_the_second_source(retriever, docs) -> None:
    result = retriever.search(TRIAL, 5, "da")
    order = [retriever.index.chunks[int(c)].doc_id for c in result.signals.order[:3]]
    assert order[0] != "fi-ei-pikavoittoja" and "fi-ei-pikavoittoja" in order
    cited = [c.doc_id for c in OfflineAnswerer(retriever, docs).compose(result, "da").citations]
    assert cited[0] == order[0] and "fi-ei-pikavoittoja" in cited


def test_a_passage_far_behind_the_first_is_not_added(retriever, docs) -> None:
    strict = replace(AnswerSettings(), second_source_ratio=1.01)
    cited = {c.doc_id for c in OfflineAnswerer(retriever, docs, strict).compose(
        retriever.search(TRIAL, 5, "da"), "da").citations}
    assert len(cited) == 1


def test_an_uncovered_question_gets_no_answer_text(retriever, docs) -> None:
    answer = OfflineAnswerer(retriever, docs).compose(
        retriever.search("What is the capital of Australia?", 5, "en"), "en")
    assert (answer.covered, answer.text, answer.citations) == (False, "", [])
