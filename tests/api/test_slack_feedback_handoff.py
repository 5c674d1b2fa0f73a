"""Slack: 👍/👎 buttons on every answer (with an optional comment after 👎) and
"Talk to a consultant", which posts the lead with its brief to the leads channel.
Live server, signed requests, the loopback fake Web API (tests/fakes/slack_api.py)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from api.app import create_app
from api.slack import blocks as bk
from api.slack.text import s
from assistant.engine import Assistant
from assistant.reply import Reply
from assistant.store import SessionStore
from assistant.settings import Settings
from evals.loopback import live_server
from tests.api.test_slack import SECRET, USER, click, mention, new_ts, post_event, signed
from tests.conftest import CORPUS
from tests.fakes.slack_api import TEAM_ID, Call, FakeSlack, run_fake_slack

LEADS = "CLEADS0001"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with run_fake_slack() as f:
        yield f


@pytest.fixture(scope="module")
def settings(tmp_path_factory, real_index_dir, fake) -> Settings:
    db = tmp_path_factory.mktemp("slack-leads") / "sessions.db"
    return Settings(corpus_dir=CORPUS, index_dir=real_index_dir, database_url=f"sqlite:///{db}",
                    slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET, slack_api_url=fake.api_url,
                    slack_leads_channel=LEADS, lead_retry_base_seconds=0.1, rate_limit_per_minute=0)


@pytest.fixture(scope="module")
def engine(settings, retriever) -> Iterator[Assistant]:
    store = SessionStore(settings.database_url)
    yield Assistant(settings, retriever=retriever, store=store)
    store.close()


@pytest.fixture(scope="module")
def base(settings, engine) -> Iterator[str]:
    with live_server(create_app(settings, engine=engine)) as url:
        yield url


@pytest.fixture
def channel() -> str:
    return "C" + uuid.uuid4().hex[:10].upper()


def answer_in_thread(base: str, fake: FakeSlack, channel: str) -> Call:
    root = new_ts()
    assert post_event(base, mention(channel, "Ska vi börja med ett pilotprojekt?", ts=root)).status_code == 200
    [posted] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    return posted


def feedback_row(call: Call) -> dict[str, Any]:
    return next(b for b in call.blocks if b.get("block_id") == bk.FEEDBACK_BLOCK)


def button(call: Call, action_id: str) -> dict[str, Any]:
    return next(el for el in feedback_row(call)["elements"] if el["action_id"] == action_id)


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_an_answer_carries_thumbs_and_a_click_stores_the_rating(base, fake, channel, engine):
    posted = answer_in_thread(base, fake, channel)
    up = button(posted, bk.FEEDBACK_UP)
    value = bk.decode(up["value"])
    assert up["text"]["text"] == "👍 Bra svar" and button(posted, bk.FEEDBACK_DOWN)["text"]["text"] == "👎 Inte bra"
    assert click(base, fake, posted, up, channel=channel, key="up-1").status_code == 200
    [updated] = fake.wait_for("chat.update", channel=channel, ts=posted.response["ts"])
    assert all(b.get("block_id") != bk.FEEDBACK_BLOCK for b in updated.blocks)
    assert any(f"<@{USER}> gav svaret 👍" in text for text in updated.texts())
    rated = engine.feedback(value["s"])
    assert rated[value["n"]].rating == "up"
    turn = next(t for t in engine.history(value["s"]) if t.seq == value["n"])
    assert turn.role == "assistant"


def test_a_thumbs_down_opens_a_comment_dialog_whose_comment_is_stored(base, fake, channel, engine):
    posted = answer_in_thread(base, fake, channel)
    down = button(posted, bk.FEEDBACK_DOWN)
    value = bk.decode(down["value"])
    click(base, fake, posted, down, channel=channel, key="down-1")
    [opened] = fake.wait_for("views.open", where=lambda c: bk.decode(
        (c.body.get("view") if isinstance(c.body.get("view"), dict) else json.loads(c.body["view"]))
        .get("private_metadata")).get("s") == value["s"])
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    assert view["callback_id"] == bk.FEEDBACK_MODAL and view["title"]["text"] == "Vad saknades?"
    wait_until(lambda: value["n"] in engine.feedback(value["s"]))
    assert engine.feedback(value["s"])[value["n"]].rating == "down"

    submission = {
        "type": "view_submission", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": USER, "username": "anna", "team_id": TEAM_ID}, "api_app_id": "A0001", "token": "legacy",
        "trigger_id": uuid.uuid4().hex,
        "view": {**view, "id": "V0001", "state": {"values": {"comment": {"comment": {
            "type": "plain_text_input", "value": "Svaret sa inget om hur lång piloten ska vara."}}}}},
    }
    body = urlencode({"payload": json.dumps(submission)}).encode()
    response = httpx.post(f"{base}/slack/interactions", content=body,
                          headers=signed(body, "application/x-www-form-urlencoded"), timeout=10)
    assert response.status_code == 200
    wait_until(lambda: engine.feedback(value["s"])[value["n"]].comment is not None)
    assert engine.feedback(value["s"])[value["n"]].comment == "Svaret sa inget om hur lång piloten ska vara."


def test_talk_to_a_consultant_asks_for_consent_and_posts_the_brief_to_the_leads_channel(base, fake, channel, engine):
    posted = answer_in_thread(base, fake, channel)
    handoff = button(posted, bk.HANDOFF)
    assert handoff["text"]["text"] == "Prata med en konsult"
    assert handoff["confirm"]["text"]["text"].startswith("Ditt Slack-namn, den här konversationen och")
    sid = bk.decode(handoff["value"])["s"]
    assert click(base, fake, posted, handoff, channel=channel, key="handoff-1").status_code == 200
    [done] = fake.wait_for("response_url", where=lambda c: c.key == "handoff-1")
    assert "Klart – underlaget har skickats till konsulterna på Nordic Outsourcing Advisors." in " ".join(done.texts())
    [lead_post] = fake.wait_for("chat.postMessage", channel=LEADS,
                                where=lambda c: any(f"<@{USER}>" in t for t in c.texts()))
    text = " ".join(lead_post.texts())
    assert "Ny förfrågan: anna" in text and "Upphandlingsunderlag" in text
    assert "Ditt Slack-namn, den här konversationen" in text  # what was consented to
    [(lead, deliveries)] = [(lead, d) for lead, d in engine.leads.recent() if lead.session_id == sid]
    assert lead.source == "slack" and lead.contact.slack_user == USER and lead.contact.email is None
    wait_until(lambda: engine.leads.deliveries(lead.id)[0].status == "delivered")
    assert [d.channel for d in deliveries] == ["slack"]


def test_without_a_leads_channel_an_answer_has_no_handoff_button():
    reply = Reply(session_id="slack:T:C:1", text="Svar.", language="sv", intent="question", turn=2)
    row = next(b for b in bk.reply_message(reply)["blocks"] if b.get("block_id") == bk.FEEDBACK_BLOCK)
    assert [el["action_id"] for el in row["elements"]] == [bk.FEEDBACK_UP, bk.FEEDBACK_DOWN]
    with_leads = bk.reply_message(reply, handoff_company="Firma")["blocks"]
    row = next(b for b in with_leads if b.get("block_id") == bk.FEEDBACK_BLOCK)
    assert [el["action_id"] for el in row["elements"]] == [bk.FEEDBACK_UP, bk.FEEDBACK_DOWN, bk.HANDOFF]


def test_a_shared_copy_and_a_reply_without_a_stored_turn_have_no_feedback_row():
    reply = Reply(session_id="s", text="Svar.", language="sv", intent="question", turn=2)
    assert all(b.get("block_id") != bk.FEEDBACK_BLOCK for b in bk.reply_message(reply, controls=False)["blocks"])
    unstored = reply.model_copy(update={"turn": None})
    assert all(b.get("block_id") != bk.FEEDBACK_BLOCK for b in bk.reply_message(unstored)["blocks"])
    assert s("feedback_thanks", "fi") == "Kiitos palautteestasi!"
