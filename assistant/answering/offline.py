"""The offline answerer: grounded answers in the user's language, no language model.

It states only what a cited passage says: the summaries of the best-matching
curated notes (written in all five languages, each resting on a verbatim
quote), followed by the quote itself with its citation. When no note matches
but retrieval covers the question, it answers extractively with the most
relevant sentences of the best passages. When retrieval says the sources don't
cover the question, it says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.corpus import Document, corpus_by_id
from assistant.i18n import t
from assistant.reply import Citation
from assistant.retrieval import HybridRetriever, NoteHit, SearchResult

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    covered: bool
    related_questions: list[str] = field(default_factory=list)
    search: SearchResult | None = None


@dataclass(frozen=True)
class AnswerSettings:
    #: A note answers the question when its similarity is at least this...
    note_threshold: float = 0.86
    #: ...and a second note is added when it is this close to the first.
    second_note_margin: float = 0.015
    max_notes: int = 2
    max_extract_sentences: int = 2


class OfflineAnswerer:
    def __init__(self, retriever: HybridRetriever, settings: AnswerSettings | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or AnswerSettings()
        self._docs: dict[str, Document] = corpus_by_id()

    def answer(self, question: str, language: str, vector: Any = None) -> Answer:
        result = (self.retriever.search(question, k=5, language=language, vector=vector) if vector is not None
                  else self.retriever.search(question, k=5, language=language))
        if not result.covered:
            return Answer(text="", citations=[], covered=False, search=result)
        notes = self._pick_notes(result.notes)
        if notes:
            answer = self._from_notes(notes, language)
        else:
            answer = self._extractive(question, result, language)
        answer.related_questions = self._related(result, notes, language)
        answer.search = result
        return answer

    # -- notes: the summary in the user's language, then the verbatim quote --
    def _pick_notes(self, hits: list[NoteHit]) -> list[NoteHit]:
        s = self.settings
        if not hits or hits[0].score < s.note_threshold:
            return []
        chosen = [hits[0]]
        for hit in hits[1:]:
            if len(chosen) >= s.max_notes or hit.score < hits[0].score - s.second_note_margin:
                break
            if all(hit.note.quote != c.note.quote for c in chosen):
                chosen.append(hit)
        return chosen

    def _from_notes(self, notes: list[NoteHit], language: str) -> Answer:
        citations = [self._citation(i, h.note.doc_id, h.note.start_index, h.note.end_index) for i, h in
                     enumerate(notes, 1)]
        summary = " ".join(f"{h.note.summary[language].strip()} [{c.n}]" for h, c in zip(notes, citations))
        quotes = "\n\n".join(self._quote_block(c, language) for c in citations)
        return Answer(text=f"{summary}\n\n{quotes}", citations=citations, covered=True)

    # -- extractive: the most relevant sentences of the best passages --
    def _extractive(self, question: str, result: SearchResult, language: str) -> Answer:
        candidates: list[tuple[str, int, int]] = []
        for hit in result.hits[:2]:
            m = hit.metadata
            text = self._docs[m["doc_id"]].text
            for match in _SENTENCE.finditer(text, m["start_index"], m["end_index"]):
                sentence = match.group(0).strip()
                if len(sentence) >= 25:
                    start = text.index(sentence, match.start())
                    candidates.append((m["doc_id"], start, start + len(sentence)))
        if not candidates:
            return Answer(text="", citations=[], covered=False)
        embeddings: Any = self.retriever._embeddings
        qv = embeddings.embed_query_np(question)
        texts = [self._docs[d].text[s:e] for d, s, e in candidates]
        sims = embeddings.embed_passages_np(texts) @ qv
        best = sorted(np.argsort(-sims)[: self.settings.max_extract_sentences].tolist())
        citations = [self._citation(n, *candidates[i]) for n, i in enumerate(best, 1)]
        intro = t("answer.extractive_intro", language)
        quotes = "\n\n".join(self._quote_block(c, language) for c in citations)
        return Answer(text=f"{intro}\n\n{quotes}", citations=citations, covered=True)

    def _related(self, result: SearchResult, used: list[NoteHit], language: str) -> list[str]:
        used_ids = {h.note.id for h in used}
        questions = []
        for hit in result.notes:
            if hit.note.id not in used_ids and hit.note.questions[language]:
                questions.append(hit.note.questions[language][0])
        return questions[:2]

    # -- shared formatting --
    def _citation(self, n: int, doc_id: str, start: int, end: int) -> Citation:
        doc = self._docs[doc_id]
        return Citation(n=n, doc_id=doc_id, title=doc.title, language=doc.language, heading=doc.heading_at(start),
                        quote=doc.text[start:end], start_index=start, end_index=end)

    @staticmethod
    def _quote_block(citation: Citation, language: str) -> str:
        source = t("answer.source", language, title=citation.title,
                   article_language=t(f"language_name.{citation.language}", language))
        return f"> {citation.quote}\n>\n> — {source} [{citation.n}]"
