"""The one place a `Citation` is made: a verbatim span of a corpus article."""

from __future__ import annotations

from assistant.corpus import Document
from assistant.errors import CorpusError
from assistant.reply import Citation


class Citations:
    """Builds citations against the loaded articles (`quote == text[start:end]`, always)."""

    def __init__(self, docs: dict[str, Document]) -> None:
        self.docs = docs

    def span(self, n: int, doc_id: str, start: int, end: int) -> Citation:
        doc = self.docs[doc_id]
        return Citation(n=n, doc_id=doc_id, title=doc.title, language=doc.language, heading=doc.heading_at(start),
                        quote=doc.text[start:end], start_index=start, end_index=end)

    def quote(self, n: int, doc_id: str, quote: str) -> Citation:
        """The citation of `quote` where it first occurs in the article."""
        doc = self.docs.get(doc_id)
        start = doc.text.find(quote) if doc is not None else -1
        if start < 0:
            raise CorpusError(f"quote not found verbatim in {doc_id}.md: {quote[:60]!r}")
        return self.span(n, doc_id, start, start + len(quote))
