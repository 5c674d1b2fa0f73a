"""Leads in Slack: the sender that posts a lead (with its brief) to
ASSISTANT_SLACK_LEADS_CHANNEL, used by the background worker like the webhook
and e-mail senders. Synchronous `slack_sdk.WebClient`: the worker is a thread."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from api.slack.blocks import lead_message
from assistant.leads.channels import DeliveryFailed
from assistant.leads.models import Lead
from assistant.settings import Settings


class SlackLeadSender:
    channel = "slack"

    def __init__(self, settings: Settings) -> None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        base = (settings.slack_api_url or WebClient.BASE_URL).rstrip("/") + "/"
        self.client = WebClient(token=token, base_url=base, timeout=int(max(1, settings.lead_delivery_timeout_seconds)))
        self.target = settings.slack_leads_channel or ""

    def send(self, lead: Lead, attempt: int) -> None:
        try:
            self.client.chat_postMessage(channel=self.target, **lead_message(lead))
        except SlackApiError as exc:
            raise DeliveryFailed(f"Slack refused the post: {exc.response.get('error')}") from exc
        except OSError as exc:  # the SDK's urllib transport: unreachable, timed out
            raise DeliveryFailed(f"Slack unreachable: {type(exc).__name__}: {exc}") from exc
