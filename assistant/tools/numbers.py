"""The one number parser: numbers as users type them in the Nordics and in English.

Which separator is which is decided by the shape of the number, then babel
(`babel.numbers.parse_decimal`, strict) reads it in a locale whose symbols
play those roles, preferring the message's own locale:

* spaces (also no-break and thin spaces) group thousands ("1 200", "12 500,50");
* with both "." and "," the last one is the decimal mark ("1.234,56", "1,234.56");
* a single "." or "," followed by exactly three digits groups thousands unless
  the integer part is 0 ("1.500" = 1500, "1,200" = 1200, "0,850" = 0.85):
  nobody types three decimals in a chat; otherwise it is the decimal mark
  ("4,5", "0.85");
* "k", "tkr", "tusen", "tuhatta", "milj", "mio", "million" multiply.

Everything that reads a number from user text (tool arguments, checklist
answers) calls `parse_number`, so "0,850" means the same everywhere.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal

from assistant.errors import InvalidInput

SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007\t]")

NUM_CORE = r"(?<![\w.,])(?:\d{1,3}(?:[ .,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)"
MULT = r"(?:\s?(?:k|tkr|tusen|tusind|tuhatta|tuhat|thousand|milj\w*|mio|million\w*|miljoon\w*)(?![a-zåäöæø]))"
LOCALES = {"sv": "sv_SE", "fi": "fi_FI", "da": "da_DK", "nb": "nb_NO", "en": "en_US"}
# Locales by (group, decimal) symbol, for when the message's own does not fit.
_BY_SYMBOLS = {("\u00a0", ","): "sv_SE", (".", ","): "da_DK", (",", "."): "en_US"}
_MULTIPLIER = re.compile(r"\s?(k|tkr|tusen|tusind|tuhatta|tuhat|thousand|milj\w*|mio|million\w*|miljoon\w*)$")
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[.,])\d{3})(?:(?P=sep)\d{3})*")


def num_group(name: str, mult: bool = False) -> str:
    """Named regex group `name` matching one number (with a multiplier if `mult`)."""
    return f"(?P<{name}>{NUM_CORE}{MULT + '?' if mult else ''})"


def multiplier(word: str) -> float | None:
    """1000 for "k"/"tkr"/"tusen"/..., 1e6 for "milj"/"mio"/"million"/...; None otherwise."""
    w = word.strip().lower()
    if w in ("k", "tkr", "tusen", "tusind", "tusinde", "tuhatta", "tuhat", "thousand"):
        return 1000.0
    if w.startswith(("milj", "mio", "mill", "miljoon")) or w in ("m", "mn", "mkr", "mnok", "msek", "mdkk", "meur",
                                                                    "mgbp", "musd"):
        return 1_000_000.0
    return None


def _locale_for(group: str | None, decimal: str | None, language: str | None) -> str:
    own = LOCALES.get(language or "", "en_US")
    own_group = "\u00a0" if get_group_symbol(own) in ("\u00a0", "\u202f", " ") else get_group_symbol(own)
    if (group is None or group == own_group) and (decimal is None or decimal == get_decimal_symbol(own)):
        return own
    for (g, d), locale in _BY_SYMBOLS.items():
        if (group is None or group == g) and (decimal is None or decimal == d):
            return locale
    return own


def _to_decimal(core: str, language: str | None) -> Decimal:
    s = core.replace(" ", "\u00a0")
    has_dot, has_comma = "." in s, "," in s
    if "\u00a0" in s:
        decimal = "," if has_comma else ("." if has_dot else None)
        if decimal == ".":  # "1 234.5": spaces group, a dot is the decimal mark
            return parse_decimal(s.replace("\u00a0", ""), locale="en_US", strict=True)
        return parse_decimal(s, locale=_locale_for("\u00a0", decimal, language), strict=True)
    if has_dot and has_comma:
        decimal = "." if s.rfind(".") > s.rfind(",") else ","
        group = "," if decimal == "." else "."
        return parse_decimal(s, locale=_locale_for(group, decimal, language), strict=True)
    if has_dot or has_comma:
        sep = "." if has_dot else ","
        grouped = _GROUPED.fullmatch(s)
        if grouped and not s.startswith("0"):
            return parse_decimal(s, locale=_locale_for(sep, None, language) if sep != "," else "en_US", strict=True)
        if s.count(sep) > 1:
            raise NumberFormatError(f"{core!r} has several decimal marks")
        return parse_decimal(s, locale=_locale_for(None, sep, language), strict=True)
    return parse_decimal(s, locale="en_US", strict=True)


def parse_number(raw: str, language: str | None = None) -> float:
    """Parse a number as typed in the Nordics or in English (see the module docstring).

    `language` (sv, fi, da, nb, en) chooses the locale babel reads with when
    the number's separators fit it. Not a number: `InvalidInput` on "number".
    """
    text = SPACES.sub(" ", str(raw)).strip().lower()
    factor = 1.0
    suffix = _MULTIPLIER.search(text)
    if suffix:
        factor = multiplier(suffix.group(1)) or 1.0
        text = text[: suffix.start()].strip()
    text = text.replace("\u2212", "-")
    sign = -1.0 if text.startswith("-") else 1.0
    core = re.sub(r" {2,}", " ", text.lstrip("-+").strip())
    if not re.fullmatch(r"\d[\d .,]*", core) or core.endswith((" ", ".", ",")):
        raise InvalidInput("number", f"is not a number: {raw!r}")
    try:
        value = _to_decimal(core, language)
    except NumberFormatError:
        raise InvalidInput("number", f"is not a number: {raw!r}") from None
    return sign * float(value) * factor
