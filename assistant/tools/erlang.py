"""Erlang B / Erlang C queueing formulas (M/M/N), in plain floating point.

Conventions
-----------
* Traffic ``a`` is in Erlangs: arrivals per second × mean handling time in
  seconds (equivalently contacts per interval × AHT / interval length).
* ``n`` is the number of servers (agents, or chat slots) actually answering.
* Times (``aht``, ``answer_time``, ASA) are in seconds; service level,
  occupancy and probabilities are fractions in [0, 1].
* The queue is only stable when ``n > a``. For ``n <= a`` the functions
  return the limiting values: probability of waiting 1, service level 0,
  ASA infinite (``math.inf``).

Numerical method
----------------
Erlang B is computed with the recursion ``B(k) = a·B(k-1) / (k + a·B(k-1))``,
``B(0) = 1``, which stays in [0, 1] and cannot overflow (unlike the textbook
``a**n / n!`` sums). For large traffic the recursion is started at
``k0 = a - 12·sqrt(a)`` from the fluid approximation ``B ≈ 1 - k0/a`` instead
of at 0: each step below ``a`` multiplies the starting error by about
``k/a``, so by ``k = a`` the error has shrunk by ``exp(-72)`` — far below
double precision — while the work drops from O(a) to O(sqrt(a)) steps.
Erlang C follows from B: ``C = n·B / (n - a·(1 - B))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from assistant.tools.checks import EPS

# Start the warm recursion this many standard deviations (sqrt(a)) below a.
_WARM_START_SIGMAS = 12.0
# Below this traffic the full recursion from 0 is short anyway.
_WARM_START_MIN_TRAFFIC = 200.0


def _warm_start(a: float) -> tuple[int, float]:
    """(k0, B(k0)) to start the Erlang B recursion from."""
    if a < _WARM_START_MIN_TRAFFIC:
        return 0, 1.0
    k0 = int(a - _WARM_START_SIGMAS * math.sqrt(a))
    return k0, 1.0 - k0 / a


def erlang_b(n: int, a: float) -> float:
    """Blocking probability of an M/M/n/n system with `a` Erlangs offered."""
    if n < 0:
        raise ValueError("n must be >= 0")  # programming error, not user input
    if a <= 0:
        return 0.0 if n > 0 else 1.0
    k, b = _warm_start(a)
    if n < k:
        k, b = 0, 1.0
    while k < n:
        k += 1
        b = a * b / (k + a * b)
    return b


def erlang_c_from_b(n: int, a: float, b: float) -> float:
    """Probability of waiting (Erlang C) from the Erlang B value for the same n, a."""
    if a <= 0:
        return 0.0
    if n <= a:
        return 1.0
    return min(1.0, n * b / (n - a * (1.0 - b)))


def erlang_c(n: int, a: float) -> float:
    """Probability that an arriving contact has to wait (M/M/n)."""
    return erlang_c_from_b(n, a, erlang_b(n, a))


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Steady-state M/M/n figures for one interval.

    `service_level`: fraction answered within the answer time;
    `asa`: average speed of answer in seconds over all contacts (math.inf if
    unstable); `occupancy`: a / n capped at 1; `p_wait`: Erlang C.
    """

    n: int
    traffic: float
    p_wait: float
    service_level: float
    asa: float
    occupancy: float

    @property
    def stable(self) -> bool:
        return self.traffic <= 0 or self.n > self.traffic


def metrics_from_b(n: int, a: float, b: float, aht: float, answer_time: float) -> QueueMetrics:
    """Queue figures for `n` servers given Erlang B value `b` = B(n, a)."""
    if a <= 0:
        return QueueMetrics(n, 0.0, 0.0, 1.0, 0.0, 0.0)
    if n <= a:
        return QueueMetrics(n, a, 1.0, 0.0, math.inf, 1.0)
    c = erlang_c_from_b(n, a, b)
    sl = 1.0 - c * math.exp(-(n - a) * answer_time / aht)
    return QueueMetrics(
        n=n,
        traffic=a,
        p_wait=c,
        service_level=max(0.0, min(1.0, sl)),
        asa=c * aht / (n - a),
        occupancy=a / n,
    )


def queue_metrics(n: int, a: float, aht: float, answer_time: float) -> QueueMetrics:
    """Queue figures for exactly `n` servers (the reverse mode)."""
    return metrics_from_b(n, a, erlang_b(n, a) if n >= 0 else 1.0, aht, answer_time)


def min_servers_for_occupancy(a: float, max_occupancy: float) -> int:
    """Smallest n with a / n <= max_occupancy (with EPS slack for float noise)."""
    return max(1, math.ceil(a / max_occupancy - EPS))


def required_servers(
    a: float,
    aht: float,
    answer_time: float,
    target_service_level: float,
    *,
    max_occupancy: float | None = None,
    min_servers: int = 1,
) -> QueueMetrics:
    """Smallest `n` (at least `min_servers`) meeting the service-level target and,
    if given, `a / n <= max_occupancy`.

    The target counts as met when the achieved service level is within EPS of it,
    so that a target of exactly 1.0 (allowed) is reachable in floating point.
    Service level is increasing in n, so the first n that passes is the minimum.
    Traffic must be > 0 (callers handle empty intervals).
    """
    lower = max(min_servers, math.floor(a) + 1)  # n > a is needed for a stable queue
    if max_occupancy is not None:
        lower = max(lower, min_servers_for_occupancy(a, max_occupancy))
    k, b = _warm_start(a)
    if lower < k:
        k, b = 0, 1.0
    while k < lower:
        k += 1
        b = a * b / (k + a * b)
    while True:
        m = metrics_from_b(k, a, b, aht, answer_time)
        if m.service_level >= target_service_level - EPS:
            return m
        k += 1
        b = a * b / (k + a * b)
