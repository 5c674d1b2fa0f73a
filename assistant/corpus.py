"""Load and validate the cleaned corpus: `corpus/<id>.md` with YAML front matter.

An article is a Markdown file with front matter; `assistant corpus add` writes one
from a Markdown, text or HTML file (assistant/corpus_add.py). The rest of the
program only reads this folder.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import CorpusError
from assistant.yaml_io import load_yaml

LANGUAGES: tuple[str, ...] = ("sv", "fi", "da", "nb", "en")
ARTICLE_LANGUAGES: tuple[str, ...] = ("sv", "fi", "da", "nb", "en")

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n\n?", re.DOTALL)
_ID = r"^[a-z0-9][a-z0-9-]{1,80}$"
_HEADING_LINE = re.compile(r"^(#{1,6})\s+(.+)$", re.MULTILINE)


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    language: str = Field(pattern=r"^(sv|fi|da|nb|en)$")
    publisher: str | None = None
    seed: str = Field(min_length=1)


class Document(BaseModel):
    """One cleaned article. `text` is the Markdown body after the front matter;
    every `start_index`/`end_index` in the system is an offset into it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    language: str
    publisher: str | None
    seed: str
    text: str
    path: str

    def quote(self, start: int, end: int) -> str:
        return self.text[start:end]

    def heading_at(self, offset: int) -> str:
        """The heading path (below the article title) in force at `offset`."""
        headings: list[tuple[int, str]] = []
        for match in _HEADING_LINE.finditer(self.text, 0, max(0, offset)):
            level = len(match.group(1))
            headings = [h for h in headings if h[0] < level] + [(level, match.group(2).strip())]
        return " > ".join(h for level, h in headings if level > 1)


def default_corpus_dir() -> Path:
    from assistant.settings import get_settings

    return get_settings().corpus_dir


def parse_document(path: Path) -> Document:
    """Parse one article file; errors name the file and the field."""
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise CorpusError(f"{path.name}: missing YAML front matter (the file must start with '---')")
    try:
        meta = load_yaml(match.group(1))
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path.name}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise CorpusError(f"{path.name}: front matter must be a mapping of fields")
    try:
        front = FrontMatter.model_validate(meta)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "front matter"
        raise CorpusError(f"{path.name}: field '{field}': {err['msg']}") from exc
    if front.id != path.stem:
        raise CorpusError(f"{path.name}: field 'id': '{front.id}' must equal the file name '{path.stem}'")
    text = raw[match.end():]
    if not text.strip():
        raise CorpusError(f"{path.name}: the article body is empty")
    return Document(
        id=front.id,
        title=front.title,
        language=front.language,
        publisher=front.publisher,
        seed=front.seed,
        text=text,
        path=str(path),
    )


def load_corpus(corpus_dir: Path | str | None = None) -> list[Document]:
    """Every article in `corpus_dir` (default: settings), sorted by id."""
    directory = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
    return list(_load_cached(directory.resolve(), _dir_signature(directory)))


def _dir_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    if not directory.is_dir():
        raise CorpusError(f"corpus folder not found: {directory}")
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.iterdir()) if p.is_file()
    )


@lru_cache(maxsize=8)
def _load_cached(directory: Path, _signature: tuple) -> tuple[Document, ...]:
    docs = [parse_document(p) for p in sorted(directory.glob("*.md")) if not p.name.startswith("README")]
    if not docs:
        raise CorpusError(f"no articles (*.md) in {directory}")
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            raise CorpusError(f"{doc.id}.md: field 'id': duplicate id")
        seen.add(doc.id)
    return tuple(docs)


def corpus_by_id(corpus_dir: Path | str | None = None) -> dict[str, Document]:
    return {doc.id: doc for doc in load_corpus(corpus_dir)}


#: Files in corpus/ that the index does not depend on: note drafts awaiting review, and the
#: glossary (read at query time, so editing it needs a restart, not a rebuild).
NOT_INDEXED = (".notes.draft.yaml", "glossary.yaml")


def corpus_hash(corpus_dir: Path | str | None = None) -> str:
    """Content hash of every file the index depends on (articles and notes)."""
    directory = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
    digest = hashlib.sha256()
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix in {".md", ".yaml", ".yml"} and not path.name.endswith(NOT_INDEXED):
            digest.update(path.name.encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()
