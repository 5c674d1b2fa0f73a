"""Index build, manifest checks, recovery and atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus import corpus_hash
from assistant.errors import CorpusError, IndexUnavailable
from assistant.index import build_index, load_index, previous_vectors
from tests.conftest import HashEmbeddings


def test_the_manifest_records_corpus_hash_model_chunker_and_versions(corpus_copy: Path, tmp_path: Path,
                                                                       hash_embeddings: HashEmbeddings):
    index = build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    manifest = json.loads((tmp_path / "index" / "current" / "manifest.json").read_text())
    assert manifest["corpus_hash"] == corpus_hash(corpus_copy)
    assert manifest["embedding_model"] == "test:hash-64" and manifest["embedding_dimension"] == 64
    assert manifest["chunker"] == {"max_chars": 900, "min_chars": 160}
    assert {"faiss-cpu", "bm25s", "PyStemmer"} <= set(manifest["libraries"])
    assert manifest["counts"]["chunks"] == len(index.chunks) and manifest["built_at"]


def test_a_current_index_is_loaded_without_rebuilding(corpus_copy: Path, tmp_path: Path,
                                                      hash_embeddings: HashEmbeddings):
    build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    calls = hash_embeddings.calls
    load_index(corpus_copy, tmp_path / "index", hash_embeddings)
    assert hash_embeddings.calls == calls


def test_a_changed_corpus_makes_the_index_stale_and_it_is_rebuilt(corpus_copy: Path, tmp_path: Path,
                                                                  hash_embeddings: HashEmbeddings):
    first = build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    article = corpus_copy / "nb-outsourcing-kundeopplevelse.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nEt nytt avsnitt om kundeservice.\n", encoding="utf-8")
    second = load_index(corpus_copy, tmp_path / "index", hash_embeddings)
    assert second.manifest["corpus_hash"] != first.manifest["corpus_hash"]
    assert any("Et nytt avsnitt" in c.text for c in second.chunks)


def test_a_stale_index_is_refused_with_a_clear_message_when_rebuilding_is_off(corpus_copy: Path, tmp_path: Path,
                                                                               hash_embeddings: HashEmbeddings):
    build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    (corpus_copy / "fi-ei-pikavoittoja.md").write_text(
        (corpus_copy / "fi-ei-pikavoittoja.md").read_text(encoding="utf-8") + "\nLisäys.\n", encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="corpus content changed.*assistant index build"):
        load_index(corpus_copy, tmp_path / "index", hash_embeddings, auto_rebuild=False)


def test_an_index_from_another_model_is_not_used(corpus_copy: Path, tmp_path: Path, hash_embeddings: HashEmbeddings):
    build_index(corpus_copy, tmp_path / "index", hash_embeddings)

    class Other(HashEmbeddings):
        model_id = "test:other-model"

    with pytest.raises(IndexUnavailable, match="embedding model changed"):
        load_index(corpus_copy, tmp_path / "index", Other(), auto_rebuild=False)
    rebuilt = load_index(corpus_copy, tmp_path / "index", Other())
    assert rebuilt.manifest["embedding_model"] == "test:other-model"


def test_a_missing_index_folder_is_built_or_refused(corpus_copy: Path, tmp_path: Path,
                                                   hash_embeddings: HashEmbeddings):
    with pytest.raises(IndexUnavailable, match="no index at"):
        load_index(corpus_copy, tmp_path / "absent", hash_embeddings, auto_rebuild=False)
    assert load_index(corpus_copy, tmp_path / "absent", hash_embeddings).chunks


def test_a_truncated_index_file_is_detected_and_rebuilt(corpus_copy: Path, tmp_path: Path,
                                                       hash_embeddings: HashEmbeddings):
    build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    faiss_file = tmp_path / "index" / "current" / "chunks.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexUnavailable, match="chunks.faiss"):
        load_index(corpus_copy, tmp_path / "index", hash_embeddings, auto_rebuild=False)
    assert load_index(corpus_copy, tmp_path / "index", hash_embeddings).chunks


def test_a_crash_mid_build_leaves_the_previous_index_in_place(corpus_copy: Path, tmp_path: Path,
                                                              hash_embeddings: HashEmbeddings):
    good = build_index(corpus_copy, tmp_path / "index", hash_embeddings)

    def crash(stage: str, done: int, total: int) -> None:
        if stage == "bm25":
            raise KeyboardInterrupt  # as if the process were interrupted mid-build

    with pytest.raises(KeyboardInterrupt):
        build_index(corpus_copy, tmp_path / "index", hash_embeddings, progress=crash)
    assert not list((tmp_path / "index").glob(".tmp-*"))
    reloaded = load_index(corpus_copy, tmp_path / "index", hash_embeddings, auto_rebuild=False)
    assert reloaded.manifest["built_at"] == good.manifest["built_at"]


def test_a_broken_corpus_file_fails_the_build_by_name(corpus_copy: Path, tmp_path: Path,
                                                      hash_embeddings: HashEmbeddings):
    (corpus_copy / "bad.md").write_text("---\nid: bad\n---\n\nx\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="bad.md: field 'title'"):
        load_index(corpus_copy, tmp_path / "index", hash_embeddings)


def test_building_never_modifies_the_corpus(corpus_copy: Path, tmp_path: Path, hash_embeddings: HashEmbeddings):
    before = {p.name: p.read_bytes() for p in corpus_copy.iterdir()}
    build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    assert {p.name: p.read_bytes() for p in corpus_copy.iterdir()} == before


def test_a_build_keeps_the_routing_exemplars_vectors_so_a_server_on_it_embeds_none(
        corpus_copy: Path, tmp_path: Path, hash_embeddings: HashEmbeddings, monkeypatch: pytest.MonkeyPatch):
    from assistant import intents
    from assistant.intents import IntentClassifier, exemplar_file_name

    monkeypatch.setattr(intents, "_matrices", {})  # nothing from other tests in memory
    index = build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    assert (index.path / exemplar_file_name(hash_embeddings)).is_file()
    vector = hash_embeddings.embed_query_np("How many agents do we need?")
    calls = hash_embeddings.calls
    classifier = IntentClassifier(hash_embeddings, cache_dir=tmp_path / "cache", build_dir=index.path)
    classifier.classify(vector)
    assert hash_embeddings.calls == calls
    assert not (tmp_path / "cache").exists()  # nothing to keep: the build has them


def test_a_rebuild_takes_the_exemplar_vectors_from_the_previous_build(corpus_copy: Path, tmp_path: Path,
                                                                        hash_embeddings: HashEmbeddings):
    build_index(corpus_copy, tmp_path / "index", hash_embeddings)
    calls = hash_embeddings.calls
    build_index(corpus_copy, tmp_path / "index", hash_embeddings,
                reuse=previous_vectors(tmp_path / "index", hash_embeddings.model_id))
    assert hash_embeddings.calls == calls  # every passage and every exemplar reused
