"""Handoff to a consultant: leads (the visitor's consented contact details, the
conversation and the brief at that moment), stored in the conversation database
and delivered to the consultancy by webhook, e-mail and/or Slack.

    from assistant.leads import request_handoff, LeadStore, DeliveryWorker

Modules: `models` (what a lead is), `store` (the tables: leads and their queued
deliveries, claimed atomically so several replicas can share one database),
`channels` (webhook, SMTP, Slack senders), `worker` (the background thread that
delivers, retries with backoff and runs the retention purge), `service`
(turning a conversation into a lead).
"""

from assistant.leads.models import Contact, Delivery, Lead
from assistant.leads.service import consent_text, request_handoff
from assistant.leads.store import LeadStore
from assistant.leads.worker import BackgroundWorker

__all__ = ["BackgroundWorker", "Contact", "Delivery", "Lead", "LeadStore", "consent_text", "request_handoff"]
