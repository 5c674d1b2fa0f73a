"""Report files: JSON, Markdown with the change against the baseline, and the chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gate import GateConfig, Threshold, check_thresholds, compare_with_baseline
from evals.report import gate_summary, write_reports

LANGS = ("sv", "fi", "da", "nb", "en")


def rank_block(r5: float) -> dict:
    return {"recall@1": r5 / 2, "recall@3": r5 * 0.8, "recall@5": r5, "mrr@10": r5 * 0.7, "ndcg@10": r5 * 0.75,
            "n": 10.0}


def fake_results() -> dict:
    def summary(r5: float) -> dict:
        return {"overall": rank_block(r5), "cross_lingual": rank_block(r5 - 0.05),
                "same_language": rank_block(r5 + 0.02), "per_language": {lang: rank_block(r5) for lang in LANGS},
                "coverage": {"answerable_covered": 0.95, "unanswerable_declined": 0.9}}

    answers = {"overall": {"language": 1.0, "gold_cited": 0.9, "citations_verbatim": 1.0, "ungrounded_numbers": 0.0,
                           "n": 40.0},
               "per_language": {lang: {"language": 1.0, "n": 8.0} for lang in LANGS}, "cross_lingual": {}}
    per = {"overall": {"accuracy": 0.99, "exact_match": 1.0, "passed": 1.0},
           "per_language": {lang: {"accuracy": 1.0, "exact_match": 1.0, "passed": 1.0} for lang in LANGS}}
    return {
        "meta": {"timestamp": "2026-01-02T03:04:05Z", "mode": "in-process", "url": None, "quick": False,
                 "git": {"commit": "abc1234", "dirty": False}, "cpus": 2, "timings": {"total": 42.0},
                 "notes": ["a note"], "datasets": {"retrieval": 10}, "system": {"index": "build-x"}},
        "metrics": {"retrieval.recall@5": 0.92, "retrieval.mrr@10": 0.70, "routing.accuracy": 0.99,
                    "answers.ungrounded_numbers": 1.0, "conversations.passed": 1.0},
        "sections": {"retrieval": {"hybrid": summary(0.92), "bm25": summary(0.3), "dense": summary(0.5)},
                     "answers": answers, "routing": per, "extraction": per, "conversations": {
                         **per, "scripts": [{"id": "conv-sv", "language": "sv", "turns": 3, "passed": True}]},
                     "tool_reference": {"overall": {"passed": 1.0}, "cases": [
                         {"id": "erlang", "tool": "staffing", "ok": True, "values": 4, "problems": []}]}},
        "failures": {"answers": [{"id": "a1", "language": "sv", "message": "Hur?", "reasons": ["replied in en"]}],
                     "routing": []},
    }


CONFIG = GateConfig(thresholds=[Threshold("retrieval.recall@5", min=0.9), Threshold("answers.ungrounded_numbers",
                                                                                   max=0)],
                    include=["*"], lower_is_better=["*ungrounded_numbers"])


def test_reports_are_written_with_chart_and_baseline_changes(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    results = fake_results()
    baseline = {"meta": {"timestamp": "2025-12-01T00:00:00Z", "git": {"commit": "0ld"}},
                "metrics": {"retrieval.recall@5": 0.97, "retrieval.mrr@10": 0.60, "routing.accuracy": 0.99}}
    violations = check_thresholds(results["metrics"], CONFIG)
    changes = compare_with_baseline(results["metrics"], baseline["metrics"], CONFIG)
    results["gate"] = gate_summary(results, CONFIG, violations, changes, baseline, compared=True)
    paths = write_reports(results, tmp_path, CONFIG, changes)

    assert paths["json"] == tmp_path / "20260102T030405Z.json"
    assert paths["chart"].is_file() and paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert saved["gate"]["passed"] is False
    assert [v["metric"] for v in saved["gate"]["violations"]] == ["answers.ungrounded_numbers"]
    assert [r["metric"] for r in saved["gate"]["regressions"]] == ["retrieval.recall@5"]  # -0.05 > 0.03
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "![Recall@k per language" in md and paths["chart"].name in md
    assert "▼ -0.050 ⚠" in md and "▲ +0.100" in md
    assert "| hybrid (system) |" in md and "| BM25 only |" in md and "| dense only |" in md
    assert "«Hur?» — replied in en" in md
    assert "Gate: ❌ failed" in md


def test_a_second_report_in_the_same_second_does_not_overwrite_the_first(tmp_path: Path) -> None:
    results = fake_results()
    results["gate"] = gate_summary(results, CONFIG, [], [], None, compared=False)
    first = write_reports(results, tmp_path, CONFIG, [])
    second = write_reports(results, tmp_path, CONFIG, [])
    assert first["json"] != second["json"] and first["json"].is_file() and second["json"].is_file()
    assert "No baseline report" in second["markdown"].read_text(encoding="utf-8")
