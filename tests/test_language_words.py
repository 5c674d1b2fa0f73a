"""The word-frequency tables stand in for wordfreq at run time and must match it."""

from __future__ import annotations

import math

import pytest

from assistant import language_words
from assistant.language_words import FLOOR, LANGUAGES, TABLE_PATH, TRIGRAMS_PATH, centibels, trigram_centibels

wordfreq = pytest.importorskip("wordfreq")


def test_the_committed_tables_are_built_from_wordfreq() -> None:
    built = language_words.build_table()
    assert TABLE_PATH.read_text(encoding="utf-8") == language_words.render_table(built), \
        "run: .venv/bin/python -m assistant.language_words"
    assert TRIGRAMS_PATH.read_text(encoding="utf-8") == language_words.render_trigrams(built), \
        "run: .venv/bin/python -m assistant.language_words"


@pytest.mark.parametrize("word", ["takk", "och", "kiitos", "hvad", "the"])
def test_a_word_has_wordfreqs_centibels_in_each_language_listing_it(word: str) -> None:
    row = centibels(word)
    assert row is not None
    for language, value in zip(LANGUAGES, row):
        if value != FLOOR:
            frequency = wordfreq.word_frequency(word, language, wordlist="small")
            assert value == round(100 * math.log10(frequency))


def test_a_word_common_in_one_language_only_is_rare_in_the_others() -> None:
    sv, fi, da, nb, en = centibels("takk") or ()  # Norwegian "thanks"; Danish and Swedish write "tak"
    assert nb > -400
    assert sv == fi == da == en == FLOOR


def test_an_unlisted_word_looks_most_like_the_language_it_is_written_in() -> None:
    assert centibels("poissaoloja") is None
    likeness = dict(zip(LANGUAGES, trigram_centibels("poissaoloja")))
    assert max(likeness, key=likeness.__getitem__) == "fi"
