"""Normalising what users type, shared by every entry point (search, chat)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from assistant.errors import InvalidInput

# C0/C1 controls (but tab and newline), zero-width and bidi marks, BOM.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def clean_user_text(value: Any, max_chars: int, field: str, *, keep_newlines: bool = False) -> str:
    """NFC text without control characters; empty or oversized input is a clear error
    naming `field` (and the limit)."""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be text")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", value))
    text = re.sub(r"[ \t]+" if keep_newlines else r"\s+", " ", text).strip()
    if not text:
        raise InvalidInput(field, "must not be empty")
    if len(text) > max_chars:
        raise InvalidInput(field, f"is {len(text)} characters long; the limit is {max_chars}", details={"limit": max_chars})
    return text
