"""Each routing signal alone and combined, on fresh messages of a routing dataset.

The router (`assistant.routing.route`) decides a fresh message (no checklist
running, no tool waiting) from word forms, from the nearest intent exemplars
of its e5 vector, or from both (words first, the vector when they are not
decisive). This runs the same messages through each `mode` and scores the
route against the item: question and off_topic items are right when routed to
a question (retrieval decides coverage later), tool items when routed to the
right tool, checklist items when the checklist starts (or, for `accept_offer`
items, is offered), greetings when greeted.

Run:  .venv/bin/python -m evals.routing_signals [path/to/routing.jsonl]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from evals.routing import DATASET, RoutingItem, load_routing_dataset

MODES = ("lexical", "embedding", "combined")


def _right(item: RoutingItem, decision: Any) -> bool:
    if item.intent in ("question", "off_topic"):
        return decision.kind == "question"
    if item.intent == "tool":
        return decision.kind == "tool" and (item.tool is None or decision.argument == item.tool)
    if item.intent == "checklist":
        if decision.kind == "checklist":
            return item.command is None or decision.command == item.command
        return item.accept_offer and decision.offer_checklist
    return decision.kind == item.intent


def signal_accuracy(embeddings: Any, items: list[RoutingItem],
                    per_item: dict[str, dict[str, float]] | None = None) -> dict[str, dict[str, float]]:
    """Accuracy per mode over the items without context, and how often the vector was asked for.

    `per_item`, when given, receives each item's 1/0 per mode (key
    `routing.signals.<mode>.accuracy`), so a baseline comparison pairs the
    items both runs have instead of comparing averages over different sets."""
    from assistant.intents import IntentClassifier
    from assistant.routing import route

    classifier = IntentClassifier(embeddings)
    fresh = [i for i in items if i.context is None]
    vectors = {i.id: embeddings.embed_query_np(i.message) for i in fresh}
    out: dict[str, dict[str, float]] = {}
    for mode in MODES:
        right = asked = 0
        for item in fresh:
            calls: list[int] = []

            def embed(item: RoutingItem = item, calls: list[int] = calls) -> Any:
                calls.append(1)
                return vectors[item.id]

            decision = route(item.message, item.language, {}, embed=embed, classifier=classifier, mode=mode)
            ok = _right(item, decision)
            right += ok
            if per_item is not None:
                per_item.setdefault(f"routing.signals.{mode}.accuracy", {})[item.id] = float(ok)
            asked += bool(calls)
        out[mode] = {"accuracy": right / max(1, len(fresh)), "embedding_asked": asked / max(1, len(fresh)),
                     "n": float(len(fresh))}
    return out


def main(argv: list[str]) -> None:
    from assistant.embeddings import get_embeddings

    path = Path(argv[0]) if argv else DATASET
    items = load_routing_dataset(path)
    t0 = time.perf_counter()
    result = signal_accuracy(get_embeddings(), items)
    print(f"{path} ({int(result['combined']['n'])} fresh messages, {time.perf_counter() - t0:.1f} s)")
    print(f"{'signal':<10} {'accuracy':>9} {'vector asked':>13}")
    for mode, values in result.items():
        print(f"{mode:<10} {values['accuracy']:>9.3f} {values['embedding_asked']:>13.2f}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
