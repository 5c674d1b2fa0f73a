"""A server killed with SIGKILL in the middle of a checklist, restarted on the same
database: every answered step is still there and the flow resumes where it was."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from assistant.checklist.flow import ChecklistFlow
from tests.load.servers import base_settings, dump

pytestmark = pytest.mark.slow

NUMBERS = {
    "monthly_volume": "24 000", "aht_seconds": "4 min", "opening_hours_per_day": "10", "open_days_per_month": "22",
    "sl_target_percent": "80", "sl_answer_seconds": "20", "inhouse_monthly_salary": "32 000",
    "employer_oncost_percent": "31,4", "offer_price": "9,5",
}


def answer_for(question: Any, lang: str = "en") -> str:
    if question.type == "number":
        return NUMBERS.get(question.id, "10")
    if question.type == "yes_no":
        return "Yes"
    if question.type == "choice":
        return question.choices[0].label[lang]
    if question.type == "multi_choice":
        return ", ".join(c.label[lang] for c in question.choices[:2])
    return question.example[lang]


class Session:
    def __init__(self, base: str, sid: str, token: str) -> None:
        self.base, self.id = base, sid
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = httpx.post(f"{self.base}/v1/sessions/{self.id}{path}", json=body, headers=self.headers, timeout=60)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def get(self, path: str = "") -> Any:
        r = httpx.get(f"{self.base}/v1/sessions/{self.id}{path}", headers=self.headers, timeout=60)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def state(self) -> dict[str, Any]:
        """Everything the restart must keep: history, checklist view and the brief's answers."""
        brief = self.get("/brief.json")
        answers = {row["question_id"]: (row["status"], row["value"]) for step in brief["steps"]
                   for row in step["answers"]}
        return {"turns": [(t["seq"], t["role"], t["text"]) for t in self.get()["turns"]],
                "checklist": self.get("/checklist"), "answers": answers}


def test_sigkill_mid_checklist_keeps_every_answered_step(servers, load_index_dir, tmp_path) -> None:
    flow = ChecklistFlow()
    order = [q for _, q in flow.order]
    settings = base_settings(load_index_dir, f"sqlite:///{tmp_path / 'sessions.db'}")
    first = servers.new("before-kill", settings).start()
    first.wait_ready()

    created = httpx.post(f"{first.base_url}/v1/sessions", json={"language": "en"}, timeout=30).json()
    s = Session(first.base_url, created["id"], created["token"])
    reply = s.post("/checklist/start")
    assert reply["checklist"]["question_id"] == order[0].id

    # Steps 1 and 2 through the checklist buttons, one question skipped; then two
    # questions of step 3 as chat messages (in a running checklist a statement is an answer).
    answered: list[str] = []
    for position in range(8):
        q = order[position]
        assert reply["checklist"]["question_id"] == q.id, dump(reply["checklist"])
        if q.id == "trust_basis":
            reply = s.post("/checklist/skip")
        else:
            reply = s.post("/checklist/answer", {"answer": answer_for(q)})
            answered.append(q.id)
    for position in (8, 9):
        q = order[position]
        assert reply["checklist"]["question_id"] == q.id, dump(reply["checklist"])
        reply = s.post("/messages", {"message": answer_for(q)})
        assert reply["intent"] == "checklist", dump(reply)
        answered.append(q.id)
    assert reply["checklist"]["question_id"] == order[10].id
    assert reply["checklist"]["done"] == 2, dump(reply["checklist"])

    before = s.state()
    for qid in answered:
        assert before["answers"][qid][0] == "answered", (qid, before["answers"][qid])
    assert before["answers"]["trust_basis"][0] == "skipped"

    # One more answer in flight when the SIGKILL lands: it is committed entirely or not at all.
    in_flight: dict[str, Any] = {}

    def send_in_flight() -> None:
        try:
            in_flight["response"] = httpx.post(f"{s.base}/v1/sessions/{s.id}/checklist/answer",
                                               json={"answer": answer_for(order[10])}, headers=s.headers, timeout=30)
        except httpx.HTTPError as exc:
            in_flight["error"] = exc

    sender = threading.Thread(target=send_in_flight)
    sender.start()
    time.sleep(0.02)
    first.kill()
    sender.join(timeout=30)
    assert first.proc is not None and first.proc.returncode == -9

    second = servers.new("after-restart", settings).start()
    second.wait_ready()
    s.base = second.base_url
    after = s.state()

    committed = len(after["turns"]) == len(before["turns"]) + 2
    print(f"\nin-flight answer at SIGKILL: {'committed' if committed else 'not committed'} "
          f"({in_flight.get('response', in_flight.get('error'))!r})")
    if committed:  # the in-flight answer made it: exactly its two turns were added
        assert after["turns"][: len(before["turns"])] == before["turns"]
        assert after["turns"][-2][1:] == ("user", answer_for(order[10]))
        assert after["answers"]["monthly_volume"][0] == "answered"
        expected_next = order[11]
        assert {k: v for k, v in after["answers"].items() if k != "monthly_volume"} == \
            {k: v for k, v in before["answers"].items() if k != "monthly_volume"}
    else:  # it did not: nothing of it is there
        assert after == before, f"state changed without a committed reply:\n{dump(before)}\n{dump(after)}"
        expected_next = order[10]
        assert "response" not in in_flight or in_flight["response"].status_code != 200
    assert len(after["turns"]) % 2 == 0
    assert after["checklist"]["active"] is True
    assert after["checklist"]["view"]["question_id"] == expected_next.id
    assert after["checklist"]["view"]["done"] == 2

    # Carry on: the flow resumes at the right question and walks on through step 3 into step 4.
    reply = s.post("/checklist/start")  # "resume" is also what a user would press
    assert reply["checklist"]["question_id"] == expected_next.id, dump(reply)
    position = order.index(expected_next)
    while order[position].id != "channels":  # the first question of step 4
        q = order[position]
        assert reply["checklist"]["question_id"] == q.id, dump(reply["checklist"])
        reply = s.post("/checklist/answer", {"answer": answer_for(q)})
        position += 1
    assert reply["checklist"]["step_number"] == 4 and reply["checklist"]["done"] == 3, dump(reply["checklist"])
    final = s.state()
    for qid in answered:
        assert final["answers"][qid] == before["answers"][qid]
    assert final["turns"][: len(after["turns"])] == after["turns"]
