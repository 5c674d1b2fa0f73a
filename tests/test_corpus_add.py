"""`assistant corpus add` and `assistant notes draft` / `accept`, end to end through the CLI.

A sixth article is added from a plain-text file: it is cleaned into
corpus/<id>.md, the index is rebuilt embedding only its passages, and a
question in its own language finds it at once. Notes drafted by a model (the
loopback OpenAI-compatible test server, through the real client) are checked
verbatim, a draft with an invented quote is dropped and reported, and once the
notes are accepted a question in another language finds the article too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.corpus_add import add_article, html_to_markdown
from assistant.errors import CorpusError, InvalidInput
from tests.conftest import CORPUS
from tests.fakes.openai_server import Script, Text, run_fake_openai

pytestmark = pytest.mark.slow

ARTICLE = Path(__file__).parent / "data" / "chat-support-article.txt"
NEW_ID = "en-chat-support-in-practice"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)


def search(env: dict[str, str], question: str) -> dict:
    done = cli(env, "ask", question, "--json", "--k", "5")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def workspace(tmp_path: Path, retriever) -> dict[str, str]:
    """A copy of the corpus and of the built index (so the rebuild reuses its vectors)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    shutil.copytree(retriever.index.path.parent, index, symlinks=True)
    return {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_LLM": ""}


def note_json(quote: str, topic_sv: str) -> str:
    langs = ("sv", "fi", "da", "nb", "en")
    summary = {lang: f"{topic_sv} ({lang})" for lang in langs}
    summary["en"] = quote
    questions = {lang: [f"{topic_sv}?"] for lang in langs}
    return json.dumps({"quote": quote, "summary": summary, "questions": questions}, ensure_ascii=False)


def test_a_sixth_article_from_a_plain_file_is_found_at_once_and_across_languages_after_notes(workspace):
    added = cli(workspace, "corpus", "add", str(ARTICLE), "--language", "en", "--publisher", "Example Oy")
    assert added.returncode == 0, added.stderr
    assert f"added {NEW_ID} (en)" in added.stdout
    counts_line = next(line for line in added.stdout.splitlines() if "index rebuilt" in line)
    embedded = int(counts_line.split("embedded ")[1].split()[0])
    assert 0 < embedded <= 20  # only the new article's chunks and sentences were embedded
    text = (Path(workspace["ASSISTANT_CORPUS_DIR"]) / f"{NEW_ID}.md").read_text(encoding="utf-8")
    assert text.startswith("---\nid: en-chat-support-in-practice\n") and "publisher: Example Oy" in text

    same_language = search(workspace, "How many chat conversations can one agent handle at the same time?")
    assert same_language["hits"][0]["doc_id"] == NEW_ID

    swedish = "Hur många chattar kan en agent svara på samtidigt utan att kvaliteten sjunker?"
    from assistant.corpus import parse_document
    from assistant.chunking import ChunkerSettings, chunk_corpus

    doc = parse_document(Path(workspace["ASSISTANT_CORPUS_DIR"]) / f"{NEW_ID}.md")
    chunks = chunk_corpus([doc], ChunkerSettings())
    script = Script()
    for n, chunk in enumerate(chunks):
        first_sentence = chunk.text.split(". ")[0].lstrip("# ").split("\n")[-1]
        if n == 0:  # a model that invents its quote
            script.push(Text(note_json("Chat support always halves the cost of customer service.", "Chattens kostnad")))
        elif "parallel chats" in chunk.text or "two or three" in chunk.text:
            script.push(Text(note_json("An experienced agent can usually handle two or three chat conversations "
                                       "at the same time.", "Hur många chattar kan en agent hantera samtidigt")))
        else:
            script.push(Text("```json\n" + note_json(first_sentence, "Chatt i kundtjänst") + "\n```"))
    with run_fake_openai(script) as base_url:
        drafted = cli({**workspace, "ASSISTANT_LLM": "openai:test-model", "ASSISTANT_LLM_BASE_URL": base_url,
                       "ASSISTANT_LLM_API_KEY": "test"}, "notes", "draft", NEW_ID)
    assert drafted.returncode == 0, drafted.stderr
    assert "dropped the draft for passage 1: its quote is not in the article verbatim" in drafted.stdout
    draft = Path(workspace["ASSISTANT_CORPUS_DIR"]) / f"{NEW_ID}.notes.draft.yaml"
    assert draft.is_file() and "halves the cost" not in draft.read_text(encoding="utf-8")
    assert len(script.requests) == len(chunks)

    accepted = cli(workspace, "notes", "accept", NEW_ID)
    assert accepted.returncode == 0, accepted.stderr
    assert not draft.exists() and (Path(workspace["ASSISTANT_CORPUS_DIR"]) / f"{NEW_ID}.notes.yaml").is_file()
    after = search(workspace, swedish)
    assert NEW_ID in [h["doc_id"] for h in after["hits"][:3]]


def test_notes_draft_without_a_model_says_notes_are_written_by_hand(workspace):
    done = cli(workspace, "notes", "draft", "sv-outsourcing-beslut")
    assert done.returncode == 2
    assert "ASSISTANT_LLM is unset" in done.stderr and "notes.yaml" in done.stderr


@pytest.mark.parametrize("content, language, problem", [
    (b"hello", "de", "unknown language 'de'"),
    (b"   \n\n  ", "en", "no text left after cleaning"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "en", "a binary file"),
])
def test_bad_input_is_refused_by_name_and_changes_nothing(tmp_path, corpus_copy, content, language, problem):
    before = sorted((p.name, p.read_bytes()) for p in corpus_copy.iterdir())
    source = tmp_path / "input.txt"
    source.write_bytes(content)
    with pytest.raises((CorpusError, InvalidInput), match=problem):
        add_article(source, corpus_copy, language=language)
    assert sorted((p.name, p.read_bytes()) for p in corpus_copy.iterdir()) == before


def test_a_duplicate_id_or_text_is_refused_and_changes_nothing(tmp_path, corpus_copy):
    before = sorted((p.name, p.read_bytes()) for p in corpus_copy.iterdir())
    with pytest.raises(CorpusError, match="already in"):
        add_article(ARTICLE, corpus_copy, language="en", doc_id="sv-outsourcing-beslut")
    existing = corpus_copy / "fi-ei-pikavoittoja.md"
    body = existing.read_text(encoding="utf-8").split("---\n", 2)[2]
    copy = tmp_path / "copy.md"
    copy.write_text(body, encoding="utf-8")
    with pytest.raises(CorpusError, match="already in the corpus as 'fi-ei-pikavoittoja'"):
        add_article(copy, corpus_copy, language="fi", doc_id="fi-copy")
    assert sorted((p.name, p.read_bytes()) for p in corpus_copy.iterdir()) == before


def test_html_is_cleaned_like_the_seeds(tmp_path, corpus_copy):
    html = tmp_path / "page.html"
    html.write_text(
        "<html><head><title>Nearshoring guide</title><script>track()</script></head><body>"
        "<nav>Home | Blog</nav><h1>Nearshoring customer service</h1>"
        "<p>Nearshoring moves customer service to a nearby country with a similar time zone. KÃ¤yttÃ¤jÃ¤t "
        "ymmÃ¤rtÃ¤vÃ¤t.</p><ul><li>Shorter travel</li><li>Similar culture</li></ul>"
        "<p>Skriv et svar</p><footer>Copyright</footer></body></html>", encoding="utf-8")
    added = add_article(html, corpus_copy, language="en")
    text = added.document.text
    assert added.document.id == "en-nearshoring-customer-service"
    assert "# Nearshoring customer service" in text and "- Shorter travel\n- Similar culture" in text
    assert "Käyttäjät ymmärtävät" in text  # mojibake repaired
    for gone in ("track()", "Home | Blog", "Copyright", "Skriv et svar", "Ã"):
        assert gone not in text


def test_html_structure_becomes_markdown():
    markdown, title = html_to_markdown("<title>T</title><h2>Part</h2><p>One.</p><ol><li>a</li><li>b</li></ol>")
    assert title == "T" and markdown == "## Part\n\nOne.\n\n- a\n- b\n"
