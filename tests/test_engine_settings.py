"""One settings path: an `Assistant` built with settings uses those settings all
the way down, never the environment's (`get_settings()`) or the default corpus."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from assistant.engine import Assistant
from assistant.settings import Settings
from tests.conftest import CORPUS


class GlobalSettingsRead(AssertionError):
    pass


def _refuse_global_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way library code could reach the environment's settings now fails the test."""
    import assistant.corpus
    import assistant.settings

    def refuse() -> Settings:
        raise GlobalSettingsRead("the global settings were read below an Assistant given its own")

    def no_default_corpus() -> Path:
        raise GlobalSettingsRead("the default corpus was used below an Assistant given its own")

    monkeypatch.setattr(assistant.settings, "get_settings", refuse)
    monkeypatch.setattr(assistant.corpus, "default_corpus_dir", no_default_corpus)
    for module in ("assistant.engine", "assistant.store.session_store", "assistant.documents.pdf", "assistant.documents.docx"):
        imported = __import__(module, fromlist=["get_settings"])
        if hasattr(imported, "get_settings"):
            monkeypatch.setattr(imported, "get_settings", refuse)


@pytest.fixture
def own_settings(tmp_path: Path, real_index_dir: Path, retriever) -> Settings:  # retriever: the index is built
    """Settings naming a corpus, an index and a database of their own (copies of the real ones)."""
    corpus = tmp_path / "own-corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "own-index"
    shutil.copytree(real_index_dir, index, symlinks=True)
    return Settings(corpus_dir=corpus, index_dir=index, database_url=f"sqlite:///{tmp_path / 'own.db'}",
                    auto_rebuild_index=False)


def test_an_assistant_given_settings_uses_their_corpus_index_and_database(own_settings, monkeypatch):
    _refuse_global_settings(monkeypatch)
    engine = Assistant(own_settings)

    answer = engine.reply("own", "Should we put an exit clause in the contract?")
    assert answer.covered and answer.citations
    assert Path(engine.retriever.index.path).resolve().is_relative_to(own_settings.index_dir.resolve())
    # the cited passage is quoted from the settings' corpus
    cited = answer.citations[0]
    text = (own_settings.corpus_dir / f"{cited.doc_id}.md").read_text(encoding="utf-8")
    assert cited.quote in text

    step = engine.reply("own", "start the checklist")
    assert step.intent == "checklist" and step.citations  # the step's advice, quoted from that corpus
    assert engine.brief("own")["sources"]
    assert engine.insights(since=timedelta(days=1)).sessions == 1
    assert engine.database_reachable() and Path(own_settings.database_url.removeprefix("sqlite:///")).exists()


def test_the_checklist_steps_are_checked_against_the_settings_corpus(own_settings, monkeypatch):
    """The steps' citations must be found in the corpus the assistant serves, not in the default one."""
    from assistant.errors import CorpusError

    _refuse_global_settings(monkeypatch)
    article = own_settings.corpus_dir / "sv-outsourcing-beslut.md"
    quoted = "Identifierar en leverantörstyp som kan lösa problemet"  # a step's citation (checklist/steps.yaml)
    article.write_text(article.read_text(encoding="utf-8").replace(quoted, "Väljer en leverantör"), encoding="utf-8")
    with pytest.raises(CorpusError, match="citation not found verbatim"):
        Assistant(own_settings).flow  # noqa: B018 - building the engine loads the steps
