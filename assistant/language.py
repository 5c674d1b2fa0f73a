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
    with _lock:
        values = _detector().compute_language_confidence_values(text)
    out: dict[str, float] = {}
    for value in values:
        code = _ISO.get(value.language.name)
        if code:
            out[code] = out.get(code, 0.0) + value.value
    return out


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
        # Danish and Bokmål share most short sentences; when the text is clearly
        # one of the two, the likelier one beats a fallback to a third language.
        confidence = confidences.get("da", 0.0) + confidences.get("nb", 0.0)
        if fallback in ("da", "nb") and abs(confidences.get("da", 0) - confidences.get("nb", 0)) < 0.2:
            return fallback
    if fallback is not None and best != fallback:
        needed = switch_confidence if len(words) < 12 else min_confidence
        if confidences[best] < needed:
            return fallback
    if confidence < min_confidence and fallback is not None:
        return fallback
    return best
