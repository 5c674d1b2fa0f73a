"""Tool dialogues: did the assistant compute with every value right, or ask for exactly what was missing?

Runs on the conversation scripts (`evals/conversations.py`); a *tool turn* is
one whose expectations name a tool, a result or an `asks_for`. For each:

* **right**: the turn's result/asks_for expectations pass, and when the turn
  documents the `values` a reader takes from the messages, every one of them
  equals what the reply says it understood (`reply.understood`, else the tool
  arguments it ran with). A question for exactly the missing value is right.
* **misread**: a computed reply using a value that differs from `values`.
* **silent misread**: a computed reply that uses a value it does not list
  among the values it understood (or lists it only silently changed): the
  thing the issue forbids. A value the reply states as an assumption is not
  silent.

Metrics (`tool_dialogues.*`): `single_right` (scripts of one tool turn: one
message requests), `multi_right` (scripts with several tool turns: dialogues,
corrections; a script is right when all its tool turns are), `turns_right`,
`misreads`, `silent_misreads`, and the counts `single.n`, `multi.n`.
"""

from __future__ import annotations

import math
from typing import Any

from evals.grouping import per_group

ABS_TOL = 0.0005
REL_TOL = 1e-4


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"offers": [{"price_per_minute": 6.5}]} -> {"offers.0.price_per_minute": 6.5}."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{path}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                out.update(flatten(item, f"{path}.{i}."))
        else:
            out[path] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def understood_values(reply: dict[str, Any]) -> dict[str, Any] | None:
    """What the reply says it used: its `understood` rows, else its tool arguments; None if neither."""
    rows = reply.get("understood") or []
    if rows:
        return {r["slot"]: r.get("value") for r in rows if r.get("slot")}
    tool = reply.get("tool") or {}
    if tool.get("arguments"):
        return flatten(tool["arguments"])
    return None


def value_report(expect: Any, reply: dict[str, Any]) -> dict[str, Any]:
    """Per turn: which documented values the reply understood differently, and
    whether a computed reply used a value it did not say (silent)."""
    expected = flatten(getattr(expect, "values", None) or {})
    got = understood_values(reply)
    tool = reply.get("tool") or {}
    differs: list[str] = []
    if expected and got is not None:
        for path, value in expected.items():
            if path not in got:
                if tool:  # computed without the value at all: it used something else (a default) or nothing
                    used = flatten(tool.get("arguments") or {})
                    if path in used and not _same(used[path], value):
                        differs.append(f"{path}: used {used[path]!r}, messages say {value!r}")
                continue
            if not _same(got[path], value):
                differs.append(f"{path}: understood {got[path]!r}, messages say {value!r}")
    silent: list[str] = []
    if tool:
        said = {r["slot"] for r in reply.get("understood") or [] if r.get("slot")}
        for path, value in flatten(tool.get("arguments") or {}).items():
            if path.endswith(".name") or path == "currency" and "currency" in said:
                continue
            listed = path in said or path in ("interval_minutes",) and "contacts" in said
            if not listed:
                silent.append(f"{path} = {value!r} used but not stated")
        silent += [d for d in differs if d.split(":")[0] not in said]
    return {"value_diffs": differs, "silent": silent}


def is_tool_turn(expect: Any) -> bool:
    return bool(expect.tool or expect.result or expect.asks_for or (expect.intent == "tool"))


def run_tool_dialogues(rows: list[dict[str, Any]], conversations: list[Any]) -> list[dict[str, Any]]:
    """Judge the tool turns of conversation rows (from `run_conversations`)."""
    by_id = {c.id: c for c in conversations}
    out = []
    for row in rows:
        conv = by_id.get(row["id"])
        if conv is None:
            continue
        turns = []
        for turn, result in zip(conv.turns, row["turns"], strict=False):
            if not is_tool_turn(turn.expect):
                continue
            right = not result["problems"] and not result.get("value_diffs")
            turns.append({"n": result["n"], "message": result["message"], "right": right,
                          "misread": bool(result.get("value_diffs")) and result.get("intent") == "tool",
                          "silent": result.get("silent") or [], "problems": result["problems"],
                          "value_diffs": result.get("value_diffs") or []})
        if turns:
            out.append({"id": row["id"], "language": row["language"], "kind": "single" if len(turns) == 1 else "multi",
                        "right": all(t["right"] for t in turns), "turns": turns})
    return out


def summarise_tool_dialogues(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def metrics(rs: list[dict[str, Any]]) -> dict[str, float]:
        single = [r for r in rs if r["kind"] == "single"]
        multi = [r for r in rs if r["kind"] == "multi"]
        turns = [t for r in rs for t in r["turns"]]
        out = {
            "turns_right": sum(t["right"] for t in turns) / max(1, len(turns)),
            "misreads": float(sum(t["misread"] for t in turns)),
            "silent_misreads": float(sum(bool(t["silent"]) for t in turns)),
            "n": float(len(rs)),
        }
        if single:
            out["single_right"] = sum(r["right"] for r in single) / len(single)
        if multi:
            out["multi_right"] = sum(r["right"] for r in multi) / len(multi)
        out["single.n"], out["multi.n"] = float(len(single)), float(len(multi))
        return out

    with_set = [{**r, "set": dataset_generation(r["id"])} for r in rows]
    return {"overall": metrics(rows) if rows else {}, "per_language": per_group(rows, "language", metrics),
            "per_set": per_group(with_set, "set", metrics)}


# Generations of the tool scripts, by id: written at different times by different writers
# (see evals/datasets/README.md and test/README.md), so each is reported on its own.
_GENERATIONS = (("t2conv-", "test_v2"), ("tconv-", "test_v1"), ("dev4-", "dev4_blind"), ("dev3-", "dev3_blind"),
                ("dev13b-", "dev13b"), ("dev13-", "dev13"))


def dataset_generation(script_id: str) -> str:
    """Which written set a script belongs to ("test_v2", "dev3_blind", …; "scripted" for the first ones)."""
    return next((name for prefix, name in _GENERATIONS if script_id.startswith(prefix)), "scripted")


def failures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "turn": t["n"], "message": t["message"],
             "reasons": t["problems"] + t["value_diffs"] + t["silent"]}
            for r in rows for t in r["turns"] if not t["right"] or t["silent"]]
