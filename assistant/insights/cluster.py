"""Grouping questions by topic: average-linkage agglomerative clustering of
their embeddings (cosine similarity), cut where the average similarity between
two groups falls below a threshold.

multilingual-e5 puts questions of one language close together whatever they
ask, so raw vectors group by language, not topic (pairwise F1 0.59 at best on
the dev set). Each vector is first moved by its language's offset: the mean of
the curated notes' user-question vectors in that language (the index holds the
same questions in all five languages, so the means differ by language only).
On the centred vectors the same questions group by topic across languages
(dev F1 0.86).

The nearest-neighbour-chain algorithm makes it O(n²) in time and memory
(reciprocal nearest neighbours are merged; average linkage is reducible, so the
result is the same as merging the globally closest pair first). Because of
reducibility a reciprocal pair below the threshold can never join anything
later either, so both are set aside and the chain goes on without them.
"""

from __future__ import annotations

import numpy as np

#: Average cosine similarity of language-centred vectors above which two groups merge. Chosen on
#: evals/datasets/insight_topics.jsonl (dev split) with multilingual-e5-small: F1 ≥ 0.80 from 0.20
#: to 0.35, best (precision 1.0) at 0.30; evals/bench/bench_insights.py prints the sweep and the test split.
DEFAULT_THRESHOLD = 0.30


def language_offsets(index: object) -> dict[str, np.ndarray]:
    """Per language, the mean vector of the index's note questions in it (see the module docstring)."""
    from assistant.index import QUESTION

    vectors = index.note_vectors.reconstruct_n(0, index.note_vectors.ntotal)  # type: ignore[attr-defined]
    languages = np.asarray(index.note_vector_language)  # type: ignore[attr-defined]
    questions = np.asarray(index.note_vector_kind) == QUESTION  # type: ignore[attr-defined]
    return {str(lang): vectors[questions & (languages == lang)].mean(axis=0)
            for lang in sorted(set(languages[questions].tolist()))}


def centred(vectors: np.ndarray, languages: list[str], offsets: dict[str, np.ndarray]) -> np.ndarray:
    """`vectors` less their language's offset (a language without one is left as it is)."""
    v = np.asarray(vectors, dtype=np.float64).copy()
    for i, lang in enumerate(languages):
        if lang in offsets:
            v[i] -= offsets[lang]
    return v


def cluster(vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Indices of `vectors` grouped by topic, largest group first (ties: first index)."""
    n = len(vectors)
    if n == 0:
        return []
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    v = v / np.where(norms == 0, 1.0, norms)
    sim = v @ v.T  # average-linkage similarity between clusters, kept up to date below
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    active = np.ones(n, dtype=bool)  # may still merge
    done: list[list[int]] = []
    chain: list[int] = []
    while active.sum() > 1 or chain:
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        a = chain[-1]
        row = np.where(active, sim[a], -np.inf)
        row[a] = -np.inf
        b = int(np.argmax(row))
        if not np.isfinite(row[b]):  # `a` is the last active cluster
            chain.pop()
            active[a] = False
            done.append(members.pop(a))
            continue
        if len(chain) > 1 and chain[-2] == b or (len(chain) > 1 and row[chain[-2]] >= row[b]):
            b = chain[-2]
            chain.pop()
            chain.pop()
            if sim[a, b] < threshold:
                for c in (a, b):  # closest to each other and still too far: final
                    active[c] = False
                    done.append(members.pop(c))
                continue
            # Merge b into a (Lance–Williams update for average linkage).
            merged = (size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])
            sim[a, :] = merged
            sim[:, a] = merged
            sim[a, a] = -np.inf
            sim[b, :] = -np.inf
            sim[:, b] = -np.inf
            size[a] += size[b]
            members[a].extend(members.pop(b))
            active[b] = False
            continue
        chain.append(b)
    done.extend(members[i] for i in np.flatnonzero(active))
    return sorted((sorted(g) for g in done), key=lambda g: (-len(g), g[0]))


def medoid(vectors: np.ndarray, group: list[int]) -> int:
    """The member most similar, on average, to the others: the group's label."""
    if len(group) == 1:
        return group[0]
    v = np.asarray(vectors[group], dtype=np.float64)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return group[int(np.argmax((v @ v.T).sum(axis=1)))]
