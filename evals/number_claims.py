"""Numbers in reply text, and whether each one is grounded in a source.

The evaluator's own extractor (deliberately not the system's guard in
`assistant.answering.grounding`, which is what it checks). It reads numbers the way
the assistant and the articles write them in five languages:

* thousands separated by spaces, no-break or narrow spaces ("1 234", "1\u00a0234"),
  dots (da: "1.234") or commas (en: "1,234"); decimal commas or points
  ("4,5", "4.5", "1 234,5", "1.234,5", "1,234.5");
* percentages ("80 %", "80%", "80 procent") are also read as fractions (0.8);
* a scale word after a number also gives the scaled reading ("4,2 miljoner" is
  4.2 and 4 200 000, "€48k" 48 and 48 000), so a user's "4,2 milj. kr om året"
  supports a reply's "4 200 000";
* ranges and pairs are separate numbers ("3–6 kk" is 3 and 6, "80/20" is 80
  and 20, "24/7" is 24 and 7); no number is read as negative;
* offer labels ("Offer 2", "Tilbud 3") are places in a list, not claims;
* citation markers ("[1]", "[1, 2]", "[1–2]") and list markers at the start of
  a line ("1. ", "2) ") are not claims and are skipped, and so are digits glued
  to letters before them ("H1", "Q4", "e5").

An ambiguous number keeps every reading ("1,500" is 1500 or 1.5) and is
grounded when any reading is. A reading with d decimals matches a source value
when it is that value rounded to d decimals (so "88,8 %" matches 0.88835 from a
tool result, "394 260" matches 394260.0).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_SPACE = "\u0020\u00a0\u202f\u2009"
_MARKER = re.compile(r"\[\s*\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\s*\]")
_LIST_MARKER = re.compile(r"(?m)^([ \t>]*)(?:[-*+][ \t]+)?\d{1,2}[.)](?=[ \t])")
_NUMBER = re.compile(
    rf"(?<![\w])(?:\d{{1,3}}(?:[{_SPACE}]\d{{3}})+(?!\d)|\d+)(?:[.,]\d+)*"
    r"(?P<pct>\s?(?:%|procent\b|prosent\b|prosenttia\b|percent\b|per cent\b))?"
    r"(?P<scale>\s?(?:k\b|tkr\b|mkr\b|tusen\b|tuhatta\b|thousand\b|mio\b|milj\w*|mill\w*|miljoon\w*|m\b|mn\b|"
    r"m(?:nok|sek|dkk|eur|gbp|usd)\b|m€))?",
    re.IGNORECASE,
)
_SCALES = {"k": 1e3, "tkr": 1e3, "mkr": 1e6, "tusen": 1e3, "tuhatta": 1e3, "thousand": 1e3}
# "Offer 2", "Tilbud 3", "vendor 1": a place in a list of offers, not a claim
_OFFER_LABEL = re.compile(r"(?i)\b(?:offer|offert|tilbud|tarjous|anbud|bid|quote|vendor|leverantör|leverandør|"
                          r"toimittaja)\s+(?=\d\b)")


@dataclass(frozen=True)
class NumberMention:
    raw: str
    start: int
    #: (value, decimals shown) for each way the text can be read.
    readings: tuple[tuple[float, int], ...]
    percent: bool = False


def _readings(raw: str) -> set[tuple[float, int]]:
    s = re.sub(rf"[{_SPACE}]", "", raw)
    seps = [c for c in s if c in ".,"]
    if not seps:
        return {(float(s), 0)}
    if len(set(seps)) == 2:  # "1.234,5" / "1,234.5": the last separator is the decimal mark
        decimal = s[max(s.rfind("."), s.rfind(","))]
        thousands = "," if decimal == "." else "."
        whole, _, frac = s.replace(thousands, "").partition(decimal)
        return {(float(f"{whole}.{frac}"), len(frac))}
    parts = s.split(seps[0])
    if len(parts) > 2:  # "1.234.567": only thousands
        return {(float("".join(parts)), 0)}
    whole, frac = parts
    out = {(float(f"{whole}.{frac}"), len(frac))}
    if len(frac) == 3 and whole.strip("0"):  # "1,500" / "1.500": thousands in en / da
        out.add((float(whole + frac), 0))
    return out


def clean_reply_text(text: str) -> str:
    """The text without citation and list markers (which are not claims)."""
    text = _MARKER.sub(" ", text)
    text = re.sub(_OFFER_LABEL.pattern + r"\d\b", " ", text)
    return _LIST_MARKER.sub(lambda m: m.group(1) + " ", text)


def extract_numbers(text: str, *, reply: bool = True) -> list[NumberMention]:
    """Every number in `text`. With `reply=True` markers are removed first."""
    if reply:
        text = clean_reply_text(text)
    out = []
    for m in _NUMBER.finditer(text):
        cut = m.start("pct") if m.group("pct") else m.start("scale") if m.group("scale") else m.end()
        number = m.group(0)[: cut - m.start()]
        readings = _readings(number)
        if m.group("pct"):
            readings |= {(value / 100.0, decimals + 2) for value, decimals in readings}
        elif m.group("scale"):
            factor = _SCALES.get(m.group("scale").strip().lower(), 1e6)
            readings |= {(round(value * factor, 6), 0) for value, _ in readings}
        out.append(NumberMention(m.group(0).strip(), m.start(), tuple(sorted(readings)), bool(m.group("pct"))))
    return out


def json_values(data: Any) -> list[float]:
    """Every finite number in a JSON-like structure (absolute values; booleans skipped)."""
    out: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, bool) or node is None:
            return
        if isinstance(node, (int, float)):
            if math.isfinite(node):
                out.append(abs(float(node)))
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            try:
                walk(json.loads(node))
            except (ValueError, TypeError):
                pass

    walk(data)
    return out


def support_values(texts: Iterable[str] = (), data: Iterable[Any] = ()) -> list[float]:
    """Values a reply may state: numbers in the source texts and in structured data,
    each also ×100 (a fraction written as a percentage)."""
    values: set[float] = set()
    for text in texts:
        for mention in extract_numbers(text, reply=False):
            values.update(v for v, _ in mention.readings)
    for node in data:
        values.update(json_values(node))
    values |= {v * 100.0 for v in values}
    return sorted(values)


def matches(value: float, decimals: int, source: float) -> bool:
    """`value` shown with `decimals` decimals is `source` rounded (half a unit of slack)."""
    return abs(value - source) <= 0.5 * 10.0 ** (-decimals) + 1e-9 * max(1.0, abs(source))


def is_grounded(mention: NumberMention, values: Iterable[float]) -> bool:
    values = list(values)
    return any(matches(v, d, s) for v, d in mention.readings for s in values)


def ungrounded_numbers(text: str, texts: Iterable[str] = (), data: Iterable[Any] = ()) -> list[str]:
    """Numbers in `text` (a reply) that no source text or structured value supports."""
    values = support_values(texts, data)
    return [m.raw for m in extract_numbers(text) if not is_grounded(m, values)]
