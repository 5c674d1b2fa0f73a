"""Thresholds and the comparison with the committed baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.gate import GateConfig, Threshold, check_thresholds, compare_with_baseline, load_gate

CONFIG = GateConfig(
    thresholds=[Threshold("retrieval.recall@5", min=0.9), Threshold("answers.ungrounded_numbers", max=0),
                Threshold("routing.accuracy", min=0.95)],
    max_drop=0.03,
    include=["retrieval.*", "answers.*", "routing.*"],
    exclude=["*.per_language.*", "*.n"],
    lower_is_better=["*ungrounded_numbers"],
)


def test_metrics_meeting_their_thresholds_pass() -> None:
    metrics = {"retrieval.recall@5": 0.9, "answers.ungrounded_numbers": 0.0, "routing.accuracy": 1.0}
    assert check_thresholds(metrics, CONFIG) == []


def test_a_metric_below_its_minimum_or_above_its_maximum_is_named() -> None:
    metrics = {"retrieval.recall@5": 0.89, "answers.ungrounded_numbers": 2.0, "routing.accuracy": 0.99}
    failed = check_thresholds(metrics, CONFIG)
    assert [v.metric for v in failed] == ["retrieval.recall@5", "answers.ungrounded_numbers"]
    assert "retrieval.recall@5 = 0.89, required ≥ 0.9" == failed[0].message()


def test_a_thresholded_metric_that_was_not_measured_fails() -> None:
    failed = check_thresholds({"retrieval.recall@5": 0.95, "answers.ungrounded_numbers": 0.0}, CONFIG)
    assert [(v.metric, v.value) for v in failed] == [("routing.accuracy", None)]
    assert "not measured" in failed[0].message()


def test_a_drop_larger_than_the_margin_is_a_regression() -> None:
    baseline = {"retrieval.recall@5": 0.95, "routing.accuracy": 0.99, "retrieval.mrr@10": 0.70}
    current = {"retrieval.recall@5": 0.91, "routing.accuracy": 0.97, "retrieval.mrr@10": 0.75}
    changes = {c.metric: c for c in compare_with_baseline(current, baseline, CONFIG)}
    assert changes["retrieval.recall@5"].regression  # -0.04 > 0.03
    assert not changes["routing.accuracy"].regression  # -0.02 is within the margin
    assert changes["retrieval.mrr@10"].better and changes["retrieval.mrr@10"].describe() == "▲ +0.050"
    assert changes["retrieval.recall@5"].describe() == "▼ -0.040"


def test_lower_is_better_metrics_regress_when_they_rise() -> None:
    changes = compare_with_baseline({"answers.ungrounded_numbers": 1.0}, {"answers.ungrounded_numbers": 0.0}, CONFIG)
    assert changes[0].regression and changes[0].better is False and changes[0].arrow() == "▲"


def test_excluded_metrics_are_compared_but_never_regressions() -> None:
    current = {"retrieval.per_language.fi.recall@5": 0.5, "baselines.bm25.recall@5": 0.1}
    baseline = {"retrieval.per_language.fi.recall@5": 0.9, "baselines.bm25.recall@5": 0.5}
    changes = compare_with_baseline(current, baseline, CONFIG)
    assert len(changes) == 2 and not any(c.regression for c in changes)


def test_unchanged_metrics_and_missing_baselines() -> None:
    assert compare_with_baseline({"routing.accuracy": 0.99}, None, CONFIG) == []
    [same] = compare_with_baseline({"routing.accuracy": 0.99}, {"routing.accuracy": 0.99}, CONFIG)
    assert same.describe() == "=" and same.better is None and not same.regression


def test_the_committed_thresholds_file_loads() -> None:
    config = load_gate()
    names = {t.metric for t in config.thresholds}
    assert {"retrieval.recall@5", "retrieval.cross_lingual.recall@5", "conversations.passed",
            "answers.citations_verbatim", "answers.ungrounded_numbers", "tool_reference.passed"} <= names
    assert config.max_drop == pytest.approx(0.03)
    assert config.lower_better("answers.ungrounded_numbers")
    assert not config.compared("retrieval.per_language.sv.recall@5") and config.compared("routing.accuracy")


def test_a_malformed_threshold_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[thresholds]\n"routing.accuracy" = { minimum = 0.9 }\n', encoding="utf-8")
    with pytest.raises(ValueError, match="routing.accuracy"):
        load_gate(path)


def test_one_item_that_flips_is_noise_not_a_regression() -> None:
    baseline_items = {"retrieval.recall@5": {f"r{i:03d}": 1.0 for i in range(100)}}
    items = {"retrieval.recall@5": {**baseline_items["retrieval.recall@5"], "r007": 0.0}}
    [change] = compare_with_baseline({"retrieval.recall@5": 0.99}, {"retrieval.recall@5": 1.0}, CONFIG,
                                     items, baseline_items)
    assert change.newly_failing == ["r007"] and not change.regression


def test_a_real_drop_is_a_regression_that_names_the_items() -> None:
    baseline_items = {"retrieval.recall@5": {f"r{i:03d}": 1.0 for i in range(100)}}
    failing = [f"r{i:03d}" for i in range(0, 60, 10)]
    items = {"retrieval.recall@5": {k: (0.0 if k in failing else 1.0) for k in baseline_items["retrieval.recall@5"]}}
    [change] = compare_with_baseline({"retrieval.recall@5": 0.94}, {"retrieval.recall@5": 1.0}, CONFIG,
                                     items, baseline_items)
    assert change.regression and change.newly_failing == failing and change.p_not_worse < 0.05


def test_items_that_fail_while_as_many_others_pass_are_no_regression() -> None:
    baseline = {f"r{i:03d}": float(i % 2) for i in range(100)}
    swapped = {k: 1.0 - v for k, v in baseline.items()}
    [change] = compare_with_baseline({"retrieval.recall@5": 0.5}, {"retrieval.recall@5": 0.5}, CONFIG,
                                     {"retrieval.recall@5": swapped}, {"retrieval.recall@5": baseline})
    assert len(change.newly_failing) == 50 and not change.regression


def test_a_metric_without_per_item_values_falls_back_to_the_allowed_drop() -> None:
    [change] = compare_with_baseline({"retrieval.recall@5": 0.90}, {"retrieval.recall@5": 0.95}, CONFIG, {}, {})
    assert change.regression and change.p_not_worse is None


def test_the_bootstrap_interval_is_the_same_every_time() -> None:
    from evals.stats import bootstrap_interval

    values = [1.0] * 90 + [0.0] * 10
    first, second = bootstrap_interval(values), bootstrap_interval(values)
    assert first == second and first.low < 0.9 < first.high and 0.03 < first.half_width < 0.08
