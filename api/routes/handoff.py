"""Handoff to a consultant: the form (its texts and consent sentence from the
catalog) and the request that stores a lead and queues its delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import AppStateDep, SessionId
from assistant.errors import InvalidInput
from assistant.i18n import t
from assistant.leads import Contact, consent_text, request_handoff

router = APIRouter(tags=["handoff"])
Language = Literal["sv", "fi", "da", "nb", "en"]


class FormField(BaseModel):
    name: Literal["name", "email", "company", "phone"]
    label: str
    required: bool
    type: Literal["text", "email", "tel"]


class HandoffForm(BaseModel):
    language: str
    title: str
    intro: str
    fields: list[FormField]
    optional: str = Field(description="The word marking an optional field.")
    consent: str = Field(description="The consent sentence; the lead stores exactly this text.")
    consent_required: str
    submit: str
    cancel: str


class HandoffIn(BaseModel):
    name: str = Field(..., max_length=400)
    email: str = Field(..., max_length=400)
    company: str | None = Field(None, max_length=400)
    phone: str | None = Field(None, max_length=100)
    consent: bool = Field(..., description="Must be true: the visitor ticked the consent box.")
    language: Language | None = Field(None, description="Language of the form (default: the session's).")


class HandoffOut(BaseModel):
    lead_id: str
    created_at: datetime
    channels: list[str] = Field(description="Where the lead is being delivered (webhook, email, slack).")
    message: str = Field(description="The thank-you sentence to show, in the lead's language.")


@router.get("/v1/handoff/form", response_model=HandoffForm, summary="Texts of the 'Talk to a consultant' form")
async def handoff_form(state: AppStateDep, language: Language = Query("en")) -> HandoffForm:
    company = state.settings.brand_name
    kinds = {"name": "text", "email": "email", "company": "text", "phone": "tel"}
    return HandoffForm(
        language=language, title=t("handoff.title", language), intro=t("handoff.intro", language, company=company),
        fields=[FormField(name=n, label=t(f"handoff.field.{n}", language), required=n in ("name", "email"),
                          type=k) for n, k in kinds.items()],  # type: ignore[arg-type]
        optional=t("handoff.optional", language), consent=consent_text(language, company),
        consent_required=t("handoff.consent_required", language), submit=t("handoff.submit", language),
        cancel=t("handoff.cancel", language))


@router.post("/v1/sessions/{session_id}/handoff", response_model=HandoffOut, status_code=201,
             summary="Talk to a consultant",
             description="Stores a lead (contact details, the consent sentence, the brief and the conversation as "
             "they are now) and queues it for the configured channels. Refused (422) without `consent: true`.")
async def handoff(state: AppStateDep, body: HandoffIn, session_id: SessionId) -> HandoffOut:
    engine = state.engine

    def create() -> tuple[object, list[str]]:
        if body.consent is not True:  # before anything else: without consent nothing is looked at or kept
            raise InvalidInput("consent", "must be given: tick the box to agree that your details are sent")
        contact = Contact.checked(name=body.name, email=body.email, company=body.company, phone=body.phone)
        lead = request_handoff(engine, session_id, contact, consent=body.consent, source="widget",
                               language=body.language, on_created=state.notify_worker)
        return lead, [d.channel for d in engine.leads.deliveries(lead.id)]

    lead, channels = await run_in_threadpool(create)
    return HandoffOut(lead_id=lead.id, created_at=lead.created_at, channels=channels,  # type: ignore[attr-defined]
                      message=t("handoff.thanks", lead.language, name=lead.contact.name,  # type: ignore[attr-defined]
                                company=state.settings.brand_name))
