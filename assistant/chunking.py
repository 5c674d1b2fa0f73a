"""Structure-aware chunking of a cleaned Markdown article.

A chunk is a slice of `Document.text` (so `text[start_index:end_index]` is the
chunk, exactly) plus the heading path above it. Blocks are paragraphs and list
blocks; a list joins the paragraph that introduces it (the lead-in names what
the list is), short blocks join their neighbour under the same heading, and
long paragraphs are cut at sentence ends. Ids hash the content, so they stay
stable across rebuilds and only change for chunks whose text changed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from assistant.corpus import Document

_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# A sentence ends at . ! ? … (not after a bare digit: "2. Identifierar" is a
# list number) followed by a capital or digit; a line break inside a block
# (between list items) is always a possible cut.
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?…])[ \t]+(?=[\"”'(\[]?[A-ZÅÄÖÆØÜ0-9])|\n")


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def sentence_spans(text: str, start: int, end: int, min_chars: int = 25) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of the sentences between `start` and `end`
    that are long enough to say something on their own (whitespace trimmed)."""
    spans = []
    for match in _SENTENCE.finditer(text, start, end):
        raw = match.group(0)
        stripped = raw.strip()
        if len(stripped) >= min_chars:
            first = match.start() + (len(raw) - len(raw.lstrip()))
            spans.append((first, first + len(stripped)))
    return spans


class ChunkerSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_chars: int = 900
    min_chars: int = 160


class Chunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    doc_id: str
    title: str
    language: str
    heading: str  # heading path, " > "-joined, without the article title
    text: str
    start_index: int
    end_index: int

    def embedding_text(self) -> str:
        """What the model sees: the article title and heading give the passage its topic."""
        context = " — ".join(part for part in (self.title, self.heading) if part)
        return f"{context}\n{self.text}"


@dataclass
class _Block:
    start: int
    end: int
    heading: tuple[str, ...]
    is_list: bool
    lead_in: bool  # a paragraph that ends with ':' introduces what follows


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    headings: list[tuple[int, str]] = []
    pos = 0
    current: _Block | None = None
    for line in text.splitlines(keepends=True):
        start, stripped = pos, line.strip()
        pos += len(line)
        heading = _HEADING.match(stripped)
        if heading or not stripped:
            current = None
            if heading:
                level = len(heading.group(1))
                headings = [h for h in headings if h[0] < level] + [(level, heading.group(2))]
            continue
        is_list = bool(_LIST_ITEM.match(line))
        end = start + len(line.rstrip("\n"))
        if current is not None and current.is_list == is_list:
            current.end = end
        else:
            path = tuple(h for level, h in headings if level > 1)
            current = _Block(start, end, path, is_list, False)
            blocks.append(current)
        current.lead_in = not is_list and stripped.endswith(":")
    return blocks


def _merge(blocks: list[_Block], settings: ChunkerSettings) -> list[_Block]:
    merged: list[_Block] = []
    for block in blocks:
        prev = merged[-1] if merged else None
        same_section = prev is not None and prev.heading == block.heading
        joins_lead_in = same_section and block.is_list and prev.lead_in  # type: ignore[union-attr]
        too_small = same_section and (prev.end - prev.start) < settings.min_chars  # type: ignore[union-attr]
        fits = prev is not None and (block.end - prev.start) <= settings.max_chars
        if prev is not None and (joins_lead_in or (too_small and fits)):
            prev.end, prev.is_list, prev.lead_in = block.end, block.is_list, block.lead_in
        else:
            merged.append(_Block(block.start, block.end, block.heading, block.is_list, block.lead_in))
    return merged


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut [start, end) at sentence ends into pieces of at most max_chars (a
    single longer sentence stays whole: a cut mid-sentence helps nobody)."""
    if end - start <= max_chars:
        return [(start, end)]
    cuts = [start] + [m.end() for m in _SENTENCE_END.finditer(text, start, end)] + [end]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for prev_cut, cut in zip(cuts, cuts[1:]):
        if cut - piece_start > max_chars and prev_cut > piece_start:
            pieces.append((piece_start, prev_cut))
            piece_start = prev_cut
    pieces.append((piece_start, end))
    return [(s, s + len(text[s:e].rstrip())) for s, e in pieces]


def chunk_document(doc: Document, settings: ChunkerSettings | None = None) -> list[Chunk]:
    settings = settings or ChunkerSettings()
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for block in _merge(_blocks(doc.text), settings):
        for start, end in _split_long(doc.text, block.start, block.end, settings.max_chars):
            body = doc.text[start:end]
            digest = hashlib.sha1(f"{doc.id}\0{body}".encode()).hexdigest()[:12]
            seen[digest] = seen.get(digest, 0) + 1
            suffix = "" if seen[digest] == 1 else f"-{seen[digest]}"
            chunks.append(
                Chunk(
                    id=f"{doc.id}:{digest}{suffix}",
                    doc_id=doc.id,
                    title=doc.title,
                    language=doc.language,
                    heading=" > ".join(block.heading),
                    text=body,
                    start_index=start,
                    end_index=end,
                )
            )
    return chunks


def chunk_corpus(docs: list[Document], settings: ChunkerSettings | None = None) -> list[Chunk]:
    return [chunk for doc in docs for chunk in chunk_document(doc, settings)]
