"""The multilingual domain glossary (`corpus/glossary.yaml`): a lexical bridge
between the five languages that needs no per-article work.

BM25 only matches words of one language, and the curated notes that carry a
question across languages exist only for annotated passages. The glossary
holds a few hundred concepts of customer-service outsourcing, each with its
terms in sv/fi/da/nb/en. A question is matched against the terms of its own
language (stemmed, so inflected forms match; in the Nordic languages a
compound that starts with a term matches it too: "kundtjänstleverantör"
contains "kundtjänst"), and the concepts it names are expanded into the other
languages, where BM25 scores each language's chunks with them. A new article
in the same domain is reachable from every language the day it is added.

The file is data: it is validated at load (every concept has all five
languages, ids are unique) and extended without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import CorpusError
from assistant.lexical import tokenize
from assistant.yaml_io import load_yaml

LANGUAGES = ("sv", "fi", "da", "nb", "en")
GLOSSARY_FILE = "glossary.yaml"
#: Shortest stem that may match the start of a compound word.
_MIN_COMPOUND_STEM = 5
_COMPOUNDING = frozenset({"sv", "fi", "da", "nb"})


class Concept(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    sv: list[str]
    fi: list[str]
    da: list[str]
    nb: list[str]
    en: list[str]

    @field_validator("sv", "fi", "da", "nb", "en")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        terms = [t.strip() for t in value if t and t.strip()]
        if not terms:
            raise ValueError("needs at least one term")
        return terms

    def terms(self, language: str) -> list[str]:
        return list(getattr(self, language))


class _GlossaryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=1)
    terms: list[Concept]


@dataclass(frozen=True)
class Match:
    concept: Concept
    term: str  # the term of the question's language that matched


class Glossary:
    """Concepts with their terms, and the stemmed forms used to match questions."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = concepts
        # per language: (stem tuple, concept index, term), longest terms first
        self._patterns: dict[str, list[tuple[tuple[str, ...], int, str]]] = {}
        for lang in LANGUAGES:
            patterns = []
            for n, concept in enumerate(concepts):
                for term in concept.terms(lang):
                    stems = tuple(tokenize(term, lang))
                    if stems:
                        patterns.append((stems, n, term))
            patterns.sort(key=lambda p: -len(p[0]))
            self._patterns[lang] = patterns
        self._widths = {lang: sorted({len(p[0]) for p in patterns}) for lang, patterns in self._patterns.items()}

    def __len__(self) -> int:
        return len(self.concepts)

    def match(self, text: str, language: str) -> list[Match]:
        """The concepts `text` (in `language`) names, each once, in order of appearance."""
        if language not in self._patterns:
            return []
        return list(self._match(text, language))

    @lru_cache(maxsize=2048)  # a question is matched for the notes, the bridge and coverage
    def _match(self, text: str, language: str) -> tuple[Match, ...]:
        tokens = tokenize(text, language)
        compounding = language in _COMPOUNDING
        # where each run of tokens first occurs, and (compounds) each token prefix: one
        # dictionary lookup per term instead of a scan of the question per term
        widths = self._widths[language]
        first_at: dict[tuple[str, ...], int] = {}
        for i in range(len(tokens)):
            for width in widths:
                if i + width <= len(tokens):
                    first_at.setdefault(tuple(tokens[i:i + width]), i)
        prefix_at: dict[str, int] = {}
        if compounding:
            for i, token in enumerate(tokens):
                for end in range(_MIN_COMPOUND_STEM, len(token)):
                    prefix_at.setdefault(token[:end], i)
        found: dict[int, tuple[int, str]] = {}
        for stems, n, term in self._patterns[language]:
            if n in found:
                continue
            at = first_at.get(stems)
            if at is None and compounding and len(stems) == 1 and len(stems[0]) >= _MIN_COMPOUND_STEM:
                at = prefix_at.get(stems[0])
            if at is not None:
                found[n] = (at, term)
        return tuple(Match(self.concepts[n], term) for n, (_, term) in sorted(found.items(), key=lambda kv: kv[1][0]))

    def expand(self, text: str, language: str) -> dict[str, str]:
        """`text`'s concepts written in each other language: {language: query text}."""
        matches = self.match(text, language)
        if not matches:
            return {}
        return {lang: " ".join(t for m in matches for t in m.concept.terms(lang)) for lang in LANGUAGES
                if lang != language}

    def stems(self, language: str) -> frozenset[str]:
        """Every stem of the glossary's terms in `language` (the domain's vocabulary)."""
        return frozenset(s for stems, _, _ in self._patterns.get(language, []) for s in stems)


def parse_glossary(path: Path) -> Glossary:
    """Read and validate a glossary file; errors name the file, entry and field."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
        data = _GlossaryFile.model_validate(raw)
    except OSError as exc:
        raise CorpusError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path.name}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        where = ".".join(map(str, loc))
        if len(loc) >= 2 and loc[0] == "terms" and isinstance(loc[1], int):
            entry = (raw or {}).get("terms", [])[loc[1]] if isinstance(raw, dict) else None
            label = entry.get("id") if isinstance(entry, dict) else None
            where = f"entry {label or '#' + str(loc[1])}" + (f" field '{'.'.join(map(str, loc[2:]))}'" if loc[2:] else "")
        raise CorpusError(f"{path.name}: {where}: {err['msg']}") from exc
    seen: set[str] = set()
    for concept in data.terms:
        if concept.id in seen:
            raise CorpusError(f"{path.name}: entry {concept.id}: duplicate id")
        seen.add(concept.id)
    return Glossary(data.terms)


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> Glossary:
    return parse_glossary(Path(path))


def load_glossary(corpus_dir: Path) -> Glossary:
    """The corpus's glossary (an empty one when the corpus has none)."""
    path = Path(corpus_dir) / GLOSSARY_FILE
    if not path.is_file():
        return Glossary([])
    return _cached(str(path), path.stat().st_mtime_ns)


_SPACE = re.compile(r"\s+")
