"""Replies to questions and small talk: an answer from the articles (with the
checklist offered first when the question is about preparing a procurement),
a declined question, a greeting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.i18n import t
from assistant.rendering.suggestions import default_suggestions, unique
from assistant.reply import Reply, Suggestion
from assistant.state import SessionState

if TYPE_CHECKING:
    from assistant.answering.offline import Answer


def scope_reply(key: str, intent: str, lang: str, session_id: str, state: SessionState) -> Reply:
    """A catalog sentence on its own: the greeting, or "the articles don't cover that"."""
    return Reply(session_id=session_id, text=t(key, lang), language=lang, intent=intent,  # type: ignore[arg-type]
                 covered=intent != "off_topic",
                 suggestions=default_suggestions(lang, state, offer=intent in ("greeting", "off_topic")))


def declined_reply(lang: str, session_id: str, state: SessionState) -> Reply:
    """A question the articles do not cover."""
    reply = scope_reply("answer.not_covered", "off_topic", lang, session_id, state)
    reply.covered = False
    reply.coverage = "not_covered"
    return reply


def offer_reply(lang: str, session_id: str, state: SessionState) -> Reply:
    """A question about preparing a procurement the articles do not answer: the checklist is the answer."""
    return Reply(session_id=session_id, text=t("offer_checklist.text", lang), language=lang, intent="question",
                 covered=True, suggestions=default_suggestions(lang, state, offer=True))


def answer_reply(answer: Answer, lang: str, session_id: str, state: SessionState, *, offered: bool) -> Reply:
    """An answer from the articles with its citations; `offered`: the checklist is offered before it."""
    suggestions = default_suggestions(lang, state, offer=True)[:1] if offered else []
    suggestions += [Suggestion(label=q, action="ask", value=q) for q in answer.related_questions]
    suggestions += default_suggestions(lang, state)
    body = f"{t('offer_checklist.text', lang)}\n\n{answer.text}" if offered else answer.text
    return Reply(session_id=session_id, text=body, language=lang, intent="question",
                 citations=answer.citations, covered=True, coverage=answer.coverage,  # type: ignore[arg-type]
                 missing_terms=list(answer.search.coverage.missing_terms) if answer.search and
                 answer.coverage == "partial" else [], suggestions=unique(suggestions)[:4])
