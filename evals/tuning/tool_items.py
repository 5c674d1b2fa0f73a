"""Dev tool dialogues written by hand, with expected results computed by the tools.

Each script below gives its messages and, per tool turn, the values a careful
reader takes from the messages so far (request field names, canonical units:
seconds, fractions, amounts per month). The expected result of a computed turn
is what the deterministic tool returns on exactly those values (the tools
themselves are checked against independent references in
`evals/datasets/tool_reference.jsonl`), so an item fails when the message is
understood differently, never because of the arithmetic.

    .venv/bin/python -m evals.tuning.tool_items          # print the rows
    .venv/bin/python -m evals.tuning.tool_items --write  # replace them in conversations.jsonl

The rows carry `"added": "issue-13"`: dev items, tuned on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from assistant.tools.conversation import run_tool
from assistant.tools.extract import request_arguments

DATASET = Path(__file__).resolve().parents[1] / "datasets" / "conversations.jsonl"
PREFIX = "dev13b-"
STAFFING_KEYS = ("agents", "scheduled_fte")

# (id, language, [(message, tool, values or None, asks_for or None)])
Turn = tuple[str, str, dict[str, Any] | None, str | None]
SCRIPTS: list[tuple[str, str, list[Turn]]] = [
    ("fi-hourly-fee", "fi", [(
        "Meillä on 9 asiakaspalvelijaa, kuukausipalkka 2 900 €, sivukulut 22 % ja työpiste ja IT noin 400 € per "
        "henkilö kuukaudessa. Yhteydenottoja tulee 6 000 kuussa. Toimittaja laskuttaa 36 € tunnilta ja arvioi 900 "
        "tuntia kuukaudessa, lisäksi hallinnointimaksu 1 500 €/kk.", "cost_comparison",
        {"currency": "EUR", "in_house_fte": 9, "monthly_salary": 2900, "employer_oncost_pct": 0.22,
         "overhead_per_fte_month": 400, "contacts_per_month": 6000, "productive_hours_per_month": 900,
         "offers": [{"price_per_productive_hour": 36, "monthly_management_fee": 1500}]}, None)]),
    ("da-talk-wrap", "da", [(
        "Vi har 180 opkald i den travleste time. Hver samtale tager 4 minutter, og bagefter er der 40 sekunders "
        "efterbehandling. Hvor mange skal vi bemande for 80 % inden for 20 sekunder?", "staffing",
        {"contacts": 180, "interval_minutes": 60, "aht_seconds": 280, "service_level": 0.8, "answer_seconds": 20},
        None)]),
    ("da-quarter", "da", [(
        "Hvor mange medarbejdere kræver det på et kvarter med 60 opkald, samtaletid 200 sekunder og 80/20?",
        "staffing", {"contacts": 60, "interval_minutes": 15, "aht_seconds": 200, "service_level": 0.8,
                     "answer_seconds": 20}, None)]),
    ("nb-sl-no-seconds", "nb", [(
        "Vi har 300 samtaler i timen, AHT 4 minutter og vil besvare 85 % av samtalene. Hvor mange trenger vi?",
        "staffing", {"contacts": 300, "interval_minutes": 60, "aht_seconds": 240, "service_level": 0.85},
        "answer_seconds")]),
    ("sv-sl-no-seconds", "sv", [(
        "Vi vill att 90 % av samtalen besvaras. Det kommer 400 samtal i timmen och hanteringstiden är 3,5 min.",
        "staffing", {"contacts": 400, "interval_minutes": 60, "aht_seconds": 210, "service_level": 0.9},
        "answer_seconds")]),
    ("da-payroll-oncost", "da", [(
        "Vi er 6 på lønningslisten med 31.000 kr. om måneden og 14 % ekstra til pension og øvrige lønomkostninger. "
        "4.000 opkald om måneden, AHT 5 min. Leverandøren tilbyder 9 kr. pr. minut. Kan det svare sig?",
        "cost_comparison", {"currency": "DKK", "in_house_fte": 6, "monthly_salary": 31000, "employer_oncost_pct": 0.14,
                            "contacts_per_month": 4000, "aht_seconds": 300, "offers": [{"price_per_minute": 9}]},
        None)]),
    ("da-yearly-two-offers", "da", [(
        "Sammenlign: 12 ansatte med 480.000 kr. i årsløn og 18 % til pension og feriepenge oveni. 9.000 opkald om "
        "måneden. Tilbud 1: 42 kr. pr. opkald. Tilbud 2: 360 kr. i timen for 1.200 timer om måneden.",
        "cost_comparison", {"currency": "DKK", "in_house_fte": 12, "monthly_salary": 40000, "employer_oncost_pct": 0.18,
                            "contacts_per_month": 9000, "productive_hours_per_month": 1200,
                            "offers": [{"price_per_contact": 42}, {"price_per_productive_hour": 360}]}, None)]),
    ("da-loaded-vendor-fte", "da", [(
        "Internt har vi 4 FTE til 38.000 kr. om måneden pr. person, alt inklusive, og 2.500 opkald om måneden. "
        "Leverandøren vil have 33.000 kr. pr. FTE om måneden for 4 FTE plus et fast gebyr på 8.000 kr. om måneden.",
        "cost_comparison", {"currency": "DKK", "in_house_fte": 4, "loaded_cost_per_fte_month": 38000,
                            "contacts_per_month": 2500,
                            "offers": [{"price_per_fte_month": 33000, "fte": 4, "monthly_management_fee": 8000}]},
        None)]),
    ("nb-loaded-hours", "nb", [(
        "Vi har 9 årsverk som koster oss 58 000 kr i måneden hver, alt inkludert, og 5 000 henvendelser i måneden. "
        "Leverandøren tar 480 kr per time og regner med 1 000 produktive timer i måneden.", "cost_comparison",
        {"currency": "NOK", "in_house_fte": 9, "loaded_cost_per_fte_month": 58000, "contacts_per_month": 5000,
         "productive_hours_per_month": 1000, "offers": [{"price_per_productive_hour": 480}]}, None)]),
    ("en-week-ampm", "en", [(
        "about 9,000 calls per week, open Mon-Fri 9am-5pm, evenly spread. AHT 240 seconds, 80/20, shrinkage 30%. "
        "how many agents and FTE?", "staffing",
        {"contacts_per_week": 9000, "open_days_per_week": 5, "open_hours": 8, "contacts_per_day": 1800,
         "aht_seconds": 240, "service_level": 0.8, "answer_seconds": 20, "shrinkage": 0.3}, None)]),
    ("en-quarter-peak", "en", [(
        "Quarter-hour peak of 90 calls, talk time 3 min 30 s plus 40 s of wrap-up, 85% in 15 s, occupancy capped at "
        "85%. How many agents?", "staffing",
        {"contacts": 90, "interval_minutes": 15, "aht_seconds": 250, "service_level": 0.85, "answer_seconds": 15,
         "max_occupancy": 0.85}, None)]),
    ("en-busiest-half-hour", "en", [(
        "We get about 700 calls in our busiest half hour. AHT 5 minutes, 80/20.", "staffing",
        {"contacts": 700, "interval_minutes": 30, "aht_seconds": 300, "service_level": 0.8, "answer_seconds": 20},
        None)]),
    ("en-shrinkage-causes", "en", [(
        "We get 2,000 calls a day between 9 and 17, evenly spread. AHT 4 minutes. We want 80% answered within 20 "
        "seconds and lose roughly 30% to breaks, training and sick leave. How many FTE do we need?", "staffing",
        {"contacts_per_day": 2000, "open_hours": 8, "aht_seconds": 240, "service_level": 0.8, "answer_seconds": 20,
         "shrinkage": 0.3}, None)]),
    ("fi-shrinkage-causes", "fi", [(
        "Päivässä tulee 1 500 puhelua, olemme auki 8–16 ja käsittelyaika on 5 min. Tavoite on 80 % 20 sekunnissa. "
        "Tauot, koulutukset ja sairauspoissaolot vievät noin 30 %. Montako henkilöä tarvitaan?", "staffing",
        {"contacts_per_day": 1500, "open_hours": 8, "aht_seconds": 300, "service_level": 0.8, "answer_seconds": 20,
         "shrinkage": 0.3}, None)]),
    ("en-overhead-per-fte", "en", [(
        "In-house: 15 FTE, salary €3,000/month + 25% on-costs + €600 per FTE a month for desks and IT. 10,000 "
        "contacts/month, AHT 5 min. Offer: €0.85 per minute plus a €1,500 monthly management fee. Which is cheaper?",
        "cost_comparison", {"currency": "EUR", "in_house_fte": 15, "monthly_salary": 3000, "employer_oncost_pct": 0.25,
                            "overhead_per_fte_month": 600, "contacts_per_month": 10000, "aht_seconds": 300,
                            "offers": [{"price_per_minute": 0.85, "monthly_management_fee": 1500}]}, None)]),
    ("en-team-total", "en", [(
        "We spend roughly $420k a year all-in on our 8-person support team and handle 5,000 tickets a month. The "
        "vendor charges $30 an hour and estimates 900 productive hours a month.", "cost_comparison",
        {"currency": "USD", "in_house_fte": 8, "loaded_cost_per_fte_month": 4375, "contacts_per_month": 5000,
         "productive_hours_per_month": 900, "offers": [{"price_per_productive_hour": 30}]}, None)]),
    ("sv-team-total", "sv", [(
        "Hela kundtjänstteamet på 7 personer kostar oss 4,2 miljoner kronor om året allt inräknat. Vi har 6 000 "
        "ärenden i månaden och leverantören vill ha 38 kr per ärende.", "cost_comparison",
        {"currency": "SEK", "in_house_fte": 7, "loaded_cost_per_fte_month": 50000, "contacts_per_month": 6000,
         "offers": [{"price_per_contact": 38}]}, None)]),
    ("en-vendor-b-fte", "en", [
        ("Compare our in-house cost with two vendor quotes: 14 agents, £2,700 a month each plus 22% on-costs, 8,000 "
         "calls a month, AHT 4 min.", "cost_comparison",
         {"currency": "GBP", "in_house_fte": 14, "monthly_salary": 2700, "employer_oncost_pct": 0.22,
          "contacts_per_month": 8000, "aht_seconds": 240}, "offers"),
        ("Vendor A charges £0.75 per minute and Vendor B £3,200 per FTE per month.", "cost_comparison",
         {"currency": "GBP", "in_house_fte": 14, "monthly_salary": 2700, "employer_oncost_pct": 0.22,
          "contacts_per_month": 8000, "aht_seconds": 240,
          "offers": [{"price_per_minute": 0.75}, {"price_per_fte_month": 3200}]}, None),
        ("Correction: vendor B would need 12 FTE, not 14.", "cost_comparison",
         {"currency": "GBP", "in_house_fte": 14, "monthly_salary": 2700, "employer_oncost_pct": 0.22,
          "contacts_per_month": 8000, "aht_seconds": 240,
          "offers": [{"price_per_minute": 0.75}, {"price_per_fte_month": 3200, "fte": 12}]}, None),
    ]),
    ("nb-slot-filling", "nb", [
        ("Kan du hjelpe oss å regne ut bemanningen?", "staffing", {}, "contacts"),
        ("vi får 180 samtaler i timen", "staffing", {"contacts": 180, "interval_minutes": 60}, "aht_seconds"),
        ("snittiden er 4,5 min", "staffing", {"contacts": 180, "interval_minutes": 60, "aht_seconds": 270},
         "service_level"),
        ("85 prosent innen 20 sekunder", "staffing",
         {"contacts": 180, "interval_minutes": 60, "aht_seconds": 270, "service_level": 0.85, "answer_seconds": 20},
         None),
        ("unnskyld, 200 samtaler i timen, ikke 180", "staffing",
         {"contacts": 200, "interval_minutes": 60, "aht_seconds": 270, "service_level": 0.85, "answer_seconds": 20},
         None),
    ]),
    ("sv-negated-correction", "sv", [
        ("Vi har 800 samtal i timmen, AHT 3 min och målet 80/20. Hur många agenter?", "staffing",
         {"contacts": 800, "interval_minutes": 60, "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20},
         None),
        ("förlåt, det är 900 samtal och inte 800", "staffing",
         {"contacts": 900, "interval_minutes": 60, "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20},
         None),
    ]),
]


def _result_keys(tool: str, values: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    if tool == "staffing":
        return {k: result[k] for k in STAFFING_KEYS}
    keys: dict[str, Any] = {}
    if result.get("in_house"):
        keys["in_house.steady_monthly"] = round(result["in_house"]["steady_monthly"], 3)
    for i, offer in enumerate(result["offers"]):
        keys[f"offers.{i}.steady_monthly"] = round(offer["steady_monthly"], 3)
    return keys


def rows() -> list[dict[str, Any]]:
    out = []
    for name, language, turns in SCRIPTS:
        script_turns = []
        for message, tool, values, asks_for in turns:
            expect: dict[str, Any] = {"intent": "tool"}
            if values:
                expect["values"] = values
            if asks_for:
                expect["asks_for"] = asks_for
            else:
                assert values is not None
                _run, result = run_tool(tool, request_arguments(tool, values))
                expect["tool"] = tool
                expect["result"] = _result_keys(tool, values, result.model_dump(mode="json"))
            script_turns.append({"message": message, "expect": expect})
        out.append({"id": PREFIX + name, "language": language,
                    "description": "Added while tuning issue 13 (dev): written by hand, results from the tools",
                    "added": "issue-13", "turns": script_turns})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the rows in conversations.jsonl")
    args = parser.parse_args()
    new = rows()
    if not args.write:
        for row in new:
            print(json.dumps(row, ensure_ascii=False))
        return
    kept = [line for line in DATASET.read_text(encoding="utf-8").splitlines()
            if line.strip() and not json.loads(line)["id"].startswith(PREFIX)]
    DATASET.write_text("\n".join(kept + [json.dumps(r, ensure_ascii=False) for r in new]) + "\n", encoding="utf-8")
    print(f"{len(new)} scripts written to {DATASET}")


if __name__ == "__main__":
    main()
