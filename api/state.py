"""Process-wide resources the routes depend on, loaded once at start-up.

The index loads (or builds, on first run) in a background thread so the
server answers /healthz at once; /readyz and the routes that need the index
wait for it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, IndexUnavailable
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.engine import Assistant

log = logging.getLogger("api")


class AppState:
    def __init__(self, settings: Settings, engine: Assistant | None = None) -> None:
        self.settings = settings
        self._engine = engine
        self._error: AssistantError | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: Any = None
        if engine is not None and engine.retriever_loaded:
            self._ready.set()

    # -- the background worker: lead delivery and the retention purge --
    def start_background(self, extra_senders: dict[str, Any] | None = None) -> None:
        """Start this process's worker (one per process; safe with replicas, see assistant.leads)."""
        if self._worker is not None:
            return
        from assistant.leads.channels import senders

        self._worker = self.engine.background_worker(senders(self.settings, extra_senders))
        self._worker.start()

    def stop_background(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    @property
    def worker(self) -> Any:
        return self._worker

    def notify_worker(self, *_: Any) -> None:
        """A lead was queued: the worker delivers it now rather than at its next poll."""
        if self._worker is not None:
            self._worker.notify()

    @property
    def engine(self) -> Assistant:
        """The conversation engine (its session store works before the index is ready)."""
        if self._engine is None:
            from assistant.engine import Assistant

            self._engine = Assistant(self.settings)
        return self._engine

    def start_loading(self) -> None:
        if self._thread is None and not self._ready.is_set():
            self._thread = threading.Thread(target=self._load, name="index-loader", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            retriever = self.engine.retriever
            self.engine.warm_up()  # the first request's latency otherwise
            log.info("index ready: %s", retriever.index.manifest.get("counts"))
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
        return self._ready.is_set() and self._error is None

    @property
    def error(self) -> AssistantError | None:
        return self._error

    def ready_engine(self, timeout: float = 300.0) -> Assistant:
        """The engine once the index is loaded; raises the load error if any."""
        self.start_loading()
        if not self._ready.wait(timeout):
            raise IndexUnavailable("the index is still being built; try again shortly")
        if self._error is not None:
            raise self._error
        return self.engine
