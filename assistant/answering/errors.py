"""Why an LLM answer was not used. Each one ends in the offline answer, never in
an error for the user (the engine catches them)."""

from __future__ import annotations

from assistant.errors import AssistantError


class LLMUnavailable(AssistantError):
    """The model could not give a usable answer (missing package, timeout, HTTP or
    connection error, malformed or empty response). The offline answer stands."""

    code = "llm_unavailable"


class MalformedToolCall(LLMUnavailable):
    """The model called an unknown tool, sent arguments that are not valid JSON, or
    arguments the tool rejected, or kept calling tools past the round limit."""

    code = "llm_malformed_tool_call"


class UngroundedAnswer(AssistantError):
    """The model's answer states a number (or cites a source) that nothing it was
    given supports."""

    code = "llm_ungrounded_answer"
