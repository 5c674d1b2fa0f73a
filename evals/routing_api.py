"""Routing accuracy through the public API (`--url`): the same dataset and the
same contexts as `evals.routing.run_routing`, judged from the reply alone.

In-process, `run_routing` also asks the router which tool or checklist command
it chose. Over HTTP only the reply is visible, so the tool is read from the
tool run or from the arguments still missing (cost fields mean the cost
comparison), and the checklist command from the message's command word
(`assistant.routing.checklist_command`, a pure function), else "answer".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evals.routing import _AWAITING_AHT_SETUP, RoutingItem, intent_matches, offers_checklist

_COST_FIELDS = {"contacts_per_month", "in_house_fte", "monthly_salary", "offers", "employer_oncost_pct"}
_TOOL_NAMES = {"staffing": "staffing", "cost_comparison": "cost_comparison"}


def reply_tool(reply: dict[str, Any]) -> str | None:
    if reply.get("intent") != "tool":
        return None
    run = reply.get("tool") or {}
    if run.get("name") in _TOOL_NAMES:
        return _TOOL_NAMES[run["name"]]
    return "cost_comparison" if set(reply.get("missing") or []) & _COST_FIELDS else "staffing"


def reply_command(message: str, reply: dict[str, Any], answering: bool, language: str = "en") -> str | None:
    from assistant.routing import route

    if reply.get("intent") != "checklist":
        return None
    # The word rules alone (a pure function): commands, and a longer message naming the checklist.
    decision = route(message, language, {"checklist": {"active": answering}}, mode="lexical")
    return decision.command if decision.kind == "checklist" and decision.command else "answer"


def run_routing_api(client: Any, items: list[RoutingItem],
                    step: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    from assistant.i18n import t

    rows = []
    for item in items:
        session = client.new_session(f"eval-routing-{item.id}")
        if item.context == "checklist_active":
            client.send(session, t("suggest.checklist.message", item.language))
        elif item.context == "awaiting_aht":
            client.send(session, _AWAITING_AHT_SETUP[item.language])
        reply = client.send(session, item.message)
        tool = reply_tool(reply)
        command = reply_command(item.message, reply, item.context == "checklist_active", item.language)
        offered = offers_checklist(reply)
        ok = intent_matches(item.intent, reply.get("intent") or "", reply.get("coverage")) and (
            item.tool is None or tool == item.tool) and (
            item.command is None or command == item.command)
        ok = ok or (item.accept_offer and offered)
        rows.append({"id": item.id, "language": item.language, "message": item.message, "expected": item.intent,
                     "got": reply.get("intent"), "tool": tool, "command": command, "ok": ok, "offered": offered,
                     "accept_offer": item.accept_offer,
                     "expected_tool": item.tool, "expected_command": item.command})
        if step:
            step()
    return rows
