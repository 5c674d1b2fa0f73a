"""Range checks shared by the tool request models.

Each check raises `InvalidInput(field, message)` where the message names the
allowed range, so the edges (CLI, HTTP, conversation) can show it as it is.
Pydantic constraints are deliberately not used for these ranges: pydantic would
wrap them in a `ValidationError`, and the rest of the system expects the domain
error for anything a user can get wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.errors import InvalidInput

# Float slack used when a computed quantity is compared with a whole number or a
# target: 21 / (1 - 0.3) is 30.000000000000004 in binary floating point, and nobody
# wants to be told to schedule 11 people because of it.
EPS = 1e-9


def fmt(value: float) -> str:
    """Short, stable rendering of a number for error messages."""
    return f"{value:g}"


def finite(field: str, value: float) -> float:
    if not math.isfinite(value):
        raise InvalidInput(field, f"must be a finite number; got {value}")
    return value


def positive(field: str, value: float, *, unit: str = "", upper: float | None = None) -> float:
    """`value` must be in (0, upper] (or (0, inf) without `upper`)."""
    finite(field, value)
    suffix = f" {unit}" if unit else ""
    if value <= 0 or (upper is not None and value > upper):
        allowed = f"greater than 0{suffix}" if upper is None else f"in (0, {fmt(upper)}]{suffix}"
        raise InvalidInput(field, f"must be {allowed}; got {fmt(value)}")
    return value


def non_negative(field: str, value: float, *, unit: str = "", upper: float | None = None) -> float:
    """`value` must be in [0, upper] (or [0, inf) without `upper`)."""
    finite(field, value)
    suffix = f" {unit}" if unit else ""
    if value < 0 or (upper is not None and value > upper):
        allowed = f"0 or more{suffix}" if upper is None else f"in [0, {fmt(upper)}]{suffix}"
        raise InvalidInput(field, f"must be {allowed}; got {fmt(value)}")
    return value


def fraction_open_closed(field: str, value: float) -> float:
    """`value` must be a fraction in (0, 1]; a percentage such as 80 gets a hint."""
    finite(field, value)
    if not 0 < value <= 1:
        hint = f" (give a fraction: {fmt(value / 100)} for {fmt(value)} %)" if 1 < value <= 100 else ""
        raise InvalidInput(field, f"must be a fraction in (0, 1]{hint}; got {fmt(value)}")
    return value


def fraction_closed_open(field: str, value: float) -> float:
    """`value` must be a fraction in [0, 1); 1 would mean nobody is ever available."""
    finite(field, value)
    if not 0 <= value < 1:
        hint = f" (give a fraction: {fmt(value / 100)} for {fmt(value)} %)" if 1 < value < 100 else ""
        raise InvalidInput(field, f"must be a fraction in [0, 1){hint}; got {fmt(value)}")
    return value


def int_range(field: str, value: int, lower: int, upper: int, *, unit: str = "") -> int:
    suffix = f" {unit}" if unit else ""
    if not lower <= value <= upper:
        raise InvalidInput(field, f"must be a whole number in [{lower}, {upper}]{suffix}; got {value}")
    return value


def require(data: Any, fields: Sequence[tuple[str, str]]) -> None:
    """Raise `InvalidInput` for the first absent (or null) required field.

    Used in `mode="before"` model validators so that a missing value is reported
    like any other bad value instead of as a pydantic `ValidationError`.
    `fields` pairs each name with a description of its allowed range.
    """
    if not isinstance(data, Mapping):
        return
    for name, allowed in fields:
        if data.get(name) is None:
            raise InvalidInput(name, f"is required ({allowed})")
