"""A conversation store seeded with what the insights report looks for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from assistant.store import SessionStore
from assistant.store.schema import sessions_table, turns_table

# Written for this test, not taken from evals/datasets/insight_topics.jsonl (the clustering's tuning set).
DECLINED = [  # (language, question, topic)
    ("sv", "Måste leverantören skriva på ett personuppgiftsbiträdesavtal enligt GDPR?", "gdpr"),
    ("en", "Is the contact center a data processor under GDPR, and what agreement do we need?", "gdpr"),
    ("da", "Hvilken databehandleraftale kræver GDPR, når kundeservicen outsources?", "gdpr"),
    ("fi", "Mikä irtisanomisaika ulkoistussopimukseen kannattaa kirjoittaa?", "notice"),
    ("nb", "Hvor mange måneders oppsigelsestid bør outsourcingavtalen ha?", "notice"),
]
PARTIAL = ("sv", "Vad kostar en outsourcad kundtjänst per minut i Sverige?")


def _reply(language: str, **fields: Any) -> dict[str, Any]:
    return {"session_id": "x", "text": "…", "language": language, "intent": "question", "citations": [],
            "covered": True, "missing": [], "suggestions": [], **fields}


def _exchange(store: SessionStore, sid: str, question: str, reply: dict[str, Any], answer: str = "Svar.") -> int:
    with store.transaction(sid, create=True) as txn:
        txn.append("user", question)
        return txn.append("assistant", answer, reply).seq


def _age(store: SessionStore, sid: str, age: timedelta) -> None:
    when = datetime.now(UTC) - age
    with store.write_connection("age a session") as conn:
        conn.execute(update(sessions_table).where(sessions_table.c.id == sid).values(updated_at=when))
        conn.execute(update(turns_table).where(turns_table.c.session_id == sid).values(created_at=when))


def seed(store: SessionStore) -> None:
    for i, (lang, question, _topic) in enumerate(DECLINED):
        _exchange(store, f"declined-{i}", question, _reply(lang, intent="off_topic", covered=False))
    lang, question = PARTIAL
    _exchange(store, "partial", question, _reply(lang, coverage="partial"))
    # Answers rated 👎 (with and without a comment) and 👍.
    seq = _exchange(store, "rated", "Hur lång är en typisk pilot?", _reply("sv"), "En pilot brukar pågå några månader.")
    store.set_feedback("rated", seq, "down", "Svaret sa inte hur många månader.")
    seq = _exchange(store, "rated", "Ska vi ha en exit-klausul?", _reply("sv"))
    store.set_feedback("rated", seq, "up")
    seq = _exchange(store, "rated-en", "What pricing models exist?", _reply("en"))
    store.set_feedback("rated-en", seq, "down")
    # A staffing request that stopped at the handling time, and then the visitor asked something else.
    _exchange(store, "stalled", "Hur många agenter behöver vi för 300 samtal i timmen?",
              _reply("sv", intent="tool", missing=["aht_seconds", "service_level"], pending_tool="staffing"))
    _exchange(store, "stalled", "Vilka prismodeller finns?", _reply("sv"))
    # One that went quiet an hour ago, and one that was completed (not stalled).
    _exchange(store, "quiet", "How many agents for 200 calls an hour, 80/20?",
              _reply("en", intent="tool", missing=["aht_seconds"], pending_tool="staffing"))
    _age(store, "quiet", timedelta(hours=1))
    _exchange(store, "completed-tool", "Hur många agenter behövs för 300 samtal i timmen?",
              _reply("sv", intent="tool", missing=["aht_seconds"], pending_tool="staffing"))
    _exchange(store, "completed-tool", "4 minuter, 80/20",
              _reply("sv", intent="tool", tool={"name": "staffing_plan", "arguments": {}, "result": {}}))
    # Checklists: finished; stopped in step 3 two hours ago; in step 2 right now (not dropped yet).
    _checklist(store, "cl-done", {"active": True, "position": 49, "trail": list(range(49)), "completed": True,
                                  "answers": {"problem_statement": "x"}, "skipped": []})
    _checklist(store, "cl-stopped", {"active": True, "position": 9, "trail": list(range(9)), "completed": False,
                                     "answers": {"problem_statement": "x"}, "skipped": []})
    _age(store, "cl-stopped", timedelta(hours=2))
    _checklist(store, "cl-running", {"active": True, "position": 5, "trail": list(range(5)), "completed": False,
                                     "answers": {"problem_statement": "x"}, "skipped": []})
    # Older than the period: not in the report.
    _exchange(store, "old", "Hur hanterar vi GDPR?", _reply("sv", intent="off_topic", covered=False))
    _age(store, "old", timedelta(days=60))


def _checklist(store: SessionStore, sid: str, state: dict[str, Any]) -> None:
    with store.transaction(sid, create=True) as txn:
        txn.state = {"checklist": state}
        txn.append("user", "starta checklistan")
        txn.append("assistant", "…", _reply("sv", intent="checklist"))


@pytest.fixture
def seeded_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'insights.db'}"
    store = SessionStore(url)
    seed(store)
    store.close()
    return url
