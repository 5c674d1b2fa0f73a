"""`assistant notes draft` / `accept`: notes for a new article, drafted by the configured model.

A note is the cross-lingual bridge for one passage (assistant/notes.py): a
verbatim quote, a summary in all five languages and the questions users ask
in each. With `ASSISTANT_LLM` set, the model drafts one note per chunk of the
article; every draft is checked against the schema and its quote must occur
verbatim in the article, or the draft is dropped and reported (a model that
invents a quote cannot smuggle it into the corpus). The survivors are written
to `corpus/<id>.notes.draft.yaml` for a person to review; `accept` validates
that file against the article and moves it to `corpus/<id>.notes.yaml`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.chunking import ChunkerSettings, chunk_corpus
from assistant.corpus import LANGUAGES, Document, corpus_by_id
from assistant.errors import AssistantError, CorpusError, NotFound
from assistant.notes import Note, notes_path, parse_notes
from assistant.yaml_io import load_yaml

DRAFT_SUFFIX = ".notes.draft.yaml"
SCHEMA_HELP = ("notes are YAML in corpus/<id>.notes.yaml: doc_id, then notes with id, quote (verbatim from the "
               "article), summary (sv, fi, da, nb, en) and questions (a list per language); see "
               "assistant/notes.py and any corpus/*.notes.yaml for an example")

PROMPT = """\
You write retrieval notes for one passage of an article about outsourcing customer service.
Return only a JSON object, no prose, with exactly these keys:
  "quote": one or two sentences copied character for character from the passage (no changes at all),
  "summary": {{"sv": ..., "fi": ..., "da": ..., "nb": ..., "en": ...}} what the passage says, one or two
             sentences in each language (Swedish, Finnish, Danish, Norwegian Bokmål, English),
  "questions": {{"sv": [...], "fi": [...], "da": [...], "nb": [...], "en": [...]}} four questions per
             language that a reader could ask and this passage answers, phrased as people write in chat.
State nothing the passage does not say.

Article: {title} (language: {language})
Passage:
<passage>
{passage}
</passage>"""


@dataclass
class Draft:
    doc_id: str
    notes: list[Note] = field(default_factory=list)
    #: (chunk number, why the draft for it was dropped)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    path: Path | None = None


def draft_path(corpus_dir: Path, doc_id: str) -> Path:
    return corpus_dir / f"{doc_id}{DRAFT_SUFFIX}"


def draft_notes(corpus_dir: Path, doc_id: str, model: Any, *, model_name: str = "the configured model") -> Draft:
    """Ask `model` (a LangChain chat model) for a note per chunk; write the checked drafts."""
    docs = corpus_by_id(corpus_dir)
    doc = docs.get(doc_id)
    if doc is None:
        raise NotFound(f"no article '{doc_id}' in {corpus_dir} (add it first with `assistant corpus add`)")
    existing = {n.id for path in corpus_dir.glob("*.notes.yaml") for n in _note_ids(path)}
    draft = Draft(doc_id)
    chunks = [c for c in chunk_corpus([doc], ChunkerSettings())]
    for number, chunk in enumerate(chunks, 1):
        try:
            reply = model.invoke(PROMPT.format(title=doc.title, language=doc.language, passage=chunk.text))
        except Exception as exc:  # a provider error fails this chunk, not the whole draft
            draft.rejected.append((number, f"the model did not answer ({type(exc).__name__})"))
            continue
        note_id = _unique_id(f"{doc_id}-{number}", existing)
        note, problem = check_draft(_content(reply), doc, note_id)
        if note is None:
            draft.rejected.append((number, problem))
            continue
        existing.add(note.id)
        draft.notes.append(note)
    if draft.notes:
        draft.path = _write_draft(corpus_dir, doc, draft.notes, model_name)
    return draft


def check_draft(text: str, doc: Document, note_id: str) -> tuple[Note | None, str]:
    """The note a model's reply describes, or None and the reason it is refused."""
    payload = _json_object(text)
    if payload is None:
        return None, "the reply is not a JSON object"
    payload.pop("id", None)
    try:
        note = Note.model_validate({**payload, "id": note_id, "doc_id": doc.id})
    except ValidationError as exc:
        err = exc.errors()[0]
        return None, f"field '{'.'.join(map(str, err['loc']))}': {err['msg']}"
    if doc.text.find(note.quote) < 0:
        return None, f"its quote is not in the article verbatim: {note.quote[:70]!r}"
    return note, ""


def accept_notes(corpus_dir: Path, doc_id: str, *, replace: bool = False) -> list[Note]:
    """Validate the reviewed draft and move it to `corpus/<id>.notes.yaml`."""
    docs = corpus_by_id(corpus_dir)
    doc = docs.get(doc_id)
    if doc is None:
        raise NotFound(f"no article '{doc_id}' in {corpus_dir}")
    source = draft_path(corpus_dir, doc_id)
    if not source.is_file():
        raise NotFound(f"no draft {source.name} to accept (write one with `assistant notes draft {doc_id}`)")
    target = notes_path(corpus_dir, doc_id)
    if target.exists() and not replace:
        raise CorpusError(f"{target.name} exists already; accept with --replace to overwrite it")
    notes = parse_notes(source, doc)  # names the note and field of any problem
    if not notes:
        raise CorpusError(f"{source.name}: has no notes")
    taken = {n.id for path in corpus_dir.glob("*.notes.yaml") if path != target for n in _note_ids(path)}
    clash = sorted(n.id for n in notes if n.id in taken)
    if clash:
        raise CorpusError(f"{source.name}: note id(s) {', '.join(clash)} already used by another article's notes")
    os.replace(source, target)
    return notes


def _note_ids(path: Path) -> list[Note]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        return [Note.model_construct(id=n.get("id")) for n in data.get("notes", []) if isinstance(n, dict)]
    except (OSError, yaml.YAMLError, AttributeError):
        return []


def _unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _content(reply: Any) -> str:
    content = getattr(reply, "content", reply)
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def _json_object(text: str) -> dict[str, Any] | None:
    text = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", text.strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(text[start:end + 1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _write_draft(corpus_dir: Path, doc: Document, notes: list[Note], model_name: str) -> Path:
    path = draft_path(corpus_dir, doc.id)
    body = {"doc_id": doc.id, "notes": [
        {"id": n.id, "quote": n.quote, "summary": {lang: n.summary[lang] for lang in LANGUAGES},
         "questions": {lang: list(n.questions[lang]) for lang in LANGUAGES}} for n in notes]}
    header = (f"# Draft notes for {doc.id}, written by {model_name} on "
              f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.\n"
              f"# Every quote was checked verbatim against the article; read every summary and question,\n"
              f"# fix what is wrong, then run: assistant notes accept {doc.id}\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8")
    os.replace(tmp, path)
    return path


class NotesNeedAModel(AssistantError):
    code = "llm_not_configured"

    def __init__(self) -> None:
        super().__init__("no language model is configured (ASSISTANT_LLM is unset), so notes must be written by "
                         f"hand: {SCHEMA_HELP}")
