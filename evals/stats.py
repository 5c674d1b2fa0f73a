"""How sure a figure is: bootstrap intervals and the paired comparison with a baseline.

With about a hundred questions one question moves a rate by a point, so a
figure is reported with its item count and a 95 % bootstrap interval, and a
change against the baseline counts as a regression only when items that
passed now fail *and* the paired difference is beyond what resampling the
same items would give by chance. Resampling uses a fixed seed: the same
per-item outcomes always give the same interval and the same verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SEED = 20261203
RESAMPLES = 4000


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def bootstrap_interval(values: Sequence[float], level: float = 0.95, resamples: int = RESAMPLES) -> Interval | None:
    """Percentile bootstrap interval of the mean of per-item values (None for no items)."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return None
    rng = np.random.default_rng(SEED)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return Interval(round(float(low), 4), round(float(high), 4))


@dataclass(frozen=True)
class PairedChange:
    """One metric's per-item comparison with the baseline, over the items both runs have."""

    metric: str
    n: int
    worse: list[str]  # items whose value dropped (a pass that now fails)
    better: list[str]
    mean_delta: float
    #: Share of paired resamples in which the current run is not worse than the baseline:
    #: small means the drop is beyond resampling noise.
    p_not_worse: float
    regression: bool


def paired_change(metric: str, current: Mapping[str, float], baseline: Mapping[str, float], *,
                  higher_is_better: bool = True, alpha: float = 0.05, resamples: int = RESAMPLES) -> PairedChange:
    """Compare per-item values of the items both runs measured.

    A regression needs both: at least one item got worse, and in fewer than
    `alpha` of the paired bootstrap resamples is the current run at least as
    good as the baseline (a one-sided test of the mean difference).
    """
    common = sorted(set(current) & set(baseline))
    sign = 1.0 if higher_is_better else -1.0
    deltas = np.array([sign * (float(current[i]) - float(baseline[i])) for i in common], dtype=np.float64)
    worse = [i for i, d in zip(common, deltas) if d < -1e-12]
    better = [i for i, d in zip(common, deltas) if d > 1e-12]
    if not common:
        return PairedChange(metric, 0, [], [], 0.0, 1.0, False)
    if not worse:
        return PairedChange(metric, len(common), [], better, float(deltas.mean()), 1.0, False)
    rng = np.random.default_rng(SEED)
    means = deltas[rng.integers(0, deltas.size, size=(resamples, deltas.size))].mean(axis=1)
    p_not_worse = float(np.mean(means >= 0))
    return PairedChange(metric, len(common), worse, better, float(deltas.mean()), round(p_not_worse, 4),
                        p_not_worse < alpha)
