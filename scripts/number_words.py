"""Write assistant/data/number_words.tsv: number words of the five languages, from num2words.

    .venv/bin/pip install num2words && .venv/bin/python scripts/number_words.py

num2words is needed only to (re)generate the table; the assistant reads the
file. Words for 2-100 (one-token forms only: "fyra", "tjugofem", "kaksikymmentä",
"femogtyve", "twenty") and the words for 1½ ("halvannen", "puolitoista"); Norwegian's two spellings of 7 ("syv", "sju").
Finnish numbers also in their inflected forms (simplemma's dictionary, a build-time dependency).
0, 1 and "half" are left out: "en", "ett", "one" are far more often articles
than figures, and "half" is part of units ("half an hour") and of "… and a half",
which the quantity parser reads itself.
"""

from __future__ import annotations

from pathlib import Path

from num2words import num2words

OUT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "number_words.tsv"
LANGS = {"sv": "sv", "fi": "fi", "da": "da", "nb": "no", "en": "en"}
EXTRA = {
    "sv": {"halvannan": 1.5, "tusen": 1000},
    "fi": {"puolitoista": 1.5, "tuhat": 1000},
    "da": {"halvanden": 1.5, "halvandet": 1.5, "tusind": 1000},
    "nb": {"halvannen": 1.5, "halvannet": 1.5, "tusen": 1000, "sju": 7, "tjue": 20, "tretti": 30},
    "en": {"dozen": 12, "thousand": 1000},
}


def main() -> None:
    rows: set[tuple[str, str, float]] = set()
    for lang, code in LANGS.items():
        for n in range(2, 101):
            word = num2words(n, lang=code).lower()
            if " " not in word and "-" not in word:
                rows.add((lang, word, float(n)))
        for word, value in EXTRA[lang].items():
            if " " not in word:
                rows.add((lang, word, float(value)))
    rows |= _finnish_cases({word: value for lang, word, value in rows if lang == "fi"})
    lines = ["language\tword\tvalue"] + [f"{lang}\t{word}\t{value:g}" for lang, word, value in sorted(rows)]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} words written to {OUT}")


def _finnish_cases(nominatives: dict[str, float]) -> set[tuple[str, str, float]]:
    """Finnish numbers inflect with what they count ("yhdeksällä henkilöllä", "kolmessa
    minuutissa"): every form simplemma's dictionary gives a number word as its lemma."""
    from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

    rows = set()
    for raw_form, raw_lemma in _load_dictionary_from_disk("fi").items():
        form, lemma = raw_form.decode("utf-8").lower(), raw_lemma.decode("utf-8").lower()
        if lemma in nominatives and form != lemma and " " not in form and "-" not in form:
            rows.add(("fi", form, nominatives[lemma]))
    return rows


if __name__ == "__main__":
    main()
