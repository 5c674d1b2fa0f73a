"""A running engine picks up a new index build without a restart."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from assistant.errors import IndexUnavailable
from assistant.index_watch import RetrieverHolder
from tests.conftest import CORPUS


def publish(index_dir: Path, name: str) -> None:
    build = index_dir / name
    build.mkdir(parents=True, exist_ok=True)
    (build / "manifest.json").write_text("{}", encoding="utf-8")
    link = index_dir / f".current-{name}"
    os.symlink(name, link)
    os.replace(link, index_dir / "current")


def test_a_new_build_replaces_the_retriever_and_the_old_one_stays_usable(tmp_path: Path) -> None:
    publish(tmp_path, "build-a")
    loads: list[bool] = []

    def load(first: bool) -> str:
        loads.append(first)
        return os.path.basename(os.path.realpath(tmp_path / "current"))

    holder = RetrieverHolder(tmp_path, load, interval_seconds=0.01)
    old = holder.get()
    assert old == "build-a" and loads == [True]
    publish(tmp_path, "build-b")
    time.sleep(0.02)
    assert holder.get() == "build-b" and holder.swaps == 1
    assert loads == [True, False]  # a swap never builds: it only loads what another process built
    assert old == "build-a"  # whoever held the old retriever keeps it


def test_a_build_that_cannot_be_loaded_leaves_the_current_one_serving(tmp_path: Path) -> None:
    publish(tmp_path, "build-a")

    def load(first: bool) -> str:
        if not first:
            raise IndexUnavailable("index file 'chunks.faiss' is damaged")
        return "A"

    holder = RetrieverHolder(tmp_path, load, interval_seconds=0.01)
    assert holder.get() == "A"
    publish(tmp_path, "build-b")
    time.sleep(0.02)
    assert holder.get() == "A" and holder.swaps == 0


@pytest.mark.slow
def test_messages_sent_while_a_new_article_is_indexed_are_answered_and_then_find_it(tmp_path, retriever) -> None:
    from assistant.corpus_add import add_article
    from assistant.engine import Assistant
    from assistant.index import build_index, vector_cache
    from assistant.store import SessionStore
    from assistant.settings import get_settings

    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(retriever.index.path.parent, index_dir, symlinks=True)
    url = f"sqlite:///{tmp_path}/sessions.db"
    settings = get_settings().model_copy(update={"corpus_dir": corpus, "index_dir": index_dir, "database_url": url,
                                                 "llm": None, "index_reload_seconds": 0.05})
    store = SessionStore(url)
    engine = Assistant(settings, store=store)
    first = engine.retriever
    add_article(Path(__file__).parent / "data" / "chat-support-article.txt", corpus, language="en")
    replies, errors = [], []
    stop = threading.Event()

    def chat() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                replies.append(engine.reply(f"s{n % 3}", "Should we start with a pilot project?"))
            except Exception as exc:  # noqa: BLE001 - the test reports any failure
                errors.append(exc)

    worker = threading.Thread(target=chat)
    worker.start()
    try:
        build_index(corpus, index_dir, retriever.embeddings, reuse=vector_cache(retriever.index))
        deadline = time.monotonic() + 30
        while engine.retriever is first and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join()
    try:
        assert not errors and len(replies) >= 2 and all(r.citations for r in replies)
        assert engine.retriever is not first
        result = engine.retriever.search("How many chats can one agent handle at the same time?")
        assert result.hits[0].metadata["doc_id"] == "en-chat-support-in-practice"
    finally:
        store.close()
