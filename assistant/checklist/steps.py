"""Checklist steps as data (`steps.yaml`), validated at load.

Every text exists in all five languages; every citation resolves to a verbatim
passage of the corpus (checked against the loaded articles, so a corpus edit
that breaks a quote fails loudly instead of citing nothing).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.corpus import LANGUAGES, corpus_by_id
from assistant.errors import CorpusError
from assistant.yaml_io import load_yaml

STEPS_PATH = Path(__file__).with_name("steps.yaml")
AnswerType = Literal["text", "choice", "multi_choice", "number", "yes_no"]


def _five(value: dict[str, str]) -> dict[str, str]:
    missing = [lang for lang in LANGUAGES if not (value.get(lang) or "").strip()]
    if missing:
        raise ValueError(f"missing language(s): {', '.join(missing)}")
    return value


class Localized(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChoiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: dict[str, str]

    _labels = field_validator("label")(classmethod(lambda cls, v: _five(v)))


class QuestionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: AnswerType
    required: bool = False
    text: dict[str, str]
    example: dict[str, str]
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    choices: list[ChoiceSpec] = []

    _texts = field_validator("text", "example")(classmethod(lambda cls, v: _five(v)))

    @model_validator(mode="after")
    def _shape(self) -> "QuestionSpec":
        if self.type == "number" and (self.unit is None or self.min is None or self.max is None):
            raise ValueError(f"number question '{self.id}' needs unit, min and max")
        if self.type in ("choice", "multi_choice") and not self.choices:
            raise ValueError(f"choice question '{self.id}' needs choices")
        return self

    def choice(self, choice_id: str) -> ChoiceSpec | None:
        return next((c for c in self.choices if c.id == choice_id), None)


class StepCitation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str
    quote: str


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: dict[str, str]
    why: dict[str, str]
    citations: list[StepCitation] = Field(min_length=1)
    questions: list[QuestionSpec] = Field(min_length=1)

    _texts = field_validator("title", "why")(classmethod(lambda cls, v: _five(v)))


class ChecklistSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    steps: list[StepSpec]

    def step(self, step_id: str) -> StepSpec | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def question(self, question_id: str) -> tuple[StepSpec, QuestionSpec] | None:
        for step in self.steps:
            for q in step.questions:
                if q.id == question_id:
                    return step, q
        return None


def parse_steps(path: Path = STEPS_PATH, corpus_dir: Path | None = None) -> ChecklistSpec:
    try:
        spec = ChecklistSpec.model_validate(load_yaml(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path.name}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CorpusError(f"{path.name}: field '{'.'.join(map(str, err['loc']))}': {err['msg']}") from exc
    ids = [q.id for s in spec.steps for q in s.questions]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise CorpusError(f"{path.name}: duplicate question id(s): {', '.join(sorted(duplicates))}")
    docs = corpus_by_id(corpus_dir)
    for step in spec.steps:
        for citation in step.citations:
            doc = docs.get(citation.doc_id)
            if doc is None or citation.quote not in doc.text:
                raise CorpusError(
                    f"{path.name}: step '{step.id}': citation not found verbatim in {citation.doc_id}.md: "
                    f"{citation.quote[:60]!r}"
                )
    return spec


@lru_cache(maxsize=4)
def load_steps(corpus_dir: Path | None = None) -> ChecklistSpec:
    """The checklist, its citations checked against `corpus_dir` (default: the configured corpus)."""
    return parse_steps(corpus_dir=corpus_dir)
