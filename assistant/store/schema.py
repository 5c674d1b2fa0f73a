"""The tables of the assistant's database: conversations (sessions, turns,
feedback) and leads, on SQLite and PostgreSQL alike.

Tables added after the first release are new tables only, never new columns of
existing ones: `metadata.create_all` (checkfirst) then migrates a database of
any earlier version on first use; data that moved between tables is moved by
`assistant.store.migrations`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

MAX_SESSION_ID_CHARS = 128
MAX_LANGUAGE_CHARS = 35


def utcnow() -> datetime:
    """The time every stored timestamp is taken from (aware, UTC)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no timezone type and would silently drop the offset, so values are
    stored there as naive UTC and made aware again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the session store; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

sessions_table = Table(
    "sessions",
    metadata,
    Column("id", String(MAX_SESSION_ID_CHARS), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("language", String(MAX_LANGUAGE_CHARS), nullable=True),
    Column("state", JSON(), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_sessions_updated_at", "updated_at"),  # purge scans by age
)

turns_table = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(MAX_SESSION_ID_CHARS), ForeignKey("sessions.id", ondelete="CASCADE"),
           nullable=False),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    # none_as_null: "no structured reply" is SQL NULL, not the JSON value null.
    Column("payload", JSON(none_as_null=True), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("session_id", "seq", name="uq_turns_session_seq"),
    CheckConstraint("role IN ('user', 'assistant')", name="ck_turns_role"),
)

feedback_table = Table(
    "feedback",
    metadata,
    Column("session_id", String(MAX_SESSION_ID_CHARS), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("rating", String(8), nullable=False),
    Column("comment", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # With its turn (and so with its session) the rating goes too.
    ForeignKeyConstraint(["session_id", "seq"], ["turns.session_id", "turns.seq"], ondelete="CASCADE",
                         name="fk_feedback_turn"),
    CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),
    Index("ix_feedback_updated_at", "updated_at"),
)

leads_table = Table(
    "leads",
    metadata,
    Column("id", String(32), primary_key=True),
    # SET NULL: deleting the conversation keeps what the visitor consented to send, nothing else.
    Column("session_id", String(MAX_SESSION_ID_CHARS), ForeignKey("sessions.id", ondelete="SET NULL"),
           nullable=True),
    Column("source", String(16), nullable=False),
    Column("language", String(MAX_LANGUAGE_CHARS), nullable=False),
    Column("contact", JSON(), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("brief", JSON(), nullable=False),
    Column("transcript", JSON(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_leads_created_at", "created_at"),
)

lead_deliveries_table = Table(
    "lead_deliveries",
    metadata,
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_by", String(32), nullable=True),
    Column("claimed_until", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", UTCDateTime(), nullable=True),
    CheckConstraint("status IN ('pending', 'delivered')", name="ck_lead_deliveries_status"),
    Index("ix_lead_deliveries_due", "status", "next_attempt_at"),
)

# Slack event ids already taken on (assistant/store/event_ledger.py): Slack re-sends an event
# it saw no 200 for, and a repeat must not get a second reply.
slack_events_table = Table(
    "slack_events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("seen_at", UTCDateTime(), nullable=False),
    Index("ix_slack_events_seen_at", "seen_at"),  # pruning scans by age
)
