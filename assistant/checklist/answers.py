"""Validate a typed answer against a checklist question's answer type.

Returns the normalised value or raises `InvalidAnswer` with a catalog key that
says what was wrong, so the flow can re-ask in the user's language with an
example instead of storing something it cannot use.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from assistant.checklist.steps import QuestionSpec
from assistant.corpus import LANGUAGES

YES = {"yes", "y", "yeah", "yep", "sure", "ja", "jo", "japp", "joo", "kyllä", "kylla", "k", "on", "true", "jep"}
NO = {"no", "n", "nope", "nej", "nei", "ei", "false", "inte", "ikke", "ikkje", "nix"}

_NUMBER = re.compile(r"(?<![\w.,])[-−]?\d{1,3}(?:[ \u00a0.,]\d{3})+(?:[.,]\d+)?(?![\w])|[-−]?\d+(?:[.,]\d+)?")
_MINUTES = re.compile(r"\b(min|mins|minute|minutes|minut|minuter|minutt|minutter|minuutti|minuuttia|minuuttia)\b", re.I)
_SECONDS = re.compile(r"\b(s|sek|sekunder|sekunnit|sekuntia|sec|secs|second|seconds|sekund|sekuntia)\b", re.I)
_HOURS = re.compile(r"\b(h|t|tim|timmar|timme|timer|time|tunti|tuntia|hour|hours)\b", re.I)


class InvalidAnswer(Exception):
    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


_MULTIPLIER = re.compile(
    r"^\s*(k|tkr|tusen|tusind|tuhatta|tuhat|thousand|m|mn|milj|miljon|miljoner|million|millioner|millions|miljoonaa|miljoona)\b",
    re.I,
)


def parse_number(text: str) -> float | None:
    """The single number in `text` ("1 200", "1.200", "4,5", "80 %", "1,5 miljoner"), or None.

    Two different numbers are ambiguous for a one-number question and return None.
    """
    values = set()
    for match in _NUMBER.finditer(text):
        value = _to_float(match.group(0))
        multiplier = _MULTIPLIER.match(text[match.end():])
        if multiplier:
            word = multiplier.group(1).lower()
            value *= 1000 if word in {"k", "tkr", "tusen", "tusind", "tuhatta", "tuhat", "thousand"} else 1_000_000
        values.add(value)
    return values.pop() if len(values) == 1 else None


def _to_float(token: str) -> float:
    token = token.replace("−", "-").replace("\u00a0", " ").strip()
    # A separator followed by groups of exactly three digits is a thousands
    # separator ("1 200", "1.200", "1,200"): nobody types three decimals in a chat.
    grouped = re.fullmatch(r"(-?\d{1,3}(?:[ .,]\d{3})+)(?:[.,](\d+))?", token)
    if grouped and (grouped.group(2) is not None or " " in token or len(re.findall(r"[.,]", token)) >= 1):
        whole = re.sub(r"[ .,]", "", grouped.group(1))
        return float(f"{whole}.{grouped.group(2)}" if grouped.group(2) else whole)
    return float(token.replace(" ", "").replace(",", "."))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return re.sub(r"[\s.!]+$", "", text)


def parse_seconds(text: str) -> float | None:
    """A duration in seconds: "240", "240 s", "4 min", "4,5 min", "4 min 30 s"."""
    mm_ss = re.search(r"(\d+)\s*(?:min\w*)\s*(?:and|och|ja|og)?\s*(\d+)\s*(?:s|sek\w*|sec\w*)\b", text, re.I)
    if mm_ss:
        return int(mm_ss.group(1)) * 60 + int(mm_ss.group(2))
    colon = re.fullmatch(r"\s*(\d+):(\d{2})\s*", text)
    if colon:
        return int(colon.group(1)) * 60 + int(colon.group(2))
    value = parse_number(text)
    if value is None:
        return None
    if _MINUTES.search(text):
        return value * 60
    if _HOURS.search(text) and not _SECONDS.search(text):
        return value * 3600
    return value


def parse_answer(question: QuestionSpec, text: str) -> Any:
    """The normalised value of `text` as an answer to `question`."""
    text = text.strip()
    if not text:
        raise InvalidAnswer("checklist.invalid.empty")
    kind = question.type
    if kind == "text":
        # A bare number ("12000") is not a description; a date ("1.3.2026") is fine.
        if re.fullmatch(r"[\d\s.,%+\-−]+", text) and parse_number(text) is not None:
            raise InvalidAnswer("checklist.invalid.text_expected")
        return text
    if kind == "number":
        value = parse_seconds(text) if question.unit == "seconds" else parse_number(text)
        if value is None:
            raise InvalidAnswer("checklist.invalid.number_expected")
        low, high = question.min, question.max
        if (low is not None and value < low) or (high is not None and value > high):
            raise InvalidAnswer("checklist.invalid.out_of_range", value=_fmt(value), min=_fmt(low), max=_fmt(high))
        return int(value) if float(value).is_integer() else round(value, 4)
    if kind == "yes_no":
        word = _normalise(text).split()[0] if _normalise(text) else ""
        if word in YES:
            return True
        if word in NO:
            return False
        raise InvalidAnswer("checklist.invalid.yes_no")
    if kind == "choice":
        matched = _match_choices(question, text)
        if len(matched) != 1:
            raise InvalidAnswer("checklist.invalid.choice")
        return matched[0]
    if kind == "multi_choice":
        # Whole labels first: they may contain commas ("Nöjdare kunder (tillgänglighet, service)").
        chosen: list[str] = []
        rest = _normalise(text)
        labels = sorted(((_normalise(c.label[lang]), c.id) for c in question.choices for lang in LANGUAGES),
                        key=lambda pair: -len(pair[0]))
        for label, choice_id in labels:
            if label and label in rest:
                rest = rest.replace(label, " ")
                if choice_id not in chosen:
                    chosen.append(choice_id)
        parts = [p for p in re.split(r"\s*(?:,|;|/|\+|&|\band\b|\boch\b|\bog\b|\bja\b)\s*", rest) if p.strip()]
        for part in parts:
            matched = _match_choices(question, part)
            if len(matched) != 1:
                raise InvalidAnswer("checklist.invalid.choice")
            if matched[0] not in chosen:
                chosen.append(matched[0])
        if not chosen:
            raise InvalidAnswer("checklist.invalid.choice")
        return chosen
    raise InvalidAnswer("checklist.invalid.empty")  # pragma: no cover - types are validated at load


def _match_choices(question: QuestionSpec, text: str) -> list[str]:
    wanted = _normalise(text)
    if wanted.isdigit() and 1 <= int(wanted) <= len(question.choices):
        return [question.choices[int(wanted) - 1].id]
    exact = [c.id for c in question.choices
             if wanted == c.id.casefold() or any(wanted == _normalise(c.label[lang]) for lang in LANGUAGES)]
    if exact:
        return exact
    # A unique prefix or contained word also counts ("telefon" for "Telefon (samtal)").
    return [c.id for c in question.choices
            if any(_normalise(c.label[lang]).startswith(wanted) or wanted in _normalise(c.label[lang]).split()
                   for lang in LANGUAGES) and len(wanted) >= 3]


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)
