"""Benchmark for the deterministic tools (a script, not a test).

Times one full-day voice staffing plan: 96 × 15-minute intervals, a two-peak
intraday curve with 5,000 contacts per hour at the peak (1,250 per interval),
AHT 300 s, 80/20, 30 % shrinkage, max occupancy 0.9 — every interval has a
different volume, so nothing is reused between intervals. Also times a single
10,000-contacts-per-hour interval, a 36-month cost comparison, argument
extraction, and routing: the word rules alone, and the whole router with the
exemplar vote given an already computed query vector (so the figure is the
routing cost *beyond* the embedding, which retrieval needs anyway). Prints
median and p95 wall time over many runs; the routing rows run over a mix of
messages in five languages (commands, tool requests, questions, checklist
requests, values for a waiting tool).

Run:  .venv/bin/python evals/bench/bench_tools.py [--runs 300]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from assistant.tools import (
    CostComparisonRequest,
    OutsourcingOffer,
    StaffingRequest,
    compare_costs,
    extract_arguments,
    plan_staffing,
)

PEAK_PER_HOUR = 5000.0
INTERVAL_MINUTES = 15


def day_curve(intervals: int = 96) -> list[float]:
    """Two peaks (10:30 and 14:30) over a low night floor; shares sum to 1."""
    raw = []
    for i in range(intervals):
        hour = (i + 0.5) * 24.0 / intervals
        morning = math.exp(-(((hour - 10.5) / 2.0) ** 2))
        afternoon = 0.85 * math.exp(-(((hour - 14.5) / 2.5) ** 2))
        raw.append(0.02 + morning + afternoon + i * 1e-6)  # + i·1e-6: all volumes distinct
    total = sum(raw)
    return [r / total for r in raw]


def full_day_request() -> StaffingRequest:
    curve = day_curve()
    peak_share = max(curve)
    per_interval_peak = PEAK_PER_HOUR * INTERVAL_MINUTES / 60.0
    return StaffingRequest(
        contacts_per_day=per_interval_peak / peak_share,
        intraday_curve=curve,
        interval_minutes=INTERVAL_MINUTES,
        aht_seconds=300,
        service_level=0.8,
        answer_seconds=20,
        max_occupancy=0.9,
        shrinkage=0.3,
    )


def measure(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(median, p95) in milliseconds, after a few warm-up calls."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return statistics.median(times), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    day = full_day_request()
    plan = plan_staffing(day)
    peak = StaffingRequest(contacts=10_000, interval_minutes=60, aht_seconds=300, service_level=0.8, answer_seconds=20)
    costs = CostComparisonRequest(
        currency="SEK",
        contacts_per_month=40_000,
        aht_seconds=240,
        in_house_fte=30,
        monthly_salary=34_000,
        employer_oncost_pct=0.3142,
        overhead_per_fte_month=8_000,
        offers=[
            OutsourcingOffer(
                name="per_minute", price_per_minute=6.5, monthly_management_fee=20_000, transition_cost=250_000
            ),
            OutsourcingOffer(name="per_contact", price_per_contact=28),
        ],
    )
    message = "Vi får ungefär 1 200 samtal per dag, AHT 4,5 min, 80/20 och 30 % frånvaro."
    route_words, route_all, embedding = routing_cases(args.runs)

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("staffing: full day, 96 x 15 min, peak 5,000/h", lambda: plan_staffing(day)),
        ("staffing: one interval, 10,000 contacts/h", lambda: plan_staffing(peak)),
        ("costs: 2 offers, 36 months + sensitivity", lambda: compare_costs(costs)),
        ("extract: one Swedish message", lambda: extract_arguments(message, language="sv")),
        ("route: words only, mixed messages", route_words),
        ("route: words + exemplar vote (vector given)", route_all),
    ]
    print(
        f"full day: {len(plan.intervals)} intervals, peak {plan.agents} agents, "
        f"peak {plan.scheduled_fte} scheduled, {plan.scheduled_hours:.0f} scheduled hours"
    )
    print(f"{'case':<48} {'median ms':>10} {'p95 ms':>10}   (runs={args.runs})")
    for name, fn in cases:
        median, p95 = measure(fn, args.runs)
        print(f"{name:<48} {median:>10.3f} {p95:>10.3f}")
    median, p95 = measure(embedding, max(20, args.runs // 10))
    print(f"{'(for scale) e5 query embedding, one message':<48} {median:>10.3f} {p95:>10.3f}")


ROUTING_MESSAGES = [
    ("en", "Peak hour: 1,050 calls. AHT 180 s, 80 % in 30 s, shrinkage 32 %", {}),
    ("sv", "Jag vill gå igenom checklistan inför en upphandling av kundtjänst", {}),
    ("fi", "Kannattaako aloittaa pilotilla ennen koko ulkoistusta?", {}),
    ("da", "spring over", {"checklist": {"active": True}}),
    ("nb", "ca 4,5 minutter", {"pending_tool": "staffing", "awaiting": "aht_seconds"}),
    ("en", "Can you walk me through what we need to prepare before outsourcing?", {}),
    ("sv", "Vi har 8 heltidare som tjänar 520 000 kr i årslön, leverantören tar 38 kr per samtal", {}),
    ("en", "hi there!", {}),
]


def routing_cases(runs: int) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], Any]]:
    """Callables routing one message each call (cycling through ROUTING_MESSAGES)."""
    from assistant.embeddings import get_embeddings
    from assistant.intents import IntentClassifier
    from assistant.routing import route

    embeddings = get_embeddings()
    classifier = IntentClassifier(embeddings)
    classifier.warm()
    vectors = [embeddings.embed_query_np(m) for _, m, _ in ROUTING_MESSAGES]
    for lang, message, state in ROUTING_MESSAGES:  # load lemmatisers and vocabulary indexes
        route(message, lang, state)
    counter = {"n": 0}

    def words() -> Any:
        lang, message, state = ROUTING_MESSAGES[counter["n"] % len(ROUTING_MESSAGES)]
        counter["n"] += 1
        return route(message, lang, state)

    def combined() -> Any:
        i = counter["n"] % len(ROUTING_MESSAGES)
        counter["n"] += 1
        lang, message, state = ROUTING_MESSAGES[i]
        return route(message, lang, state, embed=lambda: vectors[i], classifier=classifier)

    def embed() -> Any:
        counter["n"] += 1
        # a new text each time: the embeddings' query cache must not answer
        return embeddings.embed_queries_np([f"{ROUTING_MESSAGES[counter['n'] % len(ROUTING_MESSAGES)][1]} {counter['n']}"])

    return words, combined, embed


if __name__ == "__main__":
    main()
