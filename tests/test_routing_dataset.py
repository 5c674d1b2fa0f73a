"""Routing is measured on evals/datasets/routing.jsonl: at least 95 % correct."""

from __future__ import annotations

from evals.routing import accuracy, load_routing_dataset, run_routing


def test_the_routing_dataset_covers_every_language_and_intent():
    items = load_routing_dataset()
    assert len(items) >= 60
    assert {i.language for i in items} == {"sv", "fi", "da", "nb", "en"}
    assert {i.intent for i in items} == {"question", "off_topic", "greeting", "tool", "checklist"}


def test_routing_is_at_least_95_percent_correct(engine):
    rows = run_routing(engine, load_routing_dataset())
    wrong = [r for r in rows if not r["ok"]]
    assert accuracy(rows) >= 0.95, wrong
