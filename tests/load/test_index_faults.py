"""The index deleted or damaged while the server is stopped. The next start either
rebuilds it (ASSISTANT_AUTO_REBUILD_INDEX=true: /readyz turns 200 and answers
work) or refuses clearly (false: /readyz 503, a message gets a 503 in the one
JSON error shape naming the index problem, and the server stays up)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.load.servers import REBUILD_TIMEOUT, base_settings

pytestmark = pytest.mark.slow

EMPTY_NPY = "bm25/chunks-sv/chunk_ids.npy"


def delete_folder(index: Path) -> str:
    shutil.rmtree(index)
    return "no index"


def truncate(relative: str, keep: float) -> Callable[[Path], str]:
    def damage(index: Path) -> str:
        target = index / "current" / relative
        size = target.stat().st_size
        with open(target, "r+b") as fh:
            fh.truncate(int(size * keep))
        return relative.split("/")[0] if relative.startswith("bm25/") else relative
    damage.__name__ = f"truncate {relative} to {keep:.0%}"
    return damage


REFUSALS = [
    pytest.param(delete_folder, id="folder-deleted"),
    pytest.param(truncate("chunks.faiss", 0.5), id="chunks.faiss-truncated"),
    pytest.param(truncate(EMPTY_NPY, 0.0), id="bm25-npy-emptied"),
]


@pytest.mark.parametrize("damage", REFUSALS)
def test_damaged_index_without_auto_rebuild_is_refused_clearly(damage, servers, private_index, tmp_path) -> None:
    named = damage(private_index)
    server = servers.new("refuses", base_settings(private_index, f"sqlite:///{tmp_path / 'sessions.db'}",
                                                  ASSISTANT_AUTO_REBUILD_INDEX="false")).start()
    server.wait_listening()

    deadline = time.monotonic() + 120
    while True:  # /readyz: 503 "starting" while loading, then 503 "unavailable" with the problem
        ready = httpx.get(f"{server.base_url}/readyz", timeout=30)
        assert ready.status_code == 503, ready.text
        if ready.json()["status"] == "unavailable" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    body = ready.json()
    assert body["status"] == "unavailable" and body["index"] is False and body["database"] is True, body

    created = httpx.post(f"{server.base_url}/v1/sessions", json={}, timeout=30)
    assert created.status_code == 201, created.text  # sessions do not need the index
    session = created.json()
    for _ in range(2):  # and it stays that way: same answer, no crash
        r = httpx.post(f"{server.base_url}/v1/sessions/{session['id']}/messages",
                       json={"message": "How do I choose an outsourcing partner?"},
                       headers={"Authorization": f"Bearer {session['token']}"}, timeout=30)
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/json")
        error = r.json()["error"]
        assert set(r.json()) == {"error"} and set(error) == {"code", "message", "details"}, r.json()
        assert error["code"] == "index_error", error
        assert "Traceback" not in r.text and 'File "' not in r.text, r.text
        # Clear: it says what is wrong (the damaged file, or that there is no index) and how to fix it.
        assert named in error["message"], error["message"]
        assert "assistant index build" in error["message"] or "AUTO_REBUILD" in error["message"], error["message"]
        assert body["problem"] == error["message"]

    assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200
    assert server.alive()
    assert not (private_index / "current").exists() or named != "no index"  # nothing was rebuilt


REBUILDS = [
    pytest.param(truncate("chunks.faiss", 0.5), id="chunks.faiss-truncated"),
    pytest.param(truncate(EMPTY_NPY, 0.0), id="bm25-npy-emptied"),
]


@pytest.mark.parametrize("damage", REBUILDS)
def test_damaged_index_with_auto_rebuild_is_rebuilt(damage, servers, private_index, tmp_path) -> None:
    old_build = (private_index / "current").resolve().name
    damage(private_index)
    server = servers.new("rebuilds", base_settings(private_index, f"sqlite:///{tmp_path / 'sessions.db'}",
                                                   ASSISTANT_AUTO_REBUILD_INDEX="true")).start()
    server.wait_listening()
    started = time.monotonic()
    health_latencies: list[float] = []
    deadline = started + REBUILD_TIMEOUT
    while True:
        t = time.monotonic()
        health = httpx.get(f"{server.base_url}/healthz", timeout=60)
        health_latencies.append(time.monotonic() - t)
        assert health.status_code == 200
        ready = httpx.get(f"{server.base_url}/readyz", timeout=60)
        if ready.status_code == 200:
            break
        assert ready.json()["status"] == "starting", f"{ready.json()}\n{server.log_tail()}"
        assert time.monotonic() < deadline, f"not rebuilt within {REBUILD_TIMEOUT} s\n{server.log_tail()}"
        time.sleep(0.5)
    print(f"\nrebuilt and ready {time.monotonic() - started:.1f} s after the server listened; "
          f"/healthz during the rebuild: max {max(health_latencies):.2f} s over {len(health_latencies)} probes")

    new_build = (private_index / "current").resolve()
    assert new_build.name != old_build and (new_build / "manifest.json").exists()
    session = httpx.post(f"{server.base_url}/v1/sessions", json={}, timeout=30).json()
    r = httpx.post(f"{server.base_url}/v1/sessions/{session['id']}/messages",
                   json={"message": "How do I choose an outsourcing partner?"},
                   headers={"Authorization": f"Bearer {session['token']}"}, timeout=60)
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["intent"] == "question" and reply["covered"] and reply["citations"], reply
