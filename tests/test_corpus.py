"""The corpus loader: five validated articles, clear errors for broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.errors import CorpusError


def test_load_corpus_returns_the_five_articles_with_their_fields():
    docs = load_corpus()
    assert sorted(d.language for d in docs) == ["da", "fi", "nb", "sv", "sv"]
    for doc in docs:
        assert doc.id and doc.title and doc.text.strip() and doc.seed.endswith(".txt")
    assert {d.id: d.publisher for d in docs}["sv-upphandla-kundtjanst"] == "H1 Communication AB"


def test_a_sixth_article_needs_nothing_but_a_new_file(corpus_copy: Path):
    (corpus_copy / "en-new-article.md").write_text(
        "---\nid: en-new-article\ntitle: A new article\nlanguage: en\nseed: new.txt\n---\n\n# A new article\n\nBody text here.\n",
        encoding="utf-8",
    )
    assert "en-new-article" in {d.id for d in load_corpus(corpus_copy)}


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        ("id: broken\ntitle: T\nlanguage: de\nseed: s.txt", "broken.md: field 'language'"),
        ("id: broken\nlanguage: sv\nseed: s.txt", "broken.md: field 'title'"),
        ("id: other\ntitle: T\nlanguage: sv\nseed: s.txt", "broken.md: field 'id'"),
        ("id: broken\ntitle: [unclosed\nlanguage: sv", "broken.md: front matter is not valid YAML"),
        ("id: broken\ntitle: T\nlanguage: sv\nseed: s.txt\ncolour: red", "broken.md: field 'colour'"),
    ],
)
def test_broken_front_matter_names_the_file_and_the_field(corpus_copy: Path, front_matter: str, expected: str):
    (corpus_copy / "broken.md").write_text(f"---\n{front_matter}\n---\n\nBody.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=expected.replace("[", r"\[")):
        load_corpus(corpus_copy)


def test_a_file_without_front_matter_is_refused_by_name(corpus_copy: Path):
    (corpus_copy / "plain.md").write_text("Just text.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="plain.md: missing YAML front matter"):
        load_corpus(corpus_copy)


def test_a_missing_corpus_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="corpus folder not found"):
        load_corpus(tmp_path / "nowhere")
