"""Word forms and the vocabulary file: inflections match their base word; bad entries are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.lexicon import VocabularyError, load_vocabulary, tokenize, vocabulary, word_forms


@pytest.mark.parametrize(("word", "language"), [("checklistan", "sv"), ("tarkistuslistan", "fi"),
                                                 ("tjeklisten", "da"), ("sjekklisten", "nb"), ("checklists", "en")])
def test_an_inflected_word_is_an_instance_of_its_concept(word: str, language: str) -> None:
    tokens = tokenize(word, language)
    assert vocabulary().annotate(tokens, language).has("checklist")


def test_a_compound_ending_in_a_concept_word_matches_it() -> None:
    tokens = tokenize("månadslönen", "sv")
    assert vocabulary().annotate(tokens, "sv").has("salary")


def test_a_lemma_that_only_cuts_a_compound_is_not_a_form_of_it() -> None:
    # simplemma answers "kuukausi" (month) for "kuukausimaksu" (monthly fee)
    assert "kuukausi" not in word_forms("kuukausimaksu", "fi")
    assert "tunti" in word_forms("tunnissa", "fi")


def test_an_unknown_language_in_the_vocabulary_is_named(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.yaml"
    path.write_text("concepts:\n  salary:\n    de: [Gehalt]\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="salary.*de"):
        load_vocabulary(path)


def test_a_malformed_entry_in_the_vocabulary_is_named(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.yaml"
    path.write_text("concepts:\n  salary:\n    sv: ['*lön*']\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="salary.sv"):
        load_vocabulary(path)
