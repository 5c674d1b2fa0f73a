"""Language detection restricted to the five supported languages.

`lingua` is accurate on short text but still guesses on two-word messages, so a
detection only counts when its confidence clears a margin; otherwise the
caller's fallback (the session's language, then the default) wins.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

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

_ISO = {"SWEDISH": "sv", "FINNISH": "fi", "DANISH": "da", "BOKMAL": "nb", "NYNORSK": "nb", "ENGLISH": "en"}
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.SWEDISH, Language.FINNISH, Language.DANISH, Language.BOKMAL, Language.ENGLISH]
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _wide_detector():  # type: ignore[no-untyped-def]
    """Supported languages plus common others, to tell "not one of ours"."""
    from lingua import Language, LanguageDetectorBuilder

    others = [Language.GERMAN, Language.FRENCH, Language.SPANISH, Language.ITALIAN, Language.DUTCH,
              Language.PORTUGUESE, Language.POLISH, Language.RUSSIAN, Language.ESTONIAN, Language.ICELANDIC]
    ours = [Language.SWEDISH, Language.FINNISH, Language.DANISH, Language.BOKMAL, Language.ENGLISH]
    return LanguageDetectorBuilder.from_languages(*ours, *others).build()


def is_unsupported_language(text: str, min_confidence: float = 0.6) -> bool:
    """True when `text` is confidently in a language we don't support (German, French, …)."""
    words = _LETTERS.findall(text)
    if len(words) < 3:
        return False
    with _lock:
        values = _wide_detector().compute_language_confidence_values(text)
    if not values:
        return False
    best = values[0]
    return best.language.name not in _ISO and best.value >= min_confidence


def detection_confidences(text: str) -> dict[str, float]:
    return dict(_confidences(text))


# A message is detected by the engine and again by retrieval (which languages'
# notes to search): the second time is a lookup.
@lru_cache(maxsize=1024)
def _confidences(text: str) -> tuple[tuple[str, float], ...]:
    with _lock:
        values = _detector().compute_language_confidence_values(text)
    out: dict[str, float] = {}
    for value in values:
        code = _ISO.get(value.language.name)
        if code:
            out[code] = out.get(code, 0.0) + value.value
    return tuple(out.items())


# Spellings that tell Danish from Bokmål, which lingua often confuses on short
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
    text: str, fallback: str | None = None, *, min_confidence: float = 0.5, switch_confidence: float = 0.8
) -> str | None:
    """The message's language among SUPPORTED, or `fallback` when unsure.

    Very short texts (fewer than 2 words or 8 letters) return the fallback: a
    single word ("ok", "ja", "80/20") says nothing reliable about language.
    Leaving the fallback (the conversation's language) for another language
    takes a more confident detection, so a short Swedish answer that happens to
    look Danish doesn't switch the conversation; a real switch still does.
    """
    words = _LETTERS.findall(text)
    if len(words) < 2 and sum(len(w) for w in words) < 8:
        return fallback
    confidences = detection_confidences(text)
    if not confidences:
        return fallback
    best = max(confidences, key=confidences.__getitem__)
    confidence = confidences[best]
    if best in ("da", "nb"):
        # Danish and Bokmål share most short sentences and lingua often splits
        # about evenly between them, or picks the wrong one. On a near tie, or
        # when spelling settles which of the two it is, lingua's split says
        # nothing and their sum is the confidence that the text is Danish or
        # Norwegian rather than Swedish or English.
        danish, norwegian = confidences.get("da", 0.0), confidences.get("nb", 0.0)
        margin = _spelling_margin(text)
        tie = abs(danish - norwegian) < _DA_NB_TIE
        if abs(margin) >= 2 or (tie and margin):
            best = "da" if margin > 0 else "nb"
            confidence = danish + norwegian
        elif tie:
            if fallback in ("da", "nb"):
                return fallback  # no evidence either way: the conversation's language holds
            confidence = danish + norwegian
    if fallback is not None and best != fallback:
        needed = switch_confidence if len(words) < 12 else min_confidence
        if confidence < needed:
            return fallback
    if confidence < min_confidence and fallback is not None:
        return fallback
    return best
