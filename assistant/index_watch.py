"""A running server picks up a new index build without a restart.

A build is written to its own folder and published by swapping the
`index/current` symlink (assistant/index.py). Every few seconds the holder
looks where the symlink points; when it points at a new build, it loads that
build in full, and only then replaces the retriever it hands out. A request
that already holds the old retriever finishes on it (nothing is closed or
mutated), and a build that cannot be loaded, or does not match the corpus on
disk yet, is logged and the current one keeps serving.

With several replicas, each one swaps on its own schedule when it sees the
symlink change on the storage they share (or its own copy of index/).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError

log = logging.getLogger("assistant.index")


class RetrieverHolder:
    """Hands out the retriever of the current build; swaps atomically when a newer build appears."""

    def __init__(self, index_dir: Path, load: Callable[[bool], Any], interval_seconds: float = 2.0) -> None:
        """`load(first)` returns a retriever of the current build; `first` says whether it may
        build a missing index (a later swap only ever loads what another process built)."""
        self.index_dir = Path(index_dir)
        self._load = load
        self.interval = interval_seconds
        self._retriever: Any = None
        self._target: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.swaps = 0

    def _current_target(self) -> str | None:
        try:
            return os.path.realpath(self.index_dir / "current")
        except OSError:
            return None

    def get(self) -> Any:
        retriever = self._retriever
        if retriever is None:
            with self._lock:
                if self._retriever is None:
                    self._retriever = self._load(True)
                    self._target = self._current_target()
                    self._checked = time.monotonic()
                return self._retriever
        if self.interval > 0 and time.monotonic() - self._checked >= self.interval:
            self._maybe_swap()
        return self._retriever

    def _maybe_swap(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another request is checking or loading; keep serving the current build
        try:
            self._checked = time.monotonic()
            target = self._current_target()
            if target is None or target == self._target or not (Path(target) / "manifest.json").is_file():
                return
            try:
                fresh = self._load(False)
            except AssistantError as exc:
                log.warning("a new index build appeared at %s but cannot be used yet: %s", target, exc.message)
                self._target = target  # don't retry the same broken build every few seconds
                return
            self._retriever, self._target = fresh, target
            self.swaps += 1
            log.info("switched to the new index build %s", Path(target).name)
        finally:
            self._lock.release()

    @property
    def loaded(self) -> bool:
        return self._retriever is not None

    @classmethod
    def fixed(cls, retriever: Any) -> RetrieverHolder:
        """A holder that always hands out `retriever` (given by a test or the eval harness)."""
        holder = cls(Path("."), lambda first: retriever, interval_seconds=0)
        holder._retriever = retriever
        return holder
