"""Answer composition: offline (default, no language model) and optional LLM.

Modules: `offline` (the answer composed from the passages), `llm` (the LLM
answerer: a model phrases the answer, checked before it is used), `providers`
(the LangChain chat model `ASSISTANT_LLM` names), `prompts` (the sources and
prompts the model sees), `grounding` (numbers no source supports) and `errors`
(why an LLM answer was not used)."""

from assistant.answering.offline import Answer, OfflineAnswerer

__all__ = ["Answer", "OfflineAnswerer"]
