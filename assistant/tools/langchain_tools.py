"""LangChain `StructuredTool` wrappers around the plain tool functions.

The only module of the package that imports langchain_core (the CLI must not
pay for it). Tools return ``content_and_artifact``: the content the model sees
is a compact JSON summary (the `rows()` of the result, label keys and values),
the artifact is the full result as JSON-ready dict.

The args schema is the request model's JSON schema rather than the model class
itself: LangChain would otherwise validate the arguments before our function
runs, and a domain error (`InvalidInput`, e.g. shrinkage 1.2) would escape as
an exception instead of going back to the model as a correctable message. Here
the function builds the request itself and turns domain and validation errors
into `ToolException`s, which `handle_tool_error=True` returns to the model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, ValidationError

from assistant.errors import InvalidInput
from assistant.tools.costs import CostComparisonRequest, compare_costs
from assistant.tools.staffing import StaffingRequest, plan_staffing

STAFFING_DESCRIPTION = (
    "Erlang C staffing for a voice queue. Give contacts per interval (with interval_minutes) or "
    "contacts_per_day (optionally with an intraday_curve of shares), aht_seconds, the service-level target "
    "as a fraction (service_level=0.8 and answer_seconds=20 for 80/20), and optionally shrinkage and "
    "max_occupancy as fractions. Returns agents per interval, scheduled FTE after shrinkage, achieved "
    "service level, ASA, occupancy and probability of waiting. Never estimate these numbers yourself."
)
COSTS_DESCRIPTION = (
    "Compare in-house customer service cost with one or more outsourcing offers over a horizon "
    "(default 36 months), including a transition dip in the first months. Prices per contact, per "
    "minute, per productive hour or per FTE and month; amounts are in one currency (a label only). "
    "Returns monthly costs, totals, savings, break-even month and a volume sensitivity table."
)


def _summary(result: Any) -> str:
    return json.dumps(dict(result.rows()), ensure_ascii=False)


def _wrap(model: type[BaseModel], run: Callable[[Any], Any]) -> Callable[..., tuple[str, dict[str, Any]]]:
    def call(**kwargs: Any) -> tuple[str, dict[str, Any]]:
        try:
            result = run(model(**kwargs))
        except InvalidInput as exc:
            raise ToolException(f"invalid_input: {exc.message}") from exc
        except ValidationError as exc:
            raise ToolException(f"invalid_input: {exc.errors(include_url=False)}") from exc
        return _summary(result), result.model_dump(mode="json")

    return call


def staffing_tool() -> StructuredTool:
    """`staffing`: `plan_staffing` for LangChain agents."""
    return StructuredTool.from_function(
        func=_wrap(StaffingRequest, plan_staffing),
        name="staffing",
        description=STAFFING_DESCRIPTION,
        args_schema=StaffingRequest.model_json_schema(),
        response_format="content_and_artifact",
        handle_tool_error=True,
    )


def cost_comparison_tool() -> StructuredTool:
    """`cost_comparison`: `compare_costs` for LangChain agents."""
    return StructuredTool.from_function(
        func=_wrap(CostComparisonRequest, compare_costs),
        name="cost_comparison",
        description=COSTS_DESCRIPTION,
        args_schema=CostComparisonRequest.model_json_schema(),
        response_format="content_and_artifact",
        handle_tool_error=True,
    )


def langchain_tools() -> list[StructuredTool]:
    """Both tools, in a stable order: staffing, cost_comparison."""
    return [staffing_tool(), cost_comparison_tool()]
