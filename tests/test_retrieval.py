"""HybridRetriever: cross-lingual hits with exact citations and a covered signal."""

from __future__ import annotations

import pytest
from langchain_core.retrievers import BaseRetriever

from assistant.corpus import corpus_by_id
from assistant.errors import InvalidInput

PHASES_QUESTION = "What phases does customer service go through in the first year after handing it to a partner?"
PRICING_QUESTION = "Vilka prismodeller finns för en outsourcad kundtjänst?"


def test_it_is_a_langchain_retriever(retriever):
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(PRICING_QUESTION)
    assert 1 <= len(docs) <= retriever.k


def test_hits_carry_citation_metadata_that_indexes_the_cleaned_text(retriever):
    texts = {d.id: d.text for d in corpus_by_id().values()}
    for doc in retriever.search(PRICING_QUESTION, k=5).hits:
        m = doc.metadata
        assert {"doc_id", "title", "language", "heading", "start_index", "end_index", "score", "note_ids"} <= set(m)
        assert texts[m["doc_id"]][m["start_index"] : m["end_index"]] == doc.page_content


def test_english_question_finds_the_finnish_month_phases_in_the_top_3(retriever):
    top3 = retriever.search(PHASES_QUESTION, k=3).hits
    found = " ".join(d.page_content for d in top3 if d.metadata["doc_id"] == "fi-ei-pikavoittoja")
    assert any(phase in found for phase in ("Käynnistysjakson", "Oppimisjakson", "Vakiintuneessa"))


def test_swedish_pricing_question_finds_the_pricing_list_in_the_top_3(retriever):
    top3 = retriever.search(PRICING_QUESTION, k=3).hits
    assert any("Per hanterad kontakt" in d.page_content for d in top3)


def test_an_off_topic_question_is_not_covered(retriever):
    assert retriever.search("Kuka voitti jalkapallon MM-kisat vuonna 2018?").covered is False


def test_an_answerable_question_is_covered(retriever):
    assert retriever.search(PHASES_QUESTION).covered is True


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x02"])
def test_empty_questions_are_refused_clearly(retriever, question):
    with pytest.raises(InvalidInput, match="question: must not be empty"):
        retriever.search(question)


def test_a_100_kb_question_is_refused_with_the_limit(retriever):
    with pytest.raises(InvalidInput, match="the limit is 2000"):
        retriever.search("kundtjänst " * 10_000)


def test_control_characters_are_ignored(retriever):
    clean = retriever.search(PRICING_QUESTION, k=3)
    dirty = retriever.search("Vilka\x07 prismodeller\x1b finns för en outsourcad kundtjänst?\x00", k=3)
    assert [d.id for d in dirty.hits] == [d.id for d in clean.hits]


def test_a_question_in_an_unsupported_language_still_gets_an_answer_with_no_language(retriever):
    result = retriever.search("Welche Preismodelle gibt es für ausgelagerten Kundenservice?", k=3)
    assert result.hits


def test_k_outside_range_is_refused(retriever):
    with pytest.raises(InvalidInput, match="k: must be between 1 and 50"):
        retriever.search(PRICING_QUESTION, k=0)
