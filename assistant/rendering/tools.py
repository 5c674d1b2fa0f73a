"""Tool replies: what the tool understood so far and the next question, the
question "yours or the vendor's?", a value the tool refused, and a computed
staffing plan or cost comparison with the values and assumptions it used."""

from __future__ import annotations

from typing import Any

from assistant.formatting import number, percent
from assistant.i18n import has, t
from assistant.reply import Reply, Suggestion, ToolRun, Understood
from assistant.rendering.suggestions import default_suggestions
from assistant.state import SessionState
from assistant.tools import CostComparison, StaffingPlan
from assistant.tools.conversation import SlotFill
from assistant.tools.extract import OFFER_FTE


def understood(fill: SlotFill, lang: str, request: dict[str, Any] | None = None) -> tuple[list[Understood], list[str]]:
    """The values a tool has (stated, derived) in the user's language, and the
    assumptions a computation with `request` makes (defaults it used)."""
    from assistant.tools.understood import describe

    return describe(fill.tool, fill.arguments, fill.notes, lang, request)


def _so_far(values: list[Understood], lang: str) -> str:
    texts = [u.text for u in values if u.text]
    return t("values.so_far", lang, values="; ".join(dict.fromkeys(texts))) if texts else ""


def clarify_reply(fill: SlotFill, lang: str, session_id: str) -> Reply:
    """A value that could be either side's ("9 FTE"): which one is it?"""
    assert fill.ambiguous is not None
    value = fill.ambiguous.value
    values, _ = understood(fill, lang)
    question = t("values.clarify_fte", lang, value=number(value, lang, 0 if value.is_integer() else 1))
    suggestions = [Suggestion(label=t("values.clarify_inhouse", lang), action="ask",
                              value=t("values.clarify_inhouse", lang)),
                   Suggestion(label=t("values.clarify_vendor", lang), action="ask",
                              value=t("values.clarify_vendor", lang))]
    return Reply(session_id=session_id, text="\n\n".join(p for p in (_so_far(values, lang), question) if p),
                 language=lang, intent="tool", missing=["party"], understood=values, suggestions=suggestions)


def missing_reply(fill: SlotFill, missing: list[str], lang: str, session_id: str, state: SessionState) -> Reply:
    """The values so far (or the tool's introduction) and the question for the first missing one."""
    # "offers.1.fte": the vendor's FTE, one question for every offer
    field = "offer_fte" if OFFER_FTE.fullmatch(missing[0]) else missing[0]
    asked = t(f"tool.ask.{fill.tool}.{field}", lang)
    values, _ = understood(fill, lang)
    given = _so_far(values, lang)
    text = f"{given}\n\n{asked}" if given else f"{t(f'tool.intro.{fill.tool}', lang)}\n\n{asked}"
    return Reply(session_id=session_id, text=text, language=lang, intent="tool", missing=missing,
                 pending_tool=fill.tool, understood=values, suggestions=default_suggestions(lang, state))


def invalid_reply(tool: str, field: str, detail: str, lang: str, session_id: str, state: SessionState) -> Reply:
    """A value the tool refused: which one and why; it is asked again."""
    label = t(f"field.{field}", lang) if has(f"field.{field}") else field
    return Reply(session_id=session_id, text=t("tool.invalid", lang, field=label, detail=detail), language=lang,
                 intent="tool", missing=[field], pending_tool=tool, suggestions=default_suggestions(lang, state))


def result_reply(fill: SlotFill, request: dict[str, Any], run: ToolRun, result: StaffingPlan | CostComparison,
                 lang: str, session_id: str, state: SessionState) -> Reply:
    """The values used and assumed, the result, and how to correct a value."""
    values, assumptions = understood(fill, lang, request=request)
    parts = []
    if fill.recomputed:
        parts.append(t("values.recomputed", lang))
    parts.append(t("values.used", lang, values="; ".join(dict.fromkeys(u.text for u in values
                                                                     if u.how != "assumed" and u.text))))
    if assumptions:
        parts.append(t("values.assumed", lang, values="; ".join(assumptions)))
    parts += [result_text(result, request, lang), f"_{t('values.correct_hint', lang)}_"]
    return Reply(session_id=session_id, text="\n\n".join(parts), language=lang, intent="tool", tool=run,
                 understood=values, suggestions=default_suggestions(lang, state))


def result_text(result: StaffingPlan | CostComparison, arguments: dict[str, Any], lang: str) -> str:
    if isinstance(result, StaffingPlan):
        return staffing_text(result, arguments, lang)
    return costs_text(result, lang)


def staffing_text(plan: StaffingPlan, arguments: dict[str, Any], lang: str) -> str:
    volume = arguments.get("contacts") or arguments.get("contacts_per_day")
    period = "interval" if arguments.get("contacts") is not None else "day"
    text = t(
        f"tool.staffing.result_{period}", lang,
        volume=number(volume, lang, 0 if float(volume).is_integer() else 1),
        minutes=arguments.get("interval_minutes", 60),
        aht=number(arguments["aht_seconds"], lang),
        target=percent(arguments["service_level"], lang),
        answer=number(arguments["answer_seconds"], lang),
        agents=plan.agents,
        service_level=percent(plan.service_level or 0, lang),
        asa=number(plan.asa_seconds or 0, lang, 1),
        occupancy=percent(plan.occupancy, lang),
    )
    if arguments.get("shrinkage"):
        text += " " + t("tool.staffing.shrinkage", lang, fte=plan.scheduled_fte,
                        shrinkage=percent(arguments["shrinkage"], lang))
    return text


def offer_name(name: str, n: int, lang: str) -> str:
    # Unnamed offers get the tool's placeholder names (offer_1); say "Offer 1" instead.
    if name == f"offer_{n}":
        return t("tool.costs.offer_name", lang, n=n)
    return t("values.offer_label", lang, label=name) if len(name) <= 2 else name


def costs_text(comparison: CostComparison, lang: str) -> str:
    lines = []
    if comparison.in_house is not None:
        lines.append(t("tool.costs.in_house", lang, monthly=number(comparison.in_house.steady_monthly, lang),
                       total=number(comparison.in_house.total, lang), currency=comparison.currency,
                       months=comparison.horizon_months))
    for n, offer in enumerate(comparison.offers, 1):
        name = offer_name(offer.name, n, lang)
        if offer.savings_total is None:
            lines.append(t("values.offer_only", lang, name=name, monthly=number(offer.steady_monthly, lang),
                           total=number(offer.total, lang), currency=comparison.currency,
                           months=comparison.horizon_months))
            continue
        key = "tool.costs.offer_saves" if offer.savings_total >= 0 else "tool.costs.offer_costs_more"
        lines.append(t(key, lang, name=name, monthly=number(offer.steady_monthly, lang),
                       total=number(offer.total, lang), currency=comparison.currency,
                       savings=number(abs(offer.savings_total), lang),
                       break_even=offer.break_even_month if offer.break_even_month else t("tool.costs.never", lang)))
    text = "\n".join(f"- {line}" for line in lines)
    if comparison.in_house is None and len(comparison.offers) > 1:
        ranked = sorted(enumerate(comparison.offers, 1), key=lambda pair: pair[1].total)
        (n1, best), (n2, second) = ranked[0], ranked[1]
        text += "\n\n" + t("values.cheapest", lang, name=offer_name(best.name, n1, lang),
                             other=offer_name(second.name, n2, lang), currency=comparison.currency,
                             difference=number(second.total - best.total, lang),
                             months=comparison.horizon_months)
    return text
