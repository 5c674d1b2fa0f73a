"""Independent reference for the v2 held-out tool rows (`t2conv-*` in conversations.jsonl).

Run from the repository root:

    python evals/datasets/test/holdout_v2_reference.py          # check every expected result
    python evals/datasets/test/holdout_v2_reference.py --print  # also print the computed figures
    python evals/datasets/test/holdout_v2_reference.py --pyworkforce  # and cross-check with pyworkforce

It reads each `t2conv-*` script, accumulates the turns' `values` (a later value replaces an
earlier one; `offers` entries merge by position, `{}` = that offer unchanged), rebuilds the
canonical tool request and recomputes every expected figure. It does not import anything from
`assistant/`: the queueing maths is a textbook Erlang C written here with exact fractions, and the
cost model is re-implemented with `fractions.Fraction` from the conventions that
`assistant/tools/costs.py` documents in its module docstring. Where the conventions matter they
are the documented ones of the tools (see the comments below), so that the expectations measure
whether a message was *understood*, not a different definition of the same figure.

Also checked: that each row's derived values agree with the descriptive ones (talk + wrap-up = AHT,
weekly volume / open days = daily volume, opening hours "8-20" = 12 open hours, yearly amounts / 12,
a team total / FTE), that an `asks_for` turn lacks exactly that one value, that a tool turn without
`result` and `asks_for` lacks at least two, and that no staffing case sits on a knife edge.
"""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PREFIX = "t2conv-"

# Float slack the tools document for "target met" and for ceil(); the cases are chosen well away
# from it (see MIN_MARGIN), so it only guards against representation noise here.
EPS = 1e-9
# No case may have its achieved service level within this of the target at N, nor the level at N - 1
# within this below the target, nor an occupancy cap within this of binding the other way.
MIN_MARGIN = 0.001
# Published figures are rounded to 3 decimals and compared within 0.0005: keep away from the .0005 edge.
ROUND_EDGE = 0.00049

# --------------------------------------------------------------------------------------- staffing


def F(x: Any) -> Fraction:
    """Exact fraction of a JSON number (via its decimal text, so 0.3142 is 3142/10000)."""
    return Fraction(str(x))


def erlang_c(n: int, a: Fraction) -> Fraction:
    """Probability of waiting, textbook form:
    C = (a^n/n! * n/(n-a)) / (sum_{k<n} a^k/k! + a^n/n! * n/(n-a)), exact for rational a."""
    assert n > a
    term = Fraction(1)  # a^k / k!
    total = Fraction(0)
    for k in range(n):
        total += term
        term = term * a / (k + 1)
    top = term * n / (n - a)
    return top / (total + top)


def service_level(n: int, a: Fraction, aht: Fraction, t: Fraction) -> float:
    """SL = 1 - C(n, a) * exp(-(n - a) * t / aht): share answered within t seconds."""
    if n <= a:
        return 0.0
    c = erlang_c(n, a)
    return 1.0 - float(c) * math.exp(-float((n - a) * t / aht))


def staffing(req: dict[str, Fraction | None]) -> dict[str, Any]:
    """Agents per (peak) interval for one canonical request.

    Conventions followed from assistant/tools/staffing.py's docstring:
    * traffic A = contacts x AHT / (interval_minutes x 60), AHT = talk + after-call work;
    * a daily volume without a curve is spread evenly over open_hours (whole intervals), so
      every interval gets contacts_per_day / (open_hours x 60 / interval_minutes) contacts;
    * agents = the smallest N > A meeting the service-level target and, if a cap is given,
      A / N <= max_occupancy;
    * scheduled FTE = ceil(agents / (1 - shrinkage)), applied after the queue maths;
    * service level and occupancy are those of the productive agents.
    """
    interval = req["interval_minutes"] or Fraction(60)
    if req["contacts"] is not None:
        contacts = req["contacts"]
    else:
        intervals = req["open_hours"] * 60 / interval
        assert intervals.denominator == 1, "open hours must be whole intervals"
        contacts = req["contacts_per_day"] / intervals
    aht, target, t = req["aht_seconds"], req["service_level"], req["answer_seconds"]
    a = contacts * aht / (interval * 60)
    cap = req["max_occupancy"]
    n_sl = math.floor(a) + 1
    while service_level(n_sl, a, aht, t) < float(target) - EPS:
        n_sl += 1
    n_cap = 0 if cap is None else math.ceil(a / cap)
    n = max(n_sl, n_cap)
    sl = service_level(n, a, aht, t)
    # knife edges: the SL-driven N must pass clearly, N - 1 must fail clearly
    if n == n_sl:
        assert sl - float(target) >= MIN_MARGIN, ("SL too close to target at N", n, sl)
    assert float(target) - service_level(n_sl - 1, a, aht, t) >= MIN_MARGIN, ("N-1 too close", n_sl)
    if cap is not None:
        # the cap must decide clearly: A/N well below the cap, and A/(N-1) well above it when it binds
        assert float(cap - a / n) >= MIN_MARGIN or n_sl > n_cap, ("occupancy on the cap", n)
        if n_cap > n_sl:
            assert float(a / (n_cap - 1) - cap) >= MIN_MARGIN, ("cap knife edge", n_cap)
    out: dict[str, Any] = {
        "traffic": a,
        "contacts_per_interval": contacts,
        "interval_minutes": interval,
        "agents": n,
        "agents_for_sl": n_sl,
        "agents_for_cap": n_cap,
        "service_level": sl,
        "occupancy": float(a / n),
        "cap_binds": n_cap > n_sl,
    }
    shrink = req["shrinkage"]
    if shrink:
        exact = Fraction(n) / (1 - shrink)
        assert abs(exact - round(exact)) > Fraction(1, 1000), ("scheduled FTE on an integer", exact)
        out["scheduled_fte"] = math.ceil(exact)
        out["scheduled_exact"] = exact
    return out


STAFFING_FIELDS = ("contacts", "interval_minutes", "contacts_per_day", "open_hours", "aht_seconds",
                   "service_level", "answer_seconds", "shrinkage", "max_occupancy")


def staffing_request(v: dict[str, Any]) -> tuple[dict[str, Fraction | None], list[str]]:
    req = {k: (F(v[k]) if v.get(k) is not None else None) for k in STAFFING_FIELDS}
    missing = []
    if req["contacts"] is None and req["contacts_per_day"] is None:
        missing.append("contacts")
    for k in ("aht_seconds", "service_level", "answer_seconds"):
        if req[k] is None:
            missing.append(k)
    if req["contacts_per_day"] is not None and req["open_hours"] is None:
        missing.append("open_hours")  # never used by the rows: every daily volume states its hours
    return req, missing


def staffing_result(out: dict[str, Any]) -> dict[str, Any]:
    res = {"agents": out["agents"], "service_level": round(out["service_level"], 3),
           "occupancy": round(out["occupancy"], 3)}
    if "scheduled_fte" in out:
        res["scheduled_fte"] = out["scheduled_fte"]
    for key in ("service_level", "occupancy"):
        assert abs(out[key] - res[key]) < ROUND_EDGE, ("rounding edge", key, out[key])
    return res


def check_staffing_derivations(v: dict[str, Any]) -> None:
    if "talk_seconds" in v or "wrap_up_seconds" in v:
        assert F(v["aht_seconds"]) == F(v["talk_seconds"]) + F(v["wrap_up_seconds"]), v
    if "contacts_per_week" in v:
        assert F(v["contacts_per_day"]) == F(v["contacts_per_week"]) / F(v["open_days_per_week"]), v
    if "opening_hours" in v:
        start, end = v["opening_hours"]
        assert F(v["open_hours"]) == F(end) - F(start), v


# ------------------------------------------------------------------------------------------ costs

HORIZON = 36           # CostComparisonRequest defaults (costs.py): 36 months,
TRANSITION_MONTHS = 3  # a 3-month transition dip
DIP_LOSS = Fraction(1, 5)  # losing 20 % efficiency in month 1, recovering linearly


def dip(month: int) -> Fraction:
    """Documented dip: loss x (M - m + 1) / M in month m <= M, none after."""
    if month > TRANSITION_MONTHS:
        return Fraction(0)
    return DIP_LOSS * (TRANSITION_MONTHS - month + 1) / TRANSITION_MONTHS


def offer_month(offer: dict[str, Fraction], req: dict[str, Any], month: int) -> Fraction:
    """Usage fees + management fee. Time-based quantities (minutes, productive hours, FTE) are
    inflated by 1 / (1 - loss) in dip months; per-contact prices are not (costs.py docstring).
    Per-FTE pricing bills the offer's own FTE, or the in-house FTE when the offer names none."""
    inflate = 1 / (1 - dip(month))
    contacts = req.get("contacts_per_month") or Fraction(0)
    usage = Fraction(0)
    if offer.get("price_per_contact") is not None:
        usage += offer["price_per_contact"] * contacts
    if offer.get("price_per_minute") is not None:
        usage += offer["price_per_minute"] * contacts * req["aht_seconds"] / 60 * inflate
    if offer.get("price_per_productive_hour") is not None:
        hours = req.get("productive_hours_per_month")
        assert hours is not None  # every per-hour row states its hours
        usage += offer["price_per_productive_hour"] * hours * inflate
    if offer.get("price_per_fte_month") is not None:
        fte = offer.get("fte") if offer.get("fte") is not None else req["in_house_fte"]
        usage += offer["price_per_fte_month"] * fte * inflate
    return usage + offer.get("monthly_management_fee", Fraction(0))


def in_house_month(req: dict[str, Any]) -> Fraction:
    """FTE x (monthly salary x (1 + on-cost) + overhead per FTE). A fully loaded amount is the
    monthly salary with no on-cost (the tool's loaded_cost_per_fte_month gives the same figure)."""
    oncost = req.get("employer_oncost_pct") or Fraction(0)
    overhead = req.get("overhead_per_fte_month") or Fraction(0)
    return req["in_house_fte"] * (req["monthly_salary"] * (1 + oncost) + overhead)


COST_FIELDS = ("contacts_per_month", "aht_seconds", "in_house_fte", "monthly_salary", "employer_oncost_pct",
               "overhead_per_fte_month", "productive_hours_per_month")
OFFER_FIELDS = ("price_per_contact", "price_per_minute", "price_per_productive_hour", "price_per_fte_month",
                "fte", "monthly_management_fee")


def cost_request(v: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    req: dict[str, Any] = {k: (F(v[k]) if v.get(k) is not None else None) for k in COST_FIELDS}
    req["offers"] = [{k: F(o[k]) for k in OFFER_FIELDS if o.get(k) is not None} for o in v.get("offers", [])]
    missing: list[str] = []
    offers = req["offers"]
    in_house_given = any(req[k] is not None for k in ("in_house_fte", "monthly_salary"))
    needs_volume = any(o.get("price_per_contact") is not None or o.get("price_per_minute") is not None
                       or (o.get("price_per_productive_hour") is not None
                           and req["productive_hours_per_month"] is None) for o in offers)
    if needs_volume and req["contacts_per_month"] is None:
        missing.append("contacts_per_month")
    if in_house_given or len(offers) < 2:
        if req["in_house_fte"] is None:
            missing.append("in_house_fte")
        if req["monthly_salary"] is None:
            missing.append("monthly_salary")
    if not offers:
        missing.append("offers")
    needs_aht = any(o.get("price_per_minute") is not None
                    or (o.get("price_per_productive_hour") is not None and req["productive_hours_per_month"] is None)
                    for o in offers)
    if needs_aht and req["aht_seconds"] is None:
        missing.append("aht_seconds")
    return req, missing


def costs(req: dict[str, Any]) -> dict[str, Any]:
    res: dict[str, Any] = {}
    has_in_house = req["in_house_fte"] is not None and req["monthly_salary"] is not None
    ih = in_house_month(req) if has_in_house else None
    totals = []
    for i, offer in enumerate(req["offers"]):
        steady = offer_month(offer, req, HORIZON + 1)
        total = sum((offer_month(offer, req, m) for m in range(1, HORIZON + 1)), Fraction(0))
        totals.append(total)
        res[f"offers.{i}.steady_monthly"] = steady
        if ih is not None:
            res[f"offers.{i}.steady_monthly_savings"] = ih - steady
            res[f"offers.{i}.savings_total"] = ih * HORIZON - total
    if ih is not None:
        res["in_house.steady_monthly"] = ih
    else:
        cheapest = min(totals)
        for i, total in enumerate(totals):
            res[f"offers.{i}.difference_to_cheapest"] = total - cheapest
    return res


def cost_result(res: dict[str, Fraction]) -> dict[str, float]:
    return {k: round(float(x), 3) for k, x in sorted(res.items())}


def check_cost_derivations(v: dict[str, Any]) -> None:
    if "annual_salary" in v:
        assert abs(F(v["monthly_salary"]) - F(v["annual_salary"]) / 12) < Fraction(1, 1000), v
    if "annual_cost_per_fte" in v:
        assert abs(F(v["monthly_salary"]) - F(v["annual_cost_per_fte"]) / 12) < Fraction(1, 1000), v
        assert v.get("fully_loaded") is True, v
    if "annual_team_cost" in v:
        expect = F(v["annual_team_cost"]) / 12 / F(v["in_house_fte"])
        assert abs(F(v["monthly_salary"]) - expect) < Fraction(1, 1000), v
        assert v.get("fully_loaded") is True, v
    if v.get("fully_loaded"):
        assert not v.get("employer_oncost_pct") and not v.get("overhead_per_fte_month"), v


def exact_monthly_salary(v: dict[str, Any]) -> dict[str, Any]:
    """Yearly amounts are written with 3 decimals in `values`; compute with the exact twelfth."""
    v = dict(v)
    if "annual_salary" in v:
        v["monthly_salary"] = Fraction(str(v["annual_salary"])) / 12
    if "annual_cost_per_fte" in v:
        v["monthly_salary"] = Fraction(str(v["annual_cost_per_fte"])) / 12
    if "annual_team_cost" in v:
        v["monthly_salary"] = Fraction(str(v["annual_team_cost"])) / 12 / Fraction(str(v["in_house_fte"]))
    return v


# ----------------------------------------------------------------------------------------- driver


def merge(acc: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(acc)
    for key, value in new.items():
        if key == "offers":
            offers = [dict(o) for o in out.get("offers", [])]
            for i, o in enumerate(value):
                if i < len(offers):
                    offers[i].update(o)
                else:
                    offers.append(dict(o))
            out["offers"] = offers
        else:
            out[key] = value
    return out


def compute(tool: str, acc: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str], dict[str, Any]]:
    """(result or None, missing fields, details) for the accumulated values."""
    if tool == "staffing":
        check_staffing_derivations(acc)
        req, missing = staffing_request(acc)
        if missing:
            return None, missing, {}
        out = staffing(req)
        return staffing_result(out), [], out
    check_cost_derivations(acc)
    exact = exact_monthly_salary(acc)
    req, missing = cost_request(exact)
    if exact.get("monthly_salary") is not None:
        req["monthly_salary"] = Fraction(exact["monthly_salary"])
    if missing:
        return None, missing, {}
    res = costs(req)
    return cost_result(res), [], res


def describe(tool: str, details: dict[str, Any]) -> str:
    """One line of arithmetic for the row's description."""
    if tool == "staffing":
        d = details
        s = (f"{float(d['contacts_per_interval']):g} contacts per {int(d['interval_minutes'])} min; "
             f"A = {float(d['traffic']):.4f} Erlangs; N = {d['agents']} (SL {d['service_level']:.4f}, "
             f"occupancy {d['occupancy']:.4f}")
        if d["cap_binds"]:
            s += f"; the occupancy cap binds, SL alone needs {d['agents_for_sl']}"
        s += ")"
        if "scheduled_fte" in d:
            s += f"; scheduled FTE = ceil({d['agents']} / (1 - shrinkage)) = ceil({float(d['scheduled_exact']):.3f})" \
                 f" = {d['scheduled_fte']}"
        return s
    return "; ".join(f"{k} = {float(x):.3f}" for k, x in sorted(details.items()))


def pyworkforce_agents(details: dict[str, Any], req: dict[str, Any]) -> tuple[int, int | None]:
    """Second opinion from pyworkforce 0.5.1 (optional): (raw positions, positions with shrinkage)."""
    from pyworkforce.queuing import ErlangC  # type: ignore[import-untyped]

    erlang = ErlangC(transactions=float(details["contacts_per_interval"]), aht=float(req["aht_seconds"]),
                     asa=float(req["answer_seconds"]), interval=int(details["interval_minutes"]) * 60,
                     shrinkage=float(req["shrinkage"] or 0))
    cap = float(req["max_occupancy"]) if req["max_occupancy"] is not None else 1.0
    out = erlang.required_positions(service_level=float(req["service_level"]), max_occupancy=cap)
    return out["raw_positions"], (out["positions"] if req["shrinkage"] else None)


def check(path: Path, show: bool, cross: bool = False) -> int:
    failures = 0
    count = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if not row["id"].startswith(PREFIX):
            continue
        acc: dict[str, Any] = {}
        for n, turn in enumerate(row["turns"], start=1):
            e = turn["expect"]
            tool = {"staffing_plan": "staffing"}.get(e.get("tool"), e.get("tool"))
            acc = merge(acc, e.get("values", {}))
            result, missing, details = compute(tool, acc)
            where = f"{row['id']} turn {n}"
            if "result" in e:
                count += 1
                if cross and tool == "staffing":
                    req, _ = staffing_request(acc)
                    raw, scheduled = pyworkforce_agents(details, req)
                    if raw != details["agents"] or scheduled != details.get("scheduled_fte"):
                        failures += 1
                        print(f"PYWORKFORCE {where}: {raw}/{scheduled} vs {details['agents']}/"
                              f"{details.get('scheduled_fte')}")
                if result != e["result"]:
                    failures += 1
                    print(f"MISMATCH {where}: expected {e['result']}, reference {result}")
                elif show:
                    print(f"{where}: {result}  [{describe(tool, details)}]")
            elif "asks_for" in e:
                count += 1
                if missing != [e["asks_for"]]:
                    failures += 1
                    print(f"MISMATCH {where}: asks_for {e['asks_for']}, reference missing {missing}")
                elif show:
                    print(f"{where}: asks for {missing[0]}")
            else:
                if len(missing) < 2:
                    failures += 1
                    print(f"MISMATCH {where}: no expectation, but missing only {missing}")
                elif show:
                    print(f"{where}: still missing {missing} (no asks_for expected)")
    print(f"{count} expectations checked, {failures} mismatches")
    return failures


if __name__ == "__main__":
    # --pyworkforce: also compare agents / scheduled FTE with pyworkforce (if it is installed)
    sys.exit(1 if check(HERE / "conversations.jsonl", "--print" in sys.argv, "--pyworkforce" in sys.argv) else 0)
