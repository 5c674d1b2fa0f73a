"""Deterministic tools: every number the assistant gives comes from here.

Staffing (Erlang C voice, chat with concurrency, e-mail with a response-time
target), in-house vs outsourced cost comparison, and extraction of the tool
arguments from what users type. Plain typed functions over pydantic models;
user errors raise `assistant.errors.InvalidInput`.

LangChain wrappers live in `assistant.tools.langchain_tools` (call its
`langchain_tools()`); they are not imported here so that the CLI path never
loads langchain_core.
"""

from __future__ import annotations

from assistant.tools.channels import (
    ChatRequest,
    EmailRequest,
    MultiChannelPlan,
    combine_plans,
    email_max_response_seconds,
    plan_chat,
    plan_email,
)
from assistant.tools.costs import (
    CostComparison,
    CostComparisonRequest,
    OfferComparison,
    OptionCost,
    OutsourcingOffer,
    SensitivityRow,
    compare_costs,
    fte_from_plan,
)
from assistant.tools.extract import (
    Extraction,
    extract_arguments,
    merge_arguments,
    missing_arguments,
    request_arguments,
    required_arguments,
)
from assistant.tools.numbers import parse_number
from assistant.tools.plans import IntervalStaffing, StaffingPlan
from assistant.tools.staffing import (
    ServiceLevelRequest,
    StaffingRequest,
    plan_staffing,
    service_level_for_agents,
)

__all__ = [
    "ChatRequest",
    "CostComparison",
    "CostComparisonRequest",
    "EmailRequest",
    "Extraction",
    "IntervalStaffing",
    "MultiChannelPlan",
    "OfferComparison",
    "OptionCost",
    "OutsourcingOffer",
    "SensitivityRow",
    "ServiceLevelRequest",
    "StaffingPlan",
    "StaffingRequest",
    "combine_plans",
    "compare_costs",
    "email_max_response_seconds",
    "extract_arguments",
    "fte_from_plan",
    "merge_arguments",
    "missing_arguments",
    "parse_number",
    "plan_chat",
    "plan_email",
    "plan_staffing",
    "request_arguments",
    "required_arguments",
    "service_level_for_agents",
]
