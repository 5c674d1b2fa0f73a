"""Figures from checklist answers, computed by the deterministic tools.

Staffing: steps 3–4 give monthly volume, handling time, opening hours and the
service-level target; the plan is Erlang C for the average open hour (the
brief states this assumption). Costs: step 8's salary and offer price, with
in-house FTE taken from that staffing plan.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.errors import InvalidInput
from assistant.state import ChecklistProgress, ComputedTool
from assistant.tools import (
    CostComparisonRequest,
    OutsourcingOffer,
    StaffingRequest,
    compare_costs,
    plan_staffing,
)

STAFFING_INPUTS = ("monthly_volume", "aht_seconds", "opening_hours_per_day", "open_days_per_month",
                   "sl_target_percent", "sl_answer_seconds")
COST_INPUTS = ("pricing_model", "offer_price", "inhouse_monthly_salary", "currency")
PAID_HOURS_PER_FTE_MONTH = 160.0
log = logging.getLogger("assistant.checklist")
_PRICE_FIELD = {
    "per_contact": "price_per_contact",
    "per_minute": "price_per_minute",
    "per_hour": "price_per_productive_hour",
    "per_fte": "price_per_fte_month",
}


def staffing_from_answers(answers: dict[str, Any]) -> ComputedTool | None:
    """The arguments and result of a staffing plan, or None while inputs are missing."""
    if any(answers.get(k) is None for k in STAFFING_INPUTS):
        return None
    hours = float(answers["opening_hours_per_day"]) * float(answers["open_days_per_month"])
    arguments = {
        "contacts": round(float(answers["monthly_volume"]) / hours, 3),
        "interval_minutes": 60,
        "aht_seconds": float(answers["aht_seconds"]),
        "service_level": float(answers["sl_target_percent"]) / 100,
        "answer_seconds": float(answers["sl_answer_seconds"]),
    }
    plan = plan_staffing(StaffingRequest(**arguments))
    # Agents are needed in every open hour; an FTE works 160 paid hours a month.
    monthly_fte = plan.scheduled_fte * hours / PAID_HOURS_PER_FTE_MONTH
    return ComputedTool(
        arguments=arguments,
        result=plan.model_dump(mode="json", exclude={"intervals"}) | {"monthly_fte": round(monthly_fte, 2)},
    )


def costs_from_answers(answers: dict[str, Any], staffing: ComputedTool | None) -> ComputedTool | None:
    """The arguments and result of a cost comparison, or None when it can't be computed
    (inputs missing, or a pricing model — commission, incentive — that needs terms
    the checklist doesn't ask for)."""
    if staffing is None or any(answers.get(k) is None for k in COST_INPUTS):
        return None
    price_field = _PRICE_FIELD.get(str(answers["pricing_model"]))
    if price_field is None:
        return None
    fte = max(float(staffing.result["monthly_fte"]), 0.1)
    arguments = {
        "currency": str(answers["currency"]),
        "contacts_per_month": float(answers["monthly_volume"]),
        "aht_seconds": float(answers["aht_seconds"]),
        "in_house_fte": fte,
        "monthly_salary": float(answers["inhouse_monthly_salary"]),
        "employer_oncost_pct": float(answers.get("employer_oncost_percent") or 0) / 100,
        "offers": [{"name": "offer", price_field: float(answers["offer_price"])}],
    }
    if price_field == "price_per_fte_month":
        arguments["offers"][0]["fte"] = fte
    try:
        comparison = compare_costs(CostComparisonRequest(
            **{**arguments, "offers": [OutsourcingOffer(**o) for o in arguments["offers"]]}))
    except InvalidInput:
        return None
    return ComputedTool(arguments=arguments, result=comparison.model_dump(mode="json"))



def update_figures(progress: ChecklistProgress) -> str | None:
    """Recompute the staffing plan and the cost comparison from the answers when
    their inputs changed; the figure that changed last ("staffing" or
    "cost_comparison"), or None when neither did."""
    changed = None
    try:
        staffing = staffing_from_answers(progress.answers)
    except InvalidInput as exc:
        log.info("checklist staffing not computed: %s", exc.message)
        staffing = None
    if staffing and staffing != progress.staffing:
        progress.staffing, changed = staffing, "staffing"
    costs = costs_from_answers(progress.answers, progress.staffing)
    if costs and costs != progress.costs:
        progress.costs, changed = costs, "cost_comparison"
    return changed
