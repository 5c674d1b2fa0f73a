"""Word forms: what routing and the quantity parser match on instead of regexes.

A message is split into tokens; each word token carries its lower-case form,
its lemma (simplemma's, read from a table of the forms that can matter:
assistant/lemmas.py) and its Snowball stem
(PyStemmer). The vocabulary (`assistant/data/vocabulary.yaml`) names concepts
("salary", "vendor", "checklist", ...) by words in each language; a token is
an instance of a concept when one of its forms equals one of the concept
word's forms, so "checklistan", "tarkistuslistan" and "sjekklisten" all match
their language's base word without anyone listing the inflections.

Vocabulary entry syntax (validated at load, a bad entry names itself):

* ``word``: the word in any inflection (lemma or stem equality);
* ``*word``: a compound whose last part is the word ("*lön" matches
  "månadslön", "årslönen", "snittlönen");
* ``word*``: any word starting with it ("kustannus*");
* several words separated by spaces: a phrase, each word matched as above
  ("talk time", "efter samtalet").

Matching is language-aware but forgiving: a message is matched against its own
language's words, its close neighbours' (Danish, Norwegian and Swedish look
alike and detection confuses them on short text) and English, which operations
people mix into every Nordic language ("AHT", "FTE", "shrinkage").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import Stemmer
import yaml

from assistant.language import SUPPORTED
from assistant.lemmas import lemma as lemma_of
from assistant.yaml_io import load_yaml

VOCABULARY_PATH = Path(__file__).with_name("data") / "vocabulary.yaml"
_SNOWBALL = {"sv": "swedish", "fi": "finnish", "da": "danish", "nb": "norwegian", "en": "english"}
#: Which languages' words a message in a language is matched against.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "sv": ("sv", "nb", "da", "en"),
    "da": ("da", "nb", "sv", "en"),
    "nb": ("nb", "da", "sv", "en"),
    "fi": ("fi", "en"),
    "en": ("en",),
    # a message whose language is unknown is matched against every language
    "any": ("en", "sv", "da", "nb", "fi"),
}
# A word is letters (with inner hyphens/apostrophes: "wrap-up", "let's"); a
# number keeps its separators so the number parser sees "1 200,50" whole.
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?)"
    r"|(?P<word>[^\W\d_]+(?:[-'’][^\W\d_]+)*)"
    r"|(?P<sym>[%€$£/:+\-–—=@&?!.,;()])",
    re.UNICODE,
)


_SYMBOLS = {"%", "€", "$", "£", "/", "+"}


class VocabularyError(Exception):
    """The vocabulary file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "num" or "sym"
    text: str  # as written (lower-cased for words)
    start: int
    end: int
    forms: frozenset[str] = frozenset()


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_SNOWBALL[language])


# "to be" is every sentence's verb: a word whose lemma it is ("varar" -> "vara", like "var", "was")
# would make "efterarbetet var en minut" a handling-time cue. It counts only as the word itself.
_TO_BE = frozenset({"vara", "være", "vare", "olla", "be"})


@lru_cache(maxsize=65536)
def word_forms(word: str, language: str) -> frozenset[str]:
    """The lower-case form, lemma and Snowball stem of `word` in `language`."""
    w = word.lower()
    stem = _stemmer(language).stemWord(w)
    # Very short stems collide across words ("manning" -> "man"): they count only as the word itself.
    forms = {w, stem} if len(stem) >= 4 else {w}
    lemma = lemma_of(w, language)
    # Suppletive lemmas ("första" -> "en", "better" -> "good") would make
    # unrelated words equal; a lemma counts only when it keeps the word's start.
    # A lemma that is the word's first part is simplemma cutting a compound
    # ("kuukausimaksu" -> "kuukausi"), not an inflection: it would make a fee a month.
    if lemma[:2] == w[:2] and not (w.startswith(lemma) and len(w) - len(lemma) >= 5) and lemma not in _TO_BE:
        forms.add(lemma)
    return frozenset(f for f in forms if f)


def tokenize(text: str, language: str) -> list[Token]:
    """Tokens of `text`; word tokens carry their forms in `language` and English
    ("any": forms in every language)."""
    if language == "any":
        return _tokenize_any(text)
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "sym"
        raw = m.group(0)
        if kind == "word":
            low = raw.lower()
            forms = word_forms(low, language) | (word_forms(low, "en") if language != "en" else frozenset())
            if language in _DIGRAPHS and not _NORDIC.search(low) and any(d in low for d in _DIGRAPHS[language]):
                # "aabent", "maaneden", "belaegning": å, æ and ø written as two letters, matched
                # (without Nordic letters) against the vocabulary's ASCII forms
                spelled = low
                for digraph, letter in _DIGRAPHS[language].items():
                    spelled = spelled.replace(digraph, letter)
                forms |= {f.translate(_ASCII) for f in word_forms(spelled, language)}
            tokens.append(Token("word", low, m.start(), m.end(), forms))
        else:
            tokens.append(Token(kind, raw, m.start(), m.end()))
    return tokens


def _tokenize_any(text: str) -> list[Token]:
    out: list[Token] = []
    for tok in tokenize(text, "en"):
        if tok.kind == "word":
            forms = frozenset().union(*(word_forms(tok.text, lang) for lang in SUPPORTED))
            tok = Token("word", tok.text, tok.start, tok.end, forms)
        out.append(tok)
    return out


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class WordPattern:
    mode: str  # "exact", "compound", "prefix" or "symbol"
    forms: frozenset[str]

    def matches(self, token: Token) -> bool:
        if self.mode == "symbol":
            return token.text in self.forms
        if token.kind != "word":
            return False
        if self.mode == "exact":
            return bool(self.forms & token.forms)
        if self.mode == "prefix":
            return any(token.text.startswith(f) for f in self.forms)
        # compound: the token ends with the word and has something before it
        return any(form.endswith(f) and len(form) > len(f) + 1 for form in token.forms for f in self.forms) or bool(
            self.forms & token.forms)


@dataclass(frozen=True)
class Phrase:
    words: tuple[WordPattern, ...]
    source: str

    def match_at(self, tokens: list[Token], i: int) -> int:
        """Number of tokens matched starting at `i` (0 = no match). Hyphens and
        apostrophes between words are skipped ("wrap-up" = "wrap up")."""
        j = i
        for n, pattern in enumerate(self.words):
            while n and j < len(tokens) and tokens[j].kind == "sym" and tokens[j].text in "-–'":
                j += 1
            if j >= len(tokens) or not pattern.matches(tokens[j]):
                return 0
            j += 1
        return j - i


_ASCII = str.maketrans({"å": "a", "ä": "a", "æ": "a", "ö": "o", "ø": "o"})
_NORDIC = re.compile("[åäæöø]")
_DIGRAPHS = {"da": {"aa": "å", "ae": "æ", "oe": "ø"}, "nb": {"aa": "å", "ae": "æ", "oe": "ø"}}


def _with_ascii(forms: frozenset[str]) -> frozenset[str]:
    """The forms and the same without Nordic letters: people typing on an English keyboard write
    "manad", "arsverk", "kayttoaste" for "månad", "årsverk", "käyttöaste". Not for short words,
    where the letter is the word ("år" is not "är", "på" not "pa")."""
    return forms | {f.translate(_ASCII) for f in forms if len(f) >= 4}


def _pattern(word: str, language: str, where: str) -> WordPattern:
    pattern = _pattern_as_written(word, language, where)
    if pattern.mode == "symbol":
        return pattern
    return WordPattern(pattern.mode, _with_ascii(pattern.forms))


def _pattern_as_written(word: str, language: str, where: str) -> WordPattern:
    if word in _SYMBOLS:
        return WordPattern("symbol", frozenset({word}))
    if not re.fullmatch(r"\*?[^\W\d_][\w'’\-]*\*?", word):
        raise VocabularyError(f"{where}: {word!r} is not a word (letters, optionally *word or word*)")
    if word.startswith("*") and word.endswith("*"):
        raise VocabularyError(f"{where}: {word!r} cannot be both a compound ending and a prefix")
    if word.startswith("*"):
        base = word[1:].lower()
        return WordPattern("compound", word_forms(base, language) | {base})
    if word.endswith("*"):
        return WordPattern("prefix", frozenset({word[:-1].lower()}))
    return WordPattern("exact", word_forms(word, language))


def _phrase(text: str, language: str, where: str) -> Phrase:
    if not isinstance(text, str) or not text.strip():
        raise VocabularyError(f"{where}: entries must be non-empty strings, got {text!r}")
    words = tuple(_pattern(p, language, where) for p in text.split())
    return Phrase(words, text)


class Concept:
    """One concept's phrases per language."""

    def __init__(self, name: str, phrases: dict[str, list[Phrase]]) -> None:
        self.name = name
        self.phrases = phrases

    def for_language(self, language: str) -> list[Phrase]:
        out: list[Phrase] = list(self.phrases.get("*", []))
        for lang in NEIGHBOURS.get(language, (language,)):
            out += self.phrases.get(lang, [])
        return out


class Annotation:
    """Where each concept occurs in a token list: `spans(concept)` gives
    (first token, token count) pairs, non-overlapping, longest match first."""

    def __init__(self, tokens: list[Token], starts: list[dict[str, int]]) -> None:
        self.tokens = tokens
        self._starts = starts  # per token: concept -> longest match length starting there
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def at(self, i: int) -> dict[str, int]:
        """Concepts whose match starts at token `i`, with their lengths."""
        return self._starts[i] if 0 <= i < len(self._starts) else {}

    def spans(self, concept: str) -> list[tuple[int, int]]:
        cached = self._spans.get(concept)
        if cached is None:
            cached = []
            i = 0
            while i < len(self._starts):
                n = self._starts[i].get(concept, 0)
                if n:
                    cached.append((i, n))
                    i += n
                else:
                    i += 1
            self._spans[concept] = cached
        return cached

    def has(self, concept: str) -> bool:
        return bool(self.spans(concept))

    def covers(self, i: int, concept: str) -> bool:
        """Whether token `i` lies inside a match of `concept`."""
        return any(start <= i < start + n for start, n in self.spans(concept))


class _Index:
    """First-word lookup tables for one language's phrases (speed: a message is
    annotated with dictionary look-ups, not by trying every phrase)."""

    def __init__(self, concepts: dict[str, Concept], language: str) -> None:
        self.exact: dict[str, list[tuple[str, Phrase]]] = {}
        self.compound: dict[str, list[tuple[str, Phrase]]] = {}
        self.prefix: dict[str, list[tuple[str, Phrase]]] = {}
        self.symbol: dict[str, list[tuple[str, Phrase]]] = {}
        for name, concept in concepts.items():
            for phrase in concept.for_language(language):
                first = phrase.words[0]
                table = {"exact": self.exact, "compound": self.compound, "prefix": self.prefix,
                         "symbol": self.symbol}[first.mode]
                for form in first.forms:
                    table.setdefault(form, []).append((name, phrase))
                if first.mode == "compound":  # the bare word counts too
                    for form in first.forms:
                        self.exact.setdefault(form, []).append((name, phrase))
        self.max_prefix = max((len(k) for k in self.prefix), default=0)

    def candidates(self, token: Token) -> list[tuple[str, Phrase]]:
        if token.kind != "word":
            return self.symbol.get(token.text, [])
        out: list[tuple[str, Phrase]] = []
        for form in token.forms:
            out += self.exact.get(form, [])
            for cut in range(2, len(form) - 1):  # compound heads: every proper ending of 2+ letters
                out += self.compound.get(form[cut:], [])
        text = token.text
        for n in range(2, min(len(text), self.max_prefix) + 1):
            out += self.prefix.get(text[:n], [])
        return out


class Vocabulary:
    """All concepts of the vocabulary file, by name."""

    def __init__(self, concepts: dict[str, Concept], meta: dict[str, Any]) -> None:
        self.concepts = concepts
        self.meta = meta
        self._indexes: dict[str, _Index] = {}

    def __getitem__(self, name: str) -> Concept:
        try:
            return self.concepts[name]
        except KeyError:
            raise KeyError(f"no concept {name!r} in {VOCABULARY_PATH.name}") from None

    def _index(self, language: str) -> _Index:
        index = self._indexes.get(language)
        if index is None:
            index = self._indexes[language] = _Index(self.concepts, language)
        return index

    def annotate(self, tokens: list[Token], language: str) -> Annotation:
        index = self._index(language)
        starts: list[dict[str, int]] = []
        for i, token in enumerate(tokens):
            found: dict[str, int] = {}
            for name, phrase in index.candidates(token):
                n = phrase.match_at(tokens, i)
                if n > found.get(name, 0):
                    found[name] = n
            starts.append(found)
        return Annotation(tokens, starts)

    def find(self, tokens: list[Token], concept: str, language: str) -> list[tuple[int, int]]:
        """(first token, token count) of every match of `concept`, longest first at a position."""
        self[concept]
        return self.annotate(tokens, language).spans(concept)

    def has(self, tokens: list[Token], concept: str, language: str) -> bool:
        return bool(self.find(tokens, concept, language))


def load_vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    """Read and validate the vocabulary file."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
        raise VocabularyError(f"{path.name}: needs a top-level 'concepts' mapping")
    concepts: dict[str, Concept] = {}
    allowed = {*SUPPORTED, "*"}
    for name, entry in data["concepts"].items():
        if not isinstance(entry, dict) or not entry:
            raise VocabularyError(f"{path.name}: concept {name!r} must map languages to word lists")
        unknown = set(entry) - allowed
        if unknown:
            raise VocabularyError(f"{path.name}: concept {name!r} has unknown languages {sorted(unknown)}")
        phrases: dict[str, list[Phrase]] = {}
        for lang, words in entry.items():
            if not isinstance(words, list):
                raise VocabularyError(f"{path.name}: {name}.{lang} must be a list of words")
            stem_lang = "en" if lang == "*" else lang
            phrases[lang] = [_phrase(w, stem_lang, f"{path.name}: {name}.{lang}") for w in words]
        concepts[str(name)] = Concept(str(name), phrases)
    return Vocabulary(concepts, {k: v for k, v in data.items() if k != "concepts"})


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return load_vocabulary()
