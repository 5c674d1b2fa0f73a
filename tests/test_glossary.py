"""The multilingual glossary: data validated at load, matched on word forms, expanded across languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.glossary import load_glossary, parse_glossary
from tests.conftest import CORPUS

ENTRY = """\
  - id: notice-period
    en: [notice period]
    sv: [uppsägningstid]
    fi: [irtisanomisaika]
    da: [opsigelsesperiode]
    nb: [oppsigelsestid]
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "glossary.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_corpus_glossary_holds_hundreds_of_concepts_in_five_languages() -> None:
    glossary = load_glossary(CORPUS)
    assert len(glossary) >= 300
    for concept in glossary.concepts:
        assert all(concept.terms(lang) for lang in ("sv", "fi", "da", "nb", "en"))


def test_inflected_forms_and_compounds_match_their_term(tmp_path: Path) -> None:
    glossary = parse_glossary(write(tmp_path, "version: 1\nterms:\n" + ENTRY))
    assert [m.concept.id for m in glossary.match("Hur lång är uppsägningstiden?", "sv")] == ["notice-period"]
    assert [m.concept.id for m in glossary.match("What notice periods are usual?", "en")] == ["notice-period"]
    assert glossary.match("Kuinka pitkä irtisanomisaikasopimus on?", "fi")  # a compound that starts with it
    assert not glossary.match("Hur lång är avtalstiden?", "sv")


def test_a_question_is_expanded_into_the_other_languages(tmp_path: Path) -> None:
    glossary = parse_glossary(write(tmp_path, "version: 1\nterms:\n" + ENTRY))
    expanded = glossary.expand("How long is the notice period?", "en")
    assert expanded == {"sv": "uppsägningstid", "fi": "irtisanomisaika", "da": "opsigelsesperiode",
                        "nb": "oppsigelsestid"}


@pytest.mark.parametrize("body, problem", [
    ("version: 1\nterms:\n  - id: x\n    en: [a]\n    sv: [b]\n    fi: [c]\n    da: [d]\n", "entry x field 'nb'"),
    ("version: 1\nterms:\n" + ENTRY + ENTRY, "entry notice-period: duplicate id"),
    ("version: 1\nterms:\n  - id: Bad Id\n    en: [a]\n    sv: [b]\n    fi: [c]\n    da: [d]\n    nb: [e]\n",
     "field 'id'"),
    ("version: 1\nterms: [\n", "not valid YAML"),
    ("version: 1\nterms:\n  - id: x\n    en: []\n    sv: [b]\n    fi: [c]\n    da: [d]\n    nb: [e]\n",
     "needs at least one term"),
])
def test_a_malformed_glossary_is_refused_naming_the_entry_and_field(tmp_path: Path, body: str, problem: str) -> None:
    with pytest.raises(CorpusError, match=problem.replace("(", r"\(")):
        parse_glossary(write(tmp_path, body))


def test_a_corpus_without_a_glossary_has_an_empty_one(tmp_path: Path) -> None:
    assert len(load_glossary(tmp_path)) == 0
