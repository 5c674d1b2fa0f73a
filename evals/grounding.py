"""Checks every reply must pass, whatever the dataset: citations quote the corpus
verbatim, and every number in the text has a source.

Replies are handled as JSON dicts (`Reply.model_dump(mode="json")` in-process,
the response body over HTTP), so both modes are checked by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evals.number_claims import ungrounded_numbers


@dataclass
class Sources:
    """What the grounding check needs from the corpus: article texts and titles,
    and the curated notes (their summaries are what the offline answerer says)."""

    texts: dict[str, str]
    titles: dict[str, str]
    notes: list[Any] = field(default_factory=list)

    @classmethod
    def load(cls, corpus_dir: Any = None) -> Sources:
        from assistant.corpus import corpus_by_id
        from assistant.notes import load_notes

        docs = corpus_by_id(corpus_dir)
        return cls(
            texts={d.id: d.text for d in docs.values()},
            titles={d.id: d.title for d in docs.values()},
            notes=load_notes(corpus_dir, list(docs.values())),
        )

    def notes_for(self, citation: dict[str, Any]) -> list[Any]:
        """Notes resting on (overlapping) the cited span."""
        doc, start, end = citation.get("doc_id"), citation.get("start_index", -1), citation.get("end_index", -1)
        return [n for n in self.notes if n.doc_id == doc and n.start_index < end and start < n.end_index]


def citation_problems(reply: dict[str, Any], sources: Sources) -> list[str]:
    """Citations whose quote is not `article.text[start_index:end_index]`."""
    problems = []
    for c in reply.get("citations") or []:
        text = sources.texts.get(c.get("doc_id", ""))
        if text is None:
            problems.append(f"[{c.get('n')}] unknown article {c.get('doc_id')!r}")
        elif text[c.get("start_index", 0) : c.get("end_index", 0)] != c.get("quote"):
            problems.append(f"[{c.get('n')}] {c.get('doc_id')}:{c.get('start_index')}-{c.get('end_index')} "
                            f"is not verbatim: {str(c.get('quote'))[:60]!r}")
    return problems


def _strip_checklist_reminder(reply: dict[str, Any]) -> str:
    """Remove the engine's "back to the checklist: <question>" tail (catalog text)."""
    text = reply.get("text") or ""
    view = reply.get("checklist") or {}
    question = view.get("question")
    if question:
        from assistant.i18n import t

        try:
            tail = t("checklist.resume", reply.get("language") or "en", question=question)
        except KeyError:
            tail = ""
        if tail and tail in text:
            text = text.replace(tail, " ")
    notice = reply.get("notice")
    if notice and text.startswith(notice):
        text = text[len(notice):]
    return text


def number_checked(reply: dict[str, Any]) -> bool:
    """Replies whose numbers must be grounded: answers from the articles and tool
    results. Greetings, scope messages, checklist prompts and questions for a
    missing tool argument are catalog text (their examples are not claims)."""
    if reply.get("intent") == "question" and reply.get("covered", True):
        return True
    return reply.get("intent") == "tool" and bool(reply.get("tool"))


def reply_ungrounded_numbers(reply: dict[str, Any], sources: Sources) -> list[str]:
    """Numbers in the reply text that are in no tool argument or result, no cited
    quote or title, and no summary of a note the citations rest on."""
    if not number_checked(reply):
        return []
    language = reply.get("language") or "en"
    texts: list[str] = []
    for c in reply.get("citations") or []:
        texts += [c.get("quote") or "", c.get("title") or "", c.get("heading") or ""]
        for note in sources.notes_for(c):
            texts.append(note.summary.get(language, ""))
    # A partly covered answer names the question's terms the sources lack: the user's words, not a claim.
    texts += list(reply.get("missing_terms") or [])
    data: list[Any] = []
    tool = reply.get("tool")
    if tool:
        data += [tool.get("arguments") or {}, tool.get("result") or {}]
    # The values the reply says it understood are the user's own figures (and the
    # defaults it says it assumed): numbers quoted from them are grounded.
    for row in reply.get("understood") or []:
        data.append({"value": row.get("value")})
        if row.get("source"):
            texts.append(str(row["source"]))
    return ungrounded_numbers(_strip_checklist_reminder(reply), texts, data)
