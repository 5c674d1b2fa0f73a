"""How common each word is in each supported language: word evidence for language identification.

A character model (fastText's lid.176, assistant/language.py) confuses short
Danish and Bokmål sentences and short replies ("Ja takk", "spring over"),
where the words themselves settle it: "takk" is a common Norwegian word and a
rare Danish one. `assistant/data/language_words.tsv` keeps, for each of the five
languages, its 20,000 most common words with their frequency in centibels
(100 x log10 of the word's share of running text, as wordfreq counts it: -200
is one word in a hundred). Each line is a language, a centibel value and the
words at that value. A word in none of the lists (an inflected Finnish form,
a compound: "poissaoloja", "outsourcingpartner") is judged by its letter
trigrams instead: `assistant/data/language_trigrams.tsv` counts, per language,
the listed words that contain each trigram.

The table is data generated from wordfreq's "small" lists (wordfreq's data is
CC BY-SA 4.0, by Robyn Speer and contributors; see the file's header), which
is a build-time dependency only:

    .venv/bin/python -m assistant.language_words   # rewrites both files in assistant/data/

and `tests/test_language_words.py` checks the committed files against wordfreq.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("sv", "fi", "da", "nb", "en")
TABLE_PATH = Path(__file__).with_name("data") / "language_words.tsv"
TRIGRAMS_PATH = TABLE_PATH.with_name("language_trigrams.tsv")
#: Words kept per language.
TOP = 20_000
#: Centibels of a word missing from a language's list: below the rarest kept word (-530 to
#: -580), so an unknown word counts against a language without ruling it out.
FLOOR = -700

_WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    """The lower-case letter runs of `text`, as the table's words are written."""
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=1)
def _lists() -> tuple[dict[str, int], ...]:
    """Per language (in LANGUAGES' order), its listed words' centibels."""
    # One dict per language rather than a row per word: ~11 MB instead of ~22 MB.
    index = {language: i for i, language in enumerate(LANGUAGES)}
    lists: tuple[dict[str, int], ...] = tuple({} for _ in LANGUAGES)
    spelled: dict[str, str] = {}  # one string object per word, shared by the languages listing it
    with TABLE_PATH.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            language, centibels, listed = line.rstrip("\n").split("\t")
            found, value = lists[index[language]], int(centibels)
            for word in listed.split(" "):
                found[spelled.setdefault(word, word)] = value
    return lists


def centibels(word: str) -> tuple[int, ...] | None:
    """`word`'s centibels in each of LANGUAGES (FLOOR where a list lacks it); None when no list has it."""
    values = tuple(found.get(word, FLOOR) for found in _lists())
    return None if max(values) == FLOOR else values


#: The routing vocabulary: the domain's own words ("tjekliste", "bemanding"), which
#: frequency lists of everyday text lack, written per language.
VOCABULARY_PATH = TABLE_PATH.with_name("vocabulary.yaml")
#: A word is the domain's when it starts with one of these forms of at least this many letters
#: (an inflection or a compound: "tjeklisten", "checklistan").
_DOMAIN_MIN_LETTERS = 5
#: Centibels of a domain word in the languages whose vocabulary has it: as common as a
#: fairly rare listed word, far above FLOOR.
DOMAIN = -450


@lru_cache(maxsize=1)
def _domain_forms() -> tuple[frozenset[str], ...]:
    """Per language (in LANGUAGES' order), the vocabulary's single-word forms."""
    from assistant.yaml_io import load_yaml

    data = load_yaml(VOCABULARY_PATH.read_text(encoding="utf-8")) or {}
    forms: tuple[set[str], ...] = tuple(set() for _ in LANGUAGES)
    for entry in (data.get("concepts") or {}).values():
        for language, listed in (entry or {}).items():
            if language not in LANGUAGES:
                continue  # "*": the same in every language, no evidence
            for form in listed or []:
                form = str(form).strip("*").lower()
                if " " not in form and len(form) >= _DOMAIN_MIN_LETTERS:
                    forms[LANGUAGES.index(language)].add(form)
    return tuple(frozenset(f) for f in forms)


def domain_centibels(word: str) -> tuple[int, ...] | None:
    """DOMAIN in the languages whose vocabulary `word` starts with a form of, FLOOR elsewhere;
    None when no language's or every language's vocabulary has it (no evidence)."""
    prefixes = {word[:end] for end in range(_DOMAIN_MIN_LETTERS, len(word) + 1)}
    hits = [bool(prefixes & forms) for forms in _domain_forms()]
    if not any(hits) or all(hits):
        return None
    return tuple(DOMAIN if hit else FLOOR for hit in hits)


def load() -> None:
    """Read the tables now (language.py does, under its lock, before the first detection)."""
    _lists()
    _trigrams()
    _domain_forms()


def loaded() -> bool:
    """Whether the word lists have been read (they are read on first use)."""
    return _lists.cache_info().currsize > 0


#: Add-k smoothing of the trigram counts (a trigram a language's words never have is rare,
#: not impossible).
_SMOOTHING = 0.5


@lru_cache(maxsize=1)
def _trigrams() -> tuple[dict[str, tuple[float, ...]], tuple[float, ...]]:
    """Trigram -> its centibels in each language's words, and the centibels of an unseen trigram."""
    counts: dict[str, tuple[int, ...]] = {}
    with TRIGRAMS_PATH.open(encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#") and line.strip():
                trigram, *values = line.rstrip("\n").split("\t")
                counts[trigram] = tuple(int(v) for v in values)
    totals = [sum(c[i] for c in counts.values()) + _SMOOTHING * len(counts) for i in range(len(LANGUAGES))]
    def centibels(value: float, i: int) -> float:
        return 100 * math.log10((value + _SMOOTHING) / totals[i])

    # A count's centibels once per distinct count and language (a few thousand, not 5 x 55,000
    # logarithms at every start); the same function of the same numbers, so the same values.
    columns = list(zip(*counts.values())) if counts else [() for _ in LANGUAGES]
    per_count = [{v: centibels(v, i) for v in set(column)} for i, column in enumerate(columns)]
    rows = zip(*(map(per_count[i].__getitem__, column) for i, column in enumerate(columns)))
    table = dict(zip(counts, rows))
    return table, tuple(centibels(0, i) for i in range(len(LANGUAGES)))


def _letter_trigrams(word: str) -> list[str]:
    padded = f"^{word}$"
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


def trigram_centibels(word: str) -> tuple[float, ...]:
    """The mean centibels of `word`'s letter trigrams in each language: how much it looks like one of its words."""
    table, unseen = _trigrams()
    trigrams = _letter_trigrams(word)
    sums = [0.0] * len(LANGUAGES)
    for trigram in trigrams:
        for i, value in enumerate(table.get(trigram, unseen)):
            sums[i] += value
    return tuple(v / len(trigrams) for v in sums)


# --------------------------------------------------------------------------- building the tables


def build_table(top: int = TOP) -> dict[str, dict[int, list[str]]]:
    """language -> centibels -> its words, from wordfreq (a build-time dependency)."""
    from wordfreq import get_frequency_list

    out: dict[str, dict[int, list[str]]] = {}
    for language in LANGUAGES:
        by_value: dict[int, list[str]] = {}
        kept: set[str] = set()
        # get_frequency_list's i-th bucket holds the words at -i centibels, commonest first.
        for i, bucket in enumerate(get_frequency_list(language, wordlist="small")):
            for word in bucket:
                word = word.lower()
                if len(kept) < top and word not in kept and _WORD.fullmatch(word):
                    kept.add(word)
                    by_value.setdefault(-i, []).append(word)
        out[language] = by_value
    return out


def render_table(built: dict[str, dict[int, list[str]]]) -> str:
    from importlib.metadata import version

    header = [
        "# Word frequencies for language identification (assistant/language.py), in centibels",
        "# (100 x log10 of a word's share of running text): language, centibels, the words at that value.",
        f"# The {TOP:,} commonest words per language of wordfreq {version('wordfreq')}'s \"small\" lists",
        "# (https://github.com/rspeer/wordfreq; its data: CC BY-SA 4.0, Robyn Speer and contributors).",
        "# Generated by `python -m assistant.language_words`; do not edit.",
    ]
    lines = [f"{language}\t{value}\t{' '.join(ws)}"
             for language, by_value in built.items() for value, ws in sorted(by_value.items(), reverse=True)]
    return "\n".join(header + lines) + "\n"


def render_trigrams(built: dict[str, dict[int, list[str]]]) -> str:
    """Per trigram, how many listed words of each language contain it (each word once)."""
    counts: dict[str, list[int]] = {}
    for i, language in enumerate(LANGUAGES):
        for ws in built[language].values():
            for word in ws:
                for trigram in set(_letter_trigrams(word)):
                    counts.setdefault(trigram, [0] * len(LANGUAGES))[i] += 1
    header = [
        "# Letter trigrams of the words in language_words.tsv (^ and $ mark a word's ends): per trigram,",
        f"# how many listed words of each of {', '.join(LANGUAGES)} contain it.",
        "# Generated by `python -m assistant.language_words`; do not edit.",
    ]
    lines = ["\t".join([trigram, *map(str, values)]) for trigram, values in sorted(counts.items())]
    return "\n".join(header + lines) + "\n"


def write_tables() -> tuple[Path, Path]:
    built = build_table()
    TABLE_PATH.write_text(render_table(built), encoding="utf-8")
    TRIGRAMS_PATH.write_text(render_trigrams(built), encoding="utf-8")
    _lists.cache_clear()
    _trigrams.cache_clear()
    return TABLE_PATH, TRIGRAMS_PATH


if __name__ == "__main__":  # pragma: no cover
    for written in write_tables():
        print(f"wrote {written} ({written.stat().st_size:,} bytes)")
    print(f"{len(set().union(*_lists())):,} words, {len(_trigrams()[0]):,} trigrams")
