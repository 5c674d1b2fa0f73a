"""Numbers written the way each language writes them (1 234,5 in sv/fi/nb, 1.234,5 in da)."""

from __future__ import annotations

_THOUSANDS = {"sv": "\u00a0", "fi": "\u00a0", "nb": "\u00a0", "da": ".", "en": ","}
_DECIMAL = {"sv": ",", "fi": ",", "nb": ",", "da": ",", "en": "."}


def number(value: float | int, language: str, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    whole, _, frac = text.partition(".")
    whole = whole.replace(",", _THOUSANDS.get(language, ","))
    return f"{whole}{_DECIMAL.get(language, '.')}{frac}" if frac else whole


def percent(fraction: float, language: str, decimals: int = 1) -> str:
    value = fraction * 100
    if float(round(value, decimals)).is_integer():
        decimals = 0
    return f"{number(value, language, decimals)}\u00a0%"
