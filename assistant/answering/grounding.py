"""Numeric grounding: which numbers an answer states that no source supports.

An LLM answer is accepted only when every number in it appears (within the
rounding its digits imply) in a tool result or the arguments that produced it,
in a passage it cites, or in a note summary it was shown. Numbers are read the
way the five languages write them ("1 234,5", "1.234", "80 %"); citation
markers [n] and list markers are not claims.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_CITATION = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(?:[-*+][ \t]+)?\d{1,2}[.)](?=[ \t])")
_SPACES = "  \u202f\u2009"
_NUMBER = re.compile(
    rf"(?<![\w.,])(\d{{1,3}}(?:[{_SPACES}.,]\d{{3}})+(?![\d])(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(\s?%)?"
)


@dataclass(frozen=True)
class _Number:
    raw: str
    #: Possible readings (value, decimals): "1,500" is 1500 or 1.5 depending on the language.
    readings: tuple[tuple[float, int], ...]


def cited_numbers(text: str) -> list[int]:
    """Source numbers cited as [n], [n, m] or [n-m], in first-cited order."""
    out: list[int] = []
    for match in _CITATION.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[–-]\s*", part) if x]
            numbers = range(bounds[0], bounds[-1] + 1) if len(bounds) == 2 and bounds[1] - bounds[0] < 20 else bounds
            out += [n for n in numbers if n not in out]
    return out


def extract_numbers(text: str, *, answer: bool = False) -> list[_Number]:
    """Every number in `text`. For an answer, citation markers [n] and list
    markers ("1." at the start of a line) are not claims and are skipped."""
    if answer:
        text = _CITATION.sub(" ", text)
        text = _LIST_MARKER.sub(" ", text)
    out = []
    for match in _NUMBER.finditer(text):
        readings = _readings(match.group(1))
        if match.group(2):  # "80 %" is also the fraction 0.8
            readings |= {(value / 100, decimals + 2) for value, decimals in readings}
        out.append(_Number(match.group(0).strip(), tuple(sorted(readings))))
    return out


def _readings(raw: str) -> set[tuple[float, int]]:
    s = re.sub(rf"[{_SPACES}]", "", raw)  # a space inside a number only separates thousands
    seps = [c for c in s if c in ".,"]
    if not seps:
        return {(float(s), 0)}
    if len(set(seps)) == 2:  # "1.234,5" / "1,234.5": the last separator is the decimal one
        decimal = s[max(s.rfind("."), s.rfind(","))]
        whole, frac = s.replace("," if decimal == "." else ".", "").split(decimal)
        return {(float(f"{whole}.{frac}"), len(frac))}
    parts = s.split(seps[0])
    if len(parts) > 2:  # "1.234.567": thousands
        return {(float("".join(parts)), 0)}
    whole, frac = parts
    readings = {(float(f"{whole}.{frac}"), len(frac))}
    if len(frac) == 3 and whole.strip("0"):  # "1,500" or "1.500": thousands in some languages
        readings.add((float(whole + frac), 0))
    return readings


def _tolerance(value: float, decimals: int) -> float:
    """Half a unit of the last stated digit: "87.5" matches 0.8754 as a percent,
    "25 000" matches 24 600 (rounded to two significant digits at most)."""
    if decimals > 0:
        return 0.5 * 10 ** -decimals + 1e-9
    digits = str(int(abs(value)))
    trailing = len(digits) - len(digits.rstrip("0")) if value else 0
    unit_exponent = min(trailing, max(0, len(digits) - 2))
    return 0.5 * 10 ** unit_exponent + 1e-9


def _support_values(texts: Iterable[str]) -> list[float]:
    values: set[float] = set()
    for text in texts:
        for number in extract_numbers(text):
            for value, _ in number.readings:
                values.add(value)
                values.add(value * 100)  # a fraction (0.875) may be written as a percent (87.5)
        values |= _json_numbers(text)
    return sorted(values)


def _json_numbers(text: str) -> set[float]:
    """Numbers in a JSON tool result: exponents and negatives the text pattern misses."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return set()
    out: set[float] = set()

    def walk(node: Any) -> None:
        if isinstance(node, bool):
            return
        if isinstance(node, (int, float)) and math.isfinite(node):
            out.update({abs(float(node)), abs(float(node)) * 100})
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return out


def ungrounded_numbers(answer: str, supporting: Iterable[str]) -> list[str]:
    """The numbers in `answer` that no supporting text states (within rounding)."""
    values = _support_values(supporting)
    missing = []
    for number in extract_numbers(answer, answer=True):
        if not any(abs(value - v) <= _tolerance(value, decimals) for value, decimals in number.readings
                   for v in values):
            missing.append(number.raw)
    return missing
