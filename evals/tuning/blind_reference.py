"""Independent expected results for the blind-written dev tool scripts (issue 13: dev3, dev4).

Reads the `dev3-*` and `dev4-*` scripts of evals/datasets/conversations.jsonl, recomputes every
tool turn's `result` from that turn's `values` with a textbook Erlang C and exact
(Fraction) cost arithmetic, and checks the stored figures against it. A turn that
expects `asks_for` instead is checked to lack exactly that one required value.
Nothing here imports the assistant: the point is a second, independent computation
(the dev3 and dev4 writers each wrote one; they were the same formulas, so this is the one copy).

Semantics followed (as documented in assistant/tools/staffing.py and costs.py):

* Staffing: a daily volume is spread evenly over `open_hours` (default 8) intervals
  of `interval_minutes` (default 60); a weekly volume is written as
  `contacts_per_day` = week / `open_days_per_week`. Traffic A = contacts × AHT /
  interval seconds. Agents = smallest N > A with SL = 1 − C(N, A)·exp(−(N − A)·T/AHT)
  ≥ target and, with a cap, A / N ≤ max_occupancy. scheduled_fte =
  ceil(agents / (1 − shrinkage)), an exact integer quotient staying as it is.
  The plan's `agents` / `scheduled_fte` are the peak interval's (all intervals are
  equal for a flat day).
* Costs, steady month (after any transition dip): in-house = FTE × (salary ×
  (1 + on-cost) + overhead) + fixed, or FTE × loaded cost + fixed. An offer =
  per-contact × contacts + per-minute × contacts × AHT / 60 + per-hour ×
  productive hours (given, else contacts × AHT / 3600 / occupancy, default 0.85)
  + per-FTE × FTE (the offer's own, default the in-house FTE) + management fee.

Usage:
    python evals/tuning/blind_reference.py                 # print and check (dev3 and dev4)
    python evals/tuning/blind_reference.py --prefix dev4-  # one set
    python evals/tuning/blind_reference.py --write         # store the computed results in the rows
    python evals/tuning/blind_reference.py --file evals/tuning/dev5.jsonl   # a blind set not yet in the dev split
"""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

DATASET = Path(__file__).resolve().parents[1] / "datasets" / "conversations.jsonl"
PREFIXES = ("dev3-", "dev4-")
# A result this close to a rounding or target boundary could flip with float noise.
MARGIN = 1e-6
TOLERANCE = 0.0005


def fr(value: Any) -> Fraction:
    return Fraction(str(value))


def erlang_c(n: int, a: float) -> float:
    """Probability of waiting, textbook form: (Aⁿ/n! · n/(n−A)) / (Σ_{k<n} Aᵏ/k! + Aⁿ/n! · n/(n−A))."""
    term, total = 1.0, 0.0
    for k in range(n):
        total += term
        term *= a / (k + 1)
    top = term * n / (n - a)
    return top / (total + top)


def service_level(n: int, a: float, aht: float, answer: float) -> float:
    if n <= a:
        return 0.0
    return 1.0 - erlang_c(n, a) * math.exp(-(n - a) * answer / aht)


def interval_contacts(v: dict[str, Any]) -> tuple[Fraction, int]:
    minutes = int(v.get("interval_minutes", 60))
    if "contacts" in v:
        return fr(v["contacts"]), minutes
    intervals = fr(v.get("open_hours", 8)) * 60 / minutes
    assert intervals.denominator == 1, ("open hours must be whole intervals", v)
    return fr(v["contacts_per_day"]) / intervals, minutes


def staffing(v: dict[str, Any]) -> dict[str, int]:
    contacts, minutes = interval_contacts(v)
    a_exact = contacts * fr(v["aht_seconds"]) / (minutes * 60)
    a = float(a_exact)
    aht, answer, target = float(v["aht_seconds"]), float(v["answer_seconds"]), float(v["service_level"])
    cap = fr(v["max_occupancy"]) if "max_occupancy" in v else None
    n = math.floor(a_exact) + 1
    while True:
        sl = service_level(n, a, aht, answer)
        occupancy_ok = cap is None or a_exact / n <= cap
        if occupancy_ok and sl >= target:
            break
        if occupancy_ok:  # rejected on service level: it must be clearly below
            assert target - sl > MARGIN, ("borderline service level", v, n, sl)
        n += 1
    assert sl - target > MARGIN, ("borderline service level", v, n, sl)
    shrink = fr(v.get("shrinkage", 0))
    quotient = n / (1 - shrink)
    scheduled = math.ceil(quotient)
    assert quotient.denominator == 1 or scheduled - quotient > MARGIN, ("borderline FTE rounding", v)
    return {"agents": n, "scheduled_fte": scheduled}


def in_house(v: dict[str, Any]) -> Fraction | None:
    if "in_house_fte" not in v:
        return None
    fte = fr(v["in_house_fte"])
    if "loaded_cost_per_fte_month" in v:
        per_fte = fr(v["loaded_cost_per_fte_month"])
    else:
        per_fte = fr(v["monthly_salary"]) * (1 + fr(v.get("employer_oncost_pct", 0))) + fr(
            v.get("overhead_per_fte_month", 0))
    return fte * per_fte + fr(v.get("fixed_costs_month", 0))


def offer(v: dict[str, Any], o: dict[str, Any]) -> Fraction:
    contacts = fr(v.get("contacts_per_month", 0))
    cost = Fraction(0)
    if "price_per_contact" in o:
        cost += fr(o["price_per_contact"]) * contacts
    if "price_per_minute" in o:
        cost += fr(o["price_per_minute"]) * contacts * fr(v["aht_seconds"]) / 60
    if "price_per_productive_hour" in o:
        if "productive_hours_per_month" in v:
            hours = fr(v["productive_hours_per_month"])
        else:
            hours = contacts * fr(v["aht_seconds"]) / 3600 / fr(v.get("occupancy", "0.85"))
        cost += fr(o["price_per_productive_hour"]) * hours
    if "price_per_fte_month" in o:
        cost += fr(o["price_per_fte_month"]) * fr(o.get("fte", v.get("in_house_fte")))
    cost *= 1 + fr(o.get("incentive_pct", 0))
    return cost + fr(o.get("monthly_management_fee", 0))


def money(x: Fraction) -> float | int:
    """3 decimals (the harness matches within 0.0005); integers stay integers."""
    if x.denominator == 1:
        return int(x)
    rounded = round(float(x), 3)
    assert abs(fr(rounded) - x) < Fraction(4, 10_000), ("rounding too close to the tolerance", x)
    return rounded


def costs(v: dict[str, Any]) -> dict[str, float | int]:
    result: dict[str, float | int] = {}
    base = in_house(v)
    if base is not None:
        result["in_house.steady_monthly"] = money(base)
    for i, o in enumerate(v["offers"]):
        result[f"offers.{i}.steady_monthly"] = money(offer(v, o))
    return result


def missing(tool: str, v: dict[str, Any]) -> list[str]:
    """Required values absent from `v`, by the calculators' documented rules."""
    if tool == "staffing":
        gaps = [] if "contacts" in v or "contacts_per_day" in v else ["contacts"]
        return gaps + [k for k in ("aht_seconds", "service_level", "answer_seconds") if k not in v]
    offers = v.get("offers") or []
    gaps = [] if offers else ["offers"]
    has_in_house = any(k in v for k in ("in_house_fte", "monthly_salary", "loaded_cost_per_fte_month"))
    if has_in_house or len(offers) < 2:
        gaps += [] if "in_house_fte" in v else ["in_house_fte"]
        gaps += [] if "loaded_cost_per_fte_month" in v or "monthly_salary" in v else ["monthly_salary"]
    hours_given = "productive_hours_per_month" in v
    for i, o in enumerate(offers):
        by_volume = "price_per_contact" in o or "price_per_minute" in o or (
            "price_per_productive_hour" in o and not hours_given)
        if by_volume and "contacts_per_month" not in v and "contacts_per_month" not in gaps:
            gaps.append("contacts_per_month")
        by_time = "price_per_minute" in o or ("price_per_productive_hour" in o and not hours_given)
        if by_time and "aht_seconds" not in v and "aht_seconds" not in gaps:
            gaps.append("aht_seconds")
        if "price_per_fte_month" in o and "fte" not in o and "in_house_fte" not in v:
            gaps.append(f"offers.{i}.fte")
    return gaps


def expected(tool: str, values: dict[str, Any]) -> dict[str, Any]:
    return staffing(values) if tool == "staffing" else costs(values)


def matches(stored: dict[str, Any], computed: dict[str, Any]) -> bool:
    return stored.keys() == computed.keys() and all(
        abs(float(stored[k]) - float(computed[k])) <= TOLERANCE for k in computed)


def main(argv: list[str]) -> int:
    write = "--write" in argv
    prefixes = (argv[argv.index("--prefix") + 1],) if "--prefix" in argv else PREFIXES
    dataset = Path(argv[argv.index("--file") + 1]) if "--file" in argv else DATASET
    if "--file" in argv and "--prefix" not in argv:
        prefixes = ("dev",)
    lines = dataset.read_text(encoding="utf-8").splitlines()
    out, bad, checked = [], 0, 0
    for line in lines:
        if not any(line.startswith(f'{{"id": "{prefix}') for prefix in prefixes):  # only the blind rows are read
            out.append(line)
            continue
        row = json.loads(line)
        for number, turn in enumerate(row["turns"], start=1):
            e = turn["expect"]
            gaps = missing(e["tool"], e["values"])
            if "result" not in e:
                ok = gaps == [e.get("asks_for")]
                bad += not ok
                print(f"{row['id']:28} t{number} {'ok ' if ok else 'BAD'} asks_for {e.get('asks_for')} (missing {gaps})")
                continue
            if gaps:
                bad += 1
                print(f"{row['id']:28} t{number} BAD result expected but missing {gaps}")
            computed = expected(e["tool"], e["values"])
            checked += 1
            ok = matches(e["result"], computed)
            if write:
                e["result"] = computed
            elif not ok:
                bad += 1
            print(f"{row['id']:28} t{number} {'ok ' if ok or write else 'BAD'} {computed}")
        out.append(json.dumps(row, ensure_ascii=False))
    if write:
        dataset.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{checked} tool results {'written' if write else 'checked'}, {bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
