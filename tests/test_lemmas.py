"""The lemma table stands in for simplemma at run time and must match the vocabulary."""

from __future__ import annotations

import json

import pytest

from assistant.lemmas import TABLE_PATH, build_table, lemma
from assistant.lexicon import word_forms

simplemma = pytest.importorskip("simplemma")


def test_the_committed_table_is_built_from_the_current_vocabulary() -> None:
    committed = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert committed["lemmas"] == build_table()["lemmas"], "run: .venv/bin/python -m assistant.lemmas"


@pytest.mark.parametrize("word, language, expected", [
    ("checklistan", "sv", "checklista"), ("tarkistuslistan", "fi", "tarkistuslista"),
    ("tjeklisten", "da", "tjekliste"), ("sjekklisten", "nb", "sjekkliste"), ("checklists", "en", "checklist"),
])
def test_inflected_vocabulary_words_get_simplemmas_lemma(word: str, language: str, expected: str) -> None:
    assert lemma(word, language) == expected == simplemma.lemmatize(word, lang=language).lower()
    assert expected in word_forms(word, language)


def test_a_word_routing_never_compares_keeps_its_own_form() -> None:
    assert lemma("kanelbullarna", "sv") == "kanelbullarna"


def test_routing_does_not_import_the_lemmatiser() -> None:
    import subprocess
    import sys

    code = "import sys, assistant.routing, assistant.tools.extract; print('simplemma' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "False"
