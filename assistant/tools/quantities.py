"""Quantities in a chat message: numbers with their units, periods and surroundings.

`parse_quantities(text, language)` finds every number and reads what is
attached to it: a multiplier ("12k"), a currency before or after ("€48k",
"45 000 kr"), a percent sign or word, a duration unit ("3 min 40 s", "3,5
minutter", "220 sekunder", "4:30"), a ratio ("80/20"), a range of clock hours
("8–20"), a count noun ("1 200 samtal", "8 heltidare"), and the period after it
("per hour", "i timmen", "om dagen", "päivässä", "/mån", "a year", "per FTE",
"per samtal", "in 30 minutes", "in the peak hour"). Which slot a quantity
fills is decided afterwards from the words around it (`assistant.tools.extract`);
this module only reads what is written.

Words are matched through `assistant.lexicon` (lemmas and stems), so
"sekunnissa", "timmar" or "minutter" need no list of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from assistant.errors import InvalidInput
from assistant.lexicon import Annotation, Token, tokenize, vocabulary
from assistant.tools.numbers import multiplier, parse_number

# Abbreviations whose dot does not end a sentence ("9,50 kr. pr. opkald").
_ABBREVIATIONS = {"pr", "kr", "ca", "cirka", "mio", "milj", "mill", "tkr", "mkr", "keskim", "sos", "soc", "omk", "adm", "occ",
                  "opk", "stk", "yks", "sek", "min", "mån", "mnd", "md", "kk", "st", "inkl", "ekskl",
                  "exkl", "fx", "esim", "ex", "t", "bl", "a", "n", "omkr", "ung", "ungef", "abt", "nr", "kl", "klo", "mm", "ym", "jne", "osv", "vs",
                  "approx", "appr", "resp", "evt", "ev", "tim", "h", "s"}
# Abbreviations that never end a sentence ("pr. FTE", "ca. 30").
_PREPOSITIONS = {"pr", "ca", "kl", "klo", "fx", "esim", "t", "bl", "inkl", "ekskl", "exkl", "approx", "appr", "nr",
                 "n", "omkr", "ung", "ungef", "abt", "keskim", "sos",
                 "resp", "evt", "ev", "cirka", "ex"}
_CURRENCY_WORDS = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "euroa": "EUR", "euron": "EUR",
                   "euroon": "EUR", "eurolla": "EUR", "euroksi": "EUR", "eurosta": "EUR",
                   "skr": "SEK", "svkr": "SEK", "kronor": "SEK", "tkr": "SEK", "nok": "NOK", "dkk": "DKK", "$": "USD", "usd": "USD",
                   "£": "GBP", "gbp": "GBP", "kr": "kr", "kroner": "kroner", "kronen": "kr", "krónur": "kr"}
_KRONA = {"sv": "SEK", "nb": "NOK", "da": "DKK"}
_MILLION_CURRENCY = {"mnok": "NOK", "msek": "SEK", "mdkk": "DKK", "meur": "EUR", "mgbp": "GBP", "musd": "USD"}
_SUBUNITS = {"p": "GBP", "pence": "GBP", "öre": None, "øre": None, "snt": "EUR", "senttiä": "EUR", "cents": None,
             "cent": None}  # None: the language's own currency (a krona's öre/øre)
_DASHES = {"-", "–", "—"}
_RANGE_WORDS = {"till", "to", "until", "til", "–", "-", "—"}
_BETWEEN = {"mellan", "mellom", "between", "från", "fra", "from", "kl", "klo", "klockan", "klokken", "kello"}
_MERIDIEM = {"am": 0, "pm": 12, "a.m": 0, "p.m": 12}
_SL_FILLERS = 8  # words allowed between "90 %" and "inom 30 s"

Period = str  # "interval:<minutes>", "day", "week", "month", "year", "contact", "minute", "hour", "fte"


@dataclass
class Quantity:
    """One number as written, with what is attached to it.

    `kind`: count (a noun follows), money, percent, duration (value in
    seconds), ratio (value = percent, `second` = seconds: "80/20"), range
    (clock hours: value = from, `second` = to), days (a number of days), span
    (months or years as a length of time: value in months), bare.
    `noun`: "contact" or "fte" for counts; `currency`: ISO code for money;
    `per`: the periods written after it, in order ("fte", "month");
    `peak`: the period is a peak hour.
    """

    kind: str
    value: float
    start: int  # first token
    end: int  # one past the last token (including unit and period words)
    text: str
    noun: str | None = None
    currency: str | None = None
    per: list[Period] = field(default_factory=list)
    second: float | None = None
    unit: str | None = None  # duration unit as written ("minute", "second", "hour")
    peak: bool = False
    negated: bool = False  # said not to be the value: "not 14", "inte 800", "14 sijaan"


@dataclass
class Parsed:
    text: str
    language: str
    tokens: list[Token]
    annotation: Annotation
    clause: list[int]  # clause number of each token (commas, semicolons, sentence ends)
    sentence: list[int]
    quantities: list[Quantity]
    original: str = ""  # the text as written (same offsets as `text`): capitals tell "A" from "a"


def normalise(text: str) -> str:
    # Lower-case "sek" after a number is seconds ("20 sek"); the currency is written SEK.
    # (same length, so offsets into the original text stay valid)
    t = re.sub(r"(?<![A-Za-z])SEK(?![A-Za-z])", "skr", text)
    t = t.lower().replace("\u2212", "-").replace("×", " x ")
    # A line break ends an item as a full stop does: in "AHT ~5 min\n4) target 80 %" the
    # list number is no seconds of the handling time
    t = re.sub(r"(?<=\d)'(?=\d{3}(?!\d))", " ", t)  # "12'000": a thousands separator
    return t.replace("\n", ";")


def currency_code(token: str, language: str | None) -> str | None:
    """ISO code of a currency word; "kr" is the krona of the language (SEK when unknown)."""
    code = _CURRENCY_WORDS.get(token.lower())
    if code is None and language == "fi" and token.lower() == "e":
        return "EUR"  # "38 e per tunti", "2 950 e/kk": Finnish chat writes the euro as e
    if code == "kr":
        return _KRONA.get(language or "", "SEK")
    if code == "kroner":
        return _KRONA.get(language or "", "NOK") if language in ("da", "nb") else "NOK"
    return code


def _is(ann: Annotation, i: int, *concepts: str) -> int:
    """Length of the longest match at token `i` among `concepts` (0: none)."""
    found = ann.at(i)
    return max((found.get(c, 0) for c in concepts), default=0)


_UNIT_PERIODS = (
    ("unit_half_hour", "interval:30"),
    ("unit_quarter_hour", "interval:15"),
    ("unit_hour", "hour"),
    ("unit_day", "day"),
    ("unit_week", "week"),
    ("unit_month", "month"),
    ("unit_year", "year"),
)


def _period_at(p: Parsed, j: int, money: bool) -> tuple[Period | None, int, bool]:
    """A period starting at token `j`: (period, tokens used, peak). Reads "per
    hour", "i timmen", "/mån", "a day", "päivässä", "in 30 minutes", "in the
    peak hour", "kiireisimmän tunnin aikana", and for money "per samtal", "per
    FTE", "per minut", "tunnilta"."""
    tokens, ann = p.tokens, p.annotation
    if j >= len(tokens):
        return None, 0, False
    k = j
    has_per = False
    each = _is(ann, j, "each")
    if money and each and not (j + each < len(tokens) and _is(ann, j + each, *_PERIOD_WORDS)):
        return "fte", each, False  # "£2,700 a month each", "58 000 kr i måneden hver"
    n = _is(ann, k, "per")
    if n and k < len(tokens):
        has_per = True
        k += n
        if k < len(tokens) and _is(ann, k, "productive"):  # "per produktiv timme"
            k += 1
        elif k + 1 < len(tokens) and tokens[k].kind == "word" and not _is(
                ann, k, *_PERIOD_WORDS) and _is(ann, k + 1, *_PERIOD_WORDS):
            k += 1  # one word between: "per handled minute", "per besvarat samtal"
    if not money and _is(ann, j, "day_span"):  # "1.600 opkald i morgen", "3,000 calls across the day"
        return "day", _is(ann, j, "day_span"), False
    # "på en halvtimme", "in a quarter of an hour": an interval after the volume
    if not money and tokens[j].text in _SPAN_PREPOSITIONS:
        m = j + 1 + (1 if j + 1 < len(tokens) and tokens[j + 1].text in _ARTICLES else 0)
        for concept, minutes in (("unit_half_hour", 30), ("unit_quarter_hour", 15)):
            if m < len(tokens) and _is(ann, m, concept):
                return f"interval:{minutes}", m + _is(ann, m, concept) - j, False
    # "per 15 min", "every 15 minutes", "in 30 minutes", "i 30 min", "30 minuutissa"
    m = k if has_per else (j + 1 if _is(ann, j, "within") else j)
    if m + 1 < len(tokens) and tokens[m].kind == "num" and _is(ann, m + 1, "unit_minute"):
        minutes = _number(tokens[m], p.language) or 0.0
        inessive = tokens[m + 1].text.endswith(("ssa", "ssä"))
        if (m != j or inessive) and 1 <= minutes <= 1440 and float(minutes).is_integer():
            return f"interval:{int(minutes)}", m + 2 - j, False
    # "(in/during) the peak hour", "i topptimmen", "ruuhkatunnin aikana"
    peak = False
    skip = k
    for n in range(3):
        if skip < len(tokens) and (tokens[skip].text in ("the", "our", "a", "den", "det", "vår", "vores", "være") or (
                n == 0 and skip == j and tokens[skip].text in ("in", "during", "at"))):  # "250 in the peak half hour"
            skip += 1
    m = _is(ann, skip, "peak") if skip < len(tokens) else 0
    if m and (has_per or k == j or tokens[k - 1].text in ("in", "i", "during", "under", "at", "på")):
        peak = True
        after = skip + m
        if _is(ann, skip, "unit_hour") or tokens[skip].text.endswith(("timme", "timmen", "time", "timen", "tunti",
                                                                         "tunnin", "tunnissa", "hour")):
            return "interval:60", after - j, True
        for concept, minutes in (("unit_half_hour", 30), ("unit_quarter_hour", 15), ("unit_hour", 60)):
            if _is(ann, after, concept):  # "in the busiest half hour", "i den travleste time"
                return f"interval:{minutes}", after + _is(ann, after, concept) - j + _aikana(tokens, after + 1), True
    if k >= len(tokens):
        return None, 0, False
    if not has_per and k == j and j > 0 and tokens[j].kind == "word" and tokens[j].text in (
            "in", "i", "during", "under", "on", "per", "a"):
        return None, 0, False
    if money and has_per and _is(ann, k, "fte_noun"):  # "per årsverk" is per FTE, not per year
        return "fte", k + _is(ann, k, "fte_noun") - j, False
    for concept, period in _UNIT_PERIODS:
        m = _is(ann, k, concept)
        if not m:
            continue
        word = tokens[k].text
        # A bare unit word only counts as "per" in a form that says so: Finnish
        # inessive/ablative ("päivässä", "tunnilta"), "daily", "monthly", or after a count noun.
        bare_ok = has_per or per_form(tokens[k]) or word in ("pv", "vrk") \
            or (money and k == j and p.language in ("sv", "da", "nb") and word.endswith(("en", "et", "uka")))
        if not bare_ok:
            return None, 0, False
        return period, k + m - j + _aikana(tokens, k + m), peak
    if money and has_per:
        if _is(ann, k, "contact_noun"):
            return "contact", k + _is(ann, k, "contact_noun") - j, False
        if _is(ann, k, "unit_minute"):
            return "minute", k + 1 - j, False
        if _is(ann, k, "fte_noun"):
            return "fte", k + _is(ann, k, "fte_noun") - j, False
        if _is(ann, k, "overhead"):
            return "fte", k + 1 - j, False  # "per seat", "per plats"
    if money and has_per and k < len(tokens) and tokens[k].text in ("v", "yr", "vuosi"):
        return "year", k + 1 - j, False  # "51 600 €/v", "$54k/yr"
    if money and k < len(tokens) and tokens[k].kind == "word":
        word = tokens[k].text
        if word.endswith(("lta", "ltä")) and _is(ann, k, "productive") and k + 1 < len(tokens) \
                and _is(ann, k + 1, "unit_hour"):
            return "hour", k + 2 - j, False  # "32 euroa tuottavalta tunnilta"
        if word.endswith(("lta", "ltä")):  # Finnish ablative: "puhelulta", "minuutilta"
            if _is(ann, k, "contact_noun"):
                return "contact", k + 1 - j, False
            if _is(ann, k, "unit_minute"):
                return "minute", k + 1 - j, False
        # Finnish "per" after its noun: "henkilöä kohden", "kokoaikaista asiantuntijaa kohden"
        for noun_at in (k, k + 1):
            if noun_at + 1 < len(tokens) and tokens[noun_at + 1].text in ("kohden", "kohti"):
                if _is(ann, noun_at, "fte_noun"):
                    return "fte", noun_at + 2 - j, False
                if _is(ann, noun_at, "contact_noun"):
                    return "contact", noun_at + 2 - j, False
        if _is(ann, k, "each"):
            return "fte", k + _is(ann, k, "each") - j, False
    return None, 0, False


def per_form(token: Token) -> bool:
    """A unit word that by its form means "per" ("tunnissa", "kuukaudessa", "daily", "timvis")."""
    return token.kind == "word" and (token.text.endswith(("ssa", "ssä", "lta", "ltä", "ly", "lig", "ligt", "ligen", "vis",
                                                           "ttain", "ttäin", "isin")) or token.text in ("wk", "kk"))


_PERIOD_WORDS = ("unit_half_hour", "unit_quarter_hour", "unit_hour", "unit_day", "unit_week", "unit_month",
                 "unit_year", "contact_noun", "fte_noun", "unit_minute")


def _aikana(tokens: list[Token], k: int) -> int:
    """Finnish postpositions after a period ("tunnin aikana", "päivän aikana")."""
    return 1 if k < len(tokens) and tokens[k].text in ("aikana", "kuluessa", "sisällä") else 0


def _currency_at(p: Parsed, i: int) -> str | None:
    if 0 <= i < len(p.tokens):
        return currency_code(p.tokens[i].text, p.language)
    return None


def _number(tok: Token, language: str) -> float | None:
    try:
        return parse_number(tok.text, language)
    except InvalidInput:
        return None


def _spaced(original: str, tok: Token) -> bool:
    """A dash with space on both sides (a list item, "- AHT: 5 min"), not a range or a compound ("8-16", "man-fre")."""
    before = original[tok.start - 1:tok.start] if tok.start > 0 else " "
    after = original[tok.end:tok.end + 1] or " "
    return before.isspace() and after.isspace()


def _clauses(tokens: list[Token], original: str) -> tuple[list[int], list[int], list[Token]]:
    """Clause and sentence numbers, with abbreviation dots removed (a dot after
    an abbreviation still ends the sentence when a number or a capital follows)."""
    kept: list[Token] = []
    for n, tok in enumerate(tokens):
        if tok.kind == "sym" and tok.text == "." and kept and kept[-1].kind == "word" and (
                kept[-1].text in _ABBREVIATIONS or len(kept[-1].text) == 1):
            rest = original[tok.end:].lstrip()
            if kept[-1].text in _PREPOSITIONS or not rest or not (rest[0].isdigit() or rest[0].isupper()):
                continue
        if tok.kind == "sym" and tok.text == "." and n + 1 < len(tokens) and tokens[n + 1].kind == "num" \
                and tok.start == tokens[n + 1].start - 1 and kept and kept[-1].kind == "num":
            continue  # never happens with the number tokenizer; kept for safety
        kept.append(tok)
    clause, sentence = [], []
    c = s = 0
    for tok in kept:
        clause.append(c)
        sentence.append(s)
        if tok.kind == "sym" and tok.text in ".?!;":
            c += 1
            s += 1
        elif tok.kind == "sym" and (tok.text == "," or tok.text in ("-", "–", "•") and _spaced(original, tok)):
            c += 1
    return clause, sentence, kept


_NUMBER_WORDS_PATH = Path(__file__).resolve().parents[1] / "data" / "number_words.tsv"
# what a spelled-out number must stand before to be read as one ("fyra minuter", "twelve agents")
_COUNTED = ("unit_second", "unit_minute", "unit_hour", "unit_half_hour", "unit_quarter_hour", "unit_day", "unit_week",
            "unit_month", "unit_year", "contact_noun", "fte_noun", "percent")
_HALF_AFTER = ("and", "och", "og", "ja")
_HALF = {"half", "halv", "halvt", "puoli"}
_OF = {"av", "af", "of", "out", "kymmenestä", "viidestä"}
_OUT = {"out", "ud", "ut"}  # "nine out of ten", "ni ud af ti", "ni ut av ti"
_DAY_ADJECTIVES = {"working", "business", "open", "öppna", "åbne", "åpne", "weekdays"}


@lru_cache(maxsize=1)
def number_words() -> dict[str, dict[str, float]]:
    """Spelled-out numbers per language (assistant/data/number_words.tsv, from num2words)."""
    table: dict[str, dict[str, float]] = {}
    for line in _NUMBER_WORDS_PATH.read_text(encoding="utf-8").splitlines()[1:]:
        lang, word, value = line.split("\t")
        table.setdefault(lang, {})[word] = float(value)
    return table


def _spelled_numbers(tokens: list[Token], annotation: Annotation, language: str) -> list[Token]:
    """Number words that count something become number tokens: "fyra minuter",
    "twelve agents", "puolitoista minuuttia", "fem og en halv minut"."""
    table = number_words()
    words = table.get(language) or {w: v for lang in table.values() for w, v in lang.items()}
    out = list(tokens)
    skip_to = 0
    for i, tok in enumerate(tokens):
        if i < skip_to:
            continue
        run = _number_run(tokens, i, words)
        if run is not None and run[0] < len(tokens) and _is(annotation, run[0], *_COUNTED) and not (
                i > 0 and tokens[i - 1].kind == "num"):
            end, value = run  # "to tusind opkald", "tuhat neljäsataa puhelua", "tolvhundra samtal"
            out[end - 1] = replace(tokens[end - 1], kind="num", text=f"{value:g}")
            skip_to = end
            continue
        part_of_and_a_half = i > 0 and (tokens[i - 1].text in _HALF_AFTER or (
            i > 1 and tokens[i - 1].text in ("a", "en", "et", "ett") and tokens[i - 2].text in _HALF_AFTER))
        if tok.text in _HALF and i + 1 < len(tokens) and not part_of_and_a_half:
            # "en halv minut", "et halvt minutt", "puoli minuuttia", "half a minute": 30 seconds
            k = i + 2 if tokens[i + 1].text in ("a", "an") else i + 1
            if k < len(tokens) and _is(annotation, k, "unit_minute") and not _is(annotation, i, *_COUNTED):
                out[i] = replace(tok, kind="num", text="0.5")
            continue
        if _one_unit(tokens, annotation, i, language):
            # the figure stands next to its unit: "en hel minut" reads as "en 1 minut"
            at = i + 1 if tokens[i + 1].text in _WHOLE else i
            out[at] = replace(tokens[at], kind="num", text="1")
            skip_to = at + 1
            continue
        value = words.get(tok.text) if tok.kind == "word" else None
        if value is None or i + 1 >= len(tokens) or (i > 0 and out[i - 1].kind == "num"):
            continue  # "5 tusen samtal" is read by the multiplier
        counted = _is(annotation, i + 1, *_COUNTED) or (tokens[i + 1].text in _HALF_AFTER and any(
            k < len(tokens) and _is(annotation, k, *_COUNTED) for k in (i + 3, i + 4))) or (
            # one adjective between: "seitsemän kokoaikaista asiakaspalvelijaa", "two full-time agents"
            i + 2 < len(tokens) and tokens[i + 1].kind == "word" and tokens[i + 1].text not in words
            and _is(annotation, i + 2, "fte_noun", "contact_noun"))
        # "fire av fem kunder", "nine out of ten": a share, both numbers as words
        share = (tokens[i + 1].text in _OF or tokens[i + 1].text in _OUT) and i + 2 < len(tokens) and (
            tokens[i + 2].text in words or tokens[i + 2].kind == "num" or tokens[i + 2].text in _OF)
        after_share = i > 1 and tokens[i - 1].text in _OF and (tokens[i - 2].text in words or tokens[i - 2].text in _OUT)
        counted = counted or share or after_share
        if counted and not _is(annotation, i, *_COUNTED):
            out[i] = replace(tok, kind="num", text=f"{value:g}")
    return out


_HUNDRED = {"hundra", "hundre", "hundrede", "hundred", "sata", "sataa", "etthundra", "ethundrede"}
_THOUSAND = {"tusen", "tusind", "tusinde", "tuhat", "tuhatta", "thousand"}
_MULTIPLIERS = _HUNDRED | _THOUSAND


def _number_parts(word: str, words: Mapping[str, float]) -> list[float] | None:
    """A number word as its parts' values: "tolvhundra" [12, 100], "kaksisataa" [2, 100]."""
    if word in _HUNDRED:
        return [100.0]
    if word in _THOUSAND:
        return [1000.0]
    if word in words:
        return [words[word]]
    if "-" in word:  # "forty-five", "twenty-one"
        pieces = [_number_parts(piece, words) for piece in word.split("-")]
        return None if any(x is None for x in pieces) else [v for x in pieces for v in x]  # type: ignore[union-attr]
    for cut in range(len(word) - 2, 2, -1):  # longest known head first
        head = _number_parts(word[:cut], words) if word[:cut] in words or word[:cut] in _MULTIPLIERS else None
        if head is not None:
            tail = _number_parts(word[cut:], words)
            if tail is not None:
                return head + tail
    return None


def _number_run(tokens: list[Token], i: int, words: Mapping[str, float]) -> tuple[int, float] | None:
    """(end, value) of spelled-out number words from `i` that make one number with a
    hundred or a thousand in it ("två tusen", "femten hundre", "two thousand four hundred",
    "tuhat neljäsataa", "tolvhundra"); None for a lone small number (read below)."""
    parts: list[float] = []
    j = i
    while j < len(tokens) and tokens[j].kind == "word":
        found = _number_parts(tokens[j].text, words)
        if found is None:
            break
        parts += found
        j += 1
    if len(parts) < 2 or (not any(v in (100.0, 1000.0) for v in parts) and j - i > 1):
        return None  # one word (read below), or small numbers side by side ("two, three")
    total = current = 0.0
    for v in parts:
        if v == 100.0:
            current = (current or 1.0) * 100.0
        elif v == 1000.0:
            total += (current or 1.0) * 1000.0
            current = 0.0
        else:
            current += v
    return j, total + current


_ONE = {"a", "an", "en", "ett", "et", "yksi", "yhden", "another"}
_WHOLE = {"hel", "helt", "hela", "whole", "full", "kokonainen", "kokonaisen"}


def _one_unit(tokens: list[Token], annotation: Annotation, i: int, language: str) -> bool:
    """An article that counts one minute or second as a duration (a bare Finnish noun is read by
    `_bare_finnish_minutes`):
    "ungefär en minut på efterarbete", "inom en minut", "et minuts efterarbejde".

    Not a price's period ("0,95 € a minute", "8 kr per minut": a number or "per" before it)
    and not the start of "a half minute" (read as 30 seconds above)."""
    tok = tokens[i]
    for before in tokens[max(0, i - 2):i]:  # "€0.85 a minute", "55p a minute", "8 kr per minut"
        if before.kind == "num" or before.text in ("per", "pr", "à", "/", "a", "an") or currency_code(
                before.text, language):
            return False
    unit = i + 2 if i + 2 < len(tokens) and tokens[i + 1].text in _WHOLE else i + 1  # "en hel minut"
    return tok.text in _ONE and unit < len(tokens) and _is(annotation, unit, "unit_minute", "unit_second") \
        and tokens[unit].text not in _HALF


# Cue words whose misspelling still counts ("etterabeid" is "etterarbeid"): long words only, one edit.
_TYPO_CONCEPTS = ("wrapup", "talk", "aht", "shrinkage", "occupancy", "salary", "oncost", "overhead", "fee",
                  "answer_time", "service_level", "productive", "vendor")
_TYPO_MIN_LENGTH = 7


@lru_cache(maxsize=8)
def _cue_words(language: str) -> tuple[str, ...]:
    words: set[str] = set()
    for name in _TYPO_CONCEPTS:
        for phrase in vocabulary()[name].for_language(language):
            if len(phrase.words) == 1 and phrase.words[0].mode == "exact":
                words.update(f for f in phrase.words[0].forms if len(f) >= _TYPO_MIN_LENGTH and f.isalpha())
    return tuple(sorted(words))


def _spelling(tokens: list[Token], annotation: Annotation, language: str) -> list[Token] | None:
    """Tokens with misspelt cue words corrected (one edit on a word of 7+ letters
    that matches nothing), or None when there is none."""
    from rapidfuzz.distance import OSA
    from rapidfuzz.process import extractOne

    words = _cue_words(language)
    out, changed = list(tokens), False
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or len(tok.text) < _TYPO_MIN_LENGTH or annotation.at(i) or not words:
            continue
        best = extractOne(tok.text, words, scorer=OSA.distance, score_cutoff=1)  # a swap is one edit
        if best is not None:
            out[i] = tokenize(best[0], language)[0]
            out[i] = replace(out[i], start=tok.start, end=tok.end)
            changed = True
    return out if changed else None


def parse_quantities(text: str, language: str) -> Parsed:
    """Every quantity written in `text` (see the module docstring)."""
    norm = normalise(text)
    raw_tokens = tokenize(norm, language)
    clause, sentence, tokens = _clauses(raw_tokens, text)
    annotation = vocabulary().annotate(tokens, language)
    corrected = _spelling(tokens, annotation, language) if language in ("sv", "fi", "da", "nb", "en") else None
    if corrected is not None:
        tokens = corrected
        annotation = vocabulary().annotate(tokens, language)
    spelled = _spelled_numbers(tokens, annotation, language)
    if any(a is not b for a, b in zip(spelled, tokens)):
        # a number word is a figure now, not a word: "ni" (nine) is no "NI" (national insurance)
        tokens, annotation = spelled, vocabulary().annotate([
            replace(t, forms=frozenset()) if t.kind == "num" else t for t in spelled], language)
    p = Parsed(norm, language, tokens, annotation, clause, sentence, [], text)
    used: set[int] = set()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind != "num" or i in used:
            i += 1
            continue
        q = _read(p, i) if not (i > 0 and tokens[i - 1].text == "#") else None
        if q is None:
            i += 1
            continue
        q.negated = _negated(p, q)
        p.quantities.append(q)
        used.update(range(q.start, q.end))
        i = max(q.end, i + 1)
    if language == "fi":
        _bare_finnish_minutes(p, used)
    return p


# Finnish has no article: a minute named alone is one ("jälkikirjauksiin kuluu noin minuutti")
_FINNISH_ONE_MINUTE = {"minuutti", "minuutin", "minuutissa"}


def _bare_finnish_minutes(p: Parsed, used: set[int]) -> None:
    for i, tok in enumerate(p.tokens):
        if tok.text in _FINNISH_ONE_MINUTE and i not in used and not (i > 0 and p.tokens[i - 1].kind == "num") \
                and not (i > 0 and _is(p.annotation, i - 1, "per")):
            q = _text(p, Quantity("duration", 60.0, i, i + 1, "", unit="minute"))
            q.negated = _negated(p, q)
            p.quantities.append(q)
            p.quantities.sort(key=lambda r: r.start)


def _read(p: Parsed, i: int) -> Quantity | None:
    tokens, ann, lang = p.tokens, p.annotation, p.language
    value = _number(tokens[i], lang)
    if value is None:
        return None
    start, j = i, i + 1
    text_start = tokens[i].start
    # multiplier: "12k", "45 tusen", "1,2 milj"
    if j < len(tokens) and tokens[j].text == "m" and tokens[j].start == tokens[i].end \
            and not _currency_at(p, i - 1) and not _currency_at(p, j + 1):
        seconds, end = value * 60.0, j + 1
        if end + 1 < len(tokens) and tokens[end].kind == "num" and _is(ann, end + 1, "unit_second"):
            extra = _number(tokens[end], lang)  # "3m20s", "5m 40s"
            if extra is not None and 0 <= extra < 60:
                seconds, end = seconds + extra, end + 2
        return _text(p, Quantity("duration", seconds, start, end, "", unit="minute"))  # "aht 4m"
    if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text in ("k", "m", "mn", "t") and (
            tokens[j].start == tokens[i].end or (j + 1 < len(tokens) and _currency_at(p, j + 1))):  # "1,5 M€"
        factor = 1000.0 if tokens[j].text in ("k", "t") else 1_000_000.0
        if tokens[j].text != "t" or (j + 1 < len(tokens) and _currency_at(p, j + 1)):
            value *= factor
            j += 1
    elif j < len(tokens) and tokens[j].kind == "word" and (m := multiplier(tokens[j].text)) and tokens[j].text not in (
            "m", "mn"):
        value *= m
        if tokens[j].text in ("tkr", "mkr"):  # thousands / millions of kronor
            q = Quantity("money", value, start, j + 1, "", currency=_KRONA.get(lang, "SEK"))
            return _finish_money(p, q)
        if tokens[j].text in _MILLION_CURRENCY:  # "4,2 MNOK", "1,5 MEUR"
            q = Quantity("money", value, start, j + 1, "", currency=_MILLION_CURRENCY[tokens[j].text])
            return _finish_money(p, q)
        j += 1
    # "46 000:-": kronor, as Swedish price tags write them
    if j + 1 < len(tokens) and tokens[j].text == ":" and tokens[j + 1].text in _DASHES and \
            tokens[j].start == tokens[j - 1].end and tokens[j + 1].start == tokens[j].end:
        return _finish_money(p, Quantity("money", value, start, j + 2, "", currency=_KRONA.get(lang, "SEK")))
    if j < len(tokens) and tokens[j].text == "½" and tokens[j].start == tokens[j - 1].end:
        value += 0.5  # "4½ minut"
        j += 1
    # hundredths of a currency: "72p a minute", "85 öre per minut"
    if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text in _SUBUNITS and (
            tokens[j].text != "p" or tokens[j].start == tokens[j - 1].end):
        code = _SUBUNITS[tokens[j].text] or _KRONA.get(lang, "SEK")
        return _finish_money(p, Quantity("money", round(value / 100.0, 6), start, j + 1, "", currency=code))
    # currency before: "€48k", "SEK 35 000", "kr 300"
    before = _currency_at(p, i - 1)
    if before and (i - 1 < 0 or tokens[i - 1].kind in ("sym", "word")):
        q = Quantity("money", value, i - 1, j, "", currency=before)
        # "€3,100 EUR" does not happen; a currency after is skipped if present
        if _currency_at(p, j):
            q.end = j + 1
        return _finish_money(p, q)
    after = _currency_at(p, j)
    if after:
        q = Quantity("money", value, start, j + 1, "", currency=after)
        return _finish_money(p, q)
    # a share: "4 av 5", "fire av fem kunder", "9 out of 10 calls"
    k = j + (1 if j + 1 < len(tokens) and tokens[j].text in _OUT and tokens[j + 1].text in _OF else 0)
    if k + 1 < len(tokens) and tokens[k].text in ("av", "af", "of") and tokens[k + 1].kind == "num":
        whole = _number(tokens[k + 1], lang)
        if whole and 0 < value < whole <= 100 and float(whole).is_integer():
            return _text(p, Quantity("percent", round(100.0 * value / whole, 10), start, k + 2, ""))
    # percent: "30 %", "25 procent", "85 prosent"
    n = _is(ann, j, "percent")
    if n:
        return _text(p, Quantity("percent", value, start, j + n, ""))
    # ratio "80/20" (24/7 is opening hours, not a service level)
    if j + 1 < len(tokens) and tokens[j].text == "/" and tokens[j + 1].kind == "num":
        t = _number(tokens[j + 1], lang)
        if t is not None:
            if 50 <= value <= 100 and 1 <= t <= 600 and not (value == 24 and t == 7):
                return _text(p, Quantity("ratio", value, start, j + 2, "", second=t))
            return _text(p, Quantity("bare", value, start, j + 2, ""))  # 24/7: read, used by nothing
    # clock "4:30" (a duration) or a range "8:00–20:00"
    if j + 1 < len(tokens) and tokens[j].text == ":" and tokens[j + 1].kind == "num" and len(tokens[j + 1].text) == 2 \
            and tokens[j].start == tokens[i].end and tokens[j + 1].start == tokens[j].end:
        seconds = int(value) * 60 + int(tokens[j + 1].text)
        k = j + 2
        between = i > 0 and tokens[i - 1].text in _BETWEEN
        if k + 1 < len(tokens) and (tokens[k].text in _RANGE_WORDS or between and tokens[k].text in (
                "och", "og", "and", "ja")) and tokens[k + 1].kind == "num":
            return _range(p, i, value + int(tokens[j + 1].text) / 60.0, k + 1)
        return _text(p, Quantity("duration", float(seconds), start, k, "", unit="clock"))
    # clock hours with am/pm: "8am–6pm", "9 am to 5 pm" (a range), "from 8am"
    if j < len(tokens) and tokens[j].text in _MERIDIEM and value <= 12 and float(value).is_integer():
        low = _meridiem(value, tokens[j].text)
        k = j + 1
        if k + 1 < len(tokens) and tokens[k].text in _RANGE_WORDS and tokens[k + 1].kind == "num":
            high = _number(tokens[k + 1], lang)
            end = k + 2
            if high is not None and end < len(tokens) and tokens[end].text in _MERIDIEM:
                high, end = _meridiem(high, tokens[end].text), end + 1
            if high is not None and 0 <= low < high <= 24:
                return _text(p, Quantity("range", low, i, end, "", second=high))
        return _text(p, Quantity("bare", low, start, k, "", unit="clock"))
    # range "8–20", "8-17", "8 till 20", "9.00-9.15", "mellan 10 och 10.30"
    between = i > 0 and tokens[i - 1].text in _BETWEEN
    range_words = _RANGE_WORDS | ({"och", "og", "and", "ja"} if between else set())
    if j + 1 < len(tokens) and tokens[j].text in range_words and tokens[j + 1].kind == "num" and value <= 24 and \
            (float(value).is_integer() or _clock_hours(tokens[i], None) is not None):
        r = _range(p, i, value, j + 1)
        if r is not None:
            return r
    # "4 and a half minutes", "4 och en halv minut", "4 ja puoli minuuttia"
    if j + 2 < len(tokens) and tokens[j].text in ("and", "och", "og", "ja") and (
            [t.text for t in tokens[j + 1:j + 3]] in (["a", "half"], ["en", "halv"], ["et", "halvt"], ["ett", "halvt"])
            or tokens[j + 1].text == "puoli"):
        value += 0.5
        j += 3 if tokens[j + 1].text != "puoli" else 2
    # durations: "3 min 40 s", "4 min och 30 s", "3,5 minutter", "220 sekunder", "8 timmar"
    if value == 0.5 and j + 1 < len(tokens) and tokens[j].text in ("a", "an") and _is(ann, j + 1, "unit_minute"):
        j += 1  # "half a minute"
    if j + 1 < len(tokens) and _is(ann, j, "productive") and _is(ann, j + 1, "unit_hour"):
        j += 1  # "900 productive hours", "1 000 produktive timer": the hours are what is counted
    if j + 1 < len(tokens) and tokens[j].text == "-" and tokens[j].start == tokens[j - 1].end and \
            tokens[j + 1].start == tokens[j].end and _is(ann, j + 1, "unit_minute", "unit_second"):
        j += 1  # "a 6-minute AHT"
    unit = None
    for concept, name in (("unit_second", "second"), ("unit_minute", "minute"), ("unit_hour", "hour")):
        if _is(ann, j, concept) and not _is(ann, j, "per"):
            unit = name
            break
    if unit == "hour" and per_form(tokens[j]):
        unit = None  # "300 tunnissa", "hourly": a period, read below
    if unit is None and 0 < value <= 8 and _is(ann, j, "unit_quarter_hour") and not (j > 0 and _is(ann, j - 1, "per")) \
            and not (i > 0 and _is(ann, i - 1, "per")):
        # "inom tre kvart", "within three quarters of an hour": quarters of an hour as a duration
        end = j + _is(ann, j, "unit_quarter_hour")
        return _text(p, Quantity("duration", value * 900.0, start, end, "", unit="minute"))
    if unit is not None:
        # "per hour" after a number is a period, not a duration ("300 per hour"): handled above by the per check
        seconds = value * {"second": 1.0, "minute": 60.0, "hour": 3600.0}[unit]
        k = j + 1
        if unit == "minute":
            m = k
            if m < len(tokens) and (tokens[m].text in ("och", "and", "ja", "og") or (
                    tokens[m].text == "." and tokens[m].start == tokens[k - 1].end)):  # "4 min. 15 sek."
                m += 1
            if m + 1 < len(tokens) and tokens[m].kind == "num" and _is(ann, m + 1, "unit_second") and not _is(
                    ann, m + 2, "wrapup", "talk"):
                extra = _number(tokens[m], lang)
                if extra is not None:
                    seconds += extra
                    k = m + 2
            elif m == k and m < len(tokens) and tokens[m].kind == "num" and (
                    m + 1 >= len(tokens) or tokens[m + 1].kind == "sym") and len(tokens[m].text) <= 2:
                extra = _number(tokens[m], lang)  # "AHT 4 min 30, ikke 5"
                if extra is not None and 0 < extra < 60:
                    seconds += extra
                    k = m + 1
        q = Quantity("duration", round(seconds, 6), start, k, "", unit=unit)
        if unit == "hour":  # "8 timmar per dag", "1 200 timmar i månaden"
            period, used, _ = _period_at(p, k, money=False)
            if period:
                q.per.append(period)
                q.end = k + used
        return _text(p, q)
    # days: "5 dagar (à 8 timmar)", "6 days a week", "22 working days a month", "21 arbetsdagar i månaden"
    if j + 1 < len(tokens) and tokens[j].text in _DAY_ADJECTIVES and _is(ann, j + 1, "unit_day"):
        j += 1
    if _is(ann, j, "unit_day") and value <= 31 and float(value).is_integer() and (
            value <= 7 or "month" in [_period_at(p, j + 1, money=False)[0]]):
        q = Quantity("days", value, start, j + 1, "")
        period, used, _ = _period_at(p, j + 1, money=False)
        if period:
            q.per.append(period)
            q.end = j + 1 + used
        return _text(p, q)
    # lengths of time: "36 månader", "3 år", "5 vuoden", "24 months"
    for concept, months in (("unit_month", 1.0), ("unit_year", 12.0), ("unit_week", 12.0 / 52.0)):
        if _is(ann, j, concept) and not _is(ann, j, "per") and not per_form(tokens[j]) \
                and not _is(ann, j, "fte_noun", "contact_noun"):
            return _text(p, Quantity("span", value * months, start, j + 1, "", unit=concept[5:]))
    # count nouns: "1 200 (inkommande) samtal", "8 heltidare", "12 FTE"
    k = j
    if k + 1 < len(tokens) and tokens[k].text == "-" and tokens[k].start == tokens[i].end \
            and tokens[k + 1].start == tokens[k].end:
        k += 1  # "8-person", "12-FTE"
    if 0 < start and _is(ann, start - 1, "calls_in") and k < len(tokens) and tokens[k].kind == "word" \
            and not _is(ann, k, "contact_noun", "fte_noun", *_PERIOD_WORDS):
        # the people who call are the contacts: "ringer 160 innbyggere", "meille soittaa 90 asiakasta"
        q = Quantity("count", value, start, k + 1, "", noun="contact")
        period, used, peak = _period_at(p, k + 1, money=False)
        if period:
            q.per.append(period)
            q.peak = peak
            q.end = k + 1 + used
        return _text(p, q)
    if k < len(tokens) and tokens[k].text == "pers":  # "15 pers" (the stemmer makes "pers" "per")
        return _text(p, Quantity("count", value, start, k + 1, "", noun="fte"))
    if k + 1 < len(tokens) and tokens[k].text in ("of", "av", "af") and tokens[k + 1].text in (
            "them", "us", "dem", "oss", "os") and _noun_before_in_sentence(p, i):
        return _text(p, Quantity("count", value, start, k + 2, "", noun="fte"))  # "our agents …, 25 of them"
    for _ in range(3):
        if k >= len(tokens) or tokens[k].kind != "word":
            break
        for concept, noun in (("contact_noun", "contact"), ("fte_noun", "fte")):
            n = _is(ann, k, concept)
            if n:
                q = Quantity("count", value, start, k + n, "", noun=noun)
                if noun == "contact":
                    # "samtal in", "calls come in", "puhelua tulee"
                    m = k + n
                    while m + 1 < len(tokens) and tokens[m].text in (
                            "in", "inn", "ind", "sisään", "är", "on", "er", "is", "come", "coming", "tulee",
                            "kommer") and tokens[m + 1].kind != "num":
                        m += 1
                    period, used, peak = _period_at(p, m, money=False)
                    if period:
                        q.per.append(period)
                        q.peak = peak
                        q.end = m + used
                    else:
                        before = _period_before(p, start) or _period_opening(p, start)
                        if before:
                            q.per.append(before)
                return _text(p, q)
        if _is(ann, k, "per") or _is(ann, k, "unit_day", "unit_hour", "unit_week", "unit_month", "unit_year"):
            break
        k += 1
    # a count noun before the number: "Kontakteja on 5 000 kuussa", "puheluita on 14 000", "team of 10"
    noun = _noun_before(p, i)
    if noun is not None:
        return _with_period(p, Quantity("count", value, start, j, "", noun=noun))
    # an amount priced per FTE, contact or minute without its currency: "Tilbud A: 58 000 per FTE i måneden"
    period, used, _peak = _period_at(p, j, money=True)
    if period in ("fte", "contact", "minute") and _is(ann, j, "per"):
        return _finish_money(p, Quantity("money", value, start, j, ""))
    # a bare number, perhaps with a period ("1 200 a day", "3 500 om dagen")
    return _with_period(p, Quantity("bare", value, start, j, ""))


def _with_period(p: Parsed, q: Quantity) -> Quantity:
    """`q` with the period written after it, if any ("3 500 om dagen", "i topptimmen")."""
    period, used, peak = _period_at(p, q.end, money=False)
    skipped = 0
    if not period and q.end + 1 < len(p.tokens) and p.tokens[q.end].text in _COPULA_BEFORE_PER and _is(
            p.annotation, q.end + 1, "per"):
        skipped = 1  # "de 120 er pr. halve time": the period after "is"
        period, used, peak = _period_at(p, q.end + 1, money=False)
    if period:
        q.per.append(period)
        q.peak = peak
        q.end += used + skipped
    return _text(p, q)


_COPULA_BEFORE_PER = {"er", "är", "is", "are", "on", "was", "var", "oli"}


def _negated(p: Parsed, q: Quantity) -> bool:
    """A negation word right before the number ("not 14", "i stället för 800",
    "inte €900") or, in Finnish, right after it ("14 sijaan")."""
    first = q.start + (1 if q.kind == "money" and _currency_at(p, q.start) else 0)
    for start, n in p.annotation.spans("negation"):
        if start + n in (q.start, first):
            return True
    return q.end < len(p.tokens) and p.tokens[q.end].text in ("sijaan", "asemesta")


def _meridiem(hour: float, suffix: str) -> float:
    """24-hour clock of "8am" / "6pm" (12am is midnight, 12pm noon)."""
    return hour % 12 + _MERIDIEM[suffix]


_COPULAS = {"on", "er", "är", "is", "are", ":", "=", "of", "på", "med", "with", "totalt", "yhteensä", "noin", "ca",
            "about", "around", "roughly", "ungefär", "omkring", "rundt", "runt", "n"}


def _noun_before_in_sentence(p: Parsed, i: int) -> bool:
    """A head-count noun earlier in the sentence ("our agents cost …, 25 of them")."""
    return any(p.annotation.covers(k, "fte_noun") and p.sentence[k] == p.sentence[i] for k in range(i))


def _noun_before(p: Parsed, i: int) -> str | None:
    """"contact" or "fte" when a count noun stands just before the number
    ("puheluita on 14 000", "agents: 12", "our team of 10", "teamet på 15")."""
    k = i - 1
    while k >= 0 and p.tokens[k].text in _COPULAS and i - k <= 3:
        k -= 1
    if k < 0 or k == i - 1 and p.tokens[k].kind != "word" or p.clause[k] != p.clause[i]:
        return None
    ann = p.annotation
    if ann.covers(k, "contact_noun"):
        return "contact"
    if ann.covers(k, "fte_noun") or (ann.covers(k, "team_total") and k < i - 1 and p.tokens[k + 1].text in (
            "of", "på", "med", "with")):
        return "fte"
    return None


def _period_before(p: Parsed, start: int) -> Period | None:
    """A period written just before a count ("Päivässä noin 2 000 puhelua", "per dag ca 1 200 samtal")."""
    tokens, ann = p.tokens, p.annotation
    k = start - 1
    while k >= 0 and tokens[k].text in ("noin", "about", "around", "ca", "cirka", "omkring", "ungefär", "roughly",
                                        "runt", "rundt", "suunnilleen", ":", "är", "on", "er", "is", "we", "vi", "n",
                                        "meillä", "har", "have", "get", "får", "tulee", "tarvitaan", "med", "with",
                                        "there", "are", "det", "kommer", "come", "there's", "volume", "volym",
                                        "appr", "approx", "~", "ca.",
                                        "volyymi", "volumen", "volumet"):
        k -= 1
    if k < 0 or tokens[k].kind != "word" or p.clause[k] != p.clause[start]:
        return None
    for first in (k - 1, k - 2):  # the last word of a longer unit: "puolessa tunnissa", "halv time"
        if first >= 0 and first + _is(ann, first, "unit_half_hour", "unit_quarter_hour") == k + 1:
            return "interval:30" if _is(ann, first, "unit_half_hour") else "interval:15"
    for concept, period in _UNIT_PERIODS:
        if not _is(ann, k, concept):
            continue
        if per_form(tokens[k]) or (k > 0 and _is(ann, k - 1, "per")):
            return period
        # "på et kvarter med 60 opkald", "in a half hour with 120 calls", "under en halvtimme kommer 200 samtal"
        m = k - 1
        if m >= 0 and tokens[m].text in _ARTICLES:
            m -= 1
        if m >= 0 and tokens[m].text in _SPAN_PREPOSITIONS and period.startswith("interval:") or (
                m >= 0 and tokens[m].text in _SPAN_PREPOSITIONS and period == "hour" and tokens[m + 1].text in _ARTICLES):
            return period
    return None


_SPAN_PERIODS = (("unit_day", "day"), ("unit_week", "week"), ("unit_month", "month"), ("unit_year", "year"))
_OPENING_REACH = 10  # words from a clause-opening period to the count it times


def _period_opening(p: Parsed, start: int) -> Period | None:
    """A period that opens the count's clause as a time adverbial: "Förra veckan fick vi in
    totalt 3 000 samtal", "I en vanlig uke får vi rundt 2 800", "Viikossa meille tulee noin
    4 200 puhelua", "On a typical day we take 2,400 calls", "En vanlig vardag tar vi emot 1 600".

    The period word must open the clause (a preposition, an article and adjectives may stand
    before it, or be written in a form that means "per"), and no other number may stand
    between it and the count: in "sex dagar i veckan … 3 000 samtal" the week is the days'."""
    tokens, ann = p.tokens, p.annotation
    clause = p.clause[start]
    reach = [k for k in range(start - 1, max(-1, start - 1 - _OPENING_REACH), -1) if p.clause[k] == clause]
    if any(_is(ann, k, "unit_hour", "unit_half_hour", "unit_quarter_hour") for k in reach):
        return None  # "Den travleste halvtimen på mandager får vi inn 210": an interval's volume
    for k in range(start - 1, max(-1, start - 1 - _OPENING_REACH), -1):
        if tokens[k].kind == "num" or p.clause[k] != clause:
            return None
        period = next((name for concept, name in _SPAN_PERIODS if _is(ann, k, concept)), None)
        if period is None:
            continue
        opening = [m for m in range(k - 1, max(-1, k - 4), -1) if p.clause[m] == clause]
        if any(tokens[m].kind == "num" for m in opening):
            return None  # "sex dagar i veckan": the period of another number
        first_of_clause = not opening or (len(opening) < 3 and (opening[-1] == 0 or p.clause[opening[-1] - 1] != clause))
        led = any(tokens[m].text in _ARTICLES or tokens[m].text in _SPAN_PREPOSITIONS for m in opening)
        if per_form(tokens[k]) or first_of_clause or led:
            return period
        return None
    return None


_ARTICLES = {"a", "an", "one", "en", "ett", "et", "ei", "yksi", "yhden"}
_SPAN_PREPOSITIONS = {"på", "i", "in", "during", "under", "within", "inom", "innen", "inden", "over", "om", "per"}


def _clock_hours(token: Token, value: float | None) -> float | None:
    """"9.15" or "10,30" as a time of day is 9 h 15 min; other numbers as read."""
    m = re.fullmatch(r"(\d{1,2})[.,]([0-5]\d)", token.text)
    if m and int(m.group(1)) <= 24:
        return int(m.group(1)) + int(m.group(2)) / 60.0
    return value


def _range(p: Parsed, i: int, low: float, k: int) -> Quantity | None:
    tokens = p.tokens
    low = _clock_hours(tokens[i], low) or low
    high = _clock_hours(tokens[k], _number(tokens[k], p.language))
    if high is None:
        return None
    end = k + 1
    if end + 1 < len(tokens) and tokens[end].text == ":" and tokens[end + 1].kind == "num":
        high += int(tokens[end + 1].text) / 60.0
        end += 2
    if 0 < high <= low <= 12 and high + 12 > low:
        high += 12  # "mon-fri 8-6": until six in the evening
    if not (0 <= low < high <= 24):
        return None
    if end < len(tokens) and (_is(p.annotation, end, "percent") or _currency_at(p, end)):
        return None  # "80-90 %", "30-40 kr": not clock hours
    return _text(p, Quantity("range", low, i, end, "", second=high))


def _finish_money(p: Parsed, q: Quantity) -> Quantity:
    # periods after the amount: "per FTE per month", "i månaden", "a year", "per samtal"
    k = q.end
    if k + 1 < len(p.tokens) and p.tokens[k].text in ("fast", "fixed", "kiinteä") and _period_at(p, k + 1, True)[0]:
        k += 1
    for _ in range(3):
        period, used, _peak = _period_at(p, k, money=True)
        if not period and q.per and k + 1 < len(p.tokens) and p.tokens[k].text in ("och", "and", "og", "ja", "/"):
            # "per fte och år", "kr/fte/mån": the second period shares the first one's "per"
            period = next((name for concept, name in _UNIT_PERIODS if _is(p.annotation, k + 1, concept)), None)
            used = 2 if period else 0
        if not period:
            break
        q.per.append(period)
        k += used
    q.end = k
    if not q.per:
        before = _period_before(p, q.start)  # "maksaa vuodessa n. 1,2 milj. €"
        if before:
            q.per.append(before)
    return _text(p, q)


def _text(p: Parsed, q: Quantity) -> Quantity:
    first = p.tokens[q.start].start
    last = p.tokens[min(q.end, len(p.tokens)) - 1].end
    q.text = p.text[first:last].strip()
    return q
