"""The deterministic tools over HTTP: the same functions the engine calls."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.tools import CostComparison, CostComparisonRequest, StaffingPlan, StaffingRequest, compare_costs, plan_staffing

router = APIRouter(prefix="/v1/tools", tags=["tools"])


@router.post("/staffing", response_model=StaffingPlan, summary="Erlang C staffing plan")
def staffing(body: StaffingRequest) -> StaffingPlan:
    return plan_staffing(body)


@router.post("/cost-comparison", response_model=CostComparison, summary="In-house vs outsourced costs")
def cost_comparison(body: CostComparisonRequest) -> CostComparison:
    return compare_costs(body)
