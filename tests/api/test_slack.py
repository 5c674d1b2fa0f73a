"""The Slack bot end to end: a live uvicorn server running `create_app` with the
real engine, requests signed with real HMAC signatures, and the bot's outbound
Web API calls captured by a fake Slack API on loopback (tests/fakes/slack_api.py).

Work happens after the acknowledgement, so tests poll the fake for the calls
they expect. Every test uses its own channel id, so calls never get mixed up.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from api.app import create_app
from api.slack import blocks as bk
from api.slack.mrkdwn import SECTION_LIMIT, from_slack, split_text, to_mrkdwn
from api.slack.text import s
from assistant.engine import Assistant
from assistant.i18n import catalog, t
from assistant.reply import Citation, Reply
from assistant.store import SessionStore
from assistant.settings import Settings
from evals.loopback import live_server
from tests.conftest import CORPUS
from tests.fakes.slack_api import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    Call,
    FakeSlack,
    run_fake_slack,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
USER = "U0USER01"
_ts = itertools.count(1)


# --------------------------------------------------------------------------- server and fakes


serve = live_server  # one loopback server helper for all API tests


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with run_fake_slack() as f:
        yield f


@pytest.fixture(scope="module")
def slack_settings(tmp_path_factory, real_index_dir, fake) -> Settings:
    db = tmp_path_factory.mktemp("slack") / "sessions.db"
    return Settings(corpus_dir=CORPUS, index_dir=real_index_dir, database_url=f"sqlite:///{db}",
                    slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET, slack_api_url=fake.api_url)


@pytest.fixture(scope="module")
def slack_engine(slack_settings, retriever) -> Iterator[Assistant]:
    store = SessionStore(slack_settings.database_url)
    yield Assistant(slack_settings, retriever=retriever, store=store)
    store.close()


@pytest.fixture(scope="module")
def base(slack_settings, slack_engine) -> Iterator[str]:
    with serve(create_app(slack_settings, engine=slack_engine)) as url:
        yield url


@pytest.fixture
def channel() -> str:
    return "C" + uuid.uuid4().hex[:10].upper()


# --------------------------------------------------------------------------- signed requests


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ts):06d}"


def signed(body: bytes, content_type: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def post_event(base: str, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None,
               **sign: Any) -> httpx.Response:
    body = json.dumps({
        "token": "legacy-verification-token", "team_id": TEAM_ID, "api_app_id": "A0001", "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }).encode()
    headers = signed(body, "application/json", **sign)
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return httpx.post(f"{base}/slack/events", content=body, headers=headers, timeout=10)


def mention(channel: str, text: str, *, ts: str | None = None, thread_ts: str | None = None) -> dict[str, Any]:
    ts = ts or new_ts()
    event = {"type": "app_mention", "user": USER, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": channel,
             "event_ts": ts, "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(channel: str, text: str, *, channel_type: str = "im", ts: str | None = None,
            **extra: Any) -> dict[str, Any]:
    ts = ts or new_ts()
    return {"type": "message", "user": USER, "text": text, "ts": ts, "channel": channel, "event_ts": ts,
            "channel_type": channel_type, "team": TEAM_ID} | extra


def post_command(base: str, fake: FakeSlack, channel: str, text: str, key: str) -> httpx.Response:
    body = urlencode({
        "token": "legacy", "team_id": TEAM_ID, "team_domain": "fake", "channel_id": channel,
        "channel_name": "general", "user_id": USER, "user_name": "anna", "command": "/outsourcing", "text": text,
        "api_app_id": "A0001", "response_url": fake.response_url(key), "trigger_id": uuid.uuid4().hex,
    }).encode()
    return httpx.post(f"{base}/slack/commands", content=body,
                      headers=signed(body, "application/x-www-form-urlencoded"), timeout=10)


def click(base: str, fake: FakeSlack, posted: Call | None, element: dict[str, Any], *, channel: str, key: str,
          state: dict[str, Any] | None = None, block_id: str = "x") -> httpx.Response:
    """A block_actions payload for clicking `element` on the message `posted` (None: an ephemeral one)."""
    action = {"action_id": element["action_id"], "block_id": block_id, "type": element["type"],
              "value": element.get("value"), "action_ts": new_ts()}
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": USER, "username": "anna", "team_id": TEAM_ID}, "api_app_id": "A0001", "token": "legacy",
        "trigger_id": uuid.uuid4().hex, "channel": {"id": channel, "name": "general"},
        "response_url": fake.response_url(key), "actions": [action],
    }
    if posted is None:
        payload["container"] = {"type": "message", "message_ts": new_ts(), "channel_id": channel, "is_ephemeral": True}
    else:
        ts = posted.response["ts"]
        payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False,
                                "thread_ts": posted.body.get("thread_ts")}
        payload["message"] = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts,
                              "thread_ts": posted.body.get("thread_ts"), "text": posted.body.get("text"),
                              "blocks": posted.blocks}
    if state is not None:
        payload["state"] = {"values": state}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return httpx.post(f"{base}/slack/interactions", content=body,
                      headers=signed(body, "application/x-www-form-urlencoded"), timeout=10)


# --------------------------------------------------------------------------- helpers on posted messages


def elements(call: Call, action_id_prefix: str) -> list[dict[str, Any]]:
    return [el for b in call.blocks if b["type"] == "actions" for el in b["elements"]
            if el.get("action_id", "").startswith(action_id_prefix)]


def question_of(call: Call) -> str | None:
    """The checklist question a step message asks (from its skip button)."""
    skip = elements(call, bk.SKIP)
    return bk.decode(skip[0]["value"]).get("q") if skip else None


def replies(fake: FakeSlack, channel: str, thread_ts: str | None = None) -> list[Call]:
    if thread_ts is None:
        return fake.find("chat.postMessage", channel=channel)
    return fake.find("chat.postMessage", channel=channel, thread_ts=thread_ts)


def barrier(base: str, fake: FakeSlack, channel: str) -> None:
    """A fresh mention in `channel`, answered: everything sent before it had time to act."""
    root = new_ts()
    assert post_event(base, mention(channel, "What is a pilot?", ts=root)).status_code == 200
    fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    time.sleep(0.5)


# --------------------------------------------------------------------------- events


def test_a_mention_gets_one_threaded_mrkdwn_reply_with_citations(base, fake, channel):
    root = new_ts()
    response = post_event(base, mention(channel, "Vilka prismodeller finns?", ts=root))
    assert response.status_code == 200
    [reply] = fake.wait_for("chat.postMessage", channel=channel)
    assert reply.body["thread_ts"] == root and reply.token == "xoxb-test-token"
    sections = [b for b in reply.blocks if b["type"] == "section"]
    assert sections and all(b["text"]["type"] == "mrkdwn" and len(b["text"]["text"]) <= 3000 for b in sections)
    body = "\n".join(b["text"]["text"] for b in sections)
    assert "**" not in body and "pris" in body.lower()
    contexts = [b for b in reply.blocks if b["type"] == "context"]
    cited = [el["text"] for b in contexts for el in b["elements"] if el["text"].startswith("*[1]*")]
    assert cited and "(artikel på svenska)" in cited[0] and "“" in cited[0]
    assert len(reply.blocks) <= 50 and reply.body["text"]
    time.sleep(0.5)
    assert len(replies(fake, channel)) == 1


def test_a_direct_message_gets_a_reply(base, fake, channel):
    dm = "D" + channel[1:]
    root = new_ts()
    assert post_event(base, message(dm, "How many agents do we need for 300 calls per hour, aht 4 min, 80/20?",
                                    ts=root)).status_code == 200
    [reply] = fake.wait_for("chat.postMessage", channel=dm)
    assert reply.body["thread_ts"] == root
    fields = [f["text"] for b in reply.blocks if b["type"] == "section" for f in b.get("fields") or []]
    assert any(f.startswith("*Agents*") and "25" in f for f in fields)


def test_a_bad_signature_is_refused_and_never_answered(base, fake, channel):
    response = post_event(base, mention(channel, "Vilka prismodeller finns?"), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    unsigned = httpx.post(f"{base}/slack/events", json={"type": "event_callback", "event": mention(channel, "hi")})
    assert unsigned.status_code == 401
    barrier(base, fake, channel)
    assert len(replies(fake, channel)) == 1  # only the barrier's


def test_a_stale_timestamp_is_refused_and_never_answered(base, fake, channel):
    response = post_event(base, mention(channel, "Vilka prismodeller finns?"), timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    barrier(base, fake, channel)
    assert len(replies(fake, channel)) == 1


def test_a_retried_event_is_answered_exactly_once(base, fake, channel):
    root = new_ts()
    event = mention(channel, "Should we start with a pilot?", ts=root)
    assert post_event(base, event, event_id="EvRETRY0001" + channel).status_code == 200
    assert post_event(base, event, event_id="EvRETRY0001" + channel, retry=1).status_code == 200
    fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    assert post_event(base, event, event_id="EvRETRY0001" + channel, retry=2).status_code == 200
    barrier(base, fake, channel)
    assert len(replies(fake, channel, root)) == 1


def test_a_mention_in_a_thread_continues_that_threads_session(base, fake, channel, slack_engine):
    root = new_ts()
    post_event(base, mention(channel, "How many agents do we need for 300 calls per hour?", ts=root))
    [first] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    assert not any(b.get("fields") for b in first.blocks)  # still asking for the handling time
    post_event(base, mention(channel, "aht 4 min, 80/20", thread_ts=root))
    _, second = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root, count=2)
    fields = [f["text"] for b in second.blocks for f in b.get("fields") or []]
    assert any("*Agents*" in f and "25" in f for f in fields)
    history = slack_engine.history(f"slack:{TEAM_ID}:{channel}:{root}")
    assert [t.role for t in history] == ["user", "assistant"] * 2
    assert history[0].text == "How many agents do we need for 300 calls per hour?"  # the mention is stripped


def test_messages_from_bots_edits_and_the_bot_itself_are_ignored(base, fake, channel):
    dm = "D" + channel[1:]
    post_event(base, message(dm, "I am another bot", bot_id="B0THER", subtype="bot_message"))
    post_event(base, message(dm, "I am another bot without subtype", bot_id="B0THER"))
    post_event(base, message(dm, "echo of my own reply", user=BOT_USER_ID, bot_id=BOT_ID))
    post_event(base, message(dm, "edited", subtype="message_changed"))
    post_event(base, message(channel, "chatter in a channel without a checklist", channel_type="channel",
                             thread_ts=new_ts()))
    barrier(base, fake, dm)
    assert len(replies(fake, dm)) == 1 and not replies(fake, channel)


def test_an_engine_failure_is_an_apology_in_the_thread(base, fake, channel, slack_engine, monkeypatch, caplog):
    def boom(*_: Any, **__: Any) -> Reply:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(slack_engine, "reply", boom)
    root = new_ts()
    with caplog.at_level(logging.ERROR, logger="api.slack"):
        post_event(base, mention(channel, "Should we start with a pilot?", ts=root))
        [apology] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    text = "\n".join(apology.texts())
    assert s("apology", "en") in text
    assert "database on fire" not in text and "Traceback" not in text
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_url_verification_is_answered(base):
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"}).encode()
    response = httpx.post(f"{base}/slack/events", content=body, headers=signed(body, "application/json"))
    assert response.status_code == 200 and "c-123" in response.text


# --------------------------------------------------------------------------- slash command


def test_an_empty_command_shows_the_help(base, fake, channel):
    response = post_command(base, fake, channel, "", key=f"help-{channel}")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "/outsourcing checklist" in json.dumps(body["blocks"])
    time.sleep(0.5)
    assert not fake.find("response_url", where=lambda c: c.key == f"help-{channel}")


def test_a_question_command_is_answered_privately_and_can_be_shared(base, fake, channel):
    key = f"q-{channel}"
    assert post_command(base, fake, channel, "Vilka prismodeller finns?", key=key).status_code == 200
    [answer] = fake.wait_for("response_url", where=lambda c: c.key == key)
    assert answer.body["response_type"] == "ephemeral"
    [share] = elements(answer, bk.SHARE)
    assert share["text"]["text"] == s("share_button", "sv")
    assert not replies(fake, channel)

    shared_key = f"share-{channel}"
    assert click(base, fake, None, share, channel=channel, key=shared_key).status_code == 200
    calls = fake.wait_for("response_url", count=2, where=lambda c: c.key == shared_key)
    public = next(c for c in calls if c.body.get("response_type") == "in_channel")
    assert f"<@{USER}>" in public.blocks[0]["elements"][0]["text"]  # who asked what
    assert "Vilka prismodeller finns?" in public.blocks[0]["elements"][0]["text"]
    assert not elements(public, "")  # no buttons on the public copy
    assert any(c.body.get("delete_original") is True for c in calls)


def test_a_staffing_command_shows_the_tool_result(base, fake, channel):
    key = f"staffing-{channel}"
    post_command(base, fake, channel, "staffing 300 calls/h aht 4 min 80/20", key=key)
    [answer] = fake.wait_for("response_url", where=lambda c: c.key == key)
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for b in answer.blocks for f in b.get("fields") or []}
    assert fields["*Agents*"] == "25" and fields["*Service level*"].startswith("86")


def test_the_checklist_runs_in_a_thread_through_buttons(base, fake, channel, slack_engine):
    assert post_command(base, fake, channel, "checklist", key=f"cl-{channel}").status_code == 200
    [parent] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=None)
    root = parent.response["ts"]
    assert f"<@{USER}>" in parent.body["text"]
    [step] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    sid = f"slack:{TEAM_ID}:{channel}:{root}"
    assert question_of(step) == "problem_statement"
    first_step = step
    assert any("Step 1/10" in t for t in step.texts())
    assert any(s("answer_in_thread", "en") in t for t in step.texts())  # a free-text question
    posted = 1

    def next_step() -> Call:
        nonlocal posted
        posted += 1
        return fake.wait_for("chat.postMessage", channel=channel, thread_ts=root, count=posted)[-1]

    # A plain reply in the thread answers the free-text question (message.channels).
    post_event(base, message(channel, "Long queues and unhappy customers at peak times", channel_type="channel",
                             thread_ts=root))
    step = next_step()
    assert question_of(step) == "supplier_type"

    # Skip through the remaining free-text questions of step 1 to the first choice question.
    for _ in range(6):
        if question_of(step) == "primary_goal":
            break
        previous = step
        click(base, fake, previous, elements(previous, bk.SKIP)[0], channel=channel, key=f"skip-{channel}")
        step = next_step()
        [update] = fake.wait_for("chat.update", channel=channel, ts=previous.response["ts"])
        # The old buttons are gone; the answer can still be rated.
        assert not [b for b in update.blocks if b["type"] == "actions" and b.get("block_id") != bk.FEEDBACK_BLOCK]
        assert s("skipped", "en", user=f"<@{USER}>") in update.blocks[-1]["elements"][0]["text"]
    assert question_of(step) == "primary_goal"

    # Click a choice: the answer is stored and the checklist moves on (to a multiple-choice question).
    choices = elements(step, bk.ANSWER)
    assert len(choices) == 8 and choices[1]["text"]["text"] == "Lower costs"
    click(base, fake, step, choices[1], channel=channel, key=f"choice-{channel}")
    step = next_step()
    assert question_of(step) == "secondary_goals"
    assert slack_engine.session_view(sid).state.checklist.answers["primary_goal"] == "cost"

    # Back returns to the previous question.
    click(base, fake, step, elements(step, bk.BACK)[0], channel=channel, key=f"back-{channel}")
    step = next_step()
    assert question_of(step) == "primary_goal"

    # A click on an outdated step's button changes nothing and says so privately.
    stale_key = f"stale-{channel}"
    click(base, fake, first_step, elements(first_step, bk.SKIP)[0], channel=channel, key=stale_key)
    [stale] = fake.wait_for("response_url", where=lambda c: c.key == stale_key)
    assert s("stale", "en") in stale.texts()[0]

    # Choice again, then the multiple-choice checkboxes with "submit".
    click(base, fake, step, elements(step, bk.ANSWER)[0], channel=channel, key=f"choice2-{channel}")
    step = next_step()
    [checkboxes] = [el for b in step.blocks if b["type"] == "actions" for el in b["elements"]
                    if el["type"] == "checkboxes"]
    picked = [checkboxes["options"][1], checkboxes["options"][3]]
    state = {"cl_choices": {bk.PICK: {"type": "checkboxes", "selected_options": picked}}}
    click(base, fake, step, elements(step, bk.SUBMIT)[0], channel=channel, key=f"submit-{channel}", state=state)
    step = next_step()
    assert question_of(step) == "goal_rationale"
    answers = slack_engine.session_view(sid).state.checklist.answers
    assert sorted(answers["secondary_goals"]) == ["cost", "peaks_valleys"]
    time.sleep(0.5)
    assert len(replies(fake, channel, root)) == posted  # one step message per action, nothing twice


def test_a_suggestion_button_performs_its_action_in_the_thread(base, fake, channel):
    root = new_ts()
    assert post_event(base, mention(channel, "hello!", ts=root)).status_code == 200
    [greeting] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    [staffing] = [el for el in elements(greeting, bk.SUGGEST) if bk.decode(el["value"])["a"] == "tool.staffing"]
    assert staffing["text"]["text"] == t("suggest.staffing.label", "en")
    click(base, fake, greeting, staffing, channel=channel, key=f"suggest-{channel}")
    answer = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root, count=2)[-1]
    assert any(t("tool.ask.staffing.contacts", "en").split(" (")[0] in text for text in answer.texts())


def test_the_checklist_command_word_is_recognised_in_any_inflection(base, fake, channel):
    assert post_command(base, fake, channel, "tarkistuslistan", key=f"fi-{channel}").status_code == 200
    [parent] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=None)
    assert s("checklist_started", "fi", user=f"<@{USER}>") in parent.body["text"]


def test_a_finished_checklist_offers_the_brief_and_posts_it_in_the_thread(base, fake, channel, slack_engine):
    root = new_ts()
    sid = f"slack:{TEAM_ID}:{channel}:{root}"
    slack_engine.create_session("en", session_id=sid)
    reply = slack_engine.checklist_action(sid, "start")
    for _ in range(200):
        if reply.checklist.completed:
            break
        reply = slack_engine.checklist_action(sid, "skip")
    assert reply.checklist.completed
    [export] = [el for b in bk.reply_message(reply)["blocks"] if b["type"] == "actions" for el in b["elements"]
                if el["action_id"] == bk.EXPORT]
    assert export["action_id"] == bk.EXPORT
    posted = Call(method="chat.postMessage", body={"channel": channel, "thread_ts": root, "text": "done",
                                                   "blocks": bk.reply_message(reply)["blocks"]},
                  response={"ts": new_ts()})
    click(base, fake, posted, export, channel=channel, key=f"export-{channel}")
    [brief] = fake.wait_for("chat.postMessage", channel=channel, thread_ts=root)
    text = "\n".join(brief.texts())
    assert "Procurement brief" in text and "**" not in text and len(brief.blocks) <= 50


def test_the_checklist_command_in_a_channel_without_the_bot_says_how_to_invite_it(base, fake, channel):
    fake.fail_next("chat.postMessage", "not_in_channel")
    key = f"invite-{channel}"
    post_command(base, fake, channel, "checklist", key=key)
    [note] = fake.wait_for("response_url", where=lambda c: c.key == key)
    assert "/invite" in note.texts()[0]


# --------------------------------------------------------------------------- disabled


def test_without_slack_settings_the_routes_are_absent_and_one_line_says_why(
        tmp_path, real_index_dir, retriever, monkeypatch, caplog):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(corpus_dir=CORPUS, index_dir=real_index_dir, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    engine = Assistant(settings, retriever=retriever, store=SessionStore(settings.database_url))
    with caplog.at_level(logging.INFO, logger="api.slack"):
        app = create_app(settings, engine=engine)
    lines = [r.getMessage() for r in caplog.records if "Slack bot" in r.getMessage()]
    assert lines == ["Slack bot disabled: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET not set"]
    with serve(app) as url:
        for path in ("/slack/events", "/slack/commands", "/slack/interactions"):
            response = httpx.post(f"{url}{path}", json={"type": "url_verification", "challenge": "x"})
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
    engine.store.close()


def test_socket_mode_without_an_app_token_is_a_clear_error(monkeypatch):
    from api.slack import SlackNotConfigured, run_socket_mode

    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    with pytest.raises(SlackNotConfigured, match="SLACK_APP_TOKEN"):
        run_socket_mode(Settings(slack_bot_token="xoxb-1", slack_signing_secret="s"))


# --------------------------------------------------------------------------- formatting (no server)


@pytest.mark.parametrize(("markdown", "mrkdwn"), [
    ("**bold** and *italic* and ***both***", "*bold* and _italic_ and *_both_*"),
    ("__bold__, _italic_ and ~~gone~~", "*bold*, _italic_ and ~gone~"),
    ("### Step 1/10: The **problem**", "*Step 1/10: The problem*"),
    ("see [the guide](https://example.com/a?b=1&c=2)", "see <https://example.com/a?b=1&amp;c=2|the guide>"),
    ("> a quote with <tags> & more", "> a quote with &lt;tags&gt; &amp; more"),
    ("- one\n- *two*\n1. first", "• one\n• _two_\n1. first"),
    ("`a < b`", "`a &lt; b`"),
    ("[x](javascript:alert(1)) stays text [1]", "x stays text [1]"),
    ("5 * 3 * 2 and snake_case_name", "5 * 3 * 2 and snake_case_name"),
])
def test_markdown_becomes_slack_mrkdwn(markdown, mrkdwn):
    assert to_mrkdwn(markdown) == mrkdwn


def test_slack_text_becomes_plain_text_for_the_engine():
    assert from_slack(f"<@{BOT_USER_ID}> 80/20 &amp; <https://x.se|x.se> <@U1|anna> &lt;3", BOT_USER_ID) \
        == "80/20 & x.se @anna <3"


def test_a_long_answer_fits_slacks_limits():
    paragraph = "Outsourcing customer service needs clear goals and a careful procurement. " * 30
    citations = [Citation(n=i, doc_id="d", title="T", language="sv", heading="h", quote="q " * 300,
                          start_index=0, end_index=1) for i in range(1, 20)]
    reply = Reply(session_id="s", text="\n\n".join([paragraph] * 80), language="en", intent="question",
                  citations=citations)
    msg = bk.reply_message(reply, share=bk.encode(s="s", n=1))
    assert len(msg["blocks"]) <= 50 and len(msg["text"]) <= 3000
    for block in msg["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_LIMIT
        for el in block.get("elements", []):
            assert len(el.get("text", "")) <= SECTION_LIMIT if isinstance(el.get("text"), str) else True
    assert msg["blocks"][-1]["block_id"] == "share"
    assert all(len(chunk) <= 2900 for chunk in split_text("word " * 5000))


def test_every_slack_string_is_in_the_catalog_in_all_five_languages():
    slack = {key: entry for key, entry in catalog().items() if key.startswith("slack.")}
    assert {"slack.apology", "slack.help"} <= set(slack)
    assert all(set(entry) == {"sv", "fi", "da", "nb", "en"} for entry in slack.values())
    assert s("apology", "fi").startswith("Pahoittelut")
