"""Covered, partly covered, not covered: the decision and the terms the sources lack."""

from __future__ import annotations

import pytest

from assistant.coverage import Coverage, CoverageFeatures, CoverageModel, asks_for_amount


def features(**overrides) -> CoverageFeatures:
    base = dict(best_note_similarity=0.93, best_question_similarity=0.93, best_lexical=5.0, best_dense=0.84,
                top_fused=0.5, fused_gap=0.1, specific_terms=(), unsupported_words=0, content_words=6,
                amount_missing=False)
    return CoverageFeatures(**{**base, **overrides})


def test_a_well_supported_question_is_covered() -> None:
    assert CoverageModel().decide(features()).outcome == "covered"


def test_a_topic_match_that_asks_about_something_absent_is_partly_covered() -> None:
    decided = CoverageModel().decide(features(specific_terms=("Poland",)))
    assert decided == Coverage("partial", decided.probability, ("Poland",), "model")


def test_a_question_far_from_every_source_is_not_covered() -> None:
    decided = CoverageModel().decide(features(best_note_similarity=0.82, best_question_similarity=0.82,
                                              best_lexical=0.5, best_dense=0.78, top_fused=0.2,
                                              unsupported_words=4))
    assert decided.outcome == "not_covered"


def test_near_the_threshold_the_lexical_evidence_decides() -> None:
    model = CoverageModel()
    # find a feature value that puts the probability inside the band
    for fused in [x / 1000 for x in range(0, 1000)]:
        f = features(top_fused=fused, best_note_similarity=0.88, best_question_similarity=0.88, best_lexical=2.0)
        if abs(model.probability(f) - model.threshold) < model.band / 2:
            break
    else:
        pytest.fail("no probability inside the band")
    assert model.decide(f).decided_by == "lexical" and model.decide(f).outcome == "not_covered"
    strong = features(top_fused=fused, best_note_similarity=0.88, best_question_similarity=0.88,
                      best_lexical=model.lexical_fallback)
    if abs(model.probability(strong) - model.threshold) < model.band:
        assert model.decide(strong).outcome == "covered"


@pytest.mark.parametrize("question, language, expected", [
    ("How much does an agent cost per hour?", "en", True),
    ("Hur många agenter behövs?", "sv", True),
    ("Paljonko ulkoistus maksaa?", "fi", True),
    ("Hvor mye koster det?", "nb", True),
    ("Should we start with a pilot?", "en", False),
])
def test_a_question_asking_for_an_amount_is_recognised(question: str, language: str, expected: bool) -> None:
    assert asks_for_amount(question, language) is expected


@pytest.mark.parametrize("question, language, missing", [
    ("What does an agent cost per hour in Poland?", "en", ["Poland"]),
    ("Which CRM integrates best with Zendesk?", "en", ["CRM", "Zendesk"]),
    ("Måste leverantören vara ISO 27001-certifierad?", "sv", ["ISO", "27001-certifierad"]),
    ("Hva sier arbeidsmiljøloven om outsourcing?", "nb", ["arbeidsmiljøloven"]),
    ("Should we start with a pilot project?", "en", []),
    ("Vilka prismodeller finns för en outsourcad kundtjänst?", "sv", []),
])
def test_names_acronyms_codes_and_laws_absent_from_the_sources_are_found(retriever, question, language, missing):
    vocabulary = retriever._vocabulary
    assert vocabulary.unsupported_specific_terms(question, language) == missing


def test_a_name_the_articles_use_is_supported(retriever) -> None:
    assert retriever._vocabulary.unsupported_specific_terms("What did Gartner say about the market?", "en") == []


def test_a_question_naming_what_the_best_passages_name_is_covered_even_below_the_threshold() -> None:
    weak = dict(best_note_similarity=0.82, best_question_similarity=0.82, best_lexical=0.5, best_dense=0.78,
                top_fused=0.2, unsupported_words=1)
    assert CoverageModel().decide(features(**weak)).outcome == "not_covered"
    decided = CoverageModel().decide(features(**weak, named_in_passages=("Omnisale",)))
    assert (decided.outcome, decided.decided_by) == ("covered", "named")


def test_a_named_match_does_not_cover_a_question_that_also_names_something_absent() -> None:
    weak = dict(best_note_similarity=0.82, best_question_similarity=0.82, best_lexical=0.5, best_dense=0.78,
                top_fused=0.2, unsupported_words=1)
    decided = CoverageModel().decide(features(**weak, named_in_passages=("Omnisale",), specific_terms=("Poland",)))
    assert decided.outcome == "not_covered"


def test_the_retriever_covers_a_question_about_a_name_the_articles_use(retriever) -> None:
    result = retriever.search("What kind of consultancy is Omnisale?", 5, "en")
    assert result.coverage.outcome == "covered"
    assert "sv-outsourcing-beslut" in [d.metadata["doc_id"] for d in result.hits[:3]]
