"""Turn raw article text (scraped web text) into clean article text.

The one cleaning of the project: `assistant corpus add` (`assistant.corpus_add`)
runs every new article through `clean_text`, after reducing HTML to its
structure. The five seed articles were drafted with it from their scraped text
(the `seed` file named in their front matter, not kept in the repository) and
then given their headings by hand; the index build reads `corpus/` as it is and
never cleans or rewrites it. Three repairs matter here:

* mojibake: UTF-8 bytes that were decoded as cp1252/latin-1 (``pÃ¥`` for
  ``på``). ``ftfy`` leaves lines alone that *also* contain correctly decoded
  letters (it cannot tell which reading is right for the whole line), so we
  repair the broken byte pairs themselves, run by run.
* no-break and other exotic spaces are normalised to plain spaces.
* site boilerplate (comment forms, navigation, newsletter and privacy lines,
  sign-offs, previous/next links) is dropped line by line.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

# A pair of characters that looks like UTF-8 read as cp1252: a lead byte that
# starts a two-byte Latin-1 letter (Â = 0xC2, Ã = 0xC3) followed by a
# continuation byte (0x80..0xBF, which cp1252 shows as these characters).
# Ä and Å are deliberately not lead bytes: "KYLLÄ”" is real Finnish.
_CP1252_CONTINUATION = (
    "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d"
    "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
    "\u00a0-\u00bf"
)
_MOJIBAKE_PAIR = re.compile(f"[\u00c2\u00c3][{_CP1252_CONTINUATION}]")

_SPACES = re.compile(r"[\u00a0\u2007\u202f\u2000-\u200a\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")

# Whole lines that are web-page furniture, not article text (all five languages).
BOILERPLATE_LINES = [
    r"navigation",
    r"skriv et svar",
    r"din e-mailadresse vil ikke blive publiceret.*",
    r"edellinen",
    r"seuraava",
    r"prenumerera på vårt nyhetsbrev",
    r"vill du få fler tips och lösningar direkt i din e-post\?",
    r"vill du få nöjdare kunder och veta mer om våra tjänster\?",
    r".*behandlar personuppgifter.*personuppgiftspolicy.*",
    r"[•\-*]?\s*läs mer om hur .*",
]
_BOILERPLATE = re.compile(r"^\s*(?:" + "|".join(BOILERPLATE_LINES) + r")\s*$", re.IGNORECASE)


def _decode_pair(match: re.Match[str]) -> str:
    pair = match.group(0)
    try:
        return pair.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        try:
            return pair.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return pair


def repair_mojibake(text: str) -> str:
    """Repair UTF-8-read-as-cp1252 sequences, also inside otherwise correct lines."""
    text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=True)
    return _MOJIBAKE_PAIR.sub(_decode_pair, text)


def normalise_spaces(text: str) -> str:
    text = _ZERO_WIDTH.sub("", _SPACES.sub(" ", text))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return unicodedata.normalize("NFC", "\n".join(lines))


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE.match(line))


# Previous/next article links: the marker line, then the linked title on the next
# non-empty line.
_PAGER = re.compile(r"^\s*(?:edellinen|seuraava|previous|next|forrige|næste|neste|föregående|nästa)\s*$", re.I)


def remove_boilerplate(text: str) -> str:
    kept: list[str] = []
    skip_title = False
    for line in text.splitlines():
        if _PAGER.match(line):
            skip_title = True
            continue
        if skip_title and line.strip():
            skip_title = False
            continue
        if not is_boilerplate(line):
            kept.append(line)
    return "\n".join(kept)


def markdown_lists(text: str) -> str:
    """Scraped bullets (•) become Markdown list items."""
    return re.sub(r"^[•·▪]\s*", "- ", text, flags=re.MULTILINE)


def remove_links(text: str) -> str:
    """Drop sentences that carry a bare web address (spam links in scraped text)."""
    domain = r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|se|fi|dk|no)\b"
    sentence = re.compile(r"[ \t]*[^.!?\n]*" + domain + r"[^.!?\n]*[.!?]", re.IGNORECASE)
    return sentence.sub("", text)


def clean_text(raw: str) -> str:
    """Apply every mechanical repair. Structure (headings) is added by the curator."""
    text = normalise_spaces(repair_mojibake(raw))
    text = markdown_lists(remove_links(remove_boilerplate(text)))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"
