"""BM25 over one language: bm25s for scoring, PyStemmer Snowball stemming.

Each index holds texts of a single language and stems them (and the query)
with that language's stemmer; comparing a Swedish-stemmed query with Finnish
text would only add noise, which is why the retriever asks BM25 only within the
question's language family.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DANISH, STOPWORDS_EN, STOPWORDS_NORWEGIAN, STOPWORDS_SWEDISH

SNOWBALL = {"sv": "swedish", "fi": "finnish", "da": "danish", "nb": "norwegian", "en": "english"}

# bm25s ships no Finnish list; these are the function words that dominate
# Finnish questions ("mitä", "kannattaako" is content, "onko" is not).
STOPWORDS_FINNISH = (
    "ja", "on", "ei", "se", "että", "ovat", "oli", "olla", "kuin", "mutta", "tai", "jos", "niin", "myös",
    "sekä", "tämä", "tämän", "sen", "ne", "he", "me", "te", "minä", "sinä", "hän", "mikä", "mitä", "miten",
    "miksi", "kun", "onko", "voi", "pitää", "pitäisi", "kanssa", "jotka", "joka", "jo", "vain", "nyt",
    "meidän", "teidän", "meillä", "olisi", "siitä", "siis", "vai", "eli", "esim",
)
STOPWORDS = {
    "sv": STOPWORDS_SWEDISH,
    "da": STOPWORDS_DANISH,
    "nb": STOPWORDS_NORWEGIAN,
    "en": STOPWORDS_EN,
    "fi": STOPWORDS_FINNISH,
}
_WORD = re.compile(r"\w\w+", re.UNICODE)


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(SNOWBALL[language])


@lru_cache(maxsize=8)
def _stopwords(language: str) -> frozenset[str]:
    return frozenset(STOPWORDS[language])


def stopwords(language: str) -> frozenset[str]:
    """The function words of `language` (bm25s's lists; our own for Finnish)."""
    return _stopwords(language)


def tokenize(text: str, language: str) -> list[str]:
    """Lower-cased, stop-word-free, Snowball-stemmed tokens of `text` in `language`."""
    return list(_tokens(text, language))


@lru_cache(maxsize=4096)
def _tokens(text: str, language: str) -> tuple[str, ...]:
    # One search tokenises its question for several indexes of a language (chunks, notes)
    # and for the coverage decision: stemmed once per text.
    stop = _stopwords(language)
    words = [w for w in _WORD.findall(text.lower()) if w not in stop and not w.isdigit()]
    return tuple(_stemmer(language).stemWords(words))


class LexicalIndex:
    """BM25 over a list of texts in one language; scores align with the input order."""

    def __init__(self, language: str, model: bm25s.BM25, size: int) -> None:
        self.language = language
        self.model = model
        self.size = size

    @classmethod
    def build(cls, texts: list[str], language: str) -> "LexicalIndex":
        model = bm25s.BM25()
        model.index([tokenize(t, language) or [""] for t in texts], show_progress=False)
        return cls(language, model, len(texts))

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in _tokens(query, self.language) if t in self.model.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self.model.save(str(folder))
        (folder / "language.txt").write_text(f"{self.language}\n{self.size}\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        language, size = (folder / "language.txt").read_text(encoding="utf-8").split()
        # Memory-mapped: the score matrix stays in the page cache, shared by server workers.
        model = bm25s.BM25.load(str(folder), mmap=True)
        # As plain arrays over the same mapping: a query indexes them per token, and every
        # slice of an np.memmap is another memmap object, set up in Python (~5 % of a search).
        model.scores = {k: v.view(np.ndarray) if isinstance(v, np.memmap) else v for k, v in model.scores.items()}
        return cls(language, model, int(size))
