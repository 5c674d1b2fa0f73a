"""Leads and their delivery queue, in the conversation database (`SessionStore`).

A lead is written together with one `lead_deliveries` row per configured
channel in one transaction, so a lead is never stored without its queue
entries. A delivery is *claimed* before it is sent: a compare-and-set UPDATE
that only succeeds while the row is pending, due and not leased by anyone else
(`claimed_until` in the past). On PostgreSQL two replicas racing for a row are
serialised by the row lock, and the loser's WHERE no longer matches; on SQLite
the write transaction holds the database's single write lock. The lease
expires on its own, so a worker that died mid-send only delays the delivery.
Finishing (delivered, or failed with the next attempt scheduled) is only
accepted from the worker that holds the claim.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, or_, select, update

from assistant.errors import InvalidInput, NotFound
from assistant.leads.models import CHANNELS, Contact, Delivery, Lead, TranscriptLine
from assistant.store import SessionStore
from assistant.store.schema import lead_deliveries_table, leads_table

MAX_ERROR_CHARS = 1000


def _now() -> datetime:
    return datetime.now(UTC)


class LeadStore:
    def __init__(self, sessions: SessionStore) -> None:
        self.sessions = sessions

    # ---------------------------------------------------------------- leads

    def create(self, *, session_id: str | None, source: str, language: str, contact: Contact, consent_text: str,
               brief: dict[str, Any], transcript: list[TranscriptLine], channels: Iterable[str]) -> Lead:
        """Store a lead with a pending delivery per channel (one transaction)."""
        channels = list(dict.fromkeys(channels))
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            raise InvalidInput("channels", f"unknown delivery channel(s): {', '.join(unknown)}")
        lead = Lead(id=secrets.token_hex(16), session_id=session_id, source=source,  # type: ignore[arg-type]
                    language=language, contact=contact, consent_text=consent_text, brief=brief,
                    transcript=transcript, created_at=_now())
        row = lead.model_dump(mode="json")
        with self.sessions.write_connection("store a lead") as conn:
            conn.execute(insert(leads_table).values(
                id=lead.id, session_id=session_id, source=source, language=language, contact=row["contact"],
                consent_text=consent_text, brief=row["brief"], transcript=row["transcript"],
                created_at=lead.created_at))
            if channels:
                conn.execute(insert(lead_deliveries_table), [
                    {"lead_id": lead.id, "channel": c, "status": "pending", "attempts": 0,
                     "next_attempt_at": lead.created_at} for c in channels])
        return lead

    def get(self, lead_id: str) -> Lead:
        with self.sessions.read_connection("read a lead") as conn:
            row = conn.execute(select(leads_table).where(leads_table.c.id == lead_id)).mappings().first()
        if row is None:
            raise NotFound(f"No lead with id '{lead_id}'.")
        return Lead.model_validate(dict(row))

    def recent(self, limit: int = 50) -> list[tuple[Lead, list[Delivery]]]:
        """The newest leads with their delivery state (for the admin endpoint)."""
        with self.sessions.read_connection("list leads") as conn:
            rows = conn.execute(
                select(leads_table).order_by(leads_table.c.created_at.desc()).limit(limit)).mappings().all()
            ids = [r["id"] for r in rows]
            deliveries = conn.execute(
                select(lead_deliveries_table).where(lead_deliveries_table.c.lead_id.in_(ids))
            ).mappings().all() if ids else []
        by_lead: dict[str, list[Delivery]] = {}
        for d in deliveries:
            by_lead.setdefault(d["lead_id"], []).append(Delivery.model_validate(dict(d)))
        return [(Lead.model_validate(dict(r)), sorted(by_lead.get(r["id"], []), key=lambda d: d.channel))
                for r in rows]

    def deliveries(self, lead_id: str) -> list[Delivery]:
        with self.sessions.read_connection("read deliveries") as conn:
            rows = conn.execute(select(lead_deliveries_table).where(
                lead_deliveries_table.c.lead_id == lead_id).order_by(lead_deliveries_table.c.channel)).mappings()
            return [Delivery.model_validate(dict(r)) for r in rows]

    def purge_older_than(self, days: int) -> int:
        """Delete leads created more than `days` ago (their deliveries go with them)."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InvalidInput("days", "must be a whole number of days, at least 1")
        cutoff = _now() - timedelta(days=days)
        with self.sessions.write_connection("purge old leads") as conn:
            old = select(leads_table.c.id).where(leads_table.c.created_at < cutoff)
            # Explicitly, not only by ON DELETE CASCADE: SQLite enforces it only with foreign_keys on.
            conn.execute(delete(lead_deliveries_table).where(lead_deliveries_table.c.lead_id.in_(old)))
            result = conn.execute(delete(leads_table).where(leads_table.c.created_at < cutoff))
            return int(result.rowcount or 0)

    # ---------------------------------------------------------------- the queue

    def claim_due(self, owner: str, *, lease_seconds: float, limit: int = 10) -> list[tuple[Lead, Delivery]]:
        """Claim up to `limit` deliveries that are due, for `owner`, for `lease_seconds`."""
        now = _now()
        t = lead_deliveries_table
        free = or_(t.c.claimed_until.is_(None), t.c.claimed_until < now)
        due = and_(t.c.status == "pending", t.c.next_attempt_at <= now, free)
        claimed: list[tuple[str, str]] = []
        with self.sessions.write_connection("claim lead deliveries") as conn:
            candidates = conn.execute(
                select(t.c.lead_id, t.c.channel).where(due).order_by(t.c.next_attempt_at).limit(limit)).all()
            for lead_id, channel in candidates:
                result = conn.execute(
                    update(t).where(t.c.lead_id == lead_id, t.c.channel == channel, due)
                    .values(claimed_by=owner, claimed_until=now + timedelta(seconds=lease_seconds)))
                if result.rowcount == 1:
                    claimed.append((lead_id, channel))
        out = []
        for lead_id, channel in claimed:
            lead = self.get(lead_id)
            delivery = next(d for d in self.deliveries(lead_id) if d.channel == channel)
            out.append((lead, delivery))
        return out

    def mark_delivered(self, lead_id: str, channel: str, owner: str) -> bool:
        t = lead_deliveries_table
        with self.sessions.write_connection("record a delivery") as conn:
            result = conn.execute(
                update(t).where(t.c.lead_id == lead_id, t.c.channel == channel, t.c.claimed_by == owner)
                .values(status="delivered", delivered_at=_now(), attempts=t.c.attempts + 1, last_error=None,
                        claimed_by=None, claimed_until=None))
            return result.rowcount == 1

    def mark_failed(self, lead_id: str, channel: str, owner: str, error: str, retry_in: float) -> bool:
        """Keep the delivery pending and schedule the next attempt `retry_in` seconds from now."""
        t = lead_deliveries_table
        with self.sessions.write_connection("record a failed delivery") as conn:
            result = conn.execute(
                update(t).where(t.c.lead_id == lead_id, t.c.channel == channel, t.c.claimed_by == owner)
                .values(attempts=t.c.attempts + 1, last_error=error[:MAX_ERROR_CHARS],
                        next_attempt_at=_now() + timedelta(seconds=retry_in), claimed_by=None, claimed_until=None))
            return result.rowcount == 1

    def next_due_at(self) -> datetime | None:
        """When the earliest pending delivery can next be claimed (None: nothing is pending)."""
        t = lead_deliveries_table
        now = _now()
        # A delivery leased to another worker is not ours to retry before its lease ends.
        ready = case((t.c.claimed_until > now, t.c.claimed_until), else_=t.c.next_attempt_at)
        with self.sessions.read_connection("read the delivery queue") as conn:
            value = conn.execute(select(func.min(ready)).where(t.c.status == "pending")).scalar()
        if value is None:
            return None
        if isinstance(value, str):  # SQLite returns the expression untyped
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def pending_count(self) -> int:
        t = lead_deliveries_table
        with self.sessions.read_connection("read the delivery queue") as conn:
            return int(conn.execute(select(func.count()).select_from(t).where(t.c.status == "pending")).scalar_one())
