"""The minimal HTTP surface: health, readiness and search."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.settings import Settings
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def client(real_index_dir, retriever):  # the retriever fixture has built the index already
    app = create_app(Settings(corpus_dir=CORPUS, index_dir=real_index_dir))
    with TestClient(app) as c:
        c.app.state.assistant.ready_engine()
        yield c


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_says_ready_once_the_index_is_loaded(client):
    assert client.get("/readyz").status_code == 200


def test_search_returns_cited_passages(client):
    body = client.get("/v1/search", params={"q": "Vilka prismodeller finns?", "k": 3}).json()
    assert body["language"] == "sv" and len(body["hits"]) == 3
    assert {"doc_id", "start_index", "end_index", "text", "score"} <= set(body["hits"][0])


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"q": "   "}, 422, "question: must not be empty"),
        ({"q": "x" * 5000}, 422, "the limit is 2000"),
        ({"q": "pilot", "k": 0}, 422, "k:"),
        ({}, 422, "q:"),
    ],
)
def test_bad_search_input_gets_the_error_shape(client, params, status, fragment):
    response = client.get("/v1/search", params=params)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and fragment in error["message"]


def test_unknown_paths_get_the_error_shape(client):
    response = client.get("/nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
