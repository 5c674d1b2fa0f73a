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
from assistant.errors import InvalidInput
from assistant.tools import numbers
from assistant.tools.numbers import NUM_CORE

YES = {"yes", "y", "yeah", "yep", "sure", "ja", "jo", "japp", "joo", "kyllä", "kylla", "k", "on", "true", "jep"}
NO = {"no", "n", "nope", "nej", "nei", "ei", "false", "inte", "ikke", "ikkje", "nix"}

_NUMBER = re.compile(r"[-−]?" + NUM_CORE)
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

    Numbers are read by the one parser every part uses (`assistant.tools.numbers`),
    so "0,850" is 0.85 here as in the tools. Two different numbers are
    ambiguous for a one-number question and return None.
    """
    values = set()
    plain = text.replace("\u00a0", " ")
    for match in _NUMBER.finditer(plain):
        if re.match(r"[.,:/]\d", plain[match.end():]):
            return None  # a date or a version ("1.3.2026"), not one number
        token = match.group(0).replace("−", "-")
        try:
            value = numbers.parse_number(token)
        except InvalidInput:
            continue
        factor = _MULTIPLIER.match(text.replace("\u00a0", " ")[match.end():])
        if factor:
            value *= numbers.multiplier(factor.group(1)) or (1_000_000 if factor.group(1).lower() in (
                "m", "mn", "miljon", "miljoner", "miljoonaa", "miljoona") else 1000)
        values.add(value)
    return values.pop() if len(values) == 1 else None


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
