"""Process-wide resources the routes depend on, loaded once at start-up.

The index loads (or builds, on first run) in a background thread so the
server answers /healthz at once; /readyz and the search routes wait for it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from assistant.errors import AssistantError, IndexUnavailable
from assistant.settings import Settings

log = logging.getLogger("api")


class AppState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._retriever: Any = None
        self._error: AssistantError | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start_loading(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="index-loader", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        from assistant.embeddings import get_embeddings
        from assistant.retrieval import load_retriever

        try:
            self._retriever = load_retriever(
                corpus_dir=self.settings.corpus_dir,
                index_dir=self.settings.index_dir,
                embeddings=get_embeddings(self.settings.embeddings),
                auto_rebuild=self.settings.auto_rebuild_index,
            )
            log.info("index ready: %s", self._retriever.index.manifest.get("counts"))
        except AssistantError as exc:
            self._error = exc
            log.error("index unavailable: %s", exc.message)
        except Exception as exc:  # keep serving health and errors; never crash the loader silently
            log.exception("index failed to load")
            self._error = IndexUnavailable(f"the index failed to load ({exc.__class__.__name__}); see the server log")
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._retriever is not None

    def retriever(self, timeout: float = 300.0) -> Any:
        """The retriever, waiting for the first load; raises the load error if any."""
        self.start_loading()
        if not self._ready.wait(timeout):
            raise IndexUnavailable("the index is still being built; try again shortly")
        if self._error is not None:
            raise self._error
        return self._retriever
