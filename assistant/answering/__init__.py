"""Answer composition: offline (default, no language model) and optional LLM."""

from assistant.answering.offline import Answer, OfflineAnswerer

__all__ = ["Answer", "OfflineAnswerer"]
