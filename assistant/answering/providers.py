"""The LangChain chat model that `ASSISTANT_LLM` names ('provider:model'), built from
the settings: OpenAI (or any OpenAI-compatible server with `ASSISTANT_LLM_BASE_URL`),
Ollama, or whatever `langchain.chat_models.init_chat_model` knows. Provider
packages are imported only here and only when configured."""

from __future__ import annotations

from typing import Any

from assistant.answering.errors import LLMUnavailable
from assistant.errors import AssistantError
from assistant.settings import Settings


def chat_model(settings: Settings) -> Any:
    """The LangChain chat model `settings.llm` names (LLMUnavailable when it cannot be set up)."""
    spec = (settings.llm or "").strip()
    try:
        return _chat_model(spec, settings)
    except AssistantError:
        raise
    except Exception as exc:
        raise LLMUnavailable(f"ASSISTANT_LLM={spec!r}: the model could not be set up: {exc}") from exc


def _chat_model(spec: str, settings: Settings) -> Any:
    provider, _, model = spec.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    if provider == "openai":
        if not model:
            raise LLMUnavailable("ASSISTANT_LLM: give the model as 'openai:<model>'")
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise LLMUnavailable("ASSISTANT_LLM=openai:… needs the package 'langchain-openai' "
                                 "(pip install langchain-openai)") from exc
        return ChatOpenAI(
            model=model,
            base_url=settings.llm_base_url,
            # The client insists on a key; local OpenAI-compatible servers ignore it.
            api_key=api_key or ("not-needed" if settings.llm_base_url else None),
            timeout=settings.llm_timeout_seconds,
            # A retry would double the wait before the offline answer; it is always there.
            max_retries=0,
            temperature=settings.llm_temperature,
            # OpenAI-compatible servers (vLLM, LM Studio, llama.cpp...) speak Chat Completions only.
            **({"use_responses_api": False} if settings.llm_base_url else {}),
        )
    if provider == "ollama":
        if not model:
            raise LLMUnavailable("ASSISTANT_LLM: give the model as 'ollama:<model>'")
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise LLMUnavailable("ASSISTANT_LLM=ollama:… needs the package 'langchain-ollama' "
                                 "(pip install langchain-ollama)") from exc
        kwargs: dict[str, Any] = {"model": model, "temperature": settings.llm_temperature,
                                  "client_kwargs": {"timeout": settings.llm_timeout_seconds}}
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        return ChatOllama(**kwargs)
    init_chat_model = _init_chat_model(spec)
    kwargs = {"temperature": settings.llm_temperature, "timeout": settings.llm_timeout_seconds, "max_retries": 0}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if api_key:
        kwargs["api_key"] = api_key
    try:
        return init_chat_model(spec, **kwargs)
    except (ImportError, ValueError) as exc:  # unknown provider or its package missing
        raise LLMUnavailable(f"ASSISTANT_LLM={spec!r} could not be loaded: {exc}") from exc


def _init_chat_model(spec: str) -> Any:
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise LLMUnavailable(f"ASSISTANT_LLM={spec!r} needs the package 'langchain' and the provider's "
                             "integration package (e.g. pip install langchain langchain-anthropic)") from exc
    return init_chat_model
