"""What a tool understood, in the user's language: the values it uses and the assumptions it makes.

Every computed answer lists these first ("I used: 1 050 contacts in the peak
hour; handling time 180 s; 80 % answered within 30 s; shrinkage 32 %") and
says its assumptions out loud (a flat day over the opening hours, the default
comparison horizon), so a misread number is visible and can be corrected in
the next message. `describe` returns them as `Understood` rows (what the
reply carries) plus the assumption sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assistant.formatting import number, percent
from assistant.i18n import t
from assistant.reply import Understood

if TYPE_CHECKING:
    from assistant.state import SlotNote

_FRACTIONS = {"service_level", "shrinkage", "max_occupancy", "employer_oncost_pct", "incentive_pct"}
_MONEY = {"monthly_salary", "loaded_cost_per_fte_month", "team_cost_month", "overhead_per_fte_month", "fixed_costs_month",
          "price_per_contact", "price_per_minute", "price_per_productive_hour", "price_per_fte_month",
          "monthly_management_fee", "transition_cost"}
_OFFER_ORDER = ("price_per_contact", "price_per_minute", "price_per_productive_hour", "price_per_fte_month", "fte",
                "monthly_management_fee", "transition_cost", "incentive_pct")
DEFAULT_OPEN_HOURS = 8.0
DEFAULT_HORIZON = 36
DEFAULT_TRANSITION = 3
DEFAULT_CURRENCY = "EUR"


def _n(value: float, lang: str) -> str:
    value = float(value)
    return number(value, lang, 0 if value.is_integer() else (1 if abs(value * 10 - round(value * 10)) < 1e-9 else 2))


def _v(key: str, value: Any, lang: str) -> str:
    if key in _FRACTIONS:
        return percent(float(value), lang)
    return _n(value, lang)


class _Rows:
    def __init__(self, notes: Mapping[str, SlotNote], lang: str) -> None:
        self.rows: list[Understood] = []
        self.notes = notes
        self.lang = lang

    def add(self, slot: str, value: Any, text: str, how: str | None = None) -> None:
        note = self.notes.get(slot)
        noted_how = note.how if note is not None else None
        # a peak hour or an opening range is what the user stated; a yearly
        # amount, talk + wrap-up or a weekly volume by days is worked out from it
        kind = how or ("derived" if noted_how not in (None, "peak_hour", "opening_range") else "stated")
        self.rows.append(Understood(slot=slot, value=value, text=text,
                                    source=note.source if note is not None else None, how=kind))  # type: ignore[arg-type]


def describe(tool: str, arguments: dict[str, Any], notes: Mapping[str, SlotNote], lang: str,
             request: dict[str, Any] | None = None) -> tuple[list[Understood], list[str]]:
    """The understood values of `arguments` (conversation slots) and, when
    `request` (the arguments the tool ran with) is given, the assumptions."""
    rows = _Rows(notes, lang)
    assumptions: list[str] = []
    how = {k: v.how for k, v in notes.items()}
    currency = arguments.get("currency") or DEFAULT_CURRENCY

    def money(key: str, value: float) -> str:
        shown = _n(value, lang)
        if how.get(key) == "yearly":
            shown = t("understood.yearly", lang, value=shown, yearly=_n(round(value * 12, 2), lang))
        return t(f"understood.{key}", lang, value=shown, currency=currency)

    if tool == "staffing":
        if arguments.get("contacts") is not None:
            if how.get("contacts") == "peak_hour" and arguments.get("interval_minutes", 60) == 60:
                rows.add("contacts", arguments["contacts"],
                         t("understood.contacts_peak", lang, value=_n(arguments["contacts"], lang)))
            else:
                rows.add("contacts", arguments["contacts"], t("understood.contacts", lang, value=_n(
                    arguments["contacts"], lang), minutes=arguments.get("interval_minutes", 60)))
        for key in ("contacts_per_day", "contacts_per_week", "contacts_per_month"):
            if arguments.get(key) is not None and arguments.get("contacts") is None:
                rows.add(key, arguments[key], t(f"understood.{key}", lang, value=_n(arguments[key], lang)))
        for key in ("open_days_per_week", "open_hours"):
            if arguments.get(key) is not None:
                rows.add(key, arguments[key], t(f"understood.{key}", lang, value=_n(arguments[key], lang)))
    else:
        if arguments.get("contacts_per_month") is not None:
            rows.add("contacts_per_month", arguments["contacts_per_month"],
                     t("understood.contacts_per_month", lang, value=_n(arguments["contacts_per_month"], lang)))
        elif arguments.get("contacts_per_week") is not None:
            week = arguments["contacts_per_week"]
            rows.add("contacts_per_week", week, t("understood.contacts_per_week", lang, value=_n(week, lang)))
            month = round(week * 52.0 / 12.0, 6)  # as request_arguments works it out
            rows.add("contacts_per_month", month, t("understood.weekly_per_month", lang, value=_n(round(month, 1), lang),
                                                   week=_n(week, lang)), "derived")
        elif arguments.get("contacts_per_day") is not None and arguments.get("open_days_per_month"):
            month = round(arguments["contacts_per_day"] * arguments["open_days_per_month"], 6)
            rows.add("contacts_per_day", arguments["contacts_per_day"], t(
                "understood.contacts_per_day", lang, value=_n(arguments["contacts_per_day"], lang)))
            rows.add("open_days_per_month", arguments["open_days_per_month"], "")
            rows.add("contacts_per_month", month, t("understood.contacts_per_month", lang, value=_n(month, lang)),
                     "derived")
    # handling time
    talk, wrap, aht = arguments.get("talk_seconds"), arguments.get("wrapup_seconds"), arguments.get("aht_seconds")
    if aht is not None and wrap is not None:
        total = round(aht + wrap, 6)
        rows.add("aht_seconds", total, t("understood.aht_seconds", lang, value=_n(total, lang)), "derived")
        # the parts as stated, so the assumption's figures are visible values too
        rows.add("talk_seconds", aht, "", "stated")
        rows.add("wrapup_seconds", wrap, "", "stated")
        assumptions.append(t("assumption.aht_plus_wrapup", lang, wrap=_n(wrap, lang), aht=_n(aht, lang)))
    elif aht is not None:
        rows.add("aht_seconds", aht, t("understood.aht_seconds", lang, value=_n(aht, lang)))
    elif talk is not None:
        total = round(talk + (wrap or 0.0), 6)
        rows.add("talk_seconds", talk, "")
        if wrap is not None:
            rows.add("wrapup_seconds", wrap, "")
        if wrap is not None:
            rows.add("aht_seconds", total, t("understood.aht_talk_wrap", lang, value=_n(total, lang),
                                             talk=_n(talk, lang), wrap=_n(wrap, lang)), "derived")
        else:
            rows.add("aht_seconds", total, t("understood.aht_seconds", lang, value=_n(total, lang)), "derived")
            assumptions.append(t("assumption.talk_only", lang))
    if tool == "staffing":
        if arguments.get("service_level") is not None and arguments.get("answer_seconds") is not None:
            rows.add("service_level", arguments["service_level"], t(
                "understood.service_level", lang, value=percent(arguments["service_level"], lang),
                answer=_n(arguments["answer_seconds"], lang)))
            rows.add("answer_seconds", arguments["answer_seconds"], "", "stated")
            rows.rows[-1] = rows.rows[-1].model_copy(update={"text": rows.rows[-2].text})
        else:
            for key in ("service_level", "answer_seconds"):
                if arguments.get(key) is not None:
                    label = t(f"field.{key}", lang)
                    rows.add(key, arguments[key], f"{label} {_v(key, arguments[key], lang)}")
        for key in ("shrinkage", "max_occupancy"):
            if arguments.get(key) is not None:
                rows.add(key, arguments[key], t(f"understood.{key}", lang, value=percent(arguments[key], lang)))
        if request is not None:
            if request.get("contacts_per_day") is not None and arguments.get("contacts_per_day") is None:
                rows.add("contacts_per_day", request["contacts_per_day"], t(
                    "understood.contacts_per_day", lang, value=_n(request["contacts_per_day"], lang)), "derived")
            if request.get("interval_minutes") and "interval_minutes" not in arguments:
                rows.add("interval_minutes", request["interval_minutes"], "", "derived")
                assumptions.append(t("assumption.intervals_for_hours", lang, minutes=request["interval_minutes"]))
            if how.get("contacts") == "peak_hour" and arguments.get("interval_minutes", 60) == 60:
                assumptions.append(t("assumption.peak_hour", lang))
            if request.get("contacts_per_day") is not None and not request.get("intraday_curve"):
                if how.get("contacts_per_day") == "weekly_by_days":
                    assumptions.append(t("assumption.weekly_by_days", lang, week=_n(arguments["contacts_per_week"], lang),
                                         days=_n(arguments["open_days_per_week"], lang)))
                elif arguments.get("contacts_per_month") is not None and arguments.get("contacts_per_day") is None:
                    assumptions.append(t("assumption.monthly_by_days", lang,
                                         month=_n(arguments["contacts_per_month"], lang),
                                         days=_n(arguments["open_days_per_week"], lang)))
                hours = request.get("open_hours")
                if hours is None:
                    assumptions.append(t("assumption.default_open_hours", lang))
                    hours = DEFAULT_OPEN_HOURS
                    rows.add("open_hours", hours, "", "assumed")
                assumptions.append(t("assumption.flat_day", lang, hours=_n(hours, lang)))
        return rows.rows, assumptions
    # costs: in-house side
    if arguments.get("in_house_fte") is not None:
        rows.add("in_house_fte", arguments["in_house_fte"],
                 t("understood.in_house_fte", lang, value=_n(arguments["in_house_fte"], lang)))
    for key in ("monthly_salary", "loaded_cost_per_fte_month", "team_cost_month"):
        if arguments.get(key) is not None:
            rows.add(key, arguments[key], money(key, arguments[key]))
    team, fte = arguments.get("team_cost_month"), arguments.get("in_house_fte")
    if team is not None and fte and arguments.get("loaded_cost_per_fte_month") is None:
        per_fte = round(team / fte, 6)
        rows.add("loaded_cost_per_fte_month", per_fte, t("understood.team_per_fte", lang, value=_n(round(per_fte, 2), lang),
                                                         currency=currency, team=_n(round(team, 2), lang),
                                                         fte=_n(fte, lang)), "derived")
    if arguments.get("employer_oncost_pct") is not None:
        rows.add("employer_oncost_pct", arguments["employer_oncost_pct"], t(
            "understood.employer_oncost_pct", lang, value=percent(arguments["employer_oncost_pct"], lang)))
    for key in ("overhead_per_fte_month", "fixed_costs_month"):
        if arguments.get(key) is not None:
            rows.add(key, arguments[key], money(key, arguments[key]))
    if arguments.get("productive_hours_per_month") is not None:
        rows.add("productive_hours_per_month", arguments["productive_hours_per_month"], t(
            "understood.productive_hours_per_month", lang, value=_n(arguments["productive_hours_per_month"], lang)))
    if arguments.get("occupancy") is not None:
        rows.add("occupancy", arguments["occupancy"], t("understood.occupancy", lang,
                                                       value=percent(arguments["occupancy"], lang)))
    offers = arguments.get("offers") or []
    for i, offer in enumerate(offers):
        name = offer.get("name")
        shown_name = (t("values.offer_label", lang, label=name) if name and len(str(name)) <= 2 else name) or \
            t("tool.costs.offer_name", lang, n=i + 1)
        terms = []
        for key in _OFFER_ORDER:
            if offer.get(key) is None:
                continue
            path = f"offers.{i}.{key}"
            if key in _MONEY:
                shown = _n(offer[key], lang)
                if how.get(path) == "yearly":
                    shown = t("understood.yearly", lang, value=shown, yearly=_n(round(offer[key] * 12, 2), lang))
                text = t(f"understood.{key}", lang, value=shown, currency=currency)
            else:
                text = t(f"understood.{key}", lang, value=_v(key, offer[key], lang))
            terms.append(text)
            rows.add(path, offer[key], t("understood.offer", lang, name=shown_name, terms=text))
    for key in ("horizon_months", "transition_months"):
        if arguments.get(key) is not None:
            rows.add(key, arguments[key], t(f"understood.{key}", lang, value=_n(arguments[key], lang)))
    if arguments.get("currency"):
        rows.add("currency", arguments["currency"], "")
    if request is not None:
        if not arguments.get("currency"):
            assumptions.append(t("assumption.currency_default", lang, currency=DEFAULT_CURRENCY))
            rows.add("currency", DEFAULT_CURRENCY, DEFAULT_CURRENCY, "assumed")
        if arguments.get("horizon_months") is None:
            assumptions.append(t("assumption.horizon_default", lang, months=DEFAULT_HORIZON))
            rows.add("horizon_months", DEFAULT_HORIZON, t("understood.horizon_months", lang, value=DEFAULT_HORIZON),
                     "assumed")
        if arguments.get("transition_months") is None:
            assumptions.append(t("assumption.transition_default", lang, months=DEFAULT_TRANSITION))
            rows.add("transition_months", DEFAULT_TRANSITION, "", "assumed")
            rows.add("transition_efficiency_loss", 0.2, "", "assumed")
        if request.get("in_house_fte") is None:
            assumptions.append(t("assumption.offers_only", lang))
        if any(o.get("price_per_productive_hour") is not None for o in offers) and \
                request.get("productive_hours_per_month") is None:
            if arguments.get("occupancy") is not None:
                rows.add("occupancy", arguments["occupancy"], t("understood.max_occupancy", lang,
                                                                value=percent(arguments["occupancy"], lang)))
            else:
                assumptions.append(t("assumption.occupancy_default", lang))
                rows.add("occupancy", 0.85, "", "assumed")
        if any(o.get("price_per_fte_month") is not None and o.get("fte") is None for o in offers) and \
                request.get("in_house_fte") is not None:
            assumptions.append(t("assumption.fte_from_in_house", lang, fte=_n(request["in_house_fte"], lang)))
    return rows.rows, assumptions
