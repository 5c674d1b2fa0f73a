"""The deterministic tools: argument extraction on `evals/datasets/tools.jsonl`
(exact match, as in tests/tools/test_extract.py) and numeric correctness against
independent reference values in `evals/datasets/tool_reference.jsonl`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evals.conversations import lookup
from evals.grouping import per_group
from evals.jsonl import read_jsonl

DATASETS = Path(__file__).resolve().parent / "datasets"


# ---------------------------------------------------------------- extraction


class ExtractionItem(BaseModel):
    id: str
    language: str
    message: str
    tool: str
    arguments: dict[str, Any]
    expected_field: str | None = None


def load_extraction_dataset(path: Path | None = None) -> list[ExtractionItem]:
    return read_jsonl(Path(path or DATASETS / "tools.jsonl"), ExtractionItem)


def same_arguments(a: Any, b: Any) -> bool:
    """Exact argument match; numbers compare as numbers (1200 == 1200.0)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_arguments(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_arguments(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def run_extraction(items: list[ExtractionItem]) -> list[dict[str, Any]]:
    from assistant.tools import extract_arguments

    rows = []
    for item in items:
        # A bare answer ("4,5 min") only makes sense in a conversation that knows the tool.
        result = extract_arguments(item.message, tool=item.tool if item.expected_field else None,
                                   expected=item.expected_field, language=item.language)
        rows.append({
            "id": item.id, "language": item.language,
            "tool_ok": result.tool == item.tool,
            "ok": result.tool == item.tool and same_arguments(result.arguments, item.arguments),
            "got": {"tool": result.tool, "arguments": result.arguments},
            "expected": {"tool": item.tool, "arguments": item.arguments},
        })
    return rows


def summarise_extraction(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def metrics(rs: list[dict[str, Any]]) -> dict[str, float]:
        return {"exact_match": sum(r["ok"] for r in rs) / len(rs),
                "tool_detected": sum(r["tool_ok"] for r in rs) / len(rs), "n": float(len(rs))}

    return {"overall": metrics(rows) if rows else {},
            "per_language": per_group(rows, "language", metrics)}


# ---------------------------------------------------------------- reference values


class ReferenceCase(BaseModel):
    id: str
    tool: str
    source: str
    request: dict[str, Any]
    expected: dict[str, Any]
    abs_tol: float = 1e-6
    tolerances: dict[str, float] = {}


def load_reference_dataset(path: Path | None = None) -> list[ReferenceCase]:
    return read_jsonl(Path(path or DATASETS / "tool_reference.jsonl"), ReferenceCase)


def check_reference(case: ReferenceCase, result: dict[str, Any]) -> list[str]:
    problems = []
    for path, expected in case.expected.items():
        try:
            got = lookup(result, path)
        except (KeyError, IndexError, ValueError):
            problems.append(f"{path} missing")
            continue
        tol = case.tolerances.get(path, case.abs_tol)
        exact = expected is None or got is None or isinstance(expected, (str, bool)) or isinstance(got, (str, bool))
        if exact or (isinstance(expected, int) and isinstance(got, int)):
            ok = got == expected
        else:
            ok = abs(float(got) - float(expected)) <= tol + 1e-12 * abs(float(expected))
        if not ok:
            problems.append(f"{path} = {got!r}, reference {expected!r} (±{tol:g})")
    return problems


def run_references(client: Any, cases: list[ReferenceCase]) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        try:
            result = client.tool(case.tool, case.request)
            problems = check_reference(case, result)
        except Exception as exc:  # a tool that raises is a failed reference, not a crashed run
            problems = [f"raised {exc.__class__.__name__}: {exc}"]
        rows.append({"id": case.id, "tool": case.tool, "ok": not problems, "values": len(case.expected),
                     "problems": problems})
    return rows


def summarise_references(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def passed(rs: list[dict[str, Any]]) -> dict[str, float]:
        return {"passed": sum(r["ok"] for r in rs) / len(rs), "n": float(len(rs))}

    return {"overall": passed(rows) if rows else {}, "per_tool": per_group(rows, "tool", passed)}
