"""What a lead is: contact details the visitor typed and consented to send, the
consent text they agreed to, and snapshots of the brief and the conversation."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import InvalidInput
from assistant.user_text import clean_user_text

Source = Literal["widget", "slack", "api"]
Channel = Literal["webhook", "email", "slack"]
CHANNELS: tuple[str, ...] = ("webhook", "email", "slack")

# Deliberately simple: one @, no spaces, a dot in the domain. Real validation is the consultant's reply.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}")
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,30}")


class Contact(BaseModel):
    """Who asked to be contacted. `email` is required from the widget; a Slack lead is
    identified by its Slack user instead."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    email: str | None = None
    company: str | None = None
    phone: str | None = None
    slack_user: str | None = None
    slack_team: str | None = None

    @classmethod
    def checked(cls, *, name: Any, email: Any = None, company: Any = None, phone: Any = None,
                slack_user: str | None = None, slack_team: str | None = None, email_required: bool = True) -> Contact:
        """A contact from form input; each bad field is an `InvalidInput` naming it."""
        clean_name = clean_user_text(name, 200, "name")
        clean_email = None
        if email is not None and (not isinstance(email, str) or email.strip()):
            clean_email = clean_user_text(email, 254, "email")
            if not _EMAIL.fullmatch(clean_email):
                raise InvalidInput("email", "must be an e-mail address such as anna@example.com")
        elif email_required:
            raise InvalidInput("email", "must be given, so that a consultant can reply")
        clean_company = _optional(company, 200, "company")
        clean_phone = _optional(phone, 40, "phone")
        if clean_phone is not None and not _PHONE.fullmatch(clean_phone):
            raise InvalidInput("phone", "must be a phone number: digits, spaces, + ( ) - . /")
        return cls(name=clean_name, email=clean_email, company=clean_company, phone=clean_phone,
                   slack_user=slack_user, slack_team=slack_team)


def _optional(value: Any, limit: int, field: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return clean_user_text(value, limit, field)


class TranscriptLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    text: str
    at: datetime


class Lead(BaseModel):
    """A stored lead. `session_id` is None once the visitor deleted the conversation."""

    model_config = ConfigDict(frozen=True)

    id: str
    session_id: str | None
    source: Source
    language: str
    contact: Contact
    consent_text: str = Field(description="The sentence the visitor ticked, in their language.")
    brief: dict[str, Any] = Field(description="The procurement brief (JSON schema v1) when the lead was sent.")
    transcript: list[TranscriptLine]
    created_at: datetime


class Delivery(BaseModel):
    """One channel's delivery of a lead: pending until a send succeeded."""

    model_config = ConfigDict(frozen=True)

    lead_id: str
    channel: Channel
    status: Literal["pending", "delivered"]
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    delivered_at: datetime | None = None
