"""Lemmas for the words routing cares about, without loading a lemmatiser at run time.

simplemma's dictionaries for the five languages take ~600 MB and ~7 s to load
(~80 MB and ~3.5 s with its frugal stream reader): too much for a server that
must start in seconds and stay small. Routing only ever compares a word's
lemma with the forms of the words in `assistant/data/vocabulary.yaml`, so the
lemma of any other word never matters. `assistant/data/lemmas.json` keeps, per
language, simplemma's lemma of every inflected form whose lemma is (or, for
the compound patterns, ends with) one of those forms, and the lemma simplemma
gives each vocabulary word. Looking a word up there is what
`simplemma.lemmatize` would say wherever it can change a match.

The table is data generated from the vocabulary; after editing the vocabulary:

    .venv/bin/python -m assistant.lemmas      # rewrites assistant/data/lemmas.json

and `tests/test_lemmas.py` fails while the table is out of date.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.yaml_io import load_yaml

DATA = Path(__file__).with_name("data")
TABLE_PATH = DATA / "lemmas.json"
LANGUAGES = ("sv", "fi", "da", "nb", "en")


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    if not TABLE_PATH.is_file():
        return {}
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))["lemmas"]


#: Languages that write compounds as one word: an unknown compound is lemmatised by its last
#: part, as simplemma's affix decomposition does ("henkilöstömitoituksen" -> "henkilöstömitoitus").
_COMPOUNDING = frozenset({"sv", "fi", "da", "nb"})
_MIN_PART = 3


def lemma(word: str, language: str) -> str:
    """The lemma of lower-case `word` in `language` when it can matter for routing, else the word."""
    table = _table().get(language, {})
    found = table.get(word)
    if found is not None:
        return found
    if language in _COMPOUNDING and len(word) > 2 * _MIN_PART:
        for i in range(_MIN_PART, len(word) - _MIN_PART + 1):  # the longest known last part wins
            tail = table.get(word[i:])
            if tail is not None:
                return word[:i] + tail
    return word


# --------------------------------------------------------------------------- building the table


def _vocabulary_words(path: Path) -> tuple[set[str], set[str]]:
    """The vocabulary's whole words and compound endings (lower case, all languages)."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    words, endings = set(), set()
    for per_language in (data.get("concepts") or {}).values():
        for phrases in (per_language or {}).values():
            for phrase in phrases or []:
                for part in str(phrase).lower().split():
                    if part.startswith("*") and not part.endswith("*"):
                        endings.add(part[1:])
                    elif not part.endswith("*"):
                        words.add(part)
    return words, endings


def build_table(vocabulary: Path | None = None) -> dict[str, Any]:
    """The table for the current vocabulary (needs simplemma, a build-time dependency)."""
    import simplemma
    import Stemmer
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    from assistant.lexicon import VOCABULARY_PATH, _SNOWBALL

    words, endings = _vocabulary_words(vocabulary or VOCABULARY_PATH)
    lemmas: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        stemmer = Stemmer.Stemmer(_SNOWBALL[lang])
        targets = set(words) | set(endings)
        for w in list(words) + list(endings):
            targets.add(stemmer.stemWord(w))
            targets.add(simplemma.lemmatize(w, lang=lang).lower())
        table: dict[str, str] = {}
        for raw_form, raw_lemma in _load_dictionary_from_disk(lang).items():
            form, lem = raw_form.decode("utf-8").lower(), raw_lemma.decode("utf-8").lower()
            if form == lem:
                continue
            if lem in targets or any(lem.endswith(e) and len(lem) > len(e) + 1 for e in endings):
                table[form] = lem
        for w in words | endings:  # what simplemma's rules (beyond its dictionary) say of the vocabulary itself
            lem = simplemma.lemmatize(w, lang=lang).lower()
            if lem != w:
                table[w] = lem
        lemmas[lang] = dict(sorted(table.items()))
    return {"source": f"simplemma {simplemma.__version__ if hasattr(simplemma, '__version__') else ''}".strip(),
            "vocabulary": "assistant/data/vocabulary.yaml", "lemmas": lemmas}


def write_table(path: Path = TABLE_PATH) -> Path:
    payload = build_table()
    path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                    encoding="utf-8")
    _table.cache_clear()
    return path


if __name__ == "__main__":  # pragma: no cover
    written = write_table()
    counts = {lang: len(v) for lang, v in json.loads(written.read_text(encoding="utf-8"))["lemmas"].items()}
    print(f"wrote {written} ({written.stat().st_size:,} bytes): {counts}")
