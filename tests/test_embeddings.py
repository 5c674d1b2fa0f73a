"""Embedding backends: e5 conventions, query cache, offline-only loading."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embeddings import E5Embeddings, EmbeddingsUnavailable, get_embeddings


@pytest.fixture(scope="module")
def e5() -> E5Embeddings:
    return E5Embeddings(cache_size=4)


def test_e5_vectors_are_normalised_384_dimensional(e5: E5Embeddings):
    vecs = e5.embed_passages_np(["Per hanterad kontakt", "Käynnistysjakso"])
    assert vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)


def test_queries_and_passages_get_different_e5_prefixes(e5: E5Embeddings):
    text = "exit clause in the contract"
    assert not np.allclose(e5.embed_query_np(text), e5.embed_passages_np([text])[0])


def test_langchain_interface_returns_plain_lists(e5: E5Embeddings):
    assert isinstance(e5.embed_query("pilot?")[0], float)
    assert len(e5.embed_documents(["a", "b"])) == 2


def test_a_repeated_question_costs_no_model_call(e5: E5Embeddings, monkeypatch: pytest.MonkeyPatch):
    e5.embed_query_np("how many agents do we need")
    monkeypatch.setattr(e5, "_embed_queries_np", lambda texts: pytest.fail("model called for a cached query"))
    e5.embed_query_np("how many agents do we need")
    assert e5.cache.hits >= 1


def test_the_query_cache_is_bounded(e5: E5Embeddings):
    for i in range(10):
        e5.embed_query_np(f"question {i}")
    assert len(e5.cache._data) <= 4


def test_an_unknown_backend_is_a_clear_error():
    with pytest.raises(EmbeddingsUnavailable, match="unknown backend 'word2vec'"):
        get_embeddings("word2vec")


def test_sentence_transformers_backend_loads_the_bundled_minilm_offline():
    emb = get_embeddings("sentence-transformers:all-MiniLM-L6-v2")
    assert emb.dimension == 384 and emb.model_id == "sentence-transformers:all-MiniLM-L6-v2"
    vec = emb.embed_query_np("customer service")
    assert np.isclose(np.linalg.norm(vec), 1.0, atol=1e-3)


def test_a_model_that_is_not_on_disk_fails_without_downloading():
    with pytest.raises(EmbeddingsUnavailable, match="not available locally"):
        get_embeddings("sentence-transformers:some-org/not-installed-model")


def test_with_langchain_in_use_the_backends_are_langchain_embeddings(e5: E5Embeddings):
    import asyncio

    import assistant.langchain_retriever  # noqa: F401 - registers the backends
    from langchain_core.embeddings import Embeddings

    assert isinstance(e5, Embeddings)
    assert asyncio.run(e5.aembed_query("pilot?")) == e5.embed_query("pilot?")
