"""Slack front end: mentions, direct messages, `/outsourcing` and checklist buttons.

    from api import slack
    slack.mount(app, settings)          # HTTP: POST /slack/events, /slack/commands, /slack/interactions
    slack.run_socket_mode(settings)     # or: a WebSocket to Slack, no public URL needed

The bot is on only when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set;
otherwise the routes do not exist (404 in the usual error shape) and start-up
logs one line saying why. Requests are verified by slack-bolt (HMAC-SHA256
signature over `v0:{timestamp}:{body}`, timestamps older than five minutes
refused); a failed check is a 401 in the API's error shape.

Modules: `bot` (the bolt app and its listeners), `blocks` (Block Kit),
`mrkdwn` (Markdown to Slack mrkdwn), `ledger` (retried events answered once),
`text` (the bot's own sentences until they move into the message catalog).
`manifest.yml` is the Slack app manifest to create the app from (see the Slack
section of README.md).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from api.errors import error_body
from assistant.errors import AssistantError
from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from api.slack.bot import SlackBot

__all__ = ["PATHS", "SlackBot", "SlackNotConfigured", "mount", "run_socket_mode", "session_id"]

log = logging.getLogger("api.slack")
PATHS = ("/slack/events", "/slack/commands", "/slack/interactions")


class SlackNotConfigured(AssistantError):
    code = "slack_not_configured"


def _secret(value: Any) -> str | None:
    raw = value.get_secret_value() if value is not None else None
    return raw.strip() if raw and raw.strip() else None


def _missing(settings: Settings, *names: str) -> list[str]:
    env = {"slack_bot_token": "SLACK_BOT_TOKEN", "slack_signing_secret": "SLACK_SIGNING_SECRET",
           "slack_app_token": "SLACK_APP_TOKEN"}
    return [env[name] for name in names if _secret(getattr(settings, name)) is None]


def mount(app: FastAPI, settings: Settings) -> SlackBot | None:
    """Add the Slack routes to `app` when Slack is configured; returns the bot (or None)."""
    missing = _missing(settings, "slack_bot_token", "slack_signing_secret")
    if missing:
        log.info("Slack bot disabled: %s not set", " and ".join(missing))
        return None
    # slack-bolt (with aiohttp, ~0.3 s of imports) only for a server that runs the bot.
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

    from api.slack.bot import SlackBot

    state = getattr(app.state, "assistant", None)
    if state is None:
        from api.state import AppState

        state = app.state.assistant = AppState(settings)
    bot = SlackBot(settings, engine=lambda: state.ready_engine(),
                   claim_event=lambda event_id: state.engine.claim_event(event_id), on_lead=state.notify_worker)
    handler = AsyncSlackRequestHandler(bot.app)

    async def slack_endpoint(request: Request) -> Response:
        response = await handler.handle(request)
        if response.status_code == 401:
            return JSONResponse(error_body("unauthorized", "the Slack request signature or timestamp is invalid"),
                                status_code=401)
        return response

    for path in PATHS:
        app.add_api_route(path, slack_endpoint, methods=["POST"], include_in_schema=False,
                          name=f"slack_{path.rsplit('/', 1)[-1]}")
    app.state.slack_bot = bot
    log.info("Slack bot enabled: POST %s", ", ".join(PATHS))
    return bot


def run_socket_mode(settings: Settings | None = None) -> None:
    """Run the bot over Socket Mode (a WebSocket to Slack; no public URL). Blocks until stopped.

    Needs SLACK_APP_TOKEN (an app-level token, xapp-..., with connections:write)
    and SLACK_BOT_TOKEN; the signing secret is not used in this mode.
    """
    settings = settings or get_settings()
    missing = _missing(settings, "slack_app_token", "slack_bot_token")
    if missing:
        raise SlackNotConfigured(
            f"Socket Mode needs {' and '.join(missing)}: SLACK_APP_TOKEN is an app-level token (xapp-..., scope "
            "connections:write) from the app's Basic Information page; SLACK_BOT_TOKEN (xoxb-...) is on "
            "OAuth & Permissions. See the Slack section of README.md."
        )
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from api.slack.bot import SlackBot
    from api.state import AppState

    state = AppState(settings)
    state.start_loading()
    bot = SlackBot(settings, engine=lambda: state.ready_engine(),
                   claim_event=lambda event_id: state.engine.claim_event(event_id), socket_mode=True)
    app_token = _secret(settings.slack_app_token)

    async def main() -> None:
        handler = AsyncSocketModeHandler(bot.app, app_token)
        log.info("Slack bot connecting over Socket Mode")
        await handler.start_async()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        log.info("Slack bot stopped")


def __getattr__(name: str) -> Any:
    # The bot's module imports slack-bolt: loaded when first named, not with the package.
    if name in ("SlackBot", "session_id"):
        from api.slack import bot

        return getattr(bot, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
