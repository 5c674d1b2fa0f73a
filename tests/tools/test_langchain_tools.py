"""LangChain StructuredTool wrappers."""

from __future__ import annotations

import json

from assistant.tools.langchain_tools import langchain_tools

EXAMPLE = {"contacts": 100, "interval_minutes": 30, "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20}


def tool(name: str):
    return {t.name: t for t in langchain_tools()}[name]


def call(name: str, args: dict):
    return tool(name).invoke({"type": "tool_call", "id": "call-1", "name": name, "args": args})


def test_tools_are_named_staffing_and_cost_comparison() -> None:
    assert [t.name for t in langchain_tools()] == ["staffing", "cost_comparison"]


def test_tool_schemas_expose_the_request_fields() -> None:
    assert {"contacts", "aht_seconds", "service_level", "answer_seconds"} <= set(tool("staffing").args)
    assert {"contacts_per_month", "offers", "monthly_salary"} <= set(tool("cost_comparison").args)


def test_staffing_tool_returns_a_summary_and_the_full_plan() -> None:
    message = call("staffing", EXAMPLE)
    assert json.loads(message.content)["agents"] == 14
    assert message.artifact["agents"] == 14
    assert len(message.artifact["intervals"]) == 1


def test_cost_tool_returns_the_comparison() -> None:
    args = {
        "contacts_per_month": 1000,
        "in_house_fte": 3,
        "monthly_salary": 30000,
        "offers": [{"price_per_contact": 50}],
    }
    message = call("cost_comparison", args)
    assert json.loads(message.content)["cheapest"] == "offer_1"


def test_invalid_arguments_come_back_to_the_model_as_an_error_message() -> None:
    message = call("staffing", {**EXAMPLE, "shrinkage": 1.5})
    assert message.status == "error"
    assert "shrinkage" in message.content and "[0, 1)" in message.content
