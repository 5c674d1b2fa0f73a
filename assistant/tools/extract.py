"""Deterministic extraction of tool arguments from what users type.

Handles English, Swedish, Finnish, Danish and Norwegian Bokmål: numbers with
space/dot/comma thousands separators and decimal commas ("1 200", "1.500",
"1,200", "4,5", "0,85"), "k"/"tkr" multipliers, durations ("4,5 min", "4 min 30
s", "AHT 270"), service levels ("80/20", "80 % inom 20 sekunder", "80 %
vastattu 20 sekunnissa"), percentages tied to a keyword ("30 % frånvaro"), and
money with its unit ("0,85 € per minut", "45 000 kr i månaden").

Nothing is guessed: a number is only used when its unit or a keyword next to it
says what it is. What is missing is reported by field name so the conversation
can ask for exactly that (in the user's language).

Conventions of the output:

* `arguments` keys are the request-model field names of the detected tool
  (`StaffingRequest` for "staffing", `CostComparisonRequest` for
  "cost_comparison"); values are in request units: seconds, fractions (0.8
  for 80 %), counts, amounts. Offer terms go in `offers` as a one-element list
  of `OutsourcingOffer` fields.
* A bare "AHT 4,5" (no unit) is read as minutes when ≤ 20 and as seconds
  otherwise ("AHT 270" = 270 s).
* Volume per hour, half hour, quarter or "per N minutes" gives `contacts` +
  `interval_minutes`; per day gives `contacts_per_day`; per month (or per week ×
  52/12, per year / 12) gives `contacts_per_month`. A volume in a period the
  tool cannot use (per day for costs, per month for staffing) is not converted:
  the field is reported missing instead.
* "kr" is SEK, NOK or DKK by language (sv, nb, da); € / euro / euroa is EUR.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.errors import InvalidInput
from assistant.tools import vocabulary as v
from assistant.tools.numbers import SPACES, num_group, parse_number

Tool = Literal["staffing", "cost_comparison"]
TOOLS: tuple[str, ...] = ("staffing", "cost_comparison")

STAFFING_FIELDS = (
    "contacts",
    "contacts_per_day",
    "interval_minutes",
    "aht_seconds",
    "service_level",
    "answer_seconds",
    "max_occupancy",
    "shrinkage",
)
COST_FIELDS = (
    "currency",
    "horizon_months",
    "contacts_per_month",
    "aht_seconds",
    "in_house_fte",
    "monthly_salary",
    "employer_oncost_pct",
    "overhead_per_fte_month",
    "fixed_costs_month",
    "offers",
    "transition_months",
)
_REQUIRED: dict[str, list[str]] = {
    # "contacts" stands for contacts (per interval) or contacts_per_day.
    "staffing": ["contacts", "aht_seconds", "service_level", "answer_seconds"],
    "cost_comparison": ["contacts_per_month", "in_house_fte", "monthly_salary", "offers"],
}
_EXPECTABLE = {*STAFFING_FIELDS, *COST_FIELDS, "incentive_pct"}
_INT_FIELDS = {"interval_minutes", "horizon_months", "transition_months"}
_FRACTION_FIELDS = {"service_level", "shrinkage", "max_occupancy", "employer_oncost_pct", "incentive_pct"}
_DURATION_FIELDS = {"aht_seconds", "answer_seconds"}
_MONEY_FIELDS = {"monthly_salary", "overhead_per_fte_month", "fixed_costs_month"}


class Extraction(BaseModel):
    """What a message says about a tool's arguments.

    `arguments` can be merged across turns with `merge_arguments`; call the
    tool when `missing_arguments(tool, merged)` is empty.
    """

    tool: Tool | None = Field(description="Detected (or given) tool; None if the text is about neither.")
    language: str | None = Field(default=None, description="Language used to read 'kr' (sv, fi, da, nb, en).")
    arguments: dict[str, Any] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list, description="Required fields still absent.")


def required_arguments(tool: str) -> list[str]:
    """Required argument names of `tool`. For staffing, "contacts" means contacts
    per interval or contacts_per_day. For cost_comparison, aht_seconds becomes
    required too when an offer is priced per minute or per productive hour."""
    if tool not in _REQUIRED:
        raise InvalidInput("tool", f"must be one of {', '.join(TOOLS)}; got {tool!r}")
    return list(_REQUIRED[tool])


def missing_arguments(tool: str, arguments: dict[str, Any]) -> list[str]:
    """Required fields of `tool` that `arguments` does not provide yet."""
    missing = []
    for name in required_arguments(tool):
        if name == "contacts":
            if arguments.get("contacts") is None and arguments.get("contacts_per_day") is None:
                missing.append(name)
        elif arguments.get(name) in (None, []):
            missing.append(name)
    if tool == "cost_comparison" and arguments.get("aht_seconds") is None:
        time_priced = any(
            offer.get("price_per_minute") is not None
            or (offer.get("price_per_productive_hour") is not None and not arguments.get("productive_hours_per_month"))
            for offer in arguments.get("offers") or []
        )
        if time_priced:
            missing.append("aht_seconds")
    return missing


def merge_arguments(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Merge a new turn's arguments into the earlier ones (new values win).

    Volume alternatives replace each other: giving contacts_per_day drops an
    earlier per-interval `contacts`/`interval_minutes` and vice versa. Offers
    are merged element by element (offer 0 with offer 0, ...), so a management
    fee given in a later turn completes the offer priced earlier; a second,
    separate offer has to be appended by the caller.
    """
    merged = dict(previous)
    if "contacts_per_day" in new:
        merged.pop("contacts", None)
        merged.pop("interval_minutes", None)
    if "contacts" in new:
        merged.pop("contacts_per_day", None)
    for key, value in new.items():
        if key == "offers" and isinstance(value, list) and isinstance(merged.get("offers"), list):
            old = merged["offers"]
            offers = [dict(o) for o in old]
            for index, offer in enumerate(value):
                if index < len(offers):
                    offers[index].update(offer)
                else:
                    offers.append(dict(offer))
            merged["offers"] = offers
        else:
            merged[key] = value
    return merged


# --------------------------------------------------------------------------
# The scanner: rules claim spans of the text so a number is used once.


@dataclass
class _Scan:
    text: str
    language: str | None
    taken: list[tuple[int, int]] = field(default_factory=list)
    found: dict[str, Any] = field(default_factory=dict)
    offer: dict[str, Any] = field(default_factory=dict)
    currencies: list[str] = field(default_factory=list)
    money_hits: int = 0
    # Amounts with a currency but no unit or keyword, for a bare answer ("38 000 kr").
    loose_money: list[tuple[float, str | None]] = field(default_factory=list)

    def free(self, m: re.Match[str], *groups: str) -> bool:
        for g in groups:
            if m.group(g) is None:
                continue
            start, end = m.span(g)
            if any(start < t_end and t_start < end for t_start, t_end in self.taken):
                return False
        return True

    def take(self, m: re.Match[str], *groups: str) -> None:
        for g in groups:
            if m.group(g) is not None:
                self.taken.append(m.span(g))

    def set(self, name: str, value: Any) -> None:
        # First mention wins: users state a figure once; later numbers with the
        # same keyword are usually comparisons ("compared with 35 % last year").
        self.found.setdefault(name, value)

    def free_numbers(self) -> list[re.Match[str]]:
        return [m for m in re.finditer(num_group("n", mult=True), self.text) if self.free(m, "n")]


# Dots after abbreviations would otherwise end a clause ("9,50 kr. pr. opkald").
_ABBREVIATIONS = re.compile(
    r"\b(pr|kr|ca|cirka|mio|tkr|sek|min|mån|mnd|md|kk|st|inkl|ekskl|exkl|bl\.a|fx|t\.ex|esim|n)\."
)


def _normalise(text: str) -> str:
    # Lower-case "sek" after a number is seconds ("20 sek"); the currency is written SEK.
    t = re.sub(r"(?<![A-Za-z])SEK(?![A-Za-z])", "svkr", text)
    t = SPACES.sub(" ", t.lower())
    t = t.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    t = _ABBREVIATIONS.sub(r"\1", t)
    return re.sub(r" {2,}", " ", t)


def _fraction(value: float) -> float:
    return round(value / 100.0, 10)


_DURATION = (
    rf"(?:{num_group('dm')}\s?{v.MIN}(?:{v.AND_WORD}\s?{num_group('ds')}\s?{v.SEC})?"  # "4 min 30 s", "4,5 min"
    rf"|{num_group('ds2')}\s?{v.SEC}"  # "270 s"
    r"|(?P<dmm>\d{1,2}):(?P<dss>\d{2})(?!\d))"  # "4:30"
)


def _duration_value(m: re.Match[str]) -> float:
    if m.group("dmm") is not None:
        return float(int(m.group("dmm")) * 60 + int(m.group("dss")))
    total = 0.0
    if m.group("dm") is not None:
        total += parse_number(m.group("dm")) * 60.0
    if m.group("ds") is not None:
        total += parse_number(m.group("ds"))
    if m.group("ds2") is not None:
        total += parse_number(m.group("ds2"))
    return round(total, 6)


_DURATION_GROUPS = ("dm", "ds", "ds2", "dmm", "dss")


_MONEY = re.compile(
    rf"(?P<pre>€|(?<![a-zåäöæø])(?:svkr|nok|dkk|eur|kr)(?![a-zåäöæø]))\s?{num_group('a', mult=True)}"  # "€0.95"
    rf"|{num_group('b', mult=True)}\s?(?P<post>{v.CURRENCY_WORD})"  # "45 000 kr", "40k SEK"
)
_OFFER_TERMS = {
    "price_per_contact",
    "price_per_minute",
    "price_per_productive_hour",
    "price_per_fte_month",
    "monthly_management_fee",
    "transition_cost",
}


def _rule_money(scan: _Scan) -> None:
    matches = list(_MONEY.finditer(scan.text))
    for i, m in enumerate(matches):
        group = "a" if m.group("a") is not None else "b"
        if not scan.free(m, group):
            continue
        raw = m.group(group)
        token = m.group("pre") or m.group("post")
        value = parse_number(raw)
        if token.strip() == "tkr":
            value *= 1000.0
        code = v.currency_code(token, scan.language)
        # Clause boundaries: punctuation, or the previous/next amount.
        previous_end = matches[i - 1].end() if i > 0 else 0
        before = scan.text[previous_end : m.start()]
        cut = max(before.rfind(c) for c in ",;:!?(")
        sentence = max(before.rfind(". "), before.rfind("? "), before.rfind("! "))
        before = before[max(cut, sentence) + 1 :]
        after = scan.text[m.end() :]
        stop = re.search(r"[,;!?()]|\.(?:\s|$)|\d", after)
        after = after[: stop.start()] if stop else after
        category = _classify_money(before, after)
        # An amount we cannot place is still money: claim it so no later rule
        # reads "500 000 kr i månaden" as a volume.
        scan.take(m, group)
        scan.money_hits += 1
        if category is None:
            scan.loose_money.append((value, code))
            continue
        if code:
            scan.currencies.append(code)
        if category in _OFFER_TERMS:
            scan.offer.setdefault(category, value)
        else:
            scan.set(category, value)


def _nearest_context(before: str, after: str) -> str | None:
    best: tuple[int, str] | None = None
    for name, pattern in v.MONEY_CONTEXT.items():
        for m in re.finditer(rf"(?<![a-zåäöæø]){pattern}", before):
            distance = len(before) - m.end()
            if best is None or distance < best[0]:
                best = (distance, name)
        ahead = re.search(rf"(?<![a-zåäöæø]){pattern}", after)
        if ahead is not None and (best is None or ahead.start() < best[0]):
            best = (ahead.start(), name)
    return best[1] if best else None


def _classify_money(before: str, after: str) -> str | None:
    unit = None
    for name, pattern in v.UNITS:
        if re.search(pattern, after):
            unit = name
            break
    context = _nearest_context(before, after)
    # "25 FTE at €3,100", "14 ansatte til 31.500 kr": an amount per person is a salary.
    per_person = re.search(rf"{v.FTE_NOUN}\s(?:at|à|á|a|til|@|med|for|som)(?:\s\w+)?\s?$", before) is not None
    if unit == "contact":
        return "price_per_contact"
    if unit == "minute":
        return "price_per_minute"
    if unit == "fte":
        if context == "overhead":
            return "overhead_per_fte_month"
        if context == "salary" or per_person:
            return "monthly_salary"
        return "price_per_fte_month"
    if unit == "hour":
        return None if context == "salary" else "price_per_productive_hour"
    if context == "salary" or (context is None and per_person):
        return "monthly_salary"
    return {
        "overhead": "overhead_per_fte_month",
        "fixed": "fixed_costs_month",
        "fee": "monthly_management_fee",
        "transition": "transition_cost",
    }.get(context or "")


def _rule_sl_pair(scan: _Scan) -> None:
    for m in re.finditer(rf"{num_group('p')}\s?/\s?{num_group('t')}(?![\d/])", scan.text):
        if not scan.free(m, "p", "t"):
            continue
        p, t = parse_number(m.group("p")), parse_number(m.group("t"))
        # 24/7 is opening hours, not a service level.
        if 50 <= p <= 100 and 1 <= t <= 600:
            scan.take(m, "p", "t")
            scan.set("service_level", _fraction(p))
            scan.set("answer_seconds", t)


_SL_BLOCKERS = re.compile(
    rf"(?<![a-zåäöæø])(?:{v.KW_SHRINKAGE}|{v.KW_OCCUPANCY}|{v.KW_AHT}|{v.KW_AHT_VERB}|{v.KW_ONCOST}|{v.KW_INCENTIVE}"
    rf"|{v.CONTACT_NOUN}\s(?:per|pr|i|om|a)\s)(?![a-zåäöæø])"
)


def _rule_sl_percent(scan: _Scan) -> None:
    # "80 % inom 20 sekunder", "80 % vastattu 20 sekunnissa", "90 % af opkaldene skal besvares inden for 30 sekunder"
    pattern = re.compile(
        rf"{num_group('p')}{v.PCT}(?P<gap>(?:\s[a-zåäöæøü\-]+){{0,6}}?)\s{num_group('t')}\s?(?P<unit>{v.SEC}|{v.MIN})"
    )
    for m in pattern.finditer(scan.text):
        if not scan.free(m, "p", "t") or _SL_BLOCKERS.search(m.group("gap")):
            continue
        p = parse_number(m.group("p"))
        if not 0 < p <= 100:
            continue
        seconds = parse_number(m.group("t")) * (1.0 if re.fullmatch(v.SEC, m.group("unit")) else 60.0)
        scan.take(m, "p", "t")
        scan.set("service_level", _fraction(p))
        scan.set("answer_seconds", round(seconds, 6))
    # "servicenivå 85 %", "service level of 90%", "85 % servicenivå"
    for m in re.finditer(
        rf"{v.KW_SL}(?:\s(?:på|of|is|är|er|on|target|mål|tavoite|:))*\s?{num_group('p')}{v.PCT}"
        rf"|{num_group('q')}{v.PCT}\s(?:i\s)?{v.KW_SL}",
        scan.text,
    ):
        group = "p" if m.group("p") is not None else "q"
        if scan.free(m, group):
            scan.take(m, group)
            scan.set("service_level", _fraction(parse_number(m.group(group))))


def _rule_answer(scan: _Scan) -> None:
    for m in re.finditer(
        rf"{v.KW_ANSWER}(?:\s(?:på|of|is|är|er|on|:))*\s?{num_group('t')}\s?(?P<unit>{v.SEC}|{v.MIN})"
        rf"|{num_group('u')}\s?(?:sekunnissa|sekunnin (?:sisällä|kuluessa|aikana))",
        scan.text,
    ):
        group = "t" if m.group("t") is not None else "u"
        if not scan.free(m, group):
            continue
        value = parse_number(m.group(group))
        if group == "t" and not re.fullmatch(v.SEC, m.group("unit")):
            value *= 60.0
        scan.take(m, group)
        scan.set("answer_seconds", round(value, 6))


def _rule_volume(scan: _Scan) -> None:
    # Up to two filler words before the noun ("1 200 inkommande samtal"), never a headcount noun.
    filler = rf"(?:(?!{v.FTE_NOUN}(?![a-zåäöæø]))[a-zåäöæø\-]+\s){{0,2}}?"
    noun = rf"(?:\s{filler}{v.CONTACT_NOUN}(?:\s(?:in|inn|ind|sisään|är|on|er|is))?)?"
    for pattern, minutes in v.INTERVALS:
        for m in re.finditer(rf"{num_group('v')}{noun}\s?(?:{pattern})", scan.text):
            if scan.free(m, "v"):
                scan.take(m, "v")
                scan.set("contacts", parse_number(m.group("v")))
                scan.set("interval_minutes", minutes)
    # "100 calls in 30 minutes", "120 puhelua 30 minuutissa"
    for m in re.finditer(
        rf"{num_group('v')}{noun}\s?(?:(?:per|pr|på|in|i|every|each|hver|hvert|varje|/)\s?{num_group('i')}\s?{v.MIN}"
        rf"|{num_group('j')}\s?(?:minuutissa|minuutin aikana))",
        scan.text,
    ):
        group = "i" if m.group("i") is not None else "j"
        if scan.free(m, "v", group):
            scan.take(m, "v", group)
            scan.set("contacts", parse_number(m.group("v")))
            scan.set("interval_minutes", int(parse_number(m.group(group))))
    for pattern, name, factor in v.PERIODS:
        for m in re.finditer(rf"{num_group('v', mult=True)}{noun}\s?(?:{pattern})", scan.text):
            if scan.free(m, "v"):
                scan.take(m, "v")
                scan.set(name, round(parse_number(m.group("v")) * factor, 6))


def _rule_percent_keywords(scan: _Scan) -> None:
    rules = [
        ("shrinkage", v.KW_SHRINKAGE),
        ("max_occupancy", v.KW_OCCUPANCY),
        ("employer_oncost_pct", v.KW_ONCOST),
        ("incentive_pct", v.KW_INCENTIVE),
    ]
    gap = r"(?:\s(?:på|of|is|är|er|on|at|om|ca|cirka|omkring|ungefär|about|around|noin|enintään|max|maks|högst|"
    gap += r"maximum|maksimum|maximalt|maksimalt|höchstens|inkl|incl|:|=))*"
    for name, keyword in rules:
        for m in re.finditer(
            rf"(?<![a-zåäöæø]){keyword}{gap}\s?{num_group('p')}{v.PCT}"
            rf"|{num_group('q')}{v.PCT}(?:\s[a-zåäöæø]+){{0,2}}?\s{keyword}",
            scan.text,
        ):
            group = "p" if m.group("p") is not None else "q"
            if not scan.free(m, group):
                continue
            scan.take(m, group)
            value = _fraction(parse_number(m.group(group)))
            if name == "incentive_pct":
                scan.offer.setdefault(name, value)
            else:
                scan.set(name, value)


def _rule_fte(scan: _Scan) -> None:
    for m in re.finditer(rf"{num_group('n')}\s(?:[a-zåäöæø\-]+\s)?{v.FTE_NOUN}(?![a-zåäöæø])", scan.text):
        if scan.free(m, "n"):
            scan.take(m, "n")
            scan.set("in_house_fte", parse_number(m.group("n")))


def _rule_horizon(scan: _Scan) -> None:
    first = r"(?:första|first|ensimmäise\w*|første|de första|de første)"
    months = r"(?:månader\w*|månad|months?|kuukau\w*|måneder\w*|måned)(?![a-zåäöæø])"
    for m in re.finditer(rf"{first}\s{num_group('n')}\s?{months}", scan.text):
        if scan.free(m, "n"):
            scan.take(m, "n")
            scan.set("transition_months", int(parse_number(m.group("n"))))
    for m in re.finditer(rf"{num_group('n')}\s?(?:år|års|years?|yrs|vuo\w*|aar)(?![a-zåäöæø])", scan.text):
        if scan.free(m, "n"):
            scan.take(m, "n")
            scan.set("horizon_months", round(parse_number(m.group("n")) * 12))
    context = (
        r"(?:över|over|under|during|for|på|i|horisont\w*|period\w*|sikt|contract|avtal\w*|sopimu\w*|kontrakt\w*|"
        r"the next|nästa|neste|næste|seuraava\w*)"
    )
    for m in re.finditer(
        rf"{context}\s(?:[a-zåäöæø]+\s)?{num_group('n')}\s?{months}|{num_group('k')}\s?{months}\s(?:ajalta|aikana|horisont\w*|period\w*|sikt)",
        scan.text,
    ):
        group = "n" if m.group("n") is not None else "k"
        if scan.free(m, group):
            scan.take(m, group)
            scan.set("horizon_months", int(parse_number(m.group(group))))


def _rule_aht(scan: _Scan) -> None:
    link = r"(?:\s(?:[a-zåäöæø]+)){0,2}?(?:\s(?:på|of|is|är|er|on|om|ca|cirka|omkring|ungefär|about|around|noin|:|=))*"
    for m in re.finditer(
        rf"(?<![a-zåäöæø]){v.KW_AHT}{link}\s?(?::\s?)?(?:{_DURATION}|{num_group('bare')}(?!\s?[%/]))", scan.text
    ):
        groups = (*_DURATION_GROUPS, "bare")
        if not scan.free(m, *groups):
            continue
        if m.group("bare") is not None:
            value = parse_number(m.group("bare"))
            seconds = value * 60.0 if value <= 20 else value
        else:
            seconds = _duration_value(m)
        scan.take(m, *groups)
        scan.set("aht_seconds", round(seconds, 6))
    for m in re.finditer(rf"(?<![a-zåäöæø]){v.KW_AHT_VERB}{link}\s?{_DURATION}", scan.text):
        if scan.free(m, *_DURATION_GROUPS):
            scan.take(m, *_DURATION_GROUPS)
            scan.set("aht_seconds", _duration_value(m))
    # A leftover duration in minutes ("4,5 min per samtal", "5 min håndteringstid")
    # can only be the handling time; leftover seconds ≥ 60 likewise.
    for m in re.finditer(_DURATION, scan.text):
        if not scan.free(m, *_DURATION_GROUPS):
            continue
        seconds = _duration_value(m)
        if m.group("ds2") is not None and seconds < 60:
            continue
        scan.take(m, *_DURATION_GROUPS)
        scan.set("aht_seconds", seconds)


_RULES: list[Callable[[_Scan], None]] = [
    _rule_money,
    _rule_sl_pair,
    _rule_sl_percent,
    _rule_answer,
    _rule_volume,
    _rule_percent_keywords,
    _rule_fte,
    _rule_horizon,
    _rule_aht,
]


def _answer_expected(scan: _Scan, expected: str) -> None:
    """Read a bare answer ("180 sekunder", "4,5 min", "30 %", "1 200") as `expected`."""
    if expected == "currency":
        token = re.search(v.CURRENCY_WORD, scan.text)
        code = v.currency_code(token.group(0), scan.language) if token else None
        if code:
            scan.currencies.append(code)
        return
    if expected == "offers":
        return  # an amount without its unit ("per minute", ...) cannot be placed in an offer
    if expected in _MONEY_FIELDS and scan.loose_money:
        value, code = scan.loose_money[0]
        scan.found[expected] = value
        if code:
            scan.currencies.append(code)
        return
    if expected in _DURATION_FIELDS:
        for m in re.finditer(_DURATION, scan.text):
            if scan.free(m, *_DURATION_GROUPS):
                scan.take(m, *_DURATION_GROUPS)
                scan.found[expected] = _duration_value(m)
                return
    numbers = scan.free_numbers()
    if not numbers:
        return
    m = numbers[0]
    value = parse_number(m.group("n"))
    rest = scan.text[m.end() :]
    scan.take(m, "n")
    if expected in _FRACTION_FIELDS:
        percent = re.match(v.PCT, rest) is not None
        value = _fraction(value) if percent or value > 1 else value
        if expected == "incentive_pct":
            scan.offer[expected] = value
        else:
            scan.found[expected] = value
    elif expected == "aht_seconds":
        scan.found[expected] = value * 60.0 if value <= 20 else value
    elif expected in _INT_FIELDS:
        years = re.match(r"\s?(?:år|years?|vuo\w*)", rest) is not None
        scan.found[expected] = round(value * 12 if years else value)
    else:
        scan.found[expected] = value
        currency = re.match(rf"\s?{v.CURRENCY_WORD}", rest)
        if currency and expected in _MONEY_FIELDS:
            code = v.currency_code(currency.group(0), scan.language)
            if code:
                scan.currencies.append(code)


def _detect_tool(scan: _Scan) -> str | None:
    """Which tool the message is about. Topic words alone ("outsourcing") are not
    enough when no figure was found: then only an explicit intent counts."""
    cost_intent = len(re.findall(rf"(?<![a-zåäöæø]){v.COST_INTENT}", scan.text))
    staffing_intent = len(re.findall(rf"(?<![a-zåäöæø]){v.STAFFING_WORDS}", scan.text))
    if not scan.found and not scan.offer:
        cost_intent += scan.money_hits
        if cost_intent == staffing_intent == 0:
            return None
        return "cost_comparison" if cost_intent > staffing_intent else "staffing"
    cost = 2 * scan.money_hits + len(re.findall(rf"(?<![a-zåäöæø]){v.COST_WORDS}", scan.text))
    cost += 2 * sum(1 for k in ("in_house_fte", "contacts_per_month", "employer_oncost_pct") if k in scan.found)
    staffing = staffing_intent + 3 * sum(
        1
        for k in ("service_level", "answer_seconds", "shrinkage", "max_occupancy", "contacts", "contacts_per_day")
        if k in scan.found
    )
    if cost == staffing == 0:
        return "staffing" if "aht_seconds" in scan.found else None
    return "cost_comparison" if cost > staffing else "staffing"


def _clean(name: str, value: Any) -> Any:
    return int(value) if name in _INT_FIELDS else value


def extract_arguments(
    text: str,
    tool: str | None = None,
    expected: str | None = None,
    language: str | None = None,
) -> Extraction:
    """Tool arguments stated in `text`, normalised to request units.

    `tool` restricts the result to one tool ("staffing" or "cost_comparison");
    when None it is detected from the text. `expected` names the field the
    conversation just asked for, so a bare answer ("180 sekunder", "4,5 min",
    "30 %") is read as that field. `language` (sv, fi, da, nb, en) decides
    which krona "kr" is; when None it is guessed from the text.
    """
    if tool is not None and tool not in TOOLS:
        raise InvalidInput("tool", f"must be one of {', '.join(TOOLS)}; got {tool!r}")
    if expected is not None and expected not in _EXPECTABLE:
        raise InvalidInput(
            "expected", f"must be an argument name such as {', '.join(_REQUIRED['staffing'])}; got {expected!r}"
        )
    lang = language or v.detect_language(text)
    scan = _Scan(text=_normalise(text), language=lang)
    for rule in _RULES:
        rule(scan)
    if expected and not _has(scan, expected):
        _answer_expected(scan, expected)
    chosen = tool or _detect_tool(scan)
    if chosen is None and expected:
        chosen = "cost_comparison" if expected in COST_FIELDS and expected not in STAFFING_FIELDS else "staffing"
    arguments = _arguments_for(chosen, scan)
    return Extraction(
        tool=chosen,  # type: ignore[arg-type]
        language=lang,
        arguments=arguments,
        missing=missing_arguments(chosen, arguments) if chosen else [],
    )


def _has(scan: _Scan, name: str) -> bool:
    if name in ("contacts", "contacts_per_day"):
        return "contacts" in scan.found or "contacts_per_day" in scan.found
    if name == "offers":
        return bool(scan.offer)
    return name in scan.found or name in scan.offer


def _arguments_for(tool: str | None, scan: _Scan) -> dict[str, Any]:
    if tool is None:
        return {}
    names = STAFFING_FIELDS if tool == "staffing" else COST_FIELDS
    arguments = {name: _clean(name, scan.found[name]) for name in names if name in scan.found}
    if tool == "staffing":
        if "contacts" not in arguments:
            arguments.pop("interval_minutes", None)
        elif "contacts_per_day" in arguments:
            # Two volumes in one message: the per-interval one is the planning basis.
            arguments.pop("contacts_per_day")
    else:
        if scan.offer:
            arguments["offers"] = [dict(scan.offer)]
        if scan.currencies:
            arguments["currency"] = scan.currencies[0]
    return arguments
