"""Language detection: the five supported languages, a sticky conversation
language, and Danish told from Norwegian where lingua cannot."""

from __future__ import annotations

import pytest

from assistant.language import detect_language, is_unsupported_language, plausible_languages


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hur mycket kostar det att lägga ut kundtjänsten på entreprenad?", "sv"),
        ("Kuinka paljon asiakaspalvelun ulkoistaminen maksaa?", "fi"),
        ("What should the contract with the call centre say about quality?", "en"),
        ("Hvad koster det at outsource kundeservice?", "da"),
        ("Hva koster det å outsource kundeservice?", "nb"),
    ],
)
def test_a_clear_sentence_is_detected_in_its_language(text, language):
    assert detect_language(text, fallback="en", switch_confidence=0.5) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # lingua splits these about evenly between Danish and Norwegian, or picks the wrong one
        ("Hvordan laver jeg en god lasagne til otte personer?", "da"),
        ("bør vi have en opt-out klausul i kontrakten med leverandøren?", "da"),
        ("Hvordan bør vi forberede oss på at effektiviteten faller rett etter at vi har outsourcet kundeservicen?",
         "nb"),
        ("vi vurderer å outsource intern it-support, hvem er egentlig kunden da?", "nb"),
        ("vil kundene våre merke at kundeservicen er outsourcet", "nb"),
    ],
)
def test_danish_and_norwegian_are_told_apart_by_spelling(text, language):
    assert detect_language(text, fallback="en", switch_confidence=0.5) == language


def test_a_short_danish_or_norwegian_question_is_not_answered_in_the_default_language():
    """The pair's total confidence counts, not the half lingua gives each of them."""
    assert detect_language("Hvordan laver jeg en god lasagne til otte personer?", fallback="en") in ("da", "nb")


def test_a_single_word_keeps_the_conversation_language():
    assert detect_language("ok", fallback="fi") == "fi"
    assert detect_language("tilbake", fallback="sv") == "sv"


def test_a_short_ambiguous_message_does_not_switch_an_established_conversation():
    assert detect_language("Vi er en ret lille kunde", fallback="nb") in ("nb", "da")
    assert detect_language("ca 30 prosent", fallback="sv") == "sv"


def test_a_real_switch_of_language_is_followed():
    assert detect_language("Now please answer me in English, what does outsourcing cost?", fallback="sv") == "en"


def test_a_language_we_do_not_support_is_recognised():
    assert is_unsupported_language("Wie viel kostet es, den Kundendienst auszulagern?")
    assert not is_unsupported_language("Hvad koster det at outsource kundeservice?")
    assert not is_unsupported_language("ok")


def test_a_danish_norwegian_tie_is_searched_in_both_languages():
    assert plausible_languages("Hvordan laver jeg en god lasagne til otte personer?", "da") == ("da", "nb")
    assert plausible_languages("Hvordan bør vi prissætte en outsourcet kundeservice?", "da") == ("da",)
    assert plausible_languages("Hur mycket kostar det?", "sv") == ("sv",)
