"""The LLM provider hangs, answers 500 or drops the connection mid-answer: the
user gets the offline answer, over SSE the stream ends properly with a `done`
event carrying it, and nothing waits much past ASSISTANT_LLM_TIMEOUT_SECONDS.

The provider is the scripted fake OpenAI server (tests/fakes/openai_server.py)
on loopback in this process; the assistant is a real server process using the
real langchain-openai client against it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.openai_server import (
    DieMidStream,
    Hang,
    HTTPError,
    Script,
    Text,
    run_fake_openai,
)
from tests.load.servers import ServerPool, ServerProcess, base_settings
from tests.sse import parse_sse

pytestmark = pytest.mark.slow

TIMEOUT = 3.0  # ASSISTANT_LLM_TIMEOUT_SECONDS of the server under test
QUESTION = "How do I choose an outsourcing partner?"
LLM_TEXT = "Do not rely on the vendor's reputation alone; check references and visit them [1]."


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[tuple[Script, str]]:
    script = Script()
    with run_fake_openai(script) as base_url:
        yield script, base_url


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory, load_index_dir, fake_llm) -> Iterator[ServerProcess]:
    _, base_url = fake_llm
    workdir = tmp_path_factory.mktemp("llm-server")
    pool = ServerPool(workdir)
    try:
        server = pool.new("llm", base_settings(
            load_index_dir, f"sqlite:///{workdir / 'sessions.db'}", ASSISTANT_LLM="openai:fake-model",
            ASSISTANT_LLM_BASE_URL=base_url, ASSISTANT_LLM_TIMEOUT_SECONDS=str(TIMEOUT)))
        server.start().wait_ready()
        yield server
    finally:
        pool.close()


@pytest.fixture(scope="module")
def offline_reply(offline_server) -> dict[str, Any]:
    """What the offline answerer says to QUESTION in a fresh session."""
    return ask(offline_server.base_url, QUESTION)


def new_session(base: str) -> tuple[str, dict[str, str]]:
    created = httpx.post(f"{base}/v1/sessions", json={}, timeout=30).json()
    return created["id"], {"Authorization": f"Bearer {created['token']}"}


def ask(base: str, message: str) -> dict[str, Any]:
    sid, headers = new_session(base)
    r = httpx.post(f"{base}/v1/sessions/{sid}/messages", json={"message": message}, headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def ask_streaming(base: str, message: str, read_timeout: float = 60.0) -> tuple[list[tuple[str, str]], float]:
    """POST with Accept: text/event-stream; the events and the seconds until the stream closed."""
    sid, headers = new_session(base)
    started = time.monotonic()
    with httpx.stream("POST", f"{base}/v1/sessions/{sid}/messages", json={"message": message},
                      headers={**headers, "Accept": "text/event-stream"},
                      timeout=httpx.Timeout(10.0, read=read_timeout)) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(r.iter_lines())
    return events, time.monotonic() - started


def check_stream(events: list[tuple[str, str]]) -> dict[str, Any]:
    """A well-formed stream: deltas, at most one `replace` after them, optional
    citations/tool/checklist, exactly one `done`, last; what the user was shown
    in the end is the reply's text."""
    names = [e for e, _ in events]
    assert names and names[-1] == "done", names
    assert names.count("done") == 1 and "error" not in names, names
    assert names.count("replace") <= 1, names
    if "replace" in names:
        assert "delta" not in names[names.index("replace"):], names
    done = json.loads(events[-1][1])
    shown = "".join(json.loads(d)["text"] for e, d in events if e == "delta")
    if "replace" in names:
        shown = json.loads(dict(events)["replace"])["text"]
    assert shown == done["text"], (shown, done["text"])
    if "citations" in names:
        assert json.loads(dict(events)["citations"]) == done["citations"]
    return done


def test_llm_answer_is_used_when_the_provider_answers(fake_llm, llm_server, offline_reply) -> None:
    """The control: with a working provider the LLM's answer is what the user gets,
    so the fallbacks below are really fallbacks from a live LLM path."""
    script, _ = fake_llm
    script.push(Text(LLM_TEXT))
    events, _ = ask_streaming(llm_server.base_url, QUESTION)
    done = check_stream(events)
    assert done["text"] == LLM_TEXT != offline_reply["text"]
    assert script.remaining == 0
    # Streamed as the model wrote it (the fake sends a word per chunk), nothing withdrawn.
    names = [e for e, _ in events]
    assert names.count("delta") > 5 and "replace" not in names, names


FAULTS = [
    pytest.param(Hang(seconds=60), TIMEOUT, id="hang"),
    pytest.param(HTTPError(500), 0.0, id="http-500"),
    pytest.param(DieMidStream(LLM_TEXT, words_before_dying=3), 0.0, id="dies-mid-answer"),
]


@pytest.mark.parametrize("fault,waits", FAULTS)
def test_provider_fault_gives_the_offline_answer_and_a_closed_stream(fault, waits, fake_llm, llm_server,
                                                                     offline_reply) -> None:
    script, _ = fake_llm
    asked_before = len(script.requests)
    script.push(fault)
    events, elapsed = ask_streaming(llm_server.base_url, QUESTION, read_timeout=TIMEOUT * 2 + 20)
    done = check_stream(events)
    assert len(script.requests) == asked_before + 1 and script.remaining == 0  # the provider was really asked
    assert done["text"] == offline_reply["text"]
    assert done["citations"] == offline_reply["citations"] and done["covered"] is True
    if isinstance(fault, DieMidStream):  # the words the model got out were shown, then withdrawn
        names = [e for e, _ in events]
        assert "replace" in names and names.index("delta") < names.index("replace"), names
    # No hang beyond the timeout: one model call, bounded by ASSISTANT_LLM_TIMEOUT_SECONDS, plus the offline work.
    assert waits * 0.9 <= elapsed <= TIMEOUT + 5, f"stream took {elapsed:.1f} s"


def test_provider_fault_in_a_json_request_gives_the_offline_answer(fake_llm, llm_server, offline_reply) -> None:
    script, _ = fake_llm
    script.push(Hang(seconds=60))
    started = time.monotonic()
    reply = ask(llm_server.base_url, QUESTION)
    elapsed = time.monotonic() - started
    assert reply["text"] == offline_reply["text"] and script.remaining == 0
    assert TIMEOUT * 0.9 <= elapsed <= TIMEOUT + 5, f"reply took {elapsed:.1f} s"


def test_a_hanging_provider_does_not_stall_other_sessions(fake_llm, llm_server) -> None:
    script, _ = fake_llm
    script.push(Hang(seconds=60))
    hung: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: hung.update(reply=ask(llm_server.base_url, QUESTION)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while script.remaining and time.monotonic() < deadline:  # until the provider holds the request
            time.sleep(0.01)
        assert script.remaining == 0
        started = time.monotonic()
        greeting = ask(llm_server.base_url, "hello")  # another user, no LLM involved
        waited = time.monotonic() - started
    finally:
        thread.join(timeout=TIMEOUT * 2 + 20)
    assert greeting["intent"] == "greeting" and "reply" in hung
    assert waited < TIMEOUT / 2, f"a greeting in another session waited {waited:.1f} s for the hanging LLM call"
