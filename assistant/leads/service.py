"""Turning a conversation into a lead: the consent check, the snapshot of the
brief and the conversation, and the queue entries, in one call."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from assistant.errors import InvalidInput, NotFound
from assistant.i18n import t
from assistant.language import SUPPORTED
from assistant.leads.channels import configured_channels
from assistant.leads.models import Contact, Lead, TranscriptLine

if TYPE_CHECKING:
    from assistant.engine import Assistant

log = logging.getLogger("assistant.leads")


def consent_text(language: str, company: str, source: str = "widget") -> str:
    """The consent sentence in `language`, naming the consultancy (what the form shows
    and what the lead stores as agreed to)."""
    return t("handoff.consent_slack" if source == "slack" else "handoff.consent", language, company=company)


def request_handoff(engine: Assistant, session_id: str, contact: Contact, *, consent: Any, source: str = "widget",
                    language: str | None = None, on_created: Any = None) -> Lead:
    """Store a lead for the session: `contact`, the consent text, the brief and the
    conversation as they are now, queued for every configured delivery channel.

    Refused (`InvalidInput` on `consent`) unless `consent is True`: the visitor must have
    ticked the box. `on_created(lead)` runs after the commit (the worker's wake-up).
    """
    if consent is not True:
        raise InvalidInput("consent", "must be given: tick the box to agree that your details are sent")
    settings = engine.settings
    session = engine.session_view(session_id)
    if session is None:
        raise NotFound(f"No session with id '{session_id}'.")
    lang = language or session.language or settings.default_language
    if lang not in SUPPORTED:
        raise InvalidInput("language", f"must be one of {', '.join(SUPPORTED)}")
    transcript = [TranscriptLine(role=turn.role, text=turn.text, at=turn.created_at)
                  for turn in engine.history(session_id)]
    brief = engine.brief(session_id, lang)
    channels = configured_channels(settings)
    lead = engine.leads.create(
        session_id=session_id, source=source, language=lang, contact=contact,
        consent_text=consent_text(lang, settings.brand_name, source), brief=brief, transcript=transcript,
        channels=channels)
    if not channels:
        log.warning("lead %s stored, but no delivery channel is configured (webhook, SMTP or Slack): "
                    "see GET /v1/admin/leads", lead.id)
    else:
        log.info("lead %s stored, queued for %s", lead.id, ", ".join(channels))
    if on_created is not None:
        on_created(lead)
    return lead
