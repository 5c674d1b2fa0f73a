"""The optional LLM answerer: a language model phrases the answer, the corpus and
the tools stay the authority.

It is off unless `ASSISTANT_LLM` is set, and it never stands alone: the engine
computes the offline answer first and hands it in, so every failure here (no
package, provider down, timeout, malformed response, a number the sources don't
support) ends in the offline answer rather than in an error for the user.

The model sees the passages the retriever already chose (numbered [1]..[n]) and
the curated note summaries in the user's language (`prompts`), and may call the
two deterministic tools (`staffing`, `cost_comparison`) for figures. Its answer
is accepted only when

* it is not empty and cites only sources it was given, and
* every number in it is grounded: it appears in a tool result (or the tool
  arguments that produced it), in a cited passage, or in a note summary it was
  shown (`grounding.ungrounded_numbers`). A model that repeats a number from the
  question ("say the price is 999 kr") is therefore rejected, as the question is
  not a source.

The chat model itself is built from the settings in `providers`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.answering.errors import LLMUnavailable, MalformedToolCall, UngroundedAnswer
from assistant.answering.grounding import cited_numbers, ungrounded_numbers
from assistant.answering.offline import Answer
from assistant.answering.prompts import Source, build_sources, prompt_messages
from assistant.answering.providers import chat_model
from assistant.citations import Citations
from assistant.corpus import Document, corpus_by_id
from assistant.errors import AssistantError
from assistant.retrieval import SearchResult
from assistant.settings import Settings

log = logging.getLogger("assistant.answering.llm")

#: One model call, then (after tools ran) at most one more.
MAX_ROUNDS = 2


def build_llm_answerer(settings: Settings) -> LLMAnswerer | None:
    """The answerer configured by `settings.llm`, or None (offline) when it is unset."""
    if not (settings.llm or "").strip():
        return None
    return LLMAnswerer(chat_model(settings), timeout_seconds=settings.llm_timeout_seconds,
                       corpus_dir=settings.corpus_dir)


class LLMAnswerer:
    """Answers from the engine's search result with a chat model and the tools."""

    def __init__(self, model: Any, *, timeout_seconds: float = 20.0, tools: Sequence[Any] | None = None,
                 corpus_dir: Path | str | None = None) -> None:
        if tools is None:
            from assistant.tools.langchain_tools import langchain_tools

            tools = langchain_tools()
        self._tools = {tool.name: tool for tool in tools}
        try:
            self._model = model.bind_tools(list(self._tools.values()))
        except Exception as exc:  # e.g. a provider class without tool calling
            raise LLMUnavailable(f"the configured model cannot call tools: {exc}") from exc
        self.timeout_seconds = timeout_seconds
        self._docs: dict[str, Document] = corpus_by_id(corpus_dir)
        self._citations = Citations(self._docs)

    def answer(self, question: str, language: str, search: SearchResult,
               on_delta: Callable[[str], None] | None = None,
               fallback: Callable[[], Answer] | None = None) -> Answer:
        """The model's answer, or an `AssistantError` (never anything else).

        With `on_delta`, the model's reply is streamed and every piece of answer
        text goes to `on_delta` as it arrives. The pieces are a preview: the
        returned answer is what counts, and when an error is raised instead
        (numbers without a source, a broken stream) the caller shows its
        offline answer in place of what was streamed. `fallback` composes the
        offline answer; it is called only when the model's answer cites nothing.
        """
        try:
            sources = self.sources(search, language)
            messages: list[Any] = self.messages(question, language, sources)
            grounding: list[str] = []
            streamed: list[str] = []
            for round_number in range(1, MAX_ROUNDS + 1):
                response = self._invoke(messages) if on_delta is None else self._stream(messages, on_delta, streamed)
                if not _wants_tools(response):
                    break
                if round_number == MAX_ROUNDS:
                    raise MalformedToolCall(f"the model still called tools after {MAX_ROUNDS} rounds")
                messages += [response, *self._run_tools(response, grounding)]
            text = _text(response) if on_delta is None else "".join(streamed)
            return self.accept(text, sources, grounding, search, fallback)
        except AssistantError:
            raise
        except Exception as exc:  # the contract: only domain errors leave this method
            raise LLMUnavailable(f"LLM answer failed: {type(exc).__name__}: {exc}") from exc

    def _invoke(self, messages: list[Any]) -> Any:
        try:
            return self._model.invoke(messages)
        except Exception as exc:  # provider timeouts, HTTP and connection errors, bad payloads
            raise LLMUnavailable(f"the language model did not answer: {type(exc).__name__}: {exc}") from exc

    def _stream(self, messages: list[Any], on_delta: Callable[[str], None], streamed: list[str]) -> Any:
        """One model call, streamed; returns the whole message. Bounded by
        `timeout_seconds` for the whole call: the client's own timeout is per
        read, and a server trickling bytes would evade it."""
        deadline = time.monotonic() + self.timeout_seconds
        message = None
        chunks = self._model.stream(messages)
        try:
            for chunk in chunks:
                message = chunk if message is None else message + chunk
                piece = _text(chunk)
                # Text beside a tool call is the model thinking aloud; only the answer is shown.
                if piece and not message.tool_call_chunks:
                    streamed.append(piece)
                    on_delta(piece)
                if time.monotonic() > deadline:
                    raise LLMUnavailable(f"the language model did not finish within {self.timeout_seconds:g} s")
        except AssistantError:
            raise
        except Exception as exc:  # HTTP error, dropped connection, read timeout, malformed chunk
            raise LLMUnavailable(f"the language model stream broke: {type(exc).__name__}: {exc}") from exc
        finally:
            chunks.close()
        if message is None:
            raise LLMUnavailable("the language model sent an empty stream")
        if _wants_tools(message):
            _check_streamed_arguments(message)
        return message

    # -- tools --
    def _run_tools(self, message: Any, grounding: list[str]) -> list[Any]:
        out = []
        for call in self._valid_calls(message):
            try:
                result = self._tools[call["name"]].invoke({**call, "type": "tool_call"})
            except Exception as exc:
                raise MalformedToolCall(f"tool call {call['name']} failed: {exc}") from exc
            out.append(self._checked_result(call, result, grounding))
        return out

    def _valid_calls(self, message: Any) -> list[dict[str, Any]]:
        invalid = list(getattr(message, "invalid_tool_calls", None) or [])
        if invalid:
            raise MalformedToolCall(f"the model sent a tool call that is not valid JSON: {invalid[0].get('name')}")
        calls = list(message.tool_calls)
        for call in calls:
            if call["name"] not in self._tools:
                raise MalformedToolCall(f"the model called an unknown tool {call['name']!r}")
            if not isinstance(call.get("args"), dict):
                raise MalformedToolCall(f"the arguments of {call['name']} are not an object")
        return calls

    @staticmethod
    def _checked_result(call: dict[str, Any], result: Any, grounding: list[str]) -> Any:
        # One round of correction is all the budget allows, so arguments the tool
        # rejects end the LLM attempt; the offline answer (and the engine's own
        # slot-filling tool route) remain.
        if getattr(result, "status", "success") == "error":
            raise MalformedToolCall(f"tool {call['name']} rejected its arguments: {result.content}")
        grounding.append(json.dumps(call["args"], ensure_ascii=False))
        grounding.append(str(result.content))
        if getattr(result, "artifact", None) is not None:
            grounding.append(json.dumps(result.artifact, ensure_ascii=False))
        return result

    # -- prompt --
    def sources(self, search: SearchResult, language: str) -> list[Source]:
        """The numbered sources the model is shown (see `prompts.build_sources`)."""
        return build_sources(search, language, self._docs)

    def messages(self, question: str, language: str, sources: list[Source]) -> list[Any]:
        """The prompt for `question` over `sources` (see `prompts.prompt_messages`)."""
        return prompt_messages(question, language, sources)

    # -- acceptance --
    def accept(self, text: str, sources: list[Source], grounding: list[str], search: SearchResult,
               fallback: Callable[[], Answer] | None = None) -> Answer:
        """The answer if it passes the guard; `UngroundedAnswer` or `LLMUnavailable` if not."""
        text = text.strip()
        if not text:
            raise LLMUnavailable("the language model returned an empty answer")
        by_number = {s.n: s for s in sources}
        cited = cited_numbers(text)
        unknown = [n for n in cited if n not in by_number]
        if unknown:
            log.warning("LLM answer cites sources it was not given: %s", unknown)
            raise UngroundedAnswer(f"the answer cites unknown sources {unknown}", details={"sources": unknown})
        supporting = list(grounding)
        for s in sources:
            supporting += s.summaries  # every summary shown to the model is a curated, checked statement
        for n in cited:
            s = by_number[n]
            supporting += [s.text, s.title, s.heading]
        missing = ungrounded_numbers(text, supporting)
        if missing:
            log.warning("LLM answer states numbers no source or tool gave: %s", missing)
            raise UngroundedAnswer(f"the answer states numbers without a source: {', '.join(missing)}",
                                   details={"numbers": missing})
        citations = [self._citations.span(s.n, s.doc_id, *s.quote_span) for s in (by_number[n] for n in cited)]
        related: list[str] = []
        if not citations and fallback is not None:
            offline = fallback()
            citations, related = list(offline.citations), list(offline.related_questions)
        return Answer(text=text, citations=citations, covered=True, related_questions=related, search=search)


# --------------------------------------------------------------------------- model messages


def _text(message: Any) -> str:
    text = getattr(message, "text", "")
    if isinstance(text, str):  # langchain-core 1.x: a property (a str that is also callable)
        return str(text)
    return str(text() or "") if callable(text) else ""  # langchain-core 0.3: a method


def _wants_tools(message: Any) -> bool:
    return bool(getattr(message, "tool_calls", None) or getattr(message, "invalid_tool_calls", None))


def _check_streamed_arguments(message: Any) -> None:
    """Streamed tool arguments are merged with a lenient partial-JSON parser that
    turns '{broken' into {}; the raw text must be a complete JSON object."""
    raw: dict[Any, str] = {}
    for chunk in getattr(message, "tool_call_chunks", None) or []:
        key = chunk.get("index") if chunk.get("index") is not None else chunk.get("id")
        raw[key] = raw.get(key, "") + (chunk.get("args") or "")
    for args in raw.values():
        try:
            value = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as exc:
            raise MalformedToolCall(f"the model sent tool arguments that are not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise MalformedToolCall("the model sent tool arguments that are not a JSON object")
