"""`assistant corpus add`: turn a Markdown, plain-text or HTML file into `corpus/<id>.md`.

The text goes through the same cleaning as the seed articles
(`assistant.cleaning`: mojibake repair, space normalisation, site boilerplate
and spam links); HTML is reduced to its article structure first (headings,
paragraphs, list items; scripts, navigation, headers, footers and forms
dropped). The file is written atomically and validated by the same loader
the index uses, and nothing already in `corpus/` is changed: an unknown
language, an empty text, a binary file or an id that exists is refused with a
message naming the problem.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

from assistant.cleaning import clean_text
from assistant.corpus import ARTICLE_LANGUAGES, Document, load_corpus, parse_document
from assistant.errors import CorpusError, InvalidInput

MAX_BYTES = 2_000_000
_MARKDOWN = {".md", ".markdown"}
_TEXT = {".txt", ".text"}
_HTML = {".html", ".htm", ".xhtml"}


@dataclass(frozen=True)
class AddedArticle:
    document: Document
    path: Path


def add_article(source: Path, corpus_dir: Path, *, language: str, title: str | None = None,
                publisher: str | None = None, doc_id: str | None = None) -> AddedArticle:
    """Write `source` into `corpus_dir` as a new article; raise CorpusError/InvalidInput on bad input."""
    if language not in ARTICLE_LANGUAGES:
        raise InvalidInput("language", f"unknown language {language!r} (use one of {', '.join(ARTICLE_LANGUAGES)})")
    raw = _read_text(source)
    kind = _kind(source, raw)
    html_title = None
    if kind == "html":
        raw, html_title = html_to_markdown(raw)
    body = clean_text(raw)
    if not re.search(r"\w{2,}", body):
        raise CorpusError(f"{source.name}: no text left after cleaning (the file is empty or only boilerplate)")
    heading = _first_heading(body)
    title = (title or heading or html_title or _first_line(body)).strip()
    if heading is None:
        body = f"# {title}\n\n{body}"
    doc_id = doc_id or article_id(language, title)
    existing = load_corpus(corpus_dir)
    if any(d.id == doc_id for d in existing) or (corpus_dir / f"{doc_id}.md").exists():
        raise CorpusError(f"an article with id '{doc_id}' is already in {corpus_dir} (choose another with --id)")
    same = next((d for d in existing if _normalised(d.text) == _normalised(body)), None)
    if same is not None:
        raise CorpusError(f"{source.name}: this text is already in the corpus as '{same.id}'")
    front = {"id": doc_id, "title": title, "language": language, "publisher": publisher, "seed": source.name}
    content = "---\n" + yaml.safe_dump({k: v for k, v in front.items() if v is not None}, allow_unicode=True,
                                       sort_keys=False) + "---\n\n" + body
    target = corpus_dir / f"{doc_id}.md"
    return AddedArticle(_write_validated(target, content), target)


def article_id(language: str, title: str) -> str:
    """`<language>-<title as a slug>`, e.g. "en-chat-support-guide"."""
    ascii_title = unicodedata.normalize("NFKD", title.replace("ø", "o").replace("Ø", "o").replace("æ", "ae")
                                        .replace("Æ", "ae").replace("ß", "ss")).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 48:
            break
        slug = f"{slug}-{word}" if slug else word
    return f"{language}-{slug or 'article'}"


def _read_text(source: Path) -> str:
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise CorpusError(f"{source}: is a folder, not a file") from None
    except OSError as exc:
        raise CorpusError(f"{source}: cannot be read ({exc.strerror})") from exc
    if len(data) > MAX_BYTES:
        raise CorpusError(f"{source.name}: {len(data):,} bytes is too large for one article (at most {MAX_BYTES:,})")
    if b"\x00" in data[:8192] or _looks_binary(data[:8192]):
        raise CorpusError(f"{source.name}: a binary file, not text (give a Markdown, plain-text or HTML file)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorpusError(f"{source.name}: not readable as UTF-8 or Windows-1252 text")


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control / len(head) > 0.05


def _kind(source: Path, raw: str) -> str:
    suffix = source.suffix.lower()
    if suffix in _HTML or (suffix not in _MARKDOWN | _TEXT and re.search(r"<(?:html|body|p|div)\b", raw, re.I)):
        return "html"
    if suffix in _MARKDOWN | _TEXT or not suffix:
        return "text"
    raise CorpusError(f"{source.name}: unsupported file type '{suffix}' (give .md, .txt or .html)")


def _first_heading(body: str) -> str | None:
    match = re.search(r"^#\s+(.+?)\s*$", body, re.MULTILINE)
    return match.group(1) if match else None


def _first_line(body: str) -> str:
    line = next(line for line in body.splitlines() if line.strip())
    return line.strip("#-* ")[:120]


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _write_validated(target: Path, content: str) -> Document:
    """Write `content` as `target`, atomically: it is first validated by the corpus loader
    under its final name in a staging folder, then hard-linked into place, which
    fails rather than overwrite a file that appeared meanwhile."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".add-"))
    try:
        candidate = staging / target.name
        candidate.write_text(content, encoding="utf-8")
        parse_document(candidate)
        try:
            os.link(candidate, target)
        except FileExistsError:
            raise CorpusError(f"an article with id '{target.stem}' appeared in {target.parent} meanwhile") from None
        return parse_document(target)
    finally:
        for leftover in staging.iterdir():
            leftover.unlink(missing_ok=True)
        staging.rmdir()


class _ArticleHTML(HTMLParser):
    """Headings, paragraphs and list items of an HTML page as Markdown lines."""

    _SKIP = {"script", "style", "nav", "header", "footer", "form", "aside", "noscript", "svg", "button", "template"}
    _BLOCKS = {"p", "div", "section", "article", "main", "br", "tr", "blockquote", "pre", "table", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.skip = 0
        self.title: str | None = None
        self._in_title = False

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(f"{self.prefix}{text}")
            if not self.prefix.startswith("- "):
                self.lines.append("")
        self.current, self.prefix = [], ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag == "title":
            self._in_title = True
        elif not self.skip and re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.prefix = "#" * int(tag[1]) + " "
        elif not self.skip and tag == "li":
            self._flush()
            self.prefix = "- "
        elif not self.skip and tag in self._BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self._in_title = False
        elif not self.skip and (re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCKS or tag == "li"):
            self._flush()
            if tag in ("ul", "ol"):
                self.lines.append("")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data
        elif not self.skip:
            self.current.append(data)


def html_to_markdown(html: str) -> tuple[str, str | None]:
    """The article text of an HTML page as Markdown, and its <title>."""
    parser = _ArticleHTML()
    parser.feed(html)
    parser.close()
    parser._flush()
    text = "\n".join(parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", (parser.title or "").strip() or None
