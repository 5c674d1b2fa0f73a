"""Load against a live server: 2,000 messages from 32 concurrent clients across
200 sessions (SQLite, one uvicorn process, rate limit off). Nothing may fail and
afterwards every session holds exactly what was sent, in order."""

from __future__ import annotations

import asyncio

import pytest

from tests.load.servers import (
    concurrent_same_session,
    fetch_histories,
    history_problems,
    run_load,
)

pytestmark = pytest.mark.slow


def test_2000_messages_from_32_clients_lose_nothing(offline_server) -> None:
    result = asyncio.run(run_load([offline_server.base_url], sessions=200, messages_per_session=10, clients=32,
                                  timeout=300))
    print("\nload (SQLite, 1 process):", result.summary())

    server_errors = {s: n for s, n in result.statuses.items() if s >= 500 or s < 0}
    assert not server_errors, f"5xx or transport errors {server_errors}: {result.failures[:10]}\n{offline_server.log_tail()}"
    assert not result.failures, result.failures[:10]
    assert len(result.sent) == 200 and result.messages_ok == 2000

    histories = asyncio.run(fetch_histories([offline_server.base_url], result.tokens))
    problems = history_problems(result.sent, histories)
    assert not problems, f"{len(problems)} sessions differ from what was sent:\n" + "\n".join(problems[:10])
    assert offline_server.alive()


def test_concurrent_messages_to_one_session_are_serialised(offline_server) -> None:
    """Five messages sent at once to each of 20 sessions: every message gets its
    own user turn immediately followed by its own reply; no turn lost or interleaved."""
    problems = asyncio.run(concurrent_same_session([offline_server.base_url]))
    assert not problems, "\n".join(problems[:10])
