"""Tool arguments from what users type: quantities assigned to slots by the words around them.

`assistant.tools.quantities` reads every number with its unit and period; this
module decides which argument each one is, from the concept words near it
(`assistant/data/vocabulary.yaml`: "AHT", "efterarbete", "årslön", "vendor",
"we", ...), in five languages:

* the nearest cue in the same clause wins ("AHT 180 s och 30 s efterarbete":
  the 30 s is wrap-up); a cue before the number beats one after it at the same
  distance;
* roles: talk time and wrap-up add up to the handling time (AHT = talk +
  wrap-up); salary, fully loaded cost, overhead, fixed costs and fees are told
  apart by their words; a yearly amount becomes a monthly one ("520 000 kr i
  årslön" is 43 333 a month); an in-house figure and a vendor's are told apart
  by the party the sentence talks about ("we", "leverantören", "vendor B"), so
  a vendor's "9 FTE" is the vendor's;
* several offers: a vendor word with a label ("vendor A", "tarjous B"),
  "another" or a price of a kind the current offer already has starts the next
  offer;
* periods: per hour/half hour/quarter/N minutes or the peak hour give
  `contacts` + `interval_minutes`; per day `contacts_per_day`; per week
  `contacts_per_week` (a day volume once the open days per week are known);
  per month or year `contacts_per_month`; opening hours "8–20" or "5 dagar à 8
  timmar" give `open_hours` (and `open_days_per_week`).

Nothing is guessed: a number whose role no word tells is not used; a number
that could fill two slots is reported in `ambiguous` so the conversation can
ask which. `sources` keeps, per argument, the text it was read from, and
`derived` how an argument was worked out, so a reply can list what it
understood.

Conventions of the output: `arguments` keys are request-model field names of
the tool (`StaffingRequest` for "staffing", `CostComparisonRequest` for
"cost_comparison") plus the conversation slots `talk_seconds`,
`wrapup_seconds`, `contacts_per_week` and `open_days_per_week`, which
`request_arguments` turns into request fields; values are in request units:
seconds, fractions (0.8 for 80 %), counts, amounts per month. A bare "AHT 4,5"
(no unit) is minutes when ≤ 20 and seconds otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import functools
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.errors import InvalidInput
from assistant.lexicon import vocabulary
from assistant.tools.quantities import Parsed, Quantity, currency_code, parse_quantities

Tool = Literal["staffing", "cost_comparison"]
TOOLS: tuple[str, ...] = ("staffing", "cost_comparison")

STAFFING_FIELDS = (
    "contacts",
    "contacts_per_day",
    "interval_minutes",
    "open_hours",
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
    "loaded_cost_per_fte_month",
    "employer_oncost_pct",
    "overhead_per_fte_month",
    "fixed_costs_month",
    "productive_hours_per_month",
    "offers",
    "transition_months",
)
#: Conversation slots that are not request fields; `request_arguments` resolves them.
PART_FIELDS = ("talk_seconds", "wrapup_seconds", "contacts_per_week", "open_days_per_week", "team_cost_month")
_TOOL_PARTS = {"staffing": PART_FIELDS[:4],
               "cost_comparison": ("talk_seconds", "wrapup_seconds", "contacts_per_week", "team_cost_month",
                                   "contacts_per_day", "open_days_per_month")}
_REQUIRED: dict[str, list[str]] = {
    # "contacts" stands for contacts (per interval) or contacts_per_day.
    "staffing": ["contacts", "aht_seconds", "service_level", "answer_seconds"],
    "cost_comparison": ["contacts_per_month", "in_house_fte", "monthly_salary", "offers"],
}
_EXPECTABLE = {*STAFFING_FIELDS, *COST_FIELDS, *PART_FIELDS, "incentive_pct", "party"}
OFFER_FTE = re.compile(r"offers\.(\d+)\.fte")  # a vendor's own FTE, asked for by its offer's place
_INT_FIELDS = {"interval_minutes", "horizon_months", "transition_months"}
_FRACTION_FIELDS = {"service_level", "shrinkage", "max_occupancy", "employer_oncost_pct", "incentive_pct"}
_DURATION_FIELDS = {"aht_seconds", "answer_seconds", "talk_seconds", "wrapup_seconds"}
_MONEY_FIELDS = {"monthly_salary", "loaded_cost_per_fte_month", "overhead_per_fte_month", "fixed_costs_month"}
OFFER_PRICES = ("price_per_contact", "price_per_minute", "price_per_productive_hour", "price_per_fte_month")
_OFFER_TERMS = {*OFFER_PRICES, "monthly_management_fee", "transition_cost", "incentive_pct", "fte"}
_MONTHLY = {"monthly_salary", "loaded_cost_per_fte_month", "overhead_per_fte_month", "fixed_costs_month",
            "monthly_management_fee"}


class Ambiguity(BaseModel):
    """A value that could fill either of two slots: the conversation asks which."""

    value: float
    text: str = Field(description="The number as written.")
    options: list[str] = Field(description="Argument paths it could be, e.g. in_house_fte, offers.0.fte.")


class Extraction(BaseModel):
    """What a message says about a tool's arguments.

    `arguments` can be merged across turns with `merge_arguments`; call the
    tool with `request_arguments(tool, merged)` when `missing_arguments(tool,
    merged)` is empty.
    """

    tool: Tool | None = Field(description="Detected (or given) tool; None if the text is about neither.")
    language: str | None = Field(default=None, description="Language used to read 'kr' (sv, fi, da, nb, en).")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Request-model fields of the tool.")
    slots: dict[str, Any] = Field(default_factory=dict, description=(
        "What the message states, as conversation slots: the arguments plus parts not yet resolved "
        "(talk_seconds, wrapup_seconds, contacts_per_week, open_days_per_week). Merge these across turns."))
    missing: list[str] = Field(default_factory=list, description="Required fields still absent.")
    sources: dict[str, str] = Field(default_factory=dict, description="Argument path -> the text it was read from.")
    derived: dict[str, str] = Field(default_factory=dict,
                                    description="Argument path -> how it was worked out (yearly, talk+wrap-up, ...).")
    ambiguous: list[Ambiguity] = Field(default_factory=list)
    same_as_before: list[str] = Field(default_factory=list, description=(
        "Fields the message says are as before without restating them (\"samma AHT som ovan\"): "
        "taken from another tool's values in the conversation."))


def required_arguments(tool: str) -> list[str]:
    """Required argument names of `tool` in the simplest case. For staffing,
    "contacts" means contacts per interval or contacts_per_day. For
    cost_comparison what is needed depends on the offers (`missing_arguments`)."""
    if tool not in _REQUIRED:
        raise InvalidInput("tool", f"must be one of {', '.join(TOOLS)}; got {tool!r}")
    return list(_REQUIRED[tool])


def _aht_known(arguments: dict[str, Any]) -> bool:
    return arguments.get("aht_seconds") is not None or arguments.get("talk_seconds") is not None


def missing_arguments(tool: str, arguments: dict[str, Any]) -> list[str]:
    """Required fields of `tool` that `arguments` does not provide yet, most
    important first. Only what the pricing needs is asked for: per-FTE or
    fixed-fee offers need no volume, an hourly price with hours per month needs
    no handling time, and two offers can be compared without an in-house side."""
    if tool not in _REQUIRED:
        raise InvalidInput("tool", f"must be one of {', '.join(TOOLS)}; got {tool!r}")
    missing: list[str] = []
    if tool == "staffing":
        if arguments.get("contacts") is None and arguments.get("contacts_per_day") is None:
            if arguments.get("contacts_per_week") is not None or arguments.get("contacts_per_month") is not None:
                if arguments.get("open_days_per_week") is None:
                    missing.append("open_days_per_week")
            else:
                missing.append("contacts")
        if not _aht_known(arguments):
            missing.append("aht_seconds")
        for name in ("service_level", "answer_seconds"):
            if arguments.get(name) is None:
                missing.append(name)
        return missing
    offers = arguments.get("offers") or []
    in_house_given = any(arguments.get(k) is not None for k in ("in_house_fte", "monthly_salary",
                                                                "loaded_cost_per_fte_month", "team_cost_month"))
    needs_in_house = in_house_given or len(offers) < 2
    volume = arguments.get("contacts_per_month") is not None or arguments.get("contacts_per_week") is not None or (
        arguments.get("contacts_per_day") is not None and bool(arguments.get("open_days_per_month")))
    hours = arguments.get("productive_hours_per_month") is not None
    needs_volume = any(o.get("price_per_contact") is not None or o.get("price_per_minute") is not None
                       or (o.get("price_per_productive_hour") is not None and not hours) for o in offers)
    needs_aht = any(o.get("price_per_minute") is not None
                    or (o.get("price_per_productive_hour") is not None and not hours) for o in offers)
    if not offers:
        # The pricing is not known yet. With nothing given, start where every comparison starts,
        # the volume; once the user is describing the in-house side, complete it and ask for the
        # offer, whose pricing decides whether the volume is needed at all (per FTE or per hour: no).
        if not volume and not in_house_given:
            missing.append("contacts_per_month")
        if arguments.get("in_house_fte") is None:
            missing.append("in_house_fte")
        if not _cost_per_person_known(arguments):
            missing.append("monthly_salary")
        return missing + ["offers"]
    if needs_volume and not volume:
        missing.append("contacts_per_month")
    if needs_in_house:
        if arguments.get("in_house_fte") is None:
            missing.append("in_house_fte")
        if not _cost_per_person_known(arguments):
            missing.append("monthly_salary")
    else:
        # two offers and no in-house side: a per-FTE price needs the vendor's own head count
        missing += [f"offers.{i}.fte" for i, o in enumerate(offers)
                    if o.get("price_per_fte_month") is not None and o.get("fte") is None]
    if needs_aht and not _aht_known(arguments):
        missing.append("aht_seconds")
    return missing


# Any one of these gives the in-house cost of a person
_PER_PERSON_COSTS = ("monthly_salary", "loaded_cost_per_fte_month", "team_cost_month")


def _cost_per_person_known(arguments: dict[str, Any]) -> bool:
    return any(arguments.get(k) is not None for k in _PER_PERSON_COSTS)


def request_arguments(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The request-model fields of `tool` from conversation slots: AHT from talk +
    wrap-up, a day volume from a weekly or monthly one and the open days."""
    args = dict(arguments)
    talk, wrap = args.pop("talk_seconds", None), args.pop("wrapup_seconds", None)
    if args.get("aht_seconds") is None and talk is not None:
        args["aht_seconds"] = round(talk + (wrap or 0.0), 6)
    elif args.get("aht_seconds") is not None and wrap is not None:
        # a wrap-up stated beside the handling time adds to it (said out loud as an assumption)
        args["aht_seconds"] = round(args["aht_seconds"] + wrap, 6)
    week = args.pop("contacts_per_week", None)
    days = args.pop("open_days_per_week", None)
    if tool == "staffing":
        if args.get("contacts") is None and args.get("contacts_per_day") is None:
            month = args.get("contacts_per_month")
            if week is not None and days:
                args["contacts_per_day"] = round(week / days, 6)
            elif month is not None and days:
                args["contacts_per_day"] = round(month * 12.0 / 52.0 / days, 6)
        hours = args.get("open_hours")
        if args.get("contacts_per_day") is not None and hours and "interval_minutes" not in args:
            # opening hours such as 7.5 or 8.25 hours: intervals that fit them whole
            for minutes in (60, 30, 15):
                if abs(hours * 60 / minutes - round(hours * 60 / minutes)) < 1e-9:
                    if minutes != 60:
                        args["interval_minutes"] = minutes
                    break
        names = set(STAFFING_FIELDS) | {"intraday_curve"}
    else:
        if args.get("contacts_per_month") is None and week is not None:
            args["contacts_per_month"] = round(week * 52.0 / 12.0, 6)
        day, days_per_month = args.pop("contacts_per_day", None), args.pop("open_days_per_month", None)
        if args.get("contacts_per_month") is None and day is not None and days_per_month:
            args["contacts_per_month"] = round(day * days_per_month, 6)  # "1 000 a day, 22 working days a month"
        team = args.pop("team_cost_month", None)
        if team is not None and args.get("in_house_fte") and args.get("loaded_cost_per_fte_month") is None:
            args["loaded_cost_per_fte_month"] = round(team / args["in_house_fte"], 6)
        names = set(COST_FIELDS) | {"occupancy", "transition_efficiency_loss", "transition_extra_cost_month",
                                    "sensitivity"}
    return {k: v for k, v in args.items() if k in names and v is not None}


def describe_parts(slots: dict[str, Any], sources: dict[str, str], derived: dict[str, str]) -> None:
    """Say where resolved arguments come from: AHT from talk time (+ wrap-up), a
    day volume from a weekly one and the open days."""
    if slots.get("aht_seconds") is None and slots.get("talk_seconds") is not None:
        parts = [sources.get("talk_seconds", ""), sources.get("wrapup_seconds", "")]
        sources["aht_seconds"] = " + ".join(p for p in parts if p)
        derived["aht_seconds"] = "talk_plus_wrapup" if slots.get("wrapup_seconds") is not None else "talk_only"
    if slots.get("contacts_per_week") is not None and slots.get("open_days_per_week"):
        sources["contacts_per_day"] = sources.get("contacts_per_week", "")
        derived["contacts_per_day"] = "weekly_by_days"
    if slots.get("contacts_per_day") is not None and slots.get("open_days_per_month") \
            and slots.get("contacts_per_month") is None:
        sources["contacts_per_month"] = sources.get("contacts_per_day", "")
        derived["contacts_per_month"] = "daily_by_days"
    if slots.get("team_cost_month") is not None and slots.get("in_house_fte"):
        sources["loaded_cost_per_fte_month"] = sources.get("team_cost_month", "")
        derived["loaded_cost_per_fte_month"] = "team_by_fte"


def merge_arguments(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Merge a new turn's arguments into the earlier ones (new values win).

    Alternatives replace each other: a per-interval volume, a day volume and a
    weekly one; an explicit AHT and its talk/wrap-up parts; a salary and a fully
    loaded cost. Offers are merged element by element (offer 0 with offer 0,
    ...), so a management fee given in a later turn completes the offer priced
    earlier.
    """
    merged = dict(previous)
    volumes = {"contacts": ("contacts", "interval_minutes"), "contacts_per_day": ("contacts_per_day",),
               "contacts_per_week": ("contacts_per_week",)}
    if any(k in new for k in volumes):
        for key, drop in volumes.items():
            if key not in new:
                for d in drop:
                    if d != "interval_minutes" or "contacts" not in new:
                        merged.pop(d, None)
    if "aht_seconds" in new:
        merged.pop("talk_seconds", None)
        merged.pop("wrapup_seconds", None)
    if "talk_seconds" in new:
        merged.pop("aht_seconds", None)
    # (a wrap-up alone keeps the handling time it is added to: "efterarbetet var en hel minut, inte 30
    # sekunder" after "3,5 minuter plus 30 sekunder efterarbete"; "glemte etterarbeidet: 1 min i tillegg")
    if "loaded_cost_per_fte_month" in new or "team_cost_month" in new:
        for k in ("monthly_salary", "employer_oncost_pct", "overhead_per_fte_month", "loaded_cost_per_fte_month",
                  "team_cost_month"):
            if k not in new:
                merged.pop(k, None)
    if "monthly_salary" in new:
        merged.pop("loaded_cost_per_fte_month", None)
        merged.pop("team_cost_month", None)
    for key, value in new.items():
        if key == "offers" and isinstance(value, list) and isinstance(merged.get("offers"), list):
            offers = [dict(o) for o in merged["offers"]]
            for position, offer in enumerate(value):
                index = _offer_slot(offers, offer, position)
                if index < len(offers):
                    offers[index].update(offer)
                else:
                    offers.append(dict(offer))
            merged["offers"] = offers
        else:
            merged[key] = value
    return merged


def _offer_slot(offers: list[dict[str, Any]], offer: dict[str, Any], position: int) -> int:
    """Which earlier offer a new turn's offer completes: the one with its name
    ("vendor B" → offer B), else by its label's place (B is the second), else by position."""
    name = offer.get("name")
    if name is None:
        return position
    for index, earlier in enumerate(offers):
        if str(earlier.get("name", "")).upper() == str(name).upper():
            return index
    label = str(name).upper()
    if len(label) == 1 and label in "ABCD1234":
        place = "ABCD".index(label) if label.isalpha() else int(label) - 1
        if place < len(offers) and offers[place].get("name") is None:
            return place
        if place >= len(offers):
            return len(offers)  # "Leverantör B …" after only offer A: a new offer
    return position


# --------------------------------------------------------------------------- assignment


@dataclass
class _Cue:
    start: int
    end: int
    concept: str


@dataclass
class _State:
    p: Parsed
    found: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    offers: list[dict[str, Any]] = field(default_factory=list)
    offer_names: list[str | None] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    ambiguous: list[Ambiguity] = field(default_factory=list)
    loose_money: list[Quantity] = field(default_factory=list)
    loose: list[Quantity] = field(default_factory=list)
    cues: list[_Cue] = field(default_factory=list)
    parties: list[tuple[int, str, int | None]] = field(default_factory=list)  # token, "vendor"/"inhouse", offer
    money_hits: int = 0
    labels: dict[int, str] = field(default_factory=dict)
    previous: Mapping[str, Any] = field(default_factory=dict)  # the tool's arguments from earlier turns
    interval_hint: tuple[int, int] | None = None  # (sentence, minutes) of a clock range such as "9.00-9.15"

    def set(self, name: str, value: Any, q: Quantity | None, how: str | None = None) -> None:
        # First mention wins: users state a figure once; later numbers with the
        # same words are usually comparisons ("compared with 35 % last year").
        if name in self.found:
            return
        self.found[name] = value
        if q is not None:
            self.sources[name] = q.text
        if how:
            self.derived[name] = how

    def offer_set(self, index: int, name: str, value: Any, q: Quantity, how: str | None = None) -> None:
        while len(self.offers) <= index:
            self.offers.append({})
            self.offer_names.append(None)
        if name in self.offers[index]:
            return
        self.offers[index][name] = value
        self.sources[f"offers.{index}.{name}"] = q.text
        if how:
            self.derived[f"offers.{index}.{name}"] = how


def _cues(p: Parsed) -> list[_Cue]:
    order: list[str] = vocabulary().meta.get("cue_priority", [])
    cues: list[_Cue] = []
    i = 0
    while i < len(p.tokens):
        found = p.annotation.at(i)
        best = next((c for c in order if c in found), None)
        if best is not None:
            cues.append(_Cue(i, i + found[best], best))
            i += found[best]
        else:
            i += 1
    return cues


def _parties(p: Parsed, previous: Mapping[str, Any] | None = None) -> list[tuple[int, str, int | None]]:
    """Party cues in order: (token, "vendor" or "inhouse", offer number for vendors).

    A vendor word with a label ("vendor A", "tarjous 2"), or "another", starts
    an offer of its own; otherwise it continues the current one (a new offer
    may still start when a price of the same kind comes again)."""
    ann, tokens = p.annotation, p.tokens
    out: list[tuple[int, str, int | None]] = []
    labels: dict[str, int] = {}
    current = -1
    # "A tar 29 kr per samtal, B 7,20 kr per minut": a capital letter opening a clause labels an offer
    # when the message talks about offers at all.
    bare_labels = []
    if ann.has("vendor") or (previous or {}).get("offers"):
        for i, tok in enumerate(tokens):
            first_of_clause = i == 0 or p.clause[i - 1] != p.clause[i] or tokens[i - 1].text in (
                ":", "ja", "och", "og", "and", "sekä", "samt", "+")  # "A 0,9 €/min ja B 3,1 €/puhelu"
            if tok.kind == "word" and len(tok.text) == 1 and tok.text in "abcd" and first_of_clause \
                    and p.original[tok.start:tok.end].isupper():
                bare_labels.append((i, 1))
    earlier_offers = list((previous or {}).get("offers") or [])
    names = _vendor_names(p, [str(o["name"]) for o in earlier_offers if o.get("name")])
    bare_labels += [(start, 1) for start in names]
    # "the second is $3.90 per call", "det andet tilbud har et gebyr": the offer in that place
    for concept, place in (("second_offer", 1), ("third_offer", 2)):
        for start, _n in ann.spans(concept):
            names.setdefault(start, f"#{place + 1}")  # a place, not a name
            if (start, 1) not in bare_labels:
                bare_labels.append((start, 1))
    # "they"/"de"/"he" speak for the vendor once offers are on the table
    if earlier_offers or ann.has("vendor"):
        first_vendor = min((start for start, _n in ann.spans("vendor")), default=-1)
        for start, n in ann.spans("vendor_pronoun"):
            if earlier_offers or start > first_vendor >= 0:
                out.append((start, "vendor", None))
    ordinal = [(a, a + m) for c in ("second_offer", "third_offer") for a, m in ann.spans(c)]
    # "another" starts an offer when it speaks of one ("another vendor", "toisen tarjouksen", "et tilbud
    # mere"), not when it adds to something else ("the telephony platform is another £6,500 a month")
    another = [(a, m) for a, m in ann.spans("another") if not any(lo < a < hi for lo, hi in ordinal)
               and any(ann.covers(k, "vendor") for k in range(a, min(len(tokens), a + m + 3)))]
    for start, n in sorted(ann.spans("vendor") + ann.spans("inhouse") + another + bare_labels):
        if (start, 1) in bare_labels:
            label = names.get(start) or tokens[start].text.upper()
            if label not in labels:
                # a number or an ordinal is the offer's place ("Tilbud 2", "det andet tilbud")
                place = label.lstrip("#")
                labels[label] = int(place) - 1 if place.isdigit() and 0 < int(place) <= 4 else (
                    len(labels) if current < len(labels) else current + 1)
            current = labels[label]
            out.append((start, "vendor:" + label, current))
            continue
        if ann.covers(start, "vendor") or ann.covers(start, "another"):
            label = None
            nxt = start + n
            if ann.covers(start, "another") and not ann.covers(start, "vendor"):
                # "another (vendor)": the next offer, after the earlier turns' ones too ("Vi har fået et
                # tilbud mere: 5,90 kr./min"); the vendor word after it is part of this cue
                current = max(current + 1, len(labels), len(earlier_offers) if current < 0 else 0)
                out.append((start, f"vendor:#{current + 1}", current))  # a place: its colon introduces its terms
                continue
            if nxt + 1 < len(tokens) and tokens[nxt].text in _FROM and tokens[nxt + 1].text in ("a", "b", "c", "d") \
                    and p.original[tokens[nxt + 1].start:tokens[nxt + 1].end].isupper():
                nxt += 1  # "ett anbud från B", "an offer from C"
            if nxt < len(tokens) and (len(tokens[nxt].text) == 1 and tokens[nxt].text.isalpha() and (
                    tokens[nxt].text in ("a", "b", "c", "d") or p.original[tokens[nxt].start:tokens[nxt].end].isupper())
                    and tokens[nxt].kind == "word"
                                      and (nxt + 1 >= len(tokens) or tokens[nxt + 1].kind in ("sym", "word", "num"))
                                      or tokens[nxt].kind == "num" and tokens[nxt].text in ("1", "2", "3", "4")
                                      or tokens[nxt].text in _NUMBER_LABELS):
                label = _NUMBER_LABELS.get(tokens[nxt].text, tokens[nxt].text).upper()
            if out and out[-1][1] == "vendor" and out[-1][0] >= start - 2 and label is None:
                continue  # "another vendor", "leverantören ... offerten" right after: the same cue
            if label is not None:
                if label not in labels:
                    labels[label] = len(labels) if current < len(labels) else current + 1
                current = labels[label]
            elif current < 0:
                current = 0
            out.append((start, "vendor", current))
            if label is not None:
                out[-1] = (start, "vendor:" + label, current)
        else:
            if tokens[start].text in _OWN and out and out[-1][1].startswith("vendor") and \
                    p.clause[out[-1][0]] == p.clause[start]:
                continue  # "de bemanner med egne 18 FTE": their own, the vendor's
            out.append((start, "inhouse", None))
    return out


# "own" is the party named before it in the clause ("deras egna", "heidän omat", "their own")
_OWN = {"own", "egen", "egne", "egna", "eget", "oma", "omat", "omia"}
_COMPANY_SUFFIXES = {"oy", "oyj", "ab", "as", "asa", "a/s", "aps", "ltd", "inc", "gmbh", "plc"}


def _pronouns_follow(parties: list[tuple[int, str, int | None]]) -> list[tuple[int, str, int | None]]:
    """A "they" speaks for the vendor named last before it ("Tilbud C: …, de mener 9 FTE er nok")."""
    out, last = [], None
    for start, kind, offer in parties:
        if kind.startswith("vendor") and offer is not None:
            last = offer
        elif kind == "vendor" and offer is None:
            offer = last
        out.append((start, kind, offer))
    return out


def _vendor_names(p: Parsed, known: list[str] | None = None) -> dict[int, str]:
    """Vendors named by a proper noun before their price: "Nordkontakt vill ha 49 500 kr/fte/mån",
    "ServiceHuset 21 kr per kontakt", "KontaktPartner: 345 kr", "Palvelu Oy 3 900 €/htv/kk".

    A name is a capitalised word that is not a concept word, not an acronym and
    not merely the first word of a sentence (unless a colon or a price follows it
    at once or it has a capital inside), followed by a price in the same sentence
    before the next name. Only a message with two or more prices names offers."""
    tokens, ann = p.tokens, p.annotation
    prices = [q for q in p.quantities if q.kind == "money" and set(q.per) & {"contact", "minute", "hour", "fte"}]
    found: dict[int, str] = {}
    for name in known or []:  # a vendor named in an earlier turn: "Palvelu Oy:n mukaan 11 htv riittääkin"
        words = name.lower().split()
        for i in range(len(tokens) - len(words) + 1):
            if [t.text for t in tokens[i:i + len(words)]] == words:
                found[i] = name
    if len(prices) < 2:
        return found
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        written = p.original[tok.start:tok.end]
        if tok.kind != "word" or len(written) < 3 or not written[0].isupper() or written.isupper() \
                or any(ann.covers(i, c) for c in ("vendor", "inhouse", "another", "weekdays", "weekdays_only",
                                                  "correction", "compare", "calculate")):
            i += 1
            continue
        sentence_start = i == 0 or p.sentence[i - 1] != p.sentence[i]
        inner_capital = any(c.isupper() for c in written[1:])
        soon = next((q for q in prices if q.start > i and q.start - i <= 5 and p.sentence[q.start] == p.sentence[i]),
                    None)
        colon = i + 1 < len(tokens) and tokens[i + 1].text == ":"
        prices_next = i + 1 < len(tokens) and ann.covers(i + 1, "price_verb")  # "Alfa tar 41 500 kr per FTE"
        if soon is None or (sentence_start and not inner_capital and not colon and not prices_next):
            i += 1
            continue
        end = i + 1
        while end < len(tokens) and tokens[end].text in _COMPANY_SUFFIXES:
            end += 1
        found[i] = p.original[tok.start:tokens[end - 1].end]
        i = end
    return found


_FROM = {"från", "fra", "from", "av", "by"}
# "Bidder one … Bidder two", "Tarjous yksi": a number word after a vendor word is the offer's place
_NUMBER_LABELS = {"one": "1", "two": "2", "three": "3", "four": "4", "yksi": "1", "kaksi": "2", "kolme": "3",
                  "två": "2", "tre": "3"}


_WE = {"vi", "we", "me", "meillä", "us", "oss", "os"}
_WITH = {"with", "med", "till", "to", "til"}


def _party_of(st: _State, q: Quantity) -> tuple[str | None, int | None]:
    """The party a quantity belongs to: the nearest party word in its clause
    (before it, else after it); else the nearest before it in its sentence,
    unless the sentence names both sides before it ("compare our service with
    an offer: 12 agents" is not the vendor's head count)."""
    p = st.p
    sentence, clause = p.sentence[q.start], p.clause[q.start]
    same = [(t, kind, offer) for t, kind, offer in st.parties if p.clause[t] == clause]
    # a colon ends what a party word governs ("en offert: 12 agenter")
    # (but a named or labelled vendor's colon introduces its terms: "Leverantör B: 52 000 kr per fte")
    opening = min(k for k in range(q.start + 1) if p.clause[k] == clause)
    before = [x for x in same if x[0] < q.start
              and (x[1].startswith("vendor:") or x[0] <= opening + 1  # "Ekstern partner: 54.000 kr. pr. FTE"
                   or not any(p.tokens[k].text == ":" for k in range(x[0] + 1, q.start)))]
    after = [x for x in same if x[0] >= q.end]
    if before:
        last = before[-1]
        if last[1] == "inhouse" and p.tokens[last[0]].text in _WE and any(
                x[1].startswith("vendor") for x in before[:-1]):
            # "Tilbudet vi har fått er 58 000 kr": the offer we got, the vendor's figure
            last = next(x for x in reversed(before[:-1]) if x[1].startswith("vendor"))
        return last[1].split(":")[0], last[2]
    if after:
        return after[0][1].split(":")[0], after[0][2]
    earlier = [(t, kind, offer) for t, kind, offer in st.parties if t < q.start and p.sentence[t] == sentence]
    # an employer's words after the last party word speak for in-house figures
    # ("two quotes: 14 agents, £2,700 a month each plus 22% on-costs")
    last = earlier[-1][0] if earlier else -1
    if any(c.concept in ("oncost", "salary") and c.start > last and p.sentence[c.start] == sentence
           and p.clause[c.start] in (clause, clause + 1) for c in st.cues):
        return "inhouse", None
    if not earlier:
        return None, None
    kinds = {kind.split(":")[0] for _, kind, _ in earlier}
    if len(kinds) > 1 and not earlier[-1][1].startswith("vendor:"):
        return None, None
    return earlier[-1][1].split(":")[0], earlier[-1][2]


def _nearest(st: _State, q: Quantity, concepts: tuple[str, ...], *, window: int = 8) -> _Cue | None:
    """The closest cue among `concepts` in the quantity's clause (inside the
    quantity's own words counts as distance 0: "520 000 kr i årslön")."""
    p = st.p
    clause = p.clause[q.start]
    best: tuple[float, _Cue] | None = None
    for cue in st.cues:
        if cue.concept not in concepts:
            continue
        appended = cue.start == q.end + 1 and p.tokens[q.end].text == "," and cue.concept in _APPOSITIVE
        if p.clause[min(cue.start, len(p.clause) - 1)] != clause and not (q.start <= cue.start < q.end) \
                and not appended:
            continue
        if q.start <= cue.start < q.end:
            d = 0.0
        elif cue.end <= q.start:
            d = q.start - cue.end
        elif any(r.kind == q.kind and (r.start == cue.end or r.start == cue.end + 1 and p.tokens[cue.end].kind != "sym")
                 for r in p.quantities if r is not q):
            continue  # a label of the next figure: in "4,5 min och sen ACW 45 sek" ACW is the 45 seconds'
        elif any(t.text in _AND for t in p.tokens[q.end:cue.start]) and any(
                r.kind == q.kind and r.start >= cue.end and p.clause[r.start] == clause for r in p.quantities):
            continue  # "4 min 30 s ja jälkikirjaukseen menee vielä 30 sekuntia": the cue opens the next part
        else:
            d = cue.start - q.end + 0.5
        if d > window:
            continue
        if best is None or d < best[0]:
            best = (d, cue)
    if best is None:
        label = _label_before(p, q)
        if label is not None:
            found = [c for c in st.cues if c.concept in concepts and label[0] <= c.start < label[1]]
            if found:
                return found[-1]
    return best[1] if best else None


_AND = {"ja", "och", "og", "and", "sekä", "samt", "+", "plus"}


def _label_before(p: Parsed, q: Quantity) -> tuple[int, int] | None:
    """(start, colon) of a "Label: value" item the quantity is the value of ("- SLA: 80/20", "Frånvaro (shrinkage): 35 %")."""
    k = q.start - 1
    while k >= 0 and p.tokens[k].text in ("~", "ca", "approx", "appr", "about", "noin", "n", "cirka", "omkring"):
        k -= 1
    if k < 0 or p.tokens[k].text != ":":
        return None
    colon, m = k, k - 1
    while m >= 0 and p.tokens[m].text not in (";", ".", "-", "–", "•", ":", ",") and colon - m <= 8:
        m -= 1
    return (m + 1, colon)


# Words that may follow an amount after a comma and still describe it ("…, all-in")
_APPOSITIVE = {"loaded", "each"}


def _between_has(st: _State, a: int, b: int, concepts: tuple[str, ...]) -> bool:
    return any(a <= c.start < b for c in st.cues if c.concept in concepts)


def _assign(p: Parsed, previous: Mapping[str, Any]) -> _State:
    st = _State(p, previous=previous)
    st.cues = _cues(p)
    st.parties = _pronouns_follow(sorted(_parties(p, previous), key=lambda x: x[0]))
    for _, kind, offer in st.parties:
        if kind.startswith("vendor:") and offer is not None:
            st.labels.setdefault(offer, kind.split(":", 1)[1])
    qs = p.quantities
    # a number said not to be the value ("12 FTE, not 14") fills nothing
    used: set[int] = {n for n, q in enumerate(qs) if q.negated}
    ann = p.annotation

    # Service level: "80/20", "90 % inom 30 s", "85 prosent besvart innen 15 sekunder"
    for n, q in enumerate(qs):
        if q.kind == "ratio" and n not in used:
            st.set("service_level", round(q.value / 100.0, 10), q)
            st.set("answer_seconds", float(q.second or 0), q)
            used.add(n)
    for n, q in enumerate(qs):
        if n in used or q.kind != "percent" or not 0 < q.value <= 100:
            continue
        # (a handling-time word next to a percentage is no cue of it: "85 % av samtalen besvaras inom 25 s")
        own = _nearest(st, q, _OTHER_PERCENTS, window=1)
        if own is not None:
            continue
        for m in range(n + 1, len(qs)):
            r = qs[m]
            if r.start - q.end > _SL_GAP or p.sentence[r.start] != p.sentence[q.start]:
                break
            if r.kind == "duration" and r.unit in ("second", "minute") and m not in used:
                within = r.start > 0 and (p.annotation.covers(r.start - 1, "within") or (
                    r.start > 1 and p.annotation.covers(r.start - 2, "within")))
                if _between_has(st, q.end, r.start, _OTHER_PERCENTS) or not within and any(
                        c.concept in ("aht", "talk", "wrapup") and q.end <= c.start and 0 <= r.start - c.end <= 1
                        for c in st.cues):  # "90 %, AHT 4 min": the minutes are the handling time's
                    break
                st.set("service_level", round(q.value / 100.0, 10), q)
                st.set("answer_seconds", r.value, r)
                st.sources["service_level"] = st.sources["answer_seconds"] = f"{q.text} … {r.text}"
                used.update((n, m))
                break
            if r.kind != "duration":
                break

    for n, q in enumerate(qs):
        if n in used or q.kind != "duration" or q.unit != "second" or n + 1 >= len(qs):
            continue
        r = qs[n + 1]
        if r.kind == "percent" and n + 1 not in used and r.start - q.end <= 2 and \
                _nearest(st, q, ("answer_time",), window=2) is not None and \
                all(t.text in ("at", "med", "vid", "ved", "@", "för", "for", "på") for t in p.tokens[q.end:r.start]):
            st.set("service_level", round(r.value / 100.0, 10), r)  # "ASA 30 s at 80 %"
            st.set("answer_seconds", q.value, q)
            used.update((n, n + 1))

    for n, q in enumerate(qs):  # clock ranges of an hour or less name the interval of a volume anywhere in their sentence
        if q.kind == "range" and _range_hours(q) in _INTERVAL_HOURS:
            st.interval_hint = (p.sentence[q.start], int(_range_hours(q) * 60))
        elif q.kind == "duration" and n not in used and q.value in (900.0, 1800.0, 3600.0) and any(
                p.annotation.covers(k, "peak") for k in range(max(0, q.start - 2), q.start)) and any(
                r.kind == "count" and r.noun == "contact" and p.sentence[r.start] == p.sentence[q.start] for r in qs):
            # "the worst fifteen minutes will bring in 70 calls": a peak span is the volume's interval
            st.interval_hint = (p.sentence[q.start], int(q.value // 60))
            used.add(n)

    days = _open_days(p)
    if days is not None:
        st.set("open_days_per_week", days, None)
    for n, q in enumerate(qs):
        if n in used:
            continue
        handler = {"percent": _percent, "duration": _duration, "money": _money, "count": _count, "bare": _bare,
                   "range": _range, "days": _days, "span": _span}.get(q.kind)
        if handler is not None and handler(st, q, n, qs):
            used.add(n)
    _replace_negated(st, qs)
    return st


def _replace_negated(st: _State, qs: list[Quantity]) -> None:
    """A correction that names the old value: "45 sekunder, ikke 20", "B tar 36 kroner, ikke 34",
    "sorry, 380 inte 340". The number said not to be the value is looked up among the earlier
    turns' values; the other number of its sentence, when its words placed it nowhere,
    replaces that one. Nothing happens when the old value is not one of them, or is more
    than one of them."""
    if not st.previous:
        return
    p = st.p
    for n, q in enumerate(qs):
        if not q.negated:
            continue
        partners = [r for r in qs if r is not q and not r.negated and p.sentence[r.start] == p.sentence[q.start]
                    and (r.kind == q.kind or "bare" in (r.kind, q.kind))]
        if not partners:
            continue
        partner = min(partners, key=lambda r: (r.start > q.start, abs(r.start - q.start)))  # "X, not Y" first
        kind = partner.kind if q.kind == "bare" else q.kind
        slots = _slots_holding(st.previous, q.value, kind)
        scale = 1.0
        if not slots and kind in ("money", "bare"):
            # a monthly amount the user gave per year: "Sorry, 31,800 not 29,400"
            slots, scale = [s for s in _slots_holding(st.previous, q.value / 12.0, "money") if s[1] is None], 12.0
        if len(slots) != 1:
            continue
        name, index = slots[0]
        if partner.text in st.sources.values():
            continue  # the words placed it already: "vendor B would need 12 FTE, not 14"
        value = partner.value / 100.0 if name in _FRACTION_FIELDS else round(partner.value / scale, 6)
        if index is None:
            st.found.pop(name, None)
            st.set(name, value, partner)
        else:
            if index < len(st.offers):
                st.offers[index].pop(name, None)
            st.offer_set(index, name, value, partner)


def _slots_holding(previous: Mapping[str, Any], value: float, kind: str) -> list[tuple[str, int | None]]:
    """The earlier values equal to `value` as written ("20" for 20 s, "85" for 0.85), of a
    quantity of `kind` ("duration", "percent", "money", "count" or "bare" for any)."""
    def fits(name: str, v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        fraction = name in _FRACTION_FIELDS
        if kind == "percent" and not fraction or kind == "duration" and name not in _DURATION_FIELDS:
            return False
        if kind == "money" and name not in _MONEY_FIELDS and name not in OFFER_PRICES and \
                name not in ("monthly_management_fee", "team_cost_month"):
            return False
        return abs((v * 100.0 if fraction else v) - value) < 1e-6

    found: list[tuple[str, int | None]] = [(k, None) for k, v in previous.items() if k != "offers" and fits(k, v)]
    for i, offer in enumerate(previous.get("offers") or []):
        found += [(k, i) for k, v in offer.items() if fits(k, v)]
    return found


_SL_GAP = 9
# What else a percentage can be than a service level
_OTHER_PERCENTS = ("shrinkage", "occupancy", "oncost", "incentive")


def _open_days(p: Parsed) -> float | None:
    """Open days from day names: "mån–fre" (5), "ma-la" (6), "monday to friday", "vardagar"."""
    ann, tokens = p.annotation, p.tokens
    if ann.has("weekdays_only"):
        return 5.0
    prefixes = _weekday_prefixes(p.language)

    def index(text: str) -> int | None:
        for day_prefixes in prefixes:
            for n, forms in enumerate(day_prefixes):
                if text.startswith(forms):
                    return n
        return None

    # each word's weekday once (a message has dozens of words, a range two)
    days = [index(tok.text) if tok.kind == "word" else None for tok in tokens]
    for i in range(len(tokens) - 2):
        a, b = days[i], days[i + 2]
        if a is not None and b is not None and tokens[i + 1].text in ("-", "–", "—", "till", "to", "til") and b > a:
            return float(b - a + 1)
    for i in range(len(tokens) - 1):  # Finnish says the range by its cases: "maanantaista lauantaihin"
        a, b = days[i], days[i + 1]
        if a is not None and b is not None and tokens[i].text.endswith(("sta", "stä")) and b > a:
            return float(b - a + 1)
    for tok in tokens:  # one hyphenated token: "man-fre", "mandag-lørdag", "ma–pe"
        parts = re.split(r"[-–—]", tok.text) if tok.kind == "word" else []
        if len(parts) == 2 and all(parts):
            a, b = (index(part) for part in parts)
            if a is not None and b is not None and b > a:
                return float(b - a + 1)
    return None


@functools.lru_cache(maxsize=16)
def _weekday_prefixes(language: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Per neighbouring language, each weekday's word forms (as `str.startswith` prefixes), Monday first."""
    from assistant.lexicon import NEIGHBOURS

    concept = vocabulary()["weekdays"]
    return tuple(tuple(tuple(ph.words[0].forms) for ph in concept.phrases.get(lang, []))
                 for lang in NEIGHBOURS.get(language, (language,)))


_PERCENT_CUES = ("service_level", "shrinkage", "occupancy", "oncost", "incentive", "answered")


_VOLUMES = ("contacts", "contacts_per_day", "contacts_per_week", "contacts_per_month")


def _relative_volume(st: _State, q: Quantity) -> bool:
    """"I december ligger samtalsvolymen 25 procent högre", "the volume is 10% higher in December":
    the earlier volume changed by the percentage (said as derived from it)."""
    p, ann = st.p, st.p.annotation
    near = [*range(max(0, q.start - 2), q.start), *range(q.end, min(len(p.tokens), q.end + 2))]
    up = any(ann.covers(k, "more_than") for k in near)  # "15 % højere", "stiger med 15 %", "kasvaa 10 %"
    down = any(ann.covers(k, "less_than") for k in near)
    named = any(ann.covers(k, "volume_word") or ann.covers(k, "contact_noun")
                for k in range(len(p.tokens)) if p.sentence[k] == p.sentence[q.start])
    volume = next((k for k in _VOLUMES if isinstance(st.previous.get(k), (int, float))), None)
    if up == down or not named or volume is None or any(
            r.kind in ("count", "bare") and r.value != st.previous[volume] for r in p.quantities):
        return False
    factor = 1 + q.value / 100.0 if up else 1 - q.value / 100.0
    st.set(volume, round(float(st.previous[volume]) * factor, 6), q, "relative")
    if volume == "contacts" and "interval_minutes" in st.previous:
        st.set("interval_minutes", st.previous["interval_minutes"], None)
    return True


def _percent(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    if st.previous and _relative_volume(st, q):
        return True
    cue = _nearest(st, q, _PERCENT_CUES) or _named_before(st, q, _PERCENT_CUES)
    if cue is None:
        return False
    value = round(q.value / 100.0, 10)
    if cue.concept in ("service_level", "answered"):
        st.set("service_level", value, q)
    elif cue.concept == "shrinkage":
        st.set("shrinkage", value, q)
    elif cue.concept == "occupancy":
        st.set("max_occupancy", value, q)
    elif cue.concept == "oncost":
        earlier = st.found.get("employer_oncost_pct")
        if earlier is not None and _joined_to_previous(st.p, q):
            # "14,1 % aga og 5 % OTP": on-costs named one by one add up
            st.found["employer_oncost_pct"] = round(earlier + value, 10)
            st.sources["employer_oncost_pct"] += f" + {q.text}"
            st.derived["employer_oncost_pct"] = "sum"
        else:
            st.set("employer_oncost_pct", value, q)
    else:
        party, offer = _party_of(st, q)
        st.offer_set(offer or 0, "incentive_pct", value, q)
    return True


def _named_before(st: _State, q: Quantity, concepts: tuple[str, ...]) -> _Cue | None:
    """The last cue of `concepts` earlier in the quantity's sentence with no number between,
    when its own clause has none: "Oven i lønnen kommer pension, feriepenge og øvrige
    personaleomkostninger, som i alt udgør 18 procent" (a list of what the figure is)."""
    return _last_cue_before(st, q, concepts, q.start, st.p.sentence)


def _last_cue_before(st: _State, q: Quantity, concepts: tuple[str, ...], end: int, area: list[int]) -> _Cue | None:
    """The last cue of `concepts` that ends by token `end` in the quantity's sentence or clause
    (`area`: the parse's sentence or clause numbers), with no other number between it and `q`."""
    where = area[q.start]
    found = [c for c in st.cues if c.concept in concepts and c.end <= end and area[c.start] == where
             and not any(c.end <= r.start < q.start for r in st.p.quantities if r is not q)]
    return found[-1] if found else None


def _joined_to_previous(p: Parsed, q: Quantity) -> bool:
    """The percentage follows another one with only "+", "and" or a name between ("14,1 % aga og 5 % OTP")."""
    earlier = [r for r in p.quantities if r.end <= q.start and r.kind == "percent"]
    if not earlier or p.sentence[earlier[-1].start] != p.sentence[q.start]:
        return False
    between = p.tokens[earlier[-1].end:q.start]
    return len(between) <= 4 and any(t.text in ("+", "og", "och", "and", "ja", "plus") for t in between) \
        and not any(t.kind == "num" for t in between)


def _duration(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    p = st.p
    if q.unit == "hour" or (q.unit is None and q.value >= 3600 and q.value % 3600 == 0):
        hours = q.value / 3600.0
        if "day" in q.per or _nearest(st, q, ("open_hours",)):
            st.set("open_hours", hours, q)
            return True
        if "month" in q.per:
            st.set("productive_hours_per_month", hours, q)
            return True
        return False
    cue = _nearest(st, q, ("aht", "talk", "wrapup", "answer_time", "service_level", "open_hours"))
    if cue is not None and cue.concept == "aht" and (part := _nearest(st, q, ("talk", "wrapup"))) is not None \
            and part.end <= cue.start and cue.end <= q.start \
            and not any(part.end <= r.start < q.start for r in p.quantities):
        # "Samtaletiden er i gennemsnit 3 minutter", "Etterarbeidet tar rundt 30 sekunder": the
        # average or the verb is of the part named before it
        cue = part
    if cue is not None and cue.concept in ("talk", "wrapup") and _joined_parts(st, cue):
        st.set("aht_seconds", q.value, q)  # "Samtaletid + etterarbeid er ca. 4,5 min": the two together
        return True
    if cue is not None:
        if cue.concept == "wrapup":
            included = cue.start > 0 and any(
                p.annotation.covers(k, "including") for k in range(max(0, cue.start - 2), cue.start))
            if included:
                st.set("aht_seconds", q.value, q)
            else:
                st.set("wrapup_seconds", q.value, q)
            return True
        if cue.concept == "talk":
            st.set("talk_seconds", q.value, q)
            return True
        if cue.concept in ("answer_time", "service_level"):
            st.set("answer_seconds", q.value, q)
            return True
        if cue.concept == "aht":
            st.set("aht_seconds", q.value, q)
            return True
    if ("talk_seconds" in st.found or "aht_seconds" in st.found) and "wrapup_seconds" not in st.found and \
            _named_before(st, q, ("afterwards",)) is not None and not p.annotation.covers(q.start - 1, "within"):
        # "En samtale varer fire minutter, og bagefter bruger medarbejderen et halvt minut på …"
        st.set("wrapup_seconds", q.value, q)
        return True
    # "svar inom 20 sekunder", "svare innen et halvt minutt": within + a short time is the answer-time target
    within = q.start > 0 and p.annotation.covers(q.start - 1, "within") or (
        q.start > 1 and p.tokens[q.start - 1].text in ("a", "en", "et", "ett") and p.annotation.covers(q.start - 2,
                                                                                                      "within"))
    if within and (q.unit == "second" or q.value <= 60):
        if p.annotation.has("answered") or p.annotation.has("answer_time") or q.value < 120:
            st.set("answer_seconds", q.value, q)
            return True
    # A leftover duration in minutes ("4,5 min per samtal") can only be the
    # handling time; leftover seconds of a minute or more likewise.
    if q.unit in ("minute", "clock") or (q.unit == "second" and q.value >= 60):
        st.set("aht_seconds", q.value, q)
        return True
    return False


_MONEY_CUES = ("salary", "loaded", "overhead", "fixed", "fee", "transition", "oncost", "productive", "costs_verb",
               "system_cost")


def _label_cue(st: _State, q: Quantity, concept: str) -> bool:
    """A cue that labels the figure right after it ("fte-pris 52 000"), never one after the figure."""
    cue = _nearest(st, q, (concept,), window=4)
    return cue is not None and cue.end <= q.start


def _item_before_comma(st: _State, q: Quantity, concepts: tuple[str, ...]) -> _Cue | None:
    """The item an amount right after a comma prices: "fast kostnad för telefoniplattformen, 60 000 per mån"."""
    if q.start == 0 or st.p.tokens[q.start - 1].text != ",":
        return None
    return _named_before(st, q, concepts)


def _subject(st: _State, q: Quantity, verb: _Cue, concepts: tuple[str, ...]) -> _Cue | None:
    """A cue of `concepts` before `verb` in the quantity's clause with no number between: the
    verb's subject ("Varje arbetsplats kostar …", "jokainen työpiste maksaa …")."""
    return _last_cue_before(st, q, concepts, verb.start, st.p.clause)


def _joined_parts(st: _State, cue: _Cue) -> bool:
    """Talk time and wrap-up named together ("samtaletid + etterarbeid", "talk and wrap-up")."""
    other = "wrapup" if cue.concept == "talk" else "talk"
    return any(c.concept == other and (0 <= cue.start - c.end <= 1 or 0 <= c.start - cue.end <= 1)
               and all(t.text in ("+", "og", "och", "and", "ja", "&", "plus") for t in st.p.tokens[
                   min(c.end, cue.end):max(c.start, cue.start)]) for c in st.cues)


def _reprice(st: _State, q: Quantity) -> bool:
    """A new figure for a named offer that had one price: "B har sænket til 6,25", "A laski hintaa 3,35
    euroon", "vendor B dropped their price to 0.52" (the unit is the one that offer's price had)."""
    if q.per or not st.previous.get("offers") or _nearest(st, q, _MONEY_CUES) is not None:
        return False  # a fee, a salary, …: the words say what it is
    if q.start > 0 and st.p.annotation.covers(q.start - 1, "vendor") and q.value in (1, 2, 3, 4):
        return False  # "offer 2 would need 17 FTE": the offer's label, not a price
    party, offer = _party_of(st, q)
    if party != "vendor" or offer is None:
        return False
    label = st.labels.get(offer)  # the earlier offer it names ("B" is the second, "Alfa" the one so named)
    earlier = _offer_slot(st.previous["offers"], {"name": label} if label and not label.startswith("#") else {}, offer)
    if earlier >= len(st.previous["offers"]):
        return False
    prices = [k for k in OFFER_PRICES if st.previous["offers"][earlier].get(k) is not None]
    named = any(kind.startswith("vendor:") and o == offer for _, kind, o in st.parties)
    if len(prices) != 1 or not (named or len(st.previous["offers"]) == 1):
        return False  # a named offer ("B", "Alfa"), or the one offer there is ("leverandøren … ned til 31 kr")
    st.offer_set(offer, prices[0], q.value, q)
    return True


def _money(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    st.money_hits += 1
    placed = _reprice(st, q) or _place_money(st, q, n, qs)
    if placed and q.currency:
        st.currencies.append(q.currency)
    if not placed:
        st.loose_money.append(q)
    return True


def _place_money(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    p = st.p
    per = q.per
    yearly = "year" in per
    cue = _nearest(st, q, _MONEY_CUES) or _item_before_comma(st, q, _MONEY_CUES)
    party, offer = _party_of(st, q)
    # An amount right after a head count is per person: "25 FTE at €3,100", "14 ansatte til 31.500 kr"
    after_count = n > 0 and qs[n - 1].kind == "count" and qs[n - 1].noun == "fte" and q.start - qs[n - 1].end <= 2 \
        and (p.clause[qs[n - 1].start] == p.clause[q.start]
             or all(t.text == "," for t in p.tokens[qs[n - 1].end:q.start]))
    if party is None and _nearest(st, q, ("oncost",)) is not None:
        party = "inhouse"  # on-costs are an employer's: "…, £2,700 a month each plus 22% on-costs"
    per_person = "fte" in per or _nearest(st, q, ("each",), window=5) is not None  # "hver koster oss omtrent 62 000"
    each = after_count or per_person
    # "Hela teamet på 7 personer kostar 4,2 miljoner om året": a team word and no "each" make it the team's total
    team = not per_person and _team_total(st, q)

    if cue is not None and not yearly and "month" not in per and any(
            p.annotation.covers(k, "annual") for k in range(max(0, cue.start - 1), max(cue.end, min(q.start, cue.end + 3)))):
        yearly = True  # "årslön på 420 000 kr", "annual salary €38,000"

    def monthly(value: float) -> tuple[float, str | None]:
        return (round(value / 12.0, 6), "yearly") if yearly else (value, None)

    def offer_index(price: str | None = None) -> int:
        index = offer if offer is not None else max(0, len(st.offers) - 1)
        if price is not None and index < len(st.offers) and price in st.offers[index]:
            # the same kind of price again: a second offer
            later = [o for t, k, o in st.parties if k.startswith("vendor") and t < q.start and o is not None]
            index = max(index + 1, (max(later) if later else 0))
        return index

    if not set(per) - {"month"} and _label_cue(st, q, "per_fte_price"):
        st.offer_set(offer_index("price_per_fte_month"), "price_per_fte_month", q.value, q)  # "fte-pris 48 500"
        return True
    if not per and _nearest(st, q, ("per_minute_price",), window=4) is not None:
        st.offer_set(offer_index("price_per_minute"), "price_per_minute", q.value, q)  # "Vendor ppm is €0.85"
        return True
    if "contact" in per:
        st.offer_set(offer_index("price_per_contact"), "price_per_contact", q.value, q)
        return True
    if "minute" in per:
        st.offer_set(offer_index("price_per_minute"), "price_per_minute", q.value, q)
        return True
    if "hour" in per:
        if cue is not None and cue.concept == "salary":
            return False  # an hourly wage: not a monthly salary; not guessed
        st.offer_set(offer_index("price_per_productive_hour"), "price_per_productive_hour", q.value, q)
        return True
    if cue is not None and cue.concept == "transition":
        st.offer_set(offer_index(), "transition_cost", q.value, q)
        return True
    if "fte" in per and party == "vendor" and not (cue is not None and cue.concept == "fee" and _adjacent(q, cue)):
        # an explicit "per FTE" price beats a fee word further on ("33.000 kr. pr. FTE … plus et fast gebyr")
        st.offer_set(offer_index("price_per_fte_month"), "price_per_fte_month", q.value, q)
        return True
    if cue is not None and cue.concept == "fee":
        value, how = monthly(q.value)
        st.offer_set(offer_index(), "monthly_management_fee", value, q, how)
        return True
    if cue is not None and cue.concept == "costs_verb" and (subject := _subject(st, q, cue, ("overhead",))):
        cue = subject  # "Varje arbetsplats kostar oss dessutom 3 800 kr": what costs it is the seat
    system = _nearest(st, q, ("system_cost",)) or (cue if cue is not None and cue.concept == "system_cost" else None)
    if system is not None and party != "vendor" and not each and (cue is None or cue.concept in (
            "system_cost", "costs_verb", "overhead", "salary")):
        # a monthly total that pays for a system is a fixed cost: "betalar vi 65 000 kr i månaden för
        # telefoniplattformen", "Puhelinjärjestelmän lisenssit maksavat 6 000 €", "we pay £1,200 a month
        # for our helpdesk software"; per person ("… per seat for licences") it is a seat's overhead
        value, how = monthly(q.value)
        st.set("fixed_costs_month", value, q, how)
        return True
    if cue is not None and cue.concept == "overhead":
        value, how = monthly(q.value)
        st.set("overhead_per_fte_month", value, q, how)
        return True
    if cue is not None and cue.concept == "fixed" and party != "vendor":
        value, how = monthly(q.value)
        st.set("fixed_costs_month", value, q, how)
        return True
    if party == "vendor" and "month" in per and not set(per) & {"fte", "contact", "minute", "hour"}:
        index = offer_index()
        joined = n > 0 and any(t.text in ("+", "plus", "pluss") for t in p.tokens[qs[n - 1].end:q.start])
        if (cue is not None and cue.concept == "fixed") or (
                joined and index < len(st.offers) and any(k in st.offers[index] for k in OFFER_PRICES)):
            # "B 27 kr/samtal + 8000 kr/mån fast", "andet bud 5,75 kr/min + 7.500 kr/md": the offer's monthly fee
            st.offer_set(index, "monthly_management_fee", q.value, q)
            return True
    if cue is not None and cue.concept == "costs_verb":
        # "som kostar 34 000 kr i lön" is a salary; "each costs €48k a year" a loaded cost;
        # "our 8-person team costs $420k a year" the whole team's cost
        salary = _nearest(st, q, ("salary",))
        loaded = _nearest(st, q, ("loaded",))
        cue = salary if salary is not None else (cue if (each or team or loaded) and party != "vendor" else None)
        if cue is not None and cue.concept == "costs_verb":
            value, how = monthly(q.value)
            if team:
                st.set("team_cost_month", value, q, how)
            else:
                st.set("loaded_cost_per_fte_month", value, q, how)
            return True
    if party != "vendor" and _lists_cost_parts(st, q):
        # "1,2 milj. € (palkat, sivukulut, tilat)": an amount that lists what it covers is the loaded cost
        value, how = monthly(q.value)
        st.set("team_cost_month" if team else "loaded_cost_per_fte_month", value, q, how)
        return True
    if cue is not None and cue.concept in ("oncost", "overhead") and party != "vendor" and any(
            p.annotation.covers(k, "including") for k in range(q.end, min(len(p.tokens), cue.start))):
        value, how = monthly(q.value)
        st.set("team_cost_month" if team else "loaded_cost_per_fte_month", value, q, how)
        return True
    if cue is not None and cue.concept == "loaded" and (each or party != "vendor"):
        value, how = monthly(q.value)
        st.set("team_cost_month" if team else "loaded_cost_per_fte_month", value, q, how)
        return True
    if cue is not None and cue.concept == "salary":
        value, how = monthly(q.value)
        st.set("monthly_salary", value, q, how)
        return True
    if "fte" in per or (each and party == "vendor"):
        if party == "vendor" or party is None and not after_count and not _salary_known(st):
            st.offer_set(offer_index("price_per_fte_month"), "price_per_fte_month", q.value, q)
            return True
    if (after_count or each) and party != "vendor":
        value, how = monthly(q.value)
        if _salary_known(st):
            # a second in-house amount per person after the salary: what else each seat costs
            st.set("overhead_per_fte_month", value, q, how)
        else:
            # "12 agents at €3,000", "14 agents, £2,700 a month each"
            st.set("monthly_salary", value, q, how)
        return True
    return False


def _lists_cost_parts(st: _State, q: Quantity) -> bool:
    """A parenthesis right after the amount names two or more kinds of cost (salary, on-costs, premises)."""
    p = st.p
    k = q.end
    if k >= len(p.tokens) or p.tokens[k].text != "(":
        return False
    close = next((m for m in range(k, len(p.tokens)) if p.tokens[m].text == ")"), len(p.tokens))
    kinds = {c.concept for c in st.cues if k < c.start < close and c.concept in ("salary", "oncost", "overhead")}
    return len(kinds) >= 2


def _salary_known(st: _State) -> bool:
    return _cost_per_person_known(st.found)


def _adjacent(q: Quantity, cue: _Cue) -> bool:
    return cue.end in (q.start, q.start - 1) or cue.start in (q.end, q.end + 1)


def _team_total(st: _State, q: Quantity) -> bool:
    """The amount is for the whole team: a team word or "in total" in its sentence
    ("our 8-person team costs $420k a year", "totalt 3,2 miljoner om året")."""
    p = st.p
    sentence = p.sentence[q.start]
    return any(p.sentence[start] == sentence for start, _n in p.annotation.spans("team_total"))


def _count(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    p = st.p
    if q.noun == "fte":
        party, offer = _party_of(st, q)
        if party == "vendor":
            st.offer_set(offer or 0, "fte", q.value, q)
            return True
        if party is None and _vendor_only(st):
            st.ambiguous.append(Ambiguity(value=q.value, text=q.text, options=["in_house_fte", f"offers.{offer or 0}.fte"]))
            return True
        st.set("in_house_fte", q.value, q)
        return True
    return _volume(st, q)


def _vendor_only(st: _State) -> bool:
    """The message talks about vendors only: a per-FTE price and no in-house figure or word."""
    p = st.p
    if any(kind == "inhouse" for _, kind, _ in st.parties):
        return False
    has_vendor = any(kind.startswith("vendor") for _, kind, _ in st.parties)
    per_fte = any(q.kind == "money" and "fte" in q.per for q in p.quantities)
    salary = any(c.concept in ("salary", "loaded") for c in st.cues)
    return has_vendor and per_fte and not salary


def _volume(st: _State, q: Quantity) -> bool:
    p = st.p
    per = q.per
    peak = q.peak or _nearest(st, q, ("peak",), window=6) is not None or _peak_in_sentence(st, q)
    hint = st.interval_hint
    if not per and hint is not None and hint[0] == p.sentence[q.start] and q.kind == "count":
        st.set("contacts", q.value, q, "peak_hour" if peak else None)
        st.set("interval_minutes", hint[1], q)
        return True
    if per and per[0].startswith("interval:"):
        st.set("contacts", q.value, q)
        st.set("interval_minutes", int(per[0].split(":")[1]), q)
        if peak:
            st.derived["contacts"] = "peak_hour"
        return True
    if per and per[0] == "hour":
        st.set("contacts", q.value, q)
        st.set("interval_minutes", 60, q)
        if peak:
            st.derived["contacts"] = "peak_hour"
        return True
    if peak and not per:
        st.set("contacts", q.value, q, "peak_hour")
        st.set("interval_minutes", _peak_minutes(st, q), q)
        return True
    if per and per[0] == "day":
        st.set("contacts_per_day", q.value, q)
        return True
    if per and per[0] == "week":
        st.set("contacts_per_week", q.value, q)
        return True
    if per and per[0] == "month":
        st.set("contacts_per_month", q.value, q)
        return True
    if per and per[0] == "year":
        st.set("contacts_per_month", round(q.value / 12.0, 6), q, "yearly")
        return True
    if q.kind == "count" and not per:
        # "sorry, 900 calls, not 800": a volume without its period corrects the earlier volume, per the same period
        for key in ("contacts", "contacts_per_day", "contacts_per_week", "contacts_per_month"):
            if st.previous.get(key) is not None:
                st.set(key, q.value, q, "same_period")
                if key == "contacts":
                    st.set("interval_minutes", int(st.previous.get("interval_minutes") or 60), q)
                return True
    st.loose.append(q)
    return False


def _peak_in_sentence(st: _State, q: Quantity) -> bool:
    """A peak word earlier in the sentence with no other volume between:
    "under rusningstimmen kommer det in ca 420 samtal", "I det travleste kvarter (kl. 9.00-9.15) kommer der 95 opkald"."""
    p = st.p
    if q.kind != "count" or q.noun != "contact":
        return False
    for cue in st.cues:
        # the same sentence, or a question just before ("hvor mange i spidstimen? ca 510 opkald")
        near = p.sentence[cue.start] == p.sentence[q.start] or (
            p.sentence[cue.start] == p.sentence[q.start] - 1
            and any(t.text in ("?", ":") for t in p.tokens[cue.end:q.start]))
        if cue.concept == "peak" and cue.end <= q.start and q.start - cue.end <= 12 and near \
                and not any(r.kind == "count" and cue.end <= r.start < q.start for r in p.quantities):
            return True
    return False


def _peak_minutes(st: _State, q: Quantity) -> int:
    """The length of the peak a volume is for: "half-hour peak of 200 calls" is
    30 minutes, "quarter-hour peak" 15, a plain peak an hour."""
    p = st.p
    cue = _nearest(st, q, ("peak",), window=6) or next(
        (c for c in reversed(st.cues) if c.concept == "peak" and c.end <= q.start
         and p.sentence[c.start] == p.sentence[q.start]), None)
    if cue is not None:
        for k in range(max(0, cue.start - 3), min(len(p.tokens), cue.end + 3)):
            if p.clause[k] != p.clause[cue.start]:
                continue
            for concept, minutes in (("unit_half_hour", 30), ("unit_quarter_hour", 15)):
                if p.annotation.covers(k, concept):
                    return minutes
    return 60


def _bare(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    p = st.p
    money_words = ("salary", "loaded", "fee", "overhead", "fixed", "transition", "system_cost")
    money_cue = _nearest(st, q, money_words, window=4) or _item_before_comma(st, q, money_words)
    if money_cue is not None and q.value >= 100 and not any(x.startswith("interval") for x in q.per):
        # an amount without its currency: "månadslön runt 32k", "pluss 12 000 i måneden i administrasjonsgebyr"
        return _money(st, replace(q, kind="money"), n, qs)
    if n > 0 and qs[n - 1].kind == "count" and qs[n - 1].noun == "fte" and q.value >= 100 and all(
            t.text in ("x", "à", "@", "at", "a") for t in p.tokens[qs[n - 1].end:q.start]) and q.start > qs[n - 1].end:
        return _money(st, replace(q, kind="money"), n, qs)  # "12 fte x 38k/mån": each one's amount
    if q.per:
        return _volume(st, q)
    if _reprice(st, q):
        return True
    if _label_cue(st, q, "per_fte_price") and q.value >= 100:
        return _money(st, replace(q, kind="money"), n, qs)  # "fte-pris 52 000"
    volume_word = _nearest(st, q, ("volume_word",), window=3)
    if volume_word is not None and q.value >= 10:
        # "om volumet faller til 17 500?"; "dagsvolym 4 200": the word may carry the period too
        period = next((name for concept, name in (("unit_day", "day"), ("unit_week", "week"), ("unit_month", "month"))
                       if p.annotation.covers(volume_word.start, concept)), None)
        return _volume(st, replace(q, kind="count", noun="contact", per=[period] if period else []))
    cue = _nearest(st, q, ("aht", "talk", "wrapup", "service_level", "shrinkage", "occupancy", "oncost"), window=3)
    if cue is None and _we_are(p, q):
        st.set("in_house_fte", q.value, q)  # "…52.000 kr/md, og vi er 10", "and we have 12"
        return True
    if cue is None:
        # "agents: 12", "FTE 14"; "they'd staff it with 22", "fick ner vår egen bemanning till 18"
        staffed = q.start > 0 and p.tokens[q.start - 1].text in _WITH and float(q.value).is_integer() and any(
            p.annotation.covers(k, "fte_noun") or p.annotation.covers(k, "staffing_word")
            for k in range(max(0, q.start - 4), q.start - 1)) and "/" not in q.text
        if staffed or q.start > 0 and p.annotation.covers(q.start - 1, "fte_noun") or (
                q.start > 1 and p.tokens[q.start - 1].text == ":" and p.annotation.covers(q.start - 2, "fte_noun")):
            party, offer = _party_of(st, q)
            if party == "vendor":
                st.offer_set(offer or 0, "fte", q.value, q)
            else:
                st.set("in_house_fte", q.value, q)
            return True
        st.loose.append(q)
        return False
    if cue.concept in ("aht", "talk", "wrapup"):
        if cue.end > q.start:  # "270 AHT" reads oddly; only "AHT 270"
            return False
        seconds = q.value * 60.0 if q.value <= 20 else q.value
        name = {"aht": "aht_seconds", "talk": "talk_seconds", "wrapup": "wrapup_seconds"}[cue.concept]
        st.set(name, round(seconds, 6), q, "bare_minutes" if q.value <= 20 else None)
        return True
    if q.value > 100 or cue.end > q.start:
        return False
    value = round(q.value / 100.0, 10) if q.value > 1 else q.value
    name = {"service_level": "service_level", "shrinkage": "shrinkage", "occupancy": "max_occupancy",
            "oncost": "employer_oncost_pct"}[cue.concept]
    st.set(name, value, q)
    return True


_BE = {"er", "är", "e", "are", "is", "on", "ollaan", "har", "have", "has"}


def _we_are(p: Parsed, q: Quantity) -> bool:
    """"vi er 10", "vi har 12", "we are 14", "meitä on 8": we + be/have + a number that ends its clause."""
    counted = q.end < len(p.tokens) and p.tokens[q.end].text in ("stk", "st", "kpl", "pers")
    end = q.end + (1 if counted else 0)
    # (or a place follows: "Vi er 9 i kundeservice", "we're 12 in the team")
    ends = counted or end >= len(p.tokens) or p.tokens[end].kind == "sym" or p.annotation.covers(end, "inhouse") or (
        end + 1 < len(p.tokens) and p.tokens[end].text in ("i", "in", "på", "on") and p.tokens[end + 1].kind == "word"
        and not any(p.annotation.covers(end + 1, c) for c in ("unit_day", "unit_week", "unit_month", "unit_year",
                                                                 "unit_hour")))
    if not ends or q.start < 2 or not 1 <= q.value <= 5000 or not float(q.value).is_integer():
        return False
    verb, who = p.tokens[q.start - 1], q.start - 2
    if verb.text not in _BE and not (verb.text in ("nu", "now", "idag", "today", "nyt") and q.start > 2):
        return False
    return p.annotation.covers(who, "inhouse") or p.tokens[who].text in ("meitä",)


_INTERVAL_HOURS = (0.25, 0.5, 1.0)


def _range_hours(q: Quantity) -> float:
    return round((q.second or 0.0) - q.value, 6)


def _range(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    hours = _range_hours(q)
    if hours <= 0:
        return False
    if hours in _INTERVAL_HOURS and not _nearest(st, q, ("open_hours",)):
        # "mellan 10 och 10.30", "(kl. 9.00-9.15)": the interval a volume is for (`interval_hint`,
        # set before any quantity is placed), not opening hours
        return True
    st.set("open_hours", hours, q, "opening_range")
    return True


def _days(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    p = st.p
    nxt = qs[n + 1] if n + 1 < len(qs) else None
    # "5 dagar à 8 timmar", "6 days of 10 hours"
    if nxt is not None and nxt.kind == "duration" and nxt.unit == "hour" and nxt.start - q.end <= 2:
        st.set("open_days_per_week", q.value, q)
        st.set("open_hours", nxt.value / 3600.0, nxt)
        return True
    if "month" in q.per:
        st.set("open_days_per_month", q.value, q)  # "22 working days a month"
        return True
    if "week" in q.per or _nearest(st, q, ("open_hours",), window=4) is not None:
        st.set("open_days_per_week", q.value, q)
        return True
    return False


def _span(st: _State, q: Quantity, n: int, qs: list[Quantity]) -> bool:
    p = st.p
    months = round(q.value)
    if q.start > 0 and p.annotation.covers(q.start - 1, "first") or (
            q.start > 1 and p.annotation.covers(q.start - 2, "first")):
        st.set("transition_months", months, q)
        return True
    if q.unit == "year" or _nearest(st, q, ("horizon", "compare"), window=4) is not None:
        st.set("horizon_months", months, q)
        return True
    return False


# --------------------------------------------------------------------------- answers to a question


def _answer_expected(st: _State, expected: str) -> None:
    """Read a bare answer ("180 sekunder", "4,5 min", "30 %", "1 200") as `expected`."""
    p = st.p
    if expected == "currency":
        for tok in p.tokens:
            code = currency_code(tok.text, p.language)
            if code:
                st.currencies.append(code)
                return
        return
    if expected == "offers":
        return  # an amount without its unit ("per minute", ...) cannot be placed in an offer
    if (offer_fte := OFFER_FTE.fullmatch(expected)) is not None:
        heads = [q for q in p.quantities if q.kind in ("count", "bare") and not q.negated]
        if heads:  # "11 FTE", "de räknar med 11": asked for the vendor's head count, it is the vendor's
            if st.sources.get("in_house_fte") == heads[0].text:
                st.found.pop("in_house_fte")
            st.offer_set(int(offer_fte.group(1)), "fte", heads[0].value, heads[0])
        return
    if expected in _MONEY_FIELDS:
        pool = st.loose_money or [q for q in p.quantities if q.kind in ("bare",) and not q.negated]
        if pool:
            q = pool[0]
            value = q.value / 12.0 if "year" in q.per else q.value
            st.found[expected] = round(value, 6)
            st.sources[expected] = q.text
            if q.currency:
                st.currencies.append(q.currency)
        return
    taken = set(st.sources.values())
    free = [q for q in p.quantities if q.text not in taken and not q.negated]
    if expected in _DURATION_FIELDS:
        for q in free:
            if q.kind == "duration":
                st.found[expected] = q.value
                st.sources[expected] = q.text
                return
    if expected in ("contacts", "contacts_per_day", "contacts_per_month", "contacts_per_week"):
        for q in free:
            if q.kind in ("count", "bare") and q.noun != "fte":
                if q.per:
                    _volume(st, q)
                    return
                name = "contacts_per_day" if expected == "contacts" else expected
                st.found[name] = q.value
                st.sources[name] = q.text
                return
    if expected == "open_days_per_week":
        for q in free:
            if q.kind in ("days", "bare", "count") and 1 <= q.value <= 7:
                st.found[expected] = q.value
                st.sources[expected] = q.text
                return
    numbers = [q for q in free if q.kind in ("bare", "percent", "count", "duration", "ratio", "money")]
    if expected in _DURATION_FIELDS or expected in ("contacts", "contacts_per_day", "contacts_per_month",
                                                    "contacts_per_week", "in_house_fte"):
        # a time or a count is never a percentage or an amount ("lisää vielä 25 % kutistuma" is no AHT)
        numbers = [q for q in numbers if q.kind not in ("percent", "ratio", "money")]
    if not numbers:
        return
    q = numbers[0]
    value = q.value
    if expected in _FRACTION_FIELDS:
        value = round(value / 100.0, 10) if q.kind == "percent" or value > 1 else value
        if expected == "incentive_pct":
            st.offer_set(0, expected, value, q)
        else:
            st.found[expected] = value
    elif expected in ("aht_seconds", "talk_seconds", "wrapup_seconds") and q.kind == "bare":
        st.found[expected] = value * 60.0 if value <= 20 else value
    elif expected == "answer_seconds" and q.kind == "bare":
        st.found[expected] = value
    elif expected in _INT_FIELDS:
        st.found[expected] = round(value if q.kind != "span" else value)
    else:
        st.found[expected] = value
    st.sources.setdefault(expected, q.text)


# --------------------------------------------------------------------------- the tool


def _detect_tool(st: _State) -> str | None:
    """Which tool the numbers are about (routing decides intent; this is for
    messages whose figures alone say it)."""
    staffing_keys = ("service_level", "answer_seconds", "shrinkage", "max_occupancy", "contacts", "contacts_per_day",
                     "open_hours")
    cost_keys = ("in_house_fte", "contacts_per_month", "employer_oncost_pct", "monthly_salary",
                 "loaded_cost_per_fte_month", "overhead_per_fte_month", "fixed_costs_month")
    ann = st.p.annotation
    cost = 2 * st.money_hits + 2 * sum(1 for k in cost_keys if k in st.found) + 2 * len(st.offers)
    cost += len(ann.spans("cost")) + len(ann.spans("payoff")) + len(ann.spans("compare"))
    staffing = 3 * sum(1 for k in staffing_keys if k in st.found)
    staffing += len(ann.spans("staffing_word")) + 2 * len(ann.spans("how_many"))
    if cost == staffing == 0:
        if "aht_seconds" in st.found or "talk_seconds" in st.found:
            return "staffing"
        return None
    if not st.found and not st.offers and cost == st.money_hits * 2 and staffing == 0 and st.money_hits:
        return "cost_comparison"
    return "cost_comparison" if cost > staffing else "staffing"


def extract_arguments(
    text: str,
    tool: str | None = None,
    expected: str | None = None,
    language: str | None = None,
    previous: Mapping[str, Any] | None = None,
) -> Extraction:
    """Tool arguments stated in `text`, normalised to request units.

    `tool` restricts the result to one tool ("staffing" or "cost_comparison");
    when None it is detected from the figures. `expected` names the field the
    conversation just asked for, so a bare answer ("180 sekunder", "4,5 min",
    "30 %") is read as that field. `language` (sv, fi, da, nb, en) decides
    which krona "kr" is and how words are lemmatised; when None it is detected.
    `previous` holds the tool's arguments from earlier turns, so a correction
    such as "900 calls, not 800" keeps the earlier volume's period.
    """
    if tool is not None and tool not in TOOLS:
        raise InvalidInput("tool", f"must be one of {', '.join(TOOLS)}; got {tool!r}")
    if expected is not None and expected not in _EXPECTABLE and not OFFER_FTE.fullmatch(expected):
        raise InvalidInput(
            "expected", f"must be an argument name such as {', '.join(_REQUIRED['staffing'])}; got {expected!r}"
        )
    if language is None:
        from assistant.language import detect_language

        language = detect_language(text, min_confidence=0.0)
    p = parse_quantities(text, language or "any")
    st = _assign(p, previous or {})
    if expected and not _has(st, expected):
        _answer_expected(st, expected)
    chosen = tool or _detect_tool(st)
    if chosen is None and expected:
        chosen = "cost_comparison" if expected in COST_FIELDS and expected not in STAFFING_FIELDS else "staffing"
    slots, sources, derived = _arguments_for(chosen, st)
    arguments = request_arguments(chosen, slots) if chosen else {}
    describe_parts(slots, sources, derived)
    same = [name for c in st.cues for name in [_SAME_FIELDS.get(c.concept)]
            if name and c.start > 0 and p.annotation.covers(c.start - 1, "same_value")]
    return Extraction(
        same_as_before=same,
        tool=chosen,  # type: ignore[arg-type]
        language=language,
        arguments=arguments,
        slots=slots,
        missing=missing_arguments(chosen, slots) if chosen else [],
        sources=sources,
        derived=derived,
        ambiguous=st.ambiguous if chosen else [],
    )


# what "the same …" can take from the other tool: the handling time is both tools' value
_SAME_FIELDS = {"aht": "aht_seconds", "talk": "talk_seconds", "wrapup": "wrapup_seconds"}


def _has(st: _State, name: str) -> bool:
    if name in ("contacts", "contacts_per_day"):
        return any(k in st.found for k in ("contacts", "contacts_per_day", "contacts_per_week"))
    if name == "offers":
        return bool(st.offers)
    if name == "aht_seconds":
        return "aht_seconds" in st.found or "talk_seconds" in st.found
    return name in st.found or any(name in o for o in st.offers)


def _arguments_for(tool: str | None, st: _State) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    if tool is None:
        return {}, {}, {}
    names = (STAFFING_FIELDS if tool == "staffing" else COST_FIELDS) + _TOOL_PARTS[tool]
    if tool == "staffing":
        names = names + ("contacts_per_month",)
    arguments = {name: (int(st.found[name]) if name in _INT_FIELDS else st.found[name])
                 for name in names if name in st.found}
    if tool == "staffing":
        if "contacts" not in arguments:
            arguments.pop("interval_minutes", None)
        elif "contacts_per_day" in arguments:
            # Two volumes in one message: the per-interval one (a peak) is the planning basis.
            arguments.pop("contacts_per_day")
        if "contacts" in arguments or "contacts_per_day" in arguments:
            arguments.pop("contacts_per_week", None)
            arguments.pop("contacts_per_month", None)
        if "contacts_per_month" in arguments and "contacts_per_week" in arguments:
            arguments.pop("contacts_per_month")
    else:
        # in a later turn an offer keeps its place ("det andet tilbud har et gebyr" completes the second offer)
        keep_places = bool(st.previous.get("offers")) and any(st.offers)
        last = max((i for i, o in enumerate(st.offers) if o), default=-1)
        offers = [dict(o) for i, o in enumerate(st.offers) if o or (keep_places and i < last)]
        if offers:
            arguments["offers"] = offers
            labels = [st.labels.get(i) for i, o in enumerate(st.offers) if o or (keep_places and i < last)]
            labels = [label if label and not str(label).startswith("#") else None for label in labels]
            named = [label for label in labels if label]
            if named and len(set(named)) == len(named):
                # a label names its offer, also alone: "vendor B would need 12 FTE" in a later turn is offer B
                for offer, label in zip(offers, labels, strict=True):
                    if label:
                        offer["name"] = str(label)
        if st.currencies:
            arguments["currency"] = st.currencies[0]
        if "max_occupancy" in st.found:
            arguments["occupancy"] = st.found["max_occupancy"]  # "they plan at 80 % occupancy"
    keep = set(arguments) | {f"offers.{i}.{k}" for i, o in enumerate(arguments.get("offers") or []) for k in o}
    sources = {k: v for k, v in st.sources.items() if k in keep}
    derived = {k: v for k, v in st.derived.items() if k in keep}
    return arguments, sources, derived
