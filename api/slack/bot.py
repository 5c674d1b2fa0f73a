"""The Slack bot: a slack-bolt `AsyncApp` whose listeners call the one engine.

Acknowledge first, work after: every listener is registered as bolt's
`ack=` + `lazy=[...]` pair. The ack function only calls `ack()` (Slack gets its
200 within milliseconds, well inside its 3 second limit); bolt then starts the
lazy function as an asyncio task on the server's event loop
(`process_before_response=False`, the default, which suits a long-running
server such as uvicorn). The engine is synchronous and may take a second, so
the lazy functions run it in a worker thread (`asyncio.to_thread`) and post the
result with the Web API (`chat.postMessage` in the thread, `chat.update`, or
the command's `response_url`).

One engine session per Slack thread: `slack:{team}:{channel}:{thread_root_ts}`,
so follow-ups in a thread keep tool slots and checklist state. Slash-command
questions (ephemeral) use one session per user and channel.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from api.slack import blocks as bk
from api.slack.mrkdwn import escape, from_slack, truncate
from api.slack.text import s
from assistant.errors import AssistantError, NotFound
from assistant.i18n import t
from assistant.reply import Reply
from assistant.routing import checklist_language
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.engine import Assistant

log = logging.getLogger("api.slack")

COMMAND = "/outsourcing"
_SESSION_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")
HELP_WORDS = {"help", "hjälp", "hjalp", "apua", "ohje", "hjælp", "hjelp", "?"}
CHANNEL_TYPES_IN_THREADS = {"channel", "group", "mpim"}


def session_id(team: str | None, channel: str, thread_ts: str, *extra: str) -> str:
    """`slack:{team}:{channel}:{thread_ts}` (only characters a session id may hold)."""
    parts = [team or "-", channel, thread_ts, *extra]
    return ("slack:" + ":".join(_SESSION_UNSAFE.sub("-", p) for p in parts))[:128]


class SlackBot:
    """The bolt app plus what its listeners need: the engine (a callable that
    returns the ready engine, blocking while the index loads) and `claim_event` (True for
    the first delivery of a Slack event id; it must not wait for the index)."""

    def __init__(self, settings: Settings, engine: Callable[[], Assistant], claim_event: Callable[[str], bool], *,
                 socket_mode: bool = False, on_lead: Callable[[Any], None] | None = None) -> None:
        self.settings = settings
        self._engine = engine
        self._on_lead = on_lead
        self._claim_event = claim_event
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        base_url = settings.slack_api_url or AsyncWebClient.BASE_URL
        client = AsyncWebClient(token=token, base_url=base_url.rstrip("/") + "/", timeout=15)
        self.app = AsyncApp(
            name="nordic-outsourcing-assistant",
            client=client,
            signing_secret=secret,
            request_verification_enabled=not socket_mode,
            process_before_response=False,
            logger=logging.getLogger("api.slack.bolt"),
        )
        self._register()

    @property
    def default_language(self) -> str:
        return self.settings.default_language

    # ------------------------------------------------------------------ wiring

    def _register(self) -> None:
        app = self.app

        async def acknowledge(ack: Any) -> None:
            await ack()

        async def acknowledge_command(ack: Any, command: dict[str, Any]) -> None:
            text = (command.get("text") or "").strip()
            if not text or text.lower() in HELP_WORDS:
                await ack(response_type="ephemeral", **bk.text_message(s("help", self.default_language)))
            else:
                await ack()

        async def on_mention(body: dict[str, Any], event: dict[str, Any], context: Any, client: Any) -> None:
            await self._on_event(body, event, context, client, mention=True)

        async def on_message(body: dict[str, Any], event: dict[str, Any], context: Any, client: Any) -> None:
            await self._on_event(body, event, context, client, mention=False)

        async def on_command(command: dict[str, Any], context: Any, client: Any, respond: Any) -> None:
            await self._on_command(command, context, client, respond)

        async def on_checklist(body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
            await self._on_checklist(body, action, client, respond)

        async def on_share(body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
            await self._on_share(body, action, respond)

        async def on_suggestion(body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
            await self._on_suggestion(body, action, client, respond)

        app.event("app_mention")(ack=acknowledge, lazy=[on_mention])
        app.event("message")(ack=acknowledge, lazy=[on_message])
        app.command(COMMAND)(ack=acknowledge_command, lazy=[on_command])
        app.action(re.compile(rf"^({bk.ANSWER}_\d+|{bk.SUBMIT}|{bk.SKIP}|{bk.BACK}|{bk.EXPORT})$"))(
            ack=acknowledge, lazy=[on_checklist])
        app.action(bk.PICK)(acknowledge)  # ticking a checkbox: nothing to do until "submit"
        app.action(bk.SHARE)(ack=acknowledge, lazy=[on_share])
        app.action(re.compile(rf"^{bk.SUGGEST}_\d+$"))(ack=acknowledge, lazy=[on_suggestion])
        self._register_feedback_and_handoff(acknowledge)

    @property
    def handoff_company(self) -> str | None:
        """The consultancy named on the handoff button; None (no button) without a leads channel."""
        return self.settings.brand_name if self.settings.slack_leads_channel else None

    def _message(self, reply: Reply, **kwargs: Any) -> dict[str, Any]:
        return bk.reply_message(reply, handoff_company=self.handoff_company, **kwargs)

    # ------------------------------------------------------------------ helpers

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _session_lock(self, sid: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(sid)
            if lock is None:
                lock = threading.Lock()
                self._locks[sid] = lock
            return lock

    def _language_of(self, text: str) -> str:
        try:
            from assistant.language import detect_language

            return detect_language(text, fallback=self.default_language) or self.default_language
        except Exception:  # noqa: BLE001 - a language guess must never stand between the user and an apology
            return self.default_language

    async def _post(self, client: Any, channel: str, thread_ts: str | None, msg: dict[str, Any]) -> dict[str, Any] | None:
        """chat.postMessage; on failure logs it and tries a plain apology (never silence)."""
        try:
            return await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **msg)
        except SlackApiError as exc:
            log.error("chat.postMessage failed in %s: %s", channel, exc.response.get("error"))
        except Exception:
            log.exception("chat.postMessage failed in %s", channel)
        return None

    async def _apologise(self, client: Any, channel: str, thread_ts: str | None, exc: BaseException,
                         lang: str) -> None:
        note = exc.message if isinstance(exc, AssistantError) else None
        if isinstance(exc, AssistantError):
            log.warning("Slack reply failed in %s: %s", channel, exc.message)
        else:
            log.error("Slack reply failed in %s", channel, exc_info=exc)
        try:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                          **bk.text_message(escape(s("apology", lang)), note=note))
        except Exception:
            log.exception("could not post the apology in %s", channel)

    async def _respond_apology(self, respond: Any, exc: BaseException, lang: str) -> None:
        if isinstance(exc, AssistantError):
            log.warning("Slack request failed: %s", exc.message)
        else:
            log.error("Slack request failed", exc_info=exc)
        note = exc.message if isinstance(exc, AssistantError) else None
        try:
            await respond(response_type="ephemeral", replace_original=False,
                          **bk.text_message(escape(s("apology", lang)), note=note))
        except Exception:
            log.exception("could not send the apology")

    # ------------------------------------------------------------------ events

    def _wanted(self, event: dict[str, Any], context: Any, mention: bool) -> bool:
        if event.get("bot_id") or event.get("subtype") or event.get("bot_profile"):
            return False  # bots (ours and others), edits, deletions, joins, ...
        user = event.get("user")
        if not user or user == context.get("bot_user_id"):
            return False
        if mention:
            return True
        channel_type = event.get("channel_type")
        if channel_type == "im":
            return True
        if channel_type in CHANNEL_TYPES_IN_THREADS and event.get("thread_ts"):
            bot = context.get("bot_user_id")
            # A mention also arrives as app_mention; answer it once, there.
            return not (bot and f"<@{bot}" in (event.get("text") or ""))
        return False

    async def _on_event(self, body: dict[str, Any], event: dict[str, Any], context: Any, client: Any, *,
                        mention: bool) -> None:
        if not self._wanted(event, context, mention):
            return
        channel = event.get("channel") or ""
        root = event.get("thread_ts") or event.get("ts") or ""
        team = body.get("team_id") or context.get("team_id")
        sid = session_id(team, channel, root)
        text = from_slack(event.get("text") or "", context.get("bot_user_id"))
        try:
            # A plain message in a channel thread: only answers to a running checklist.
            if (not mention and event.get("channel_type") != "im"
                    and not await self._call(lambda: self._engine().checklist_running(sid))):
                return
            event_id = body.get("event_id")
            if event_id and not await self._call(self._claim_event, event_id):
                log.info("Slack event %s was already taken on; ignoring this delivery", event_id)
                return
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._apologise(client, channel, root, exc, self._language_of(text))
            return
        await self._converse(client, sid, channel, root, text)

    async def _converse(self, client: Any, sid: str, channel: str, thread_ts: str, text: str) -> None:
        if not text:
            await self._post(client, channel, thread_ts, bk.text_message(s("help", self.default_language)))
            return
        try:
            reply: Reply = await self._call(lambda: self._engine().reply(sid, text))
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._apologise(client, channel, thread_ts, exc, self._language_of(text))
            return
        if await self._post(client, channel, thread_ts, self._message(reply)) is None:
            await self._apologise(client, channel, thread_ts, RuntimeError("the reply could not be posted"),
                                  reply.language)

    # ------------------------------------------------------------------ slash command

    async def _on_command(self, command: dict[str, Any], context: Any, client: Any, respond: Any) -> None:
        text = from_slack(command.get("text") or "", context.get("bot_user_id"))
        if not text or text.lower() in HELP_WORDS:
            return  # the ack already showed the help
        team = command.get("team_id") or context.get("team_id")
        channel = command.get("channel_id") or ""
        user = command.get("user_id") or ""
        # `/outsourcing checklist` (any language, any inflection) starts the checklist in a thread
        # of its own, in the language of the word.
        checklist_lang = checklist_language(text) if len(text.split()) == 1 else None
        if checklist_lang is not None:
            await self._start_checklist(client, respond, team, channel, user, checklist_lang)
            return
        sid = session_id(team, channel, "user", user)
        try:
            reply: Reply = await self._call(lambda: self._engine().reply(sid, text))
            # "share" re-posts the stored answer: its turn number names it
            share = bk.encode(s=sid, n=reply.turn) if reply.turn is not None else None
            await respond(response_type="ephemeral", replace_original=False, **self._message(reply, share=share))
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._respond_apology(respond, exc, self._language_of(text))

    async def _start_checklist(self, client: Any, respond: Any, team: str | None, channel: str, user: str,
                               lang: str) -> None:
        try:
            parent = await client.chat_postMessage(
                channel=channel, **bk.text_message(s("checklist_started", lang, user=f"<@{user}>")))
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("could not start the checklist in %s: %s", channel, error)
            if error in ("not_in_channel", "channel_not_found", "is_archived", "restricted_action"):
                await respond(response_type="ephemeral", **bk.text_message(s("not_in_channel", lang)))
            else:
                await self._respond_apology(respond, exc, lang)
            return
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._respond_apology(respond, exc, lang)
            return
        root = parent["ts"]
        sid = session_id(team, channel, root)

        def start() -> Reply:
            engine = self._engine()
            engine.create_session(lang, session_id=sid)
            return engine.checklist_action(sid, "start")

        try:
            reply = await self._call(start)
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._apologise(client, channel, root, exc, lang)
            return
        if await self._post(client, channel, root, self._message(reply)) is None:
            await self._apologise(client, channel, root, RuntimeError("the step could not be posted"), lang)

    # ------------------------------------------------------------------ buttons

    def _click(self, sid: str, question: str | None, command: str, answer: str | None) -> tuple[str, Reply | None]:
        """Apply a checklist click unless the clicked question is no longer the current one."""
        engine = self._engine()
        with self._session_lock(sid):
            session = engine.session_view(sid)
            if session is None:
                raise NotFound(f"no session '{sid}'")
            lang = session.language or self.default_language
            view = engine.checklist_view(sid)
            if view is None or view.completed or view.question_id != question:
                return lang, None
            return lang, engine.checklist_action(sid, command, answer=answer)

    def _session_language(self, sid: str) -> str:
        session = self._engine().session_view(sid)
        return (session.language if session else None) or self.default_language

    def _brief(self, sid: str) -> tuple[str, str]:
        from assistant.checklist.brief import render_markdown

        lang = self._session_language(sid)
        return lang, t("checklist.brief_ready", lang) + "\n\n" + render_markdown(self._engine().brief(sid))

    @staticmethod
    def _picked(body: dict[str, Any]) -> list[str]:
        values = (body.get("state") or {}).get("values") or {}
        for block in values.values():
            picked = (block or {}).get(bk.PICK)
            if picked:
                return [o.get("value", "") for o in picked.get("selected_options") or [] if o.get("value")]
        return []

    async def _on_checklist(self, body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
        data = bk.decode(action.get("value"))
        sid = str(data.get("s") or "")
        action_id = action.get("action_id", "")
        user = (body.get("user") or {}).get("id", "")
        container = body.get("container") or {}
        msg = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        ephemeral = bool(container.get("is_ephemeral"))
        message_ts = msg.get("ts") or container.get("message_ts")
        thread_ts = msg.get("thread_ts") or container.get("thread_ts") or message_ts
        lang = self.default_language
        try:
            if action_id == bk.EXPORT:
                lang, markdown = await self._call(self._brief, sid)
                out = bk.markdown_message(markdown)
                if ephemeral:
                    await respond(response_type="ephemeral", replace_original=False, **out)
                else:
                    await self._post(client, channel, thread_ts, out)
                return
            if action_id.startswith(bk.ANSWER):
                command, answer = "answer", str(data.get("a") or "")
            elif action_id == bk.SUBMIT:
                picked = self._picked(body)
                if not picked:
                    lang = await self._call(self._session_language, sid)
                    await respond(response_type="ephemeral", replace_original=False,
                                  **bk.text_message(escape(t("checklist.invalid.choice", lang))))
                    return
                command, answer = "answer", ", ".join(picked)
            else:
                command, answer = ("skip" if action_id == bk.SKIP else "back"), None
            lang, reply = await self._call(self._click, sid, data.get("q"), command, answer)
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._respond_apology(respond, exc, lang)
            return
        if reply is None:
            await respond(response_type="ephemeral", replace_original=False, **bk.text_message(escape(s("stale", lang))))
            return
        who = f"<@{user}>"
        note = (s("answered", lang, user=who, answer=escape(truncate(answer or "", 300))) if command == "answer"
                else s("skipped" if command == "skip" else "went_back", lang, user=who))
        out = self._message(reply)
        if ephemeral:
            await respond(replace_original=True, **out)
            return
        if message_ts and msg.get("blocks"):
            try:
                await client.chat_update(channel=channel, ts=message_ts,
                                         **bk.message(bk.settle(msg["blocks"], note), msg.get("text") or note))
            except Exception:
                log.exception("could not update the clicked message in %s", channel)
        if await self._post(client, channel, thread_ts, out) is None:
            await self._apologise(client, channel, thread_ts, RuntimeError("the step could not be posted"), lang)

    async def _on_suggestion(self, body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
        """A suggestion button: perform its action in the engine and answer in the thread."""
        data = bk.decode(action.get("value"))
        sid, name, value = str(data.get("s") or ""), str(data.get("a") or ""), data.get("v") or None
        container = body.get("container") or {}
        msg = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        thread_ts = msg.get("thread_ts") or container.get("thread_ts") or msg.get("ts") or container.get("message_ts")
        try:
            reply = await self._call(self._act, sid, name, value)
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._respond_apology(respond, exc, self.default_language)
            return
        out = bk.reply_message(reply)
        if container.get("is_ephemeral"):
            await respond(response_type="ephemeral", replace_original=False, **out)
        elif await self._post(client, channel, thread_ts, out) is None:
            await self._apologise(client, channel, thread_ts, RuntimeError("the reply could not be posted"),
                                  reply.language)

    def _act(self, sid: str, name: str, value: str | None) -> Reply:
        with self._session_lock(sid):
            return self._engine().act(sid, name, value)

    def _shared(self, sid: str, seq: int) -> tuple[Reply, str]:
        turns = self._engine().history(sid)
        for i, turn in enumerate(turns):
            if turn.seq == seq and turn.role == "assistant" and turn.payload:
                question = next((u.text for u in reversed(turns[:i]) if u.role == "user"), "")
                return Reply.model_validate(turn.payload), question
        raise NotFound(f"no answer {seq} in session '{sid}'")

    async def _on_share(self, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        data = bk.decode(action.get("value"))
        user = (body.get("user") or {}).get("id", "")
        try:
            reply, question = await self._call(self._shared, str(data.get("s") or ""), int(data.get("n") or -1))
            lead = s("shared_question", reply.language, user=f"<@{user}>",
                     question=escape(truncate(question, 300)))
            await respond(response_type="in_channel", replace_original=False,
                          **bk.reply_message(reply, lead=lead, controls=False))
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._respond_apology(respond, exc, self.default_language)
            return
        try:
            await respond(delete_original=True)
        except Exception:
            log.exception("could not remove the ephemeral answer after sharing it")

    # ------------------------------------------------------------------ feedback and handoff

    def _register_feedback_and_handoff(self, acknowledge: Callable[..., Any]) -> None:
        app = self.app

        async def on_feedback(body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
            await self._on_feedback(body, action, client, respond)

        async def on_comment(body: dict[str, Any], view: dict[str, Any]) -> None:
            await self._on_comment(body, view)

        async def on_handoff(body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
            await self._on_handoff(body, action, client, respond)

        app.action(re.compile(rf"^({bk.FEEDBACK_UP}|{bk.FEEDBACK_DOWN})$"))(ack=acknowledge, lazy=[on_feedback])
        app.view(bk.FEEDBACK_MODAL)(ack=acknowledge, lazy=[on_comment])
        app.action(bk.HANDOFF)(ack=acknowledge, lazy=[on_handoff])

    def _rate(self, sid: str, turn: int, rating: str, comment: str | None = None) -> str:
        """Store the rating; returns the session's language."""
        self._engine().set_feedback(sid, turn, rating, comment)
        return self._session_language(sid)

    async def _on_feedback(self, body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
        data = bk.decode(action.get("value"))
        sid, turn = str(data.get("s") or ""), int(data.get("n") or 0)
        rating = "up" if action.get("action_id") == bk.FEEDBACK_UP else "down"
        user = (body.get("user") or {}).get("id", "")
        container = body.get("container") or {}
        msg = body.get("message") or {}
        lang = self.default_language
        try:
            lang = await self._call(self._rate, sid, turn, rating)
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._respond_apology(respond, exc, lang)
            return
        if rating == "down" and body.get("trigger_id"):
            try:  # the optional comment; the rating is already stored
                await client.views_open(trigger_id=body["trigger_id"], view=bk.feedback_modal(sid, turn, lang))
            except Exception:
                log.exception("could not open the feedback comment dialog")
        note = s("feedback_noted", lang, user=f"<@{user}>", rating="👍" if rating == "up" else "👎")
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        if not container.get("is_ephemeral") and msg.get("ts") and msg.get("blocks"):
            try:
                await client.chat_update(channel=channel, ts=msg["ts"],
                                         **bk.message(bk.without_feedback(msg["blocks"], note), msg.get("text") or note))
                return
            except Exception:
                log.exception("could not mark the rated message in %s", channel)
        try:
            await respond(response_type="ephemeral", replace_original=False,
                          **bk.text_message(escape(s("feedback_thanks", lang))))
        except Exception:
            log.exception("could not thank for the feedback")

    async def _on_comment(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        data = bk.decode(view.get("private_metadata"))
        values = ((view.get("state") or {}).get("values") or {}).get("comment") or {}
        comment = ((values.get("comment") or {}).get("value") or "").strip() or None
        if comment is None:
            return  # the rating was stored on the click; an empty dialog changes nothing
        try:
            await self._call(self._rate, str(data.get("s") or ""), int(data.get("n") or 0), "down", comment)
        except Exception:
            log.exception("could not store a feedback comment")

    def _handoff(self, sid: str, user: dict[str, Any], team: str | None) -> tuple[str, Any]:
        from assistant.leads import Contact, request_handoff

        engine = self._engine()
        lang = self._session_language(sid)
        name = user.get("name") or user.get("username") or user.get("id") or "Slack"
        contact = Contact.checked(name=name, slack_user=user.get("id"), slack_team=team, email_required=False)
        # Slack's confirmation dialog on the button showed the consent sentence; clicking "yes" gave it.
        lead = request_handoff(engine, sid, contact, consent=True, source="slack", language=lang,
                               on_created=self._on_lead)
        return lang, lead

    async def _on_handoff(self, body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
        data = bk.decode(action.get("value"))
        sid = str(data.get("s") or "")
        lang = str(data.get("l") or self.default_language)
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        try:
            lang, _ = await self._call(self._handoff, sid, body.get("user") or {}, team)
            await respond(response_type="ephemeral", replace_original=False,
                          **bk.text_message(escape(s("handoff_done", lang, company=self.settings.brand_name))))
        except Exception as exc:  # noqa: BLE001 - never silence: log and apologise
            await self._respond_apology(respond, exc, lang)
