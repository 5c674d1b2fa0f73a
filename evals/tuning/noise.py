"""How far float noise is from changing a verdict: perturb every query and passage
vector and count the dev questions whose outcome (ranks of the relevant passages
in the top ten, coverage decision) changes.

    .venv/bin/python -m evals.tuning.noise [--seeds 3]

Two kinds of noise: each component times (1 + e·N(0,1)) ("relative", what
tests/test_float_noise.py asserts at e = 1e-4), and each component plus
e·|v|·N(0,1) ("absolute", about 20 times stronger on 384 components).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
from typing import Any

import numpy as np

from assistant.corpus import corpus_by_id
from assistant.retrieval import HybridRetriever, load_retriever
from evals.retrieval import gold_spans, is_relevant, load_retrieval_dataset


def noisy(matrix: np.ndarray, rng: np.random.Generator, eps: float, kind: str) -> np.ndarray:
    g = rng.standard_normal(matrix.shape)
    if kind == "relative":
        return matrix * (1.0 + eps * g)
    return matrix + eps * np.linalg.norm(matrix, axis=-1, keepdims=True) * g


class _Queries:
    def __init__(self, base: Any, seed: int, eps: float, kind: str) -> None:
        self.base, self.seed, self.eps, self.kind = base, seed, eps, kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def embed_query_np(self, text: str) -> np.ndarray:
        digest = int.from_bytes(hashlib.sha256(f"{self.seed}:{text}".encode()).digest()[:8], "little")
        return noisy(np.asarray(self.base.embed_query_np(text), dtype=np.float64)[None, :],
                     np.random.default_rng(digest), self.eps, self.kind)[0]


def perturbed(r: HybridRetriever, seed: int, eps: float, kind: str) -> HybridRetriever:
    rng = np.random.default_rng(seed)
    i = r.index
    index = dataclasses.replace(i, chunk_matrix=noisy(i.chunk_matrix, rng, eps, kind),
                                sentence_matrix=noisy(i.sentence_matrix, rng, eps, kind),
                                note_matrix=noisy(i.note_matrix, rng, eps, kind),
                                language_offsets={k: noisy(v[None, :], rng, eps, kind)[0]
                                                  for k, v in i.language_offsets.items()})
    return HybridRetriever(index, _Queries(r.embeddings, seed, eps, kind), r.glossary, weights=r.weights,
                           k=r.k, max_query_chars=r.max_query_chars)


def verdicts(r: HybridRetriever) -> dict[str, tuple[Any, ...]]:
    texts = {d.id: d.text for d in corpus_by_id().values()}
    out = {}
    for item in load_retrieval_dataset():
        result = r.search(item.question, k=10)
        spans = gold_spans(item, texts) if item.answerable else []
        first = next((n for n, h in enumerate(result.hits, 1) if is_relevant(h.metadata, spans)), None)
        out[item.id] = (first, tuple(n for n, h in enumerate(result.hits, 1) if is_relevant(h.metadata, spans)),
                        result.coverage.outcome)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    retriever = load_retriever()
    base = verdicts(retriever)
    print(f"{len(base)} dev questions")
    for kind, eps in (("relative", 1e-4), ("relative", 1e-3), ("absolute", 1e-4), ("absolute", 1e-3)):
        any_change, recall5, coverage = set(), set(), set()
        for seed in range(1, args.seeds + 1):
            for k, v in verdicts(perturbed(retriever, seed, eps, kind)).items():
                b = base[k]
                if v != b:
                    any_change.add(k)
                if (b[0] is not None and b[0] <= 5) != (v[0] is not None and v[0] <= 5):
                    recall5.add(k)
                if b[2] != v[2]:
                    coverage.add(k)
        print(f"{kind} noise {eps:g} ({args.seeds} seeds): any verdict changed for {len(any_change)}, "
              f"Recall@5 for {len(recall5)}, coverage for {len(coverage)} {sorted(any_change)[:8]}")


if __name__ == "__main__":
    main()
