"""Numbers as users type them in the Nordics and in English.

Spaces (also no-break spaces) and dots or commas separate thousands; a comma or
a dot is the decimal mark ("1 200", "1.500", "1,200", "4,5", "0.85"); "k",
"tkr", "tusen", "milj" multiply. `num_group` gives the regex that finds such a
number in normalised (lower-case) text.
"""

from __future__ import annotations

import re

from assistant.errors import InvalidInput

SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007\t]")

NUM_CORE = r"(?<![\w.,])(?:\d{1,3}(?:[ .,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)"
MULT = r"(?:\s?(?:k|tkr|tusen|tusind|tuhatta|milj\w*|mio|million\w*)(?![a-zåäöæø]))"


def num_group(name: str, mult: bool = False) -> str:
    """Named regex group `name` matching one number (with a multiplier if `mult`)."""
    return f"(?P<{name}>{NUM_CORE}{MULT + '?' if mult else ''})"


def parse_number(raw: str) -> float:
    """Parse a number as typed in the Nordics or in English.

    Spaces are thousands separators. With both '.' and ',' the last one is the
    decimal mark. A single separator followed by exactly three digits is a
    thousands separator unless the integer part is 0 ("1,200" = 1200, "1.500"
    = 1500, "0,850" = 0.85); otherwise it is a decimal mark ("4,5", "0.85").
    """
    text = SPACES.sub(" ", raw).strip().lower()
    multiplier = 1.0
    suffix = re.search(r"\s?(k|tkr|tusen|tusind|tuhatta|milj\w*|mio|million\w*)$", text)
    if suffix:
        multiplier = 1_000_000.0 if suffix.group(1).startswith(("milj", "mio", "million")) else 1000.0
        text = text[: suffix.start()]
    s = text.replace(" ", "")
    if "." in s and "," in s:
        decimal = "." if s.rfind(".") > s.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        s = s.replace(thousands, "").replace(decimal, ".")
    else:
        for sep in (".", ","):
            if sep not in s:
                continue
            parts = s.split(sep)
            if len(parts) > 2 or (len(parts[1]) == 3 and parts[0] not in ("", "0")):
                s = s.replace(sep, "")
            else:
                s = s.replace(sep, ".")
    try:
        return float(s) * multiplier
    except ValueError:
        raise InvalidInput("number", f"is not a number: {raw!r}") from None
