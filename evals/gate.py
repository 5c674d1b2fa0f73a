"""The quality gate: thresholds from `evals/thresholds.toml` and the comparison
with the committed baseline report."""

from __future__ import annotations

import fnmatch
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


@dataclass(frozen=True)
class Threshold:
    metric: str
    min: float | None = None
    max: float | None = None

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f"≥ {self.min:g}")
        if self.max is not None:
            parts.append(f"≤ {self.max:g}")
        return " and ".join(parts)

    def met_by(self, value: float) -> bool:
        eps = 1e-12
        return (self.min is None or value >= self.min - eps) and (self.max is None or value <= self.max + eps)


@dataclass
class GateConfig:
    thresholds: list[Threshold]
    max_drop: float = 0.03
    include: list[str] = field(default_factory=lambda: ["*"])
    exclude: list[str] = field(default_factory=list)
    lower_is_better: list[str] = field(default_factory=list)

    def compared(self, metric: str) -> bool:
        return any(fnmatch.fnmatchcase(metric, p) for p in self.include) and not any(
            fnmatch.fnmatchcase(metric, p) for p in self.exclude)

    def lower_better(self, metric: str) -> bool:
        return any(fnmatch.fnmatchcase(metric, p) for p in self.lower_is_better)

    def threshold(self, metric: str) -> Threshold | None:
        return next((t for t in self.thresholds if t.metric == metric), None)


def load_gate(path: Path | None = None) -> GateConfig:
    with open(path or THRESHOLDS, "rb") as fh:
        data = tomllib.load(fh)
    thresholds = []
    for metric, spec in (data.get("thresholds") or {}).items():
        if not isinstance(spec, dict) or not ({"min", "max"} & set(spec)) or set(spec) - {"min", "max"}:
            raise ValueError(f"{path or THRESHOLDS}: threshold {metric!r} must be {{ min = x }} and/or {{ max = y }}")
        thresholds.append(Threshold(metric, spec.get("min"), spec.get("max")))
    base = data.get("baseline") or {}
    return GateConfig(
        thresholds=thresholds,
        max_drop=float(base.get("max_drop", 0.03)),
        include=list(base.get("include", ["*"])),
        exclude=list(base.get("exclude", [])),
        lower_is_better=list(base.get("lower_is_better", [])),
    )


@dataclass
class Violation:
    metric: str
    value: float | None
    rule: str

    def message(self) -> str:
        value = "not measured" if self.value is None else f"{self.value:.4g}"
        return f"{self.metric} = {value}, {self.rule}"


def check_thresholds(metrics: dict[str, float], config: GateConfig) -> list[Violation]:
    out = []
    for t in config.thresholds:
        value = metrics.get(t.metric)
        if value is None:
            out.append(Violation(t.metric, None, f"required {t.describe()}"))
        elif not t.met_by(value):
            out.append(Violation(t.metric, value, f"required {t.describe()}"))
    return out


@dataclass
class Change:
    metric: str
    current: float
    baseline: float
    delta: float
    #: True when the change is for the better (False for worse, None when equal).
    better: bool | None
    regression: bool
    #: Items (question, script, case ids) that passed in the baseline and fail now.
    newly_failing: list[str] = field(default_factory=list)
    newly_passing: list[str] = field(default_factory=list)
    #: Share of paired bootstrap resamples in which this run is at least as good (None: no per-item values).
    p_not_worse: float | None = None

    def arrow(self) -> str:
        if abs(self.delta) < 1e-12:
            return "="
        return "▲" if self.delta > 0 else "▼"

    def describe(self) -> str:
        if abs(self.delta) < 1e-12:
            return "="
        return f"{self.arrow()} {self.delta:+.3f}"


def compare_with_baseline(metrics: dict[str, float], baseline: dict[str, float] | None,
                          config: GateConfig, items: dict[str, dict[str, float]] | None = None,
                          baseline_items: dict[str, dict[str, float]] | None = None) -> list[Change]:
    """Every metric present in both runs, with its change.

    With per-item values on both sides (`items`, `baseline_items`), a gated
    metric regresses when items that passed now fail *and* the paired
    difference is beyond bootstrap noise (see `evals.stats.paired_change`): a
    one-question wobble on ~100 items is not a regression, and a real drop
    names the questions that fell. Without per-item values (an old baseline,
    a count such as ungrounded numbers) the aggregate may not worsen by more
    than `max_drop`.
    """
    from evals.stats import paired_change

    if not baseline:
        return []
    items, baseline_items = items or {}, baseline_items or {}
    out = []
    for metric, current in metrics.items():
        if metric not in baseline or not isinstance(baseline[metric], (int, float)):
            continue
        old = float(baseline[metric])
        delta = current - old
        lower = config.lower_better(metric)
        worse_by = delta if lower else -delta
        better = None if abs(delta) < 1e-12 else worse_by < 0
        if metric in items and metric in baseline_items:
            paired = paired_change(metric, items[metric], baseline_items[metric], higher_is_better=not lower)
            regression = config.compared(metric) and paired.regression
            out.append(Change(metric, current, old, delta, better, regression, paired.worse, paired.better,
                              paired.p_not_worse))
        else:
            regression = config.compared(metric) and worse_by > config.max_drop + 1e-12
            out.append(Change(metric, current, old, delta, better, regression))
    return out


def load_baseline(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
