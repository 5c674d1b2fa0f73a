"""Two replicas (two server processes on different loopback ports) sharing one real
PostgreSQL server (scripts/postgres.sh): a conversation whose calls alternate
between the replicas keeps its slot values and checklist state, the 2,000-message
load split across both loses nothing, and a database outage is survived."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assistant.checklist.flow import ChecklistFlow
from tests.load.servers import (
    ServerPool,
    ServerProcess,
    base_settings,
    concurrent_same_session,
    dump,
    fetch_histories,
    history_problems,
    run_load,
)
from tests.load.test_crash import answer_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, load_index_dir, postgres) -> Iterator[list[ServerProcess]]:
    workdir = tmp_path_factory.mktemp("replicas")
    pool = ServerPool(workdir)
    try:
        pair = [pool.new(f"replica-{n}", base_settings(load_index_dir, postgres.url)) for n in "ab"]
        for server in pair:  # started together: both create the tables at once on first use
            server.start()
        for server in pair:
            server.wait_ready()
        yield pair
    finally:
        pool.close()


class Client:
    """One user's session, each call going to the next server in turn."""

    def __init__(self, bases: list[str]) -> None:
        self.bases, self.calls = bases, 0
        created = httpx.post(f"{bases[0]}/v1/sessions", json={"language": "en"}, timeout=30)
        assert created.status_code == 201, created.text
        self.id, self.headers = created.json()["id"], {"Authorization": f"Bearer {created.json()['token']}"}

    def next_base(self) -> str:
        self.calls += 1
        return self.bases[self.calls % len(self.bases)]

    def call(self, action: str, text: str | None = None) -> dict[str, Any]:
        base = self.next_base()
        if action == "message":
            path, body = "/messages", {"message": text}
        else:
            path, body = f"/checklist/{action}", ({"answer": text} if action == "answer" else None)
        r = httpx.post(f"{base}/v1/sessions/{self.id}{path}", json=body, headers=self.headers, timeout=60)
        assert r.status_code == 200, (base, action, text, r.status_code, r.text)
        return r.json()

    def get(self, base: str, path: str = "") -> Any:
        r = httpx.get(f"{base}/v1/sessions/{self.id}{path}", headers=self.headers, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


def conversation() -> list[tuple[str, str | None]]:
    order = [q for _, q in ChecklistFlow().order]
    return [
        ("message", "hello"),
        ("message", "How many agents do I need?"),  # staffing slot filling over four turns
        ("message", "200 calls per hour"),
        ("message", "AHT 4 minutes"),
        ("message", "80% within 20 seconds"),
        ("start", None),
        ("answer", answer_for(order[0])),
        ("message", answer_for(order[1])),  # a chat message answers the current question
        ("skip", None),
        ("back", None),
        ("answer", answer_for(order[2])),
        ("answer", answer_for(order[3])),
        ("message", "How do I choose an outsourcing partner?"),  # a free question mid-checklist
        ("answer", answer_for(order[4])),
        ("answer", answer_for(order[5])),
        ("answer", answer_for(order[6])),
    ]


def essentials(reply: dict[str, Any]) -> dict[str, Any]:
    return {k: reply[k] for k in ("text", "language", "intent", "missing", "checklist", "tool", "citations")}


def test_a_conversation_alternating_between_replicas_keeps_slots_and_checklist(replicas, offline_server) -> None:
    bases = [r.base_url for r in replicas]
    alternating, single = Client(bases), Client([offline_server.base_url])
    replies = []
    for action, text in conversation():
        got, reference = alternating.call(action, text), single.call(action, text)
        # The same as one server with one database would say, word for word.
        assert essentials(got) == essentials(reference), f"{action} {text!r}:\n{dump(got)}\n{dump(reference)}"
        replies.append(got)

    staffing = replies[4]["tool"]
    assert staffing and staffing["name"] == "staffing", dump(replies[4])
    # Slots filled on alternating replicas all made it into the calculation.
    assert staffing["arguments"] | {"contacts": 200, "aht_seconds": 240, "service_level": 0.8,
                                    "answer_seconds": 20} == staffing["arguments"], staffing["arguments"]
    assert replies[-1]["checklist"]["step_number"] == 2 and replies[-1]["checklist"]["done"] == 1

    views = [alternating.get(base, "/checklist") for base in bases]
    assert views[0] == views[1] == single.get(offline_server.base_url, "/checklist")
    histories = [[(t["seq"], t["role"], t["text"]) for t in alternating.get(base)["turns"]] for base in bases]
    assert histories[0] == histories[1]
    assert len(histories[0]) == 2 * len(conversation())


def test_2000_messages_split_across_two_replicas_lose_nothing(replicas) -> None:
    bases = [r.base_url for r in replicas]
    # Every session's consecutive messages go to alternate replicas.
    result = asyncio.run(run_load(bases, sessions=200, messages_per_session=10, clients=32, seed=2,
                                  route=lambda s, m: (s + m) % 2, timeout=300))
    print("\nload (PostgreSQL, 2 replicas):", result.summary())
    server_errors = {s: n for s, n in result.statuses.items() if s >= 500 or s < 0}
    assert not server_errors, f"{server_errors}: {result.failures[:10]}\n" + "\n".join(r.log_tail() for r in replicas)
    assert not result.failures, result.failures[:10]
    assert result.messages_ok == 2000

    histories = asyncio.run(fetch_histories(bases, result.tokens))
    problems = history_problems(result.sent, histories)
    assert not problems, f"{len(problems)} sessions differ from what was sent:\n" + "\n".join(problems[:10])
    assert all(r.alive() for r in replicas)


def test_concurrent_messages_to_one_session_on_both_replicas_are_serialised(replicas) -> None:
    """SELECT ... FOR UPDATE, not a per-process lock, is what orders them here."""
    problems = asyncio.run(concurrent_same_session([r.base_url for r in replicas]))
    assert not problems, "\n".join(problems[:10])


def outage_status(replicas: list[ServerProcess], postgres) -> tuple[httpx.Response, dict[str, Any], Client]:
    """Stop PostgreSQL, send a message, read /readyz; PostgreSQL is started again before returning."""
    client = Client([r.base_url for r in replicas])
    client.call("message", "hello")
    postgres.stop()
    try:
        failed = httpx.post(f"{replicas[1].base_url}/v1/sessions/{client.id}/messages", json={"message": "thanks"},
                            headers=client.headers, timeout=60)
        ready = httpx.get(f"{replicas[0].base_url}/readyz", timeout=60)
        assert ready.status_code == 503, ready.text
        readiness = ready.json()
    finally:
        postgres.start()
    return failed, readiness, client


def test_a_database_outage_is_survived(replicas, postgres) -> None:
    failed, readiness, client = outage_status(replicas, postgres)
    assert failed.status_code >= 400 and failed.headers["content-type"].startswith("application/json"), failed.text
    error = failed.json()["error"]
    assert error["code"] == "session_store_error", error
    assert "Traceback" not in failed.text and "psycopg" not in failed.text and "password" not in failed.text
    assert readiness["database"] is False and readiness["status"] == "unavailable", readiness
    assert readiness["problem"], readiness

    # Back again: both replicas serve the session once PostgreSQL is up (stale pooled connections are replaced).
    deadline = time.monotonic() + 60
    for replica in replicas:
        while httpx.get(f"{replica.base_url}/readyz", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, replica.log_tail()
            time.sleep(0.5)
    client.call("message", "thanks")
    client.call("message", "hello")
    turns = client.get(replicas[0].base_url)["turns"]
    assert [(t["role"], t["text"]) for t in turns[::2]] == [("user", "hello"), ("user", "thanks"), ("user", "hello")]
    assert len(turns) == 6  # the message sent during the outage left nothing behind
    assert all(r.alive() for r in replicas)


def test_a_database_outage_answers_503(replicas, postgres) -> None:
    failed, _, _ = outage_status(replicas, postgres)
    assert failed.status_code == 503, (failed.status_code, failed.text)
    assert failed.headers["retry-after"] == "1"  # a temporary outage: clients and load balancers retry
