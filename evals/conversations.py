"""Multi-turn scripts on `evals/datasets/conversations.jsonl`: each script runs in
one fresh session, and every turn's reply is checked against its expectations
plus the checks every reply must pass (verbatim citations, grounded numbers).
A script passes when all its turns pass."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from evals.grounding import Sources, citation_problems, reply_ungrounded_numbers
from evals.grouping import per_group
from evals.jsonl import read_jsonl

DATASET = Path(__file__).resolve().parent / "datasets" / "conversations.jsonl"
#: Tolerance for expected tool result values: published figures are rounded to
#: 3 decimals (0.888), money to whole units.
ABS_TOL = 0.0005
REL_TOL = 1e-6


#: Tool names datasets may use for the one tool name ("staffing") the replies carry.
TOOL_ALIASES = {"staffing_plan": "staffing", "plan_staffing": "staffing", "costs": "cost_comparison"}


class Expect(BaseModel):
    intent: str | None = None
    language: str | None = Field(None, description="Default: the script's language.")
    check_language: bool = True
    tool: str | None = None
    result: dict[str, Any] = {}
    asks_for: str | None = None
    cites: list[str] = []
    covered: bool | None = None
    checklist_step: str | None = None
    checklist_question: str | None = None
    values: dict[str, Any] = Field(default_factory=dict, description=(
        "Documentary: the values a reader takes from the messages so far (tool argument names, "
        "offers as a list). Compared with what the reply says it understood; differences are reported."))


class Turn(BaseModel):
    message: str
    expect: Expect = Expect()


class Conversation(BaseModel):
    id: str
    language: str
    description: str = ""
    added: str | None = None  # who added the script after the set was written (dev scripts added while tuning)
    turns: list[Turn]


def load_conversations(path: Path | None = None) -> list[Conversation]:
    return read_jsonl(Path(path or DATASET), Conversation)


def lookup(data: Any, path: str) -> Any:
    """`data` at a dotted path ("offers.0.total"); KeyError when absent."""
    node = data
    for part in path.split("."):
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(path)
    return node


def same_value(got: Any, expected: Any, abs_tol: float = ABS_TOL, rel_tol: float = REL_TOL) -> bool:
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return got == expected
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if isinstance(expected, int) and isinstance(got, int):
            return got == expected
        return math.isclose(float(got), float(expected), rel_tol=rel_tol, abs_tol=abs_tol)
    return got == expected


def check_turn(conv: Conversation, turn: Turn, reply: dict[str, Any], sources: Sources) -> list[str]:
    """Reasons the reply fails the turn (empty: it passes)."""
    e = turn.expect
    problems: list[str] = []
    if e.intent and reply.get("intent") != e.intent:
        problems.append(f"intent {reply.get('intent')!r}, expected {e.intent!r}")
    language = e.language or conv.language
    if e.check_language and reply.get("language") != language:
        problems.append(f"language {reply.get('language')!r}, expected {language!r}")
    tool = reply.get("tool") or {}
    # the tool the reply is about: the one that ran, or, when a value is still missing, the one asking for it
    name = tool.get("name") or (reply.get("pending_tool") if not e.result else None)
    if e.tool and TOOL_ALIASES.get(str(name), name) != TOOL_ALIASES.get(e.tool, e.tool):
        problems.append(f"tool {name!r}, expected {e.tool!r}")
    for path, expected in e.result.items():
        try:
            got = lookup(tool.get("result") or {}, path)
        except (KeyError, IndexError, ValueError):
            problems.append(f"tool result has no {path}")
            continue
        if not same_value(got, expected):
            problems.append(f"tool result {path} = {got!r}, expected {expected!r}")
    if e.asks_for is not None:
        missing = reply.get("missing") or []
        if not missing or missing[0] != e.asks_for:
            problems.append(f"asks for {missing[:1] or 'nothing'}, expected {e.asks_for!r}")
    cited = {c["doc_id"] for c in reply.get("citations") or []}
    if e.cites and not cited & set(e.cites):
        problems.append(f"cites {sorted(cited) or 'nothing'}, expected one of {e.cites}")
    if e.covered is not None and bool(reply.get("covered", True)) != e.covered:
        problems.append(f"covered {reply.get('covered')!r}, expected {e.covered!r}")
    view = reply.get("checklist") or {}
    if e.checklist_step and view.get("step_id") != e.checklist_step:
        problems.append(f"checklist step {view.get('step_id')!r}, expected {e.checklist_step!r}")
    if e.checklist_question and view.get("question_id") != e.checklist_question:
        problems.append(f"checklist question {view.get('question_id')!r}, expected {e.checklist_question!r}")
    problems += [f"citation {p}" for p in citation_problems(reply, sources)]
    ungrounded = reply_ungrounded_numbers(reply, sources)
    if ungrounded:
        problems.append(f"ungrounded numbers {ungrounded}")
    return problems


def run_conversations(client: Any, conversations: list[Conversation], sources: Sources,
                      step: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    rows = []
    for conv in conversations:
        session = client.new_session(f"eval-{conv.id}")
        turns = []
        for n, turn in enumerate(conv.turns, 1):
            reply = client.send(session, turn.message)
            problems = check_turn(conv, turn, reply, sources)
            from evals.tool_dialogues import value_report

            turns.append({"n": n, "message": turn.message, "intent": reply.get("intent"), "problems": problems,
                          **value_report(turn.expect, reply)})
        rows.append({"id": conv.id, "language": conv.language, "turns": turns,
                     "passed": all(not t["problems"] for t in turns)})
        if step:
            step()
    return rows


def summarise_conversations(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def metrics(rs: list[dict[str, Any]]) -> dict[str, float]:
        turns = [t for r in rs for t in r["turns"]]
        return {
            "passed": sum(r["passed"] for r in rs) / len(rs),
            "turns_passed": sum(not t["problems"] for t in turns) / max(1, len(turns)),
            "n": float(len(rs)),
        }

    return {
        "overall": metrics(rows) if rows else {},
        "per_language": per_group(rows, "language", metrics),
    }


def failures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": r["id"], "turn": t["n"], "message": t["message"], "reasons": t["problems"]}
        for r in rows for t in r["turns"] if t["problems"]
    ]
