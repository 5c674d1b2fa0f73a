"""Tool dialogues are judged per turn and reported per written set."""

from __future__ import annotations

from evals.report import tool_set_rows
from evals.tool_dialogues import dataset_generation, summarise_tool_dialogues


def row(script_id: str, *rights: bool) -> dict:
    turns = [{"n": n, "message": "…", "right": ok, "misread": False, "silent": [], "problems": [], "value_diffs": []}
             for n, ok in enumerate(rights, 1)]
    return {"id": script_id, "language": "sv", "kind": "single" if len(rights) == 1 else "multi",
            "right": all(rights), "turns": turns}


def test_each_script_belongs_to_the_set_it_was_written_in() -> None:
    assert [dataset_generation(i) for i in ("t2conv-sv-1", "tconv-da-2", "dev4-fi-3", "dev3-en-1", "dev13b-x",
                                            "dev13-y", "conv-sv-staffing")] == [
        "test_v2", "test_v1", "dev4_blind", "dev3_blind", "dev13b", "dev13", "scripted"]


def test_the_summary_reports_every_set_on_its_own() -> None:
    summary = summarise_tool_dialogues([row("t2conv-a", True), row("t2conv-b", False), row("dev3-a", True, True)])
    assert summary["per_set"]["test_v2"]["single_right"] == 0.5
    assert summary["per_set"]["dev3_blind"]["multi_right"] == 1.0
    rows = tool_set_rows({"sections": {"test.tool_dialogues": summary}})
    assert ["test_v2", "test", "0.500 (n = 2)", "—", "0"] in rows
