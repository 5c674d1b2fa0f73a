"""Curated multilingual notes: the cross-lingual bridge.

Each article may have `corpus/<id>.notes.yaml`: passages worth knowing, each with
the verbatim quote it rests on, a short summary in all five languages and the
questions users ask about it in each language. The index embeds summaries and
questions as extra vectors pointing at the chunk that holds the quote, so a
Finnish passage is found from an English question; the offline answerer reuses
the summaries to answer in the user's language.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.corpus import LANGUAGES, Document, load_corpus
from assistant.errors import CorpusError
from assistant.yaml_io import load_yaml


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,80}$")
    doc_id: str
    quote: str = Field(min_length=10)
    summary: dict[str, str]
    questions: dict[str, list[str]]
    start_index: int = -1
    end_index: int = -1

    @field_validator("summary")
    @classmethod
    def _every_summary_language(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [lang for lang in LANGUAGES if not (value.get(lang) or "").strip()]
        if missing:
            raise ValueError(f"missing summary language(s): {', '.join(missing)}")
        return value

    @field_validator("questions")
    @classmethod
    def _every_question_language(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [lang for lang in LANGUAGES if not [q for q in value.get(lang, []) if q.strip()]]
        if missing:
            raise ValueError(f"missing question language(s): {', '.join(missing)}")
        return value


class _NotesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_id: str
    notes: list[dict]


def notes_path(corpus_dir: Path, doc_id: str) -> Path:
    return corpus_dir / f"{doc_id}.notes.yaml"


def parse_notes(path: Path, doc: Document) -> list[Note]:
    """Validate one notes file against its article; errors name file, note and field."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
        data = _NotesFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path.name}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CorpusError(f"{path.name}: field '{'.'.join(map(str, err['loc']))}': {err['msg']}") from exc
    if data.doc_id != doc.id:
        raise CorpusError(f"{path.name}: field 'doc_id': '{data.doc_id}' does not match article '{doc.id}'")
    notes: list[Note] = []
    for i, item in enumerate(data.notes):
        label = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
        try:
            note = Note.model_validate({**item, "doc_id": doc.id})
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(map(str, err["loc"])) or "note"
            raise CorpusError(f"{path.name}: note '{label}': field '{field}': {err['msg']}") from exc
        start = doc.text.find(note.quote)
        if start < 0:
            raise CorpusError(f"{path.name}: note '{note.id}': field 'quote' is not found verbatim in {doc.id}.md")
        notes.append(note.model_copy(update={"start_index": start, "end_index": start + len(note.quote)}))
    return notes


def load_notes(corpus_dir: Path | str | None = None, docs: list[Document] | None = None) -> list[Note]:
    """All notes of all articles, validated; note ids are unique across the corpus."""
    from assistant.corpus import default_corpus_dir

    directory = Path(corpus_dir) if corpus_dir is not None else default_corpus_dir()
    docs = docs if docs is not None else load_corpus(directory)
    by_id = {doc.id: doc for doc in docs}
    notes: list[Note] = []
    for path in sorted(directory.glob("*.notes.yaml")):
        doc_id = path.name[: -len(".notes.yaml")]
        if doc_id not in by_id:
            raise CorpusError(f"{path.name}: no article '{doc_id}.md' for these notes")
        notes.extend(parse_notes(path, by_id[doc_id]))
    seen: set[str] = set()
    for note in notes:
        if note.id in seen:
            raise CorpusError(f"{note.doc_id}.notes.yaml: note '{note.id}': duplicate note id")
        seen.add(note.id)
    return notes
