"""With a language model configured, a message asked for as Server-Sent Events
streams the model's words as it writes them, and withdraws them with a `replace`
event when the finished answer fails the grounding check. The model is the
scripted OpenAI-compatible server on loopback, called through langchain-openai."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from assistant.answering.llm import build_llm_answerer
from assistant.engine import Assistant
from assistant.store import SessionStore
from tests.api.test_api import sse_events
from tests.fakes.openai_server import Script, Text, run_fake_openai

QUESTION = "How do I choose an outsourcing partner?"
LLM_TEXT = "Do not rely on the vendor's reputation alone; check references and visit them [1]."


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def client(script, api_settings, retriever) -> Iterator[TestClient]:
    with run_fake_openai(script) as base_url:
        settings = api_settings.model_copy(update={"llm": "openai:fake-model", "llm_base_url": base_url,
                                                   "llm_api_key": SecretStr("test-key"),
                                                   "llm_timeout_seconds": 5.0})
        engine = Assistant(settings, retriever=retriever, store=SessionStore(settings.database_url),
                           llm_answerer=build_llm_answerer(settings))
        with TestClient(create_app(settings, engine=engine)) as c:
            yield c


def ask_streaming(client: TestClient, message: str) -> list[tuple[str, Any]]:
    created = client.post("/v1/sessions", json={}).json()
    response = client.post(f"/v1/sessions/{created['id']}/messages", json={"message": message},
                           headers={"Authorization": f"Bearer {created['token']}", "Accept": "text/event-stream"})
    assert response.headers["content-type"].startswith("text/event-stream")
    return [(name, json.loads(data)) for name, data in sse_events(response.text)]


def test_the_models_words_are_streamed_as_it_writes_them(client, script):
    script.push(Text(LLM_TEXT))
    events = ask_streaming(client, QUESTION)
    names = [name for name, _ in events]
    deltas = [data["text"] for name, data in events if name == "delta"]
    # The fake model sends one word per chunk; the offline path would send four words per delta.
    assert deltas == LLM_TEXT.replace(" ", " \0").split("\0")
    assert "replace" not in names and names[-1] == "done"
    assert events[-1][1]["text"] == LLM_TEXT and events[-1][1]["citations"]


def test_an_answer_failing_the_grounding_check_is_withdrawn_with_a_replace_event(client, script):
    script.push(Text("The transition takes exactly 14 months [1]."))
    events = ask_streaming(client, QUESTION)
    names = [name for name, _ in events]
    assert names.index("delta") < names.index("replace") < names.index("done")
    assert "delta" not in names[names.index("replace"):]
    replaced = dict(events)["replace"]["text"]
    done = events[-1][1]
    assert replaced == done["text"] and "14 months" not in replaced and done["covered"] is True


def test_a_reply_without_the_model_is_streamed_in_pieces_without_replace(client, script):
    events = ask_streaming(client, "hello")  # a greeting: no model call
    names = [name for name, _ in events]
    assert "replace" not in names and names[-1] == "done" and script.requests == []
    assert "".join(data["text"] for name, data in events if name == "delta") == events[-1][1]["text"]
