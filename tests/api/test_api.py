"""The HTTP API: sessions, messages (JSON and SSE), checklist, tools, edges."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from evals.loopback import live_server
from tests.sse import parse_sse


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def session(client):
    body = client.post("/v1/sessions", json={"language": "sv"}).json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def sse_events(text: str) -> list[tuple[str, str]]:
    return parse_sse(text.splitlines())


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == code
    assert "Traceback" not in response.text
    return error


def test_a_session_is_created_with_an_unguessable_id_and_a_token(client):
    response = client.post("/v1/sessions", json={"language": "fi"})
    body = response.json()
    assert response.status_code == 201 and len(body["id"]) >= 22 and len(body["token"]) >= 40


def test_a_message_gets_the_engine_reply_as_json(client, session):
    sid, auth = session
    reply = client.post(f"/v1/sessions/{sid}/messages", json={"message": "Ska vi börja med ett pilotprojekt?"},
                        headers=auth).json()
    assert reply["language"] == "sv" and reply["citations"][0]["doc_id"] == "fi-ei-pikavoittoja"


def test_a_message_streams_as_server_sent_events_when_asked(client, session):
    sid, auth = session
    response = client.post(f"/v1/sessions/{sid}/messages", json={"message": "Ska vi börja med ett pilotprojekt?"},
                           headers={**auth, "Accept": "text/event-stream"})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no" and "no-cache" in response.headers["cache-control"]
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "delta" and names[-1] == "done" and "citations" in names
    done = json.loads(events[-1][1])
    streamed = "".join(json.loads(data)["text"] for name, data in events if name == "delta")
    assert streamed == done["text"]


def test_a_staffing_message_streams_a_tool_event(client, session):
    sid, auth = session
    response = client.post(f"/v1/sessions/{sid}/messages",
                           json={"message": "Hur många agenter behövs för 300 samtal i timmen, AHT 4 min, 80/20?"},
                           headers={**auth, "Accept": "text/event-stream"})
    tool = next(json.loads(d) for n, d in sse_events(response.text) if n == "tool")
    assert tool["name"] == "staffing" and tool["result"]["agents"] == 25


def test_history_returns_the_turns_in_order(client, session):
    sid, auth = session
    client.post(f"/v1/sessions/{sid}/messages", json={"message": "Hej"}, headers=auth)
    turns = client.get(f"/v1/sessions/{sid}", headers=auth).json()["turns"]
    assert [t["role"] for t in turns] == ["user", "assistant"] and turns[1]["reply"]["intent"] == "greeting"


def test_a_session_needs_its_token(client, session):
    sid, _ = session
    assert_error_shape(client.get(f"/v1/sessions/{sid}"), 401, "unauthorized")


def test_another_sessions_token_gets_404(client, session):
    sid, _ = session
    other = client.post("/v1/sessions", json={}).json()
    response = client.post(f"/v1/sessions/{sid}/messages", json={"message": "Hej"},
                           headers={"Authorization": f"Bearer {other['token']}"})
    assert_error_shape(response, 404, "not_found")


def test_an_empty_message_is_a_422_naming_the_field(client, session):
    sid, auth = session
    error = assert_error_shape(client.post(f"/v1/sessions/{sid}/messages", json={"message": "  "}, headers=auth),
                               422, "invalid_input")
    assert error["message"] == "message: must not be empty"


def test_a_message_over_the_limit_is_a_422_with_the_limit(client, session):
    sid, auth = session
    error = assert_error_shape(client.post(f"/v1/sessions/{sid}/messages", json={"message": "x" * 5000},
                                           headers=auth), 422, "invalid_input")
    assert "the limit is 4000" in error["message"]


def test_a_body_over_the_size_limit_is_a_413(client, session):
    sid, auth = session
    response = client.post(f"/v1/sessions/{sid}/messages", content=json.dumps({"message": "x" * 100_000}),
                           headers={**auth, "Content-Type": "application/json"})
    assert_error_shape(response, 413, "payload_too_large")


def test_malformed_json_is_a_422(client, session):
    sid, auth = session
    response = client.post(f"/v1/sessions/{sid}/messages", content=b"{not json",
                           headers={**auth, "Content-Type": "application/json"})
    assert_error_shape(response, 422, "invalid_input")


def test_rate_limiting_answers_429_with_retry_after(api_settings, api_engine):
    settings = api_settings.model_copy(update={"rate_limit_per_minute": 6, "rate_limit_burst": 2})
    with TestClient(create_app(settings, engine=api_engine)) as c:
        statuses = [c.post("/v1/sessions", json={}).status_code for _ in range(4)]
        limited = c.post("/v1/sessions", json={})
    assert statuses[:2] == [201, 201] and 429 in statuses[2:]
    assert_error_shape(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1


def test_cors_allows_the_configured_origin_only(client):
    allowed = client.options("/v1/sessions", headers={"Origin": "https://consultancy.example",
                                                      "Access-Control-Request-Method": "POST"})
    denied = client.options("/v1/sessions", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "POST"})
    assert allowed.headers.get("access-control-allow-origin") == "https://consultancy.example"
    assert "access-control-allow-origin" not in denied.headers


def test_every_response_carries_a_request_id(client):
    assert client.get("/healthz").headers["x-request-id"]
    assert client.get("/healthz", headers={"X-Request-ID": "abc123"}).headers["x-request-id"] == "abc123"


def test_the_checklist_runs_through_its_endpoints_and_exports_a_brief(client, session):
    sid, auth = session
    started = client.post(f"/v1/sessions/{sid}/checklist/start", headers=auth).json()
    assert started["checklist"]["question_id"] == "problem_statement"
    answered = client.post(f"/v1/sessions/{sid}/checklist/answer",
                           json={"answer": "Långa köer under julhandeln"}, headers=auth).json()
    assert answered["checklist"]["question_id"] == "supplier_type"
    skipped = client.post(f"/v1/sessions/{sid}/checklist/skip", headers=auth).json()
    assert skipped["checklist"]["question_id"] == "trust_basis"
    back = client.post(f"/v1/sessions/{sid}/checklist/back", headers=auth).json()
    assert back["checklist"]["question_id"] == "supplier_type"
    state = client.get(f"/v1/sessions/{sid}/checklist", headers=auth).json()
    assert state["active"] and state["view"]["question_id"] == "supplier_type"
    brief = client.get(f"/v1/sessions/{sid}/brief.json", headers=auth).json()
    assert brief["schema"] == "procurement-brief" and brief["steps"][0]["answers"][0]["display"]
    markdown = client.get(f"/v1/sessions/{sid}/brief.md", headers=auth)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "Långa köer under julhandeln" in markdown.text


def test_jumping_to_a_missing_step_is_a_clear_error(client, session):
    sid, auth = session
    client.post(f"/v1/sessions/{sid}/checklist/start", headers=auth)
    reply = client.post(f"/v1/sessions/{sid}/checklist/jump", json={"step": 42}, headers=auth).json()
    assert "42" in reply["text"] and reply["checklist"]["step_number"] == 1


def test_a_checklist_action_before_starting_is_refused(client, session):
    sid, auth = session
    error = assert_error_shape(client.post(f"/v1/sessions/{sid}/checklist/skip", headers=auth), 422, "invalid_input")
    assert "not running" in error["message"]


def test_the_tools_endpoints_call_the_same_functions(client):
    plan = client.post("/v1/tools/staffing", json={"contacts": 100, "interval_minutes": 30, "aht_seconds": 180,
                                                   "service_level": 0.8, "answer_seconds": 20}).json()
    assert plan["agents"] == 14 and round(plan["service_level"], 3) == 0.888
    costs = client.post("/v1/tools/cost-comparison", json={
        "currency": "SEK", "contacts_per_month": 20000, "aht_seconds": 240, "in_house_fte": 12,
        "monthly_salary": 32000, "offers": [{"name": "A", "price_per_minute": 9}]}).json()
    assert costs["currency"] == "SEK" and costs["offers"][0]["name"] == "A"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"contacts": -5, "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20}, "contacts"),
     ({"contacts": 100, "aht_seconds": 180, "service_level": 1.5, "answer_seconds": 20}, "service_level"),
     ({"contacts": 100, "aht_seconds": 180, "service_level": 0.8, "answer_seconds": 20, "shrinkage": 1}, "shrinkage")],
)
def test_bad_tool_input_is_a_422_naming_the_field(client, body, field):
    error = assert_error_shape(client.post("/v1/tools/staffing", json=body), 422, "invalid_input")
    assert error["message"].startswith(field)


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/sessions", "/v1/sessions/{session_id}/messages", "/v1/chat/completions"} <= set(paths)


def test_the_openai_sdk_gets_a_grounded_answer_from_the_live_server(app):
    from openai import OpenAI

    with live_server(app) as base:
        client = OpenAI(base_url=f"{base}/v1", api_key="not-needed")
        completion = client.chat.completions.create(
            model="nordic-outsourcing-assistant",
            messages=[{"role": "user", "content": "Should we put an exit clause in the contract?"}])
        content = completion.choices[0].message.content
        assert "opt-out" in content and "Kundeservice og Call Center Outsourcing" in content
        stream = client.chat.completions.create(
            model="nordic-outsourcing-assistant", stream=True,
            messages=[{"role": "user", "content": "Should we put an exit clause in the contract?"}])
        streamed = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
        assert streamed == content
        assert [m.id for m in client.models.list()] == ["nordic-outsourcing-assistant"]


def test_the_openai_user_field_keeps_the_conversation(app):
    from openai import OpenAI

    with live_server(app) as base:
        client = OpenAI(base_url=f"{base}/v1", api_key="x")
        ask = lambda text: client.chat.completions.create(  # noqa: E731
            model="m", user="alice", messages=[{"role": "user", "content": text}]).choices[0].message.content
        ask("How many agents do we need? 300 calls per hour")
        assert "25" in ask("AHT 4 min, 80/20")


def test_the_live_server_streams_sse_with_the_json_error_shape_on_errors(app):
    with live_server(app) as base:
        created = httpx.post(f"{base}/v1/sessions", json={}).json()
        auth = {"Authorization": f"Bearer {created['token']}", "Accept": "text/event-stream"}
        with httpx.stream("POST", f"{base}/v1/sessions/{created['id']}/messages", json={"message": "Hei!"},
                          headers=auth, timeout=30) as response:
            body = "".join(response.iter_text())
        assert sse_events(body)[-1][0] == "done"
        response = httpx.post(f"{base}/v1/sessions/{created['id']}/messages", json={"message": ""},
                              headers={"Authorization": f"Bearer {created['token']}"})
        assert_error_shape(response, 422, "invalid_input")


def test_when_the_embedding_queue_is_full_a_message_gets_503_with_retry_after_and_nothing_is_stored(
        client, session, retriever):
    import threading

    from assistant.embedding_executor import EmbeddingExecutor

    sid, auth = session
    embeddings = retriever.embeddings
    saved = embeddings.executor
    full = EmbeddingExecutor(cores=1, queue_size=1, mode="serial", set_threads=lambda n: None)
    release, started = threading.Event(), threading.Event()
    holder = threading.Thread(target=full.run, args=(lambda: (started.set(), release.wait(10)),))
    holder.start()
    started.wait(5)
    waiter = threading.Thread(target=full.run, args=(lambda: None,))
    waiter.start()
    while full.stats()["waiting"] < 1:
        pass
    embeddings.executor = full
    try:
        response = client.post(f"/v1/sessions/{sid}/messages",
                               json={"message": "Vilka risker finns med att lägga ut kundtjänsten till Polen, undrar vi?"},
                               headers=auth)
    finally:
        embeddings.executor = saved
        release.set()
        holder.join()
        waiter.join()
    error = assert_error_shape(response, 503, "overloaded")
    assert int(response.headers["retry-after"]) >= 1 and error["details"]["retry_after_seconds"] > 0
    history = client.get(f"/v1/sessions/{sid}", headers=auth)
    assert history.status_code == 200 and history.json()["turns"] == []
