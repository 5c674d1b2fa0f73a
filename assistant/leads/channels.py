"""The ways a lead reaches the consultancy. Each sender's `send(lead)` returns on
success and raises `DeliveryFailed` (with a reason for the log and the queue)
otherwise; the worker retries. Senders are configured from settings.

* Webhook: `POST ASSISTANT_LEAD_WEBHOOK_URL` with the lead as JSON. The body is
  the same bytes on every attempt, signed with HMAC-SHA256 over the body and
  `ASSISTANT_LEAD_WEBHOOK_SECRET` (`X-Assistant-Signature: sha256=<hex>`), and
  carries the lead id (`Idempotency-Key`, `X-Assistant-Lead-Id`, and `id` in
  the body): a receiver that sees an id twice (a retry after a lost response)
  keeps the first. Any 2xx is success.
* E-mail: one message over SMTP (stdlib `smtplib`) to `ASSISTANT_SMTP_TO` with
  the brief attached as PDF; its Message-ID is derived from the lead id, so a
  mail system can drop a repeat.
* Slack: a message with the lead and its brief in `ASSISTANT_SLACK_LEADS_CHANNEL`
  (`api.slack.leads.SlackLeadSender`, passed in by the server).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

from assistant.i18n import t
from assistant.leads.models import Lead
from assistant.settings import Settings

log = logging.getLogger("assistant.leads")

SIGNATURE_HEADER = "X-Assistant-Signature"
WEBHOOK_SCHEMA_VERSION = 1


class DeliveryFailed(Exception):
    """A send did not succeed; the message says why (no secrets in it)."""


class Sender(Protocol):
    channel: str

    def send(self, lead: Lead, attempt: int) -> None: ...


# ------------------------------------------------------------------ the lead as data


def lead_document(lead: Lead) -> dict[str, Any]:
    """The lead as the webhook sends it (stable: the same for every attempt)."""
    from assistant.checklist.brief import render_markdown

    return {
        "schema": "lead",
        "version": WEBHOOK_SCHEMA_VERSION,
        "id": lead.id,
        "created_at": lead.created_at.isoformat(timespec="seconds"),
        "source": lead.source,
        "language": lead.language,
        "contact": lead.contact.model_dump(exclude_none=True),
        "consent": {"text": lead.consent_text, "given_at": lead.created_at.isoformat(timespec="seconds")},
        "brief": lead.brief,
        "brief_markdown": render_markdown(lead.brief),
        "transcript": [line.model_dump(mode="json") for line in lead.transcript],
    }


def signature(body: bytes, secret: str) -> str:
    """`sha256=<hex>` HMAC-SHA256 of the body (what X-Assistant-Signature carries)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """For receivers (and tests): whether `header` is the body's signature."""
    return bool(header) and hmac.compare_digest(signature(body, secret), str(header))


# ------------------------------------------------------------------ webhook


class WebhookSender:
    channel = "webhook"

    def __init__(self, url: str, secret: str | None, timeout: float) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, lead: Lead, attempt: int) -> None:
        body = json.dumps(lead_document(lead), ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": lead.id,
                   "X-Assistant-Lead-Id": lead.id, "X-Assistant-Delivery-Attempt": str(attempt),
                   "User-Agent": "nordic-outsourcing-assistant"}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(body, self.secret)
        import httpx  # here, not at import: its command-line extras cost a server's start ~60 ms

        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"webhook answered HTTP {response.status_code}")


# ------------------------------------------------------------------ e-mail


class EmailSender:
    channel = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def message(self, lead: Lead) -> EmailMessage:
        from assistant.documents import render_pdf

        s, lang, c = self.settings, lead.language, lead.contact
        msg = EmailMessage()
        who = c.name + (f" ({c.company})" if c.company else "")
        msg["Subject"] = t("lead.email_subject", lang, who=who)
        msg["From"] = s.smtp_from
        msg["To"] = ", ".join(s.smtp_to)
        if c.email:
            msg["Reply-To"] = c.email
        msg["Date"] = formatdate(lead.created_at.timestamp(), localtime=False)
        domain = s.smtp_from.rpartition("@")[2] or "localhost"
        msg["Message-ID"] = f"<lead-{lead.id}@{domain}>"
        msg["X-Assistant-Lead-Id"] = lead.id
        msg.set_content(self._body(lead))
        pdf = render_pdf(lead.brief, s)
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=t("document.filename", lang) + ".pdf")
        return msg

    def _body(self, lead: Lead) -> str:
        lang, c = lead.language, lead.contact
        rows = [(t("handoff.field.name", lang), c.name), (t("handoff.field.email", lang), c.email or "—"),
                (t("handoff.field.company", lang), c.company or "—"), (t("handoff.field.phone", lang), c.phone or "—")]
        if c.slack_user:
            rows.append(("Slack", c.slack_user))
        lines = [t("lead.email_intro", lang, source=lead.source), ""]
        lines += [f"{label}: {value}" for label, value in rows]
        lines += ["", t("lead.consent_given", lang), f"“{lead.consent_text}”", "", t("lead.transcript", lang), ""]
        for line in lead.transcript:
            who = t("lead.visitor" if line.role == "user" else "lead.assistant", lang)
            lines += [f"{who}:", line.text, ""]
        return "\n".join(lines)

    def send(self, lead: Lead, attempt: int) -> None:
        s = self.settings
        msg = self.message(lead)
        timeout = s.lead_delivery_timeout_seconds
        try:
            if s.smtp_security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host or "", s.smtp_port, timeout=timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=timeout)
            with client:
                if s.smtp_security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    client.login(s.smtp_username, s.smtp_password.get_secret_value() if s.smtp_password else "")
                client.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP delivery failed: {type(exc).__name__}: {exc}") from exc


# ------------------------------------------------------------------ from settings


def configured_channels(settings: Settings) -> list[str]:
    """The channels a new lead is queued for."""
    out = []
    if settings.lead_webhook_url:
        out.append("webhook")
    if settings.smtp_host and settings.smtp_to:
        out.append("email")
    if settings.slack_leads_channel and settings.slack_bot_token:
        out.append("slack")
    return out


def senders(settings: Settings, extra: dict[str, Sender] | None = None) -> dict[str, Sender]:
    """The senders of the configured channels; `extra` adds those of the edges (Slack)."""
    out: dict[str, Sender] = dict(extra or {})
    if settings.lead_webhook_url:
        secret = settings.lead_webhook_secret.get_secret_value() if settings.lead_webhook_secret else None
        out["webhook"] = WebhookSender(settings.lead_webhook_url, secret, settings.lead_delivery_timeout_seconds)
    if settings.smtp_host and settings.smtp_to:
        out["email"] = EmailSender(settings)
    return out
