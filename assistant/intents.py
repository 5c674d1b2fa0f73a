"""The learned routing signal: nearest exemplars of the message's e5 query vector.

`assistant/data/intents.yaml` holds a dozen exemplars per intent and language
(staffing, cost_comparison, checklist, question, greeting). They are embedded
once per embeddings model (as queries, like the message) and kept in memory;
classifying a message is one matrix-vector product over a few hundred rows.
Each intent scores the mean cosine similarity of its `k` nearest exemplars, so
one odd exemplar cannot decide alone. The router asks for this only when its
word-form rules are not decisive (`assistant.routing`), and the vector is the
one retrieval then reuses.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.language import SUPPORTED
from assistant.scoring import similarities
from assistant.yaml_io import load_yaml

EXEMPLARS_PATH = Path(__file__).with_name("data") / "intents.yaml"
INTENTS: tuple[str, ...] = ("staffing", "cost_comparison", "checklist", "question", "greeting")
MIN_EXEMPLARS = 8


class ExemplarError(Exception):
    """The exemplar file is malformed; the message names the intent and language."""


@dataclass(frozen=True)
class IntentScores:
    """Per-intent scores of one message; `best` and its `margin` over the runner-up."""

    scores: dict[str, float]

    @property
    def best(self) -> str:
        return max(self.scores, key=self.scores.__getitem__)

    @property
    def margin(self) -> float:
        ranked = sorted(self.scores.values(), reverse=True)
        return ranked[0] - ranked[1] if len(ranked) > 1 else ranked[0]


@lru_cache(maxsize=1)
def load_exemplars(path: Path = EXEMPLARS_PATH) -> tuple[tuple[str, str, str], ...]:
    """(intent, language, text) rows of the exemplar file, validated."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExemplarError(f"{path.name}: cannot be read: {exc}") from exc
    intents = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(intents, dict):
        raise ExemplarError(f"{path.name}: needs a top-level 'intents' mapping")
    unknown = set(intents) - set(INTENTS)
    if unknown:
        raise ExemplarError(f"{path.name}: unknown intents {sorted(unknown)}; known: {', '.join(INTENTS)}")
    rows: list[tuple[str, str, str]] = []
    for intent in INTENTS:
        per_language = intents.get(intent)
        if not isinstance(per_language, dict):
            raise ExemplarError(f"{path.name}: intent {intent!r} is missing")
        for lang in SUPPORTED:
            texts = per_language.get(lang)
            if not isinstance(texts, list) or len(texts) < MIN_EXEMPLARS:
                raise ExemplarError(f"{path.name}: {intent}.{lang} needs at least {MIN_EXEMPLARS} exemplars")
            for text in texts:
                if not isinstance(text, str) or not text.strip():
                    raise ExemplarError(f"{path.name}: {intent}.{lang} has an empty exemplar")
                rows.append((intent, lang, text.strip()))
    return tuple(rows)


_matrices: dict[str, tuple[np.ndarray, np.ndarray]] = {}
_lock = threading.Lock()


def _normalise(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(norms == 0, 1.0, norms)


def exemplar_file_name(embeddings: Any, rows: tuple[tuple[str, str, str], ...] | None = None) -> str:
    """The file the exemplars' vectors for `embeddings` are kept in (named by model and exemplars)."""
    rows = load_exemplars() if rows is None else rows
    model = str(getattr(embeddings, "model_id", type(embeddings).__name__))
    digest = hashlib.sha256("\n".join([model, *(f"{i}\t{t}" for i, _, t in rows)]).encode()).hexdigest()[:16]
    return f"intent-exemplars-{digest}.npy"


def exemplar_vectors(embeddings: Any, known: tuple[Path, ...] = ()) -> tuple[str, np.ndarray, bool]:
    """The exemplars' query vectors for `embeddings` (float32), their file name, and whether
    they were read from the first folder of `known` that has them (else embedded now). An
    index build keeps them, so a server starting on a build (a copied one too) embeds none
    before its first answer."""
    name = exemplar_file_name(embeddings)
    for folder in known:
        vectors = _read_vectors(folder / name, len(load_exemplars()))
        if vectors is not None:
            return name, vectors, True
    texts = [t for _, _, t in load_exemplars()]
    return name, np.asarray(embeddings.embed_queries_np(texts), dtype=np.float32), False


def _read_vectors(path: Path, rows: int) -> np.ndarray | None:
    if not path.is_file():
        return None
    try:
        vectors = np.load(path)
    except (OSError, ValueError):
        return None  # a damaged copy is recomputed
    return vectors if vectors.shape[0] == rows else None


class IntentClassifier:
    """k-nearest-exemplar intent scores over an embeddings model's query vectors.

    The exemplar vectors are computed once per model and exemplar file: the index
    build keeps them (`build_dir`), and otherwise the first start keeps them in
    `cache_dir` (next to the index), so a server starting again does not embed
    three hundred exemplars before its first answer.
    """

    def __init__(self, embeddings: Any, k: int = 3, cache_dir: Path | None = None,
                 build_dir: Path | None = None) -> None:
        self.embeddings = embeddings
        self.k = k
        self.cache_dir = cache_dir
        self.build_dir = build_dir
        self._cached: tuple[np.ndarray, np.ndarray] | None = None

    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        # Once per classifier: the digest hashes every exemplar, too much for every message.
        if self._cached is None:
            self._cached = self._load_matrix()
        return self._cached

    def _load_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        rows = load_exemplars()
        name = exemplar_file_name(self.embeddings, rows)
        with _lock:
            cached = _matrices.get(name)
            if cached is None:
                labels = np.array([INTENTS.index(i) for i, _, _ in rows])
                cached = _matrices[name] = (_normalise(self._vectors(name)), labels)
        return cached

    def _vectors(self, name: str) -> np.ndarray:
        known = tuple(folder for folder in (self.build_dir, self.cache_dir) if folder is not None)
        _, vectors, read = exemplar_vectors(self.embeddings, known)
        path = self.cache_dir / name if self.cache_dir is not None and not read else None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                with open(tmp, "wb") as fh:
                    np.save(fh, vectors)
                os.replace(tmp, path)
            except OSError:
                pass  # a read-only index folder: recomputed at every start, still correct
        return vectors.astype(np.float64)

    def warm(self) -> None:
        self._matrix()

    def classify(self, vector: np.ndarray) -> IntentScores:
        matrix, labels = self._matrix()
        v = _normalise(np.asarray(vector, dtype=np.float64).reshape(-1))
        sims = similarities(matrix, v)  # float64: the same on every CPU (assistant.scoring)
        scores: dict[str, float] = {}
        for n, intent in enumerate(INTENTS):
            own = np.sort(sims[labels == n])[::-1][: self.k]
            scores[intent] = float(own.mean()) if len(own) else -1.0
        return IntentScores(scores)
