"""How well `assistant insights` groups unanswered questions by topic.

Runs the clustering (assistant.insights.cluster) over evals/datasets/insight_topics.jsonl:
48 questions the articles don't cover, 8 topics, each in all five languages,
with the vectors centred per language as `assistant insights` does. The
threshold was chosen on the dev split (`--sweep` prints it); the test split was
written with it, before the tuning, and is only reported.

    .venv/bin/python evals/bench/bench_insights.py            # dev and test at the default threshold
    .venv/bin/python evals/bench/bench_insights.py --sweep    # dev only, thresholds 0.00..0.60
    .venv/bin/python evals/bench/bench_insights.py --raw      # without the language centring, for comparison

Pairwise precision: of the question pairs put in one group, the share on the same
topic; recall: of the same-topic pairs, the share put in one group.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from assistant.insights.cluster import DEFAULT_THRESHOLD, centred, cluster, language_offsets
from assistant.retrieval import load_retriever

DATASET = Path(__file__).resolve().parents[1] / "datasets" / "insight_topics.jsonl"


def pairwise(groups: list[list[int]], topics: list[str]) -> tuple[float, float, float]:
    label = {i: g for g, members in enumerate(groups) for i in members}
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(topics)), 2):
        together, same = label[i] == label[j], topics[i] == topics[j]
        tp += together and same
        fp += together and not same
        fn += same and not together
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", action="store_true", help="dev split over a range of thresholds")
    parser.add_argument("--raw", action="store_true", help="cluster the raw vectors (no language centring)")
    args = parser.parse_args()
    items = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    retriever = load_retriever()
    embeddings = retriever.embeddings  # the object the retriever embeds questions with
    offsets = {} if args.raw else language_offsets(retriever.index)
    splits = ["dev"] if args.sweep else ["dev", "test"]
    for split in splits:
        part = [x for x in items if x["split"] == split]
        vectors = centred(np.asarray(embeddings.embed_queries_np([x["text"] for x in part])),
                          [x["language"] for x in part], offsets)
        topics = [x["topic"] for x in part]
        low, high = (0.80, 0.925) if args.raw else (0.0, 0.625)
        thresholds = np.round(np.arange(low, high, 0.025 if not args.raw else 0.01), 3) if args.sweep \
            else [DEFAULT_THRESHOLD]
        for threshold in thresholds:
            groups = cluster(vectors, float(threshold))
            p, r, f = pairwise(groups, topics)
            multi = sum(len(g) > 1 for g in groups)
            print(f"{split:4} threshold {threshold:.2f}: {len(part)} questions, {len(set(topics))} topics -> "
                  f"{len(groups)} groups ({multi} with 2+); pairwise precision {p:.2f} recall {r:.2f} F1 {f:.2f}")


if __name__ == "__main__":
    main()
