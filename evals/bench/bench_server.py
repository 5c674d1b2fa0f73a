"""End-to-end server benchmark: prints figures, asserts nothing (not run by pytest).

    .venv/bin/python evals/bench/bench_server.py            # full run, ~5-10 min on 2 cores
    .venv/bin/python evals/bench/bench_server.py --quick    # ~2-3 min
    .venv/bin/python evals/bench/bench_server.py --help

For a live server on loopback (real `assistant serve` processes, i.e. uvicorn
with the app factory, SQLite in a temp folder, rate limit off, offline answers,
the index already built) with 1 and 2 uvicorn workers:

* latency of `POST /v1/sessions/{id}/messages` (p50/p95/p99), requests per second
  and errors at 1, 8 and 32 concurrent clients; the messages are the questions
  of evals/datasets/retrieval.jsonl, each client starting a new session every
  10 messages;
* cold start: process start -> first successful answer (index already built);
* RSS of the server: the uvicorn process plus all its children (workers).

The server's query-embedding cache is off (ASSISTANT_QUERY_CACHE_SIZE=0) unless
--query-cache: the bench asks its 112 questions over and over, which a cache
would turn into lookups.

In the same run, the same questions through a plain LangChain pipeline
(sentence-transformers all-MiniLM-L6-v2 from the bundled package via
langchain_huggingface.HuggingFaceEmbeddings + langchain_community FAISS, dense
only, as in evals/bench/bench_retrieval.py), in its own process, side by side with this
system's retrieval through the live server's GET /v1/search: Recall@5 / MRR@10
(evals/retrieval.py), latency, cold start and RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx

from evals.latency import percentile
from evals.loopback import clean_env, free_port, prepare_index, stop_process_group
from evals.retrieval import load_retrieval_dataset, run_retrieval, summarise

PYTHON = sys.executable
QUESTION = "How do I choose an outsourcing partner?"
SESSION_LENGTH = 10


# --------------------------------------------------------------------------- helpers


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value * 1000:.0f} ms"


def descendants(pid: int) -> list[int]:
    """pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def rss_mb(pid: int) -> tuple[float, int]:
    """Resident set size of a process tree in MB (psutil if installed, else /proc VmRSS), and its size."""
    try:
        import psutil

        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 2**20, len(procs)
    except ImportError:
        pass
    total, count = 0, 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        count += 1
        except OSError:
            continue
    return total / 1024, count


class Server:
    def __init__(self, workdir: Path, index_dir: Path, workers: int, query_cache: bool = False,
                 embedding_threads: int | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = clean_env(ASSISTANT_INDEX_DIR=str(index_dir), ASSISTANT_AUTO_REBUILD_INDEX="false",
                             ASSISTANT_RATE_LIMIT_PER_MINUTE="0",
                             ASSISTANT_DATABASE_URL=f"sqlite:///{workdir / f'bench-{self.port}.db'}",
                             # Off by default: the bench repeats its 112 questions, real users rarely do.
                             **({} if query_cache else {"ASSISTANT_QUERY_CACHE_SIZE": "0"}),
                             **({} if embedding_threads is None
                                else {"ASSISTANT_EMBEDDING_THREADS": str(embedding_threads)}))
        self.log = workdir / f"server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and wait for the first successful answer; returns the cold-start seconds."""
        cmd = [PYTHON, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            started = time.perf_counter()
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = started + 300
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited ({self.proc.returncode}); see {self.log}")
                try:
                    created = client.post("/v1/sessions", json={})
                    if created.status_code == 201:
                        body = created.json()
                        r = client.post(f"/v1/sessions/{body['id']}/messages", json={"message": QUESTION},
                                        headers={"Authorization": f"Bearer {body['token']}"})
                        if r.status_code == 200:
                            return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise RuntimeError(f"no answer within 300 s; see {self.log}")

    def wait_all_workers(self) -> None:
        """With several workers the first answer came from one of them: wait until
        /readyz is 200 many times in a row (new connections spread over the workers)."""
        streak, deadline = 0, time.monotonic() + 300
        while streak < 20 and time.monotonic() < deadline:
            try:
                ok = httpx.get(f"{self.base}/readyz", timeout=60).status_code == 200
            except httpx.HTTPError:
                ok = False
            streak = streak + 1 if ok else 0
            time.sleep(0.05)

    def rss(self) -> tuple[float, int]:
        assert self.proc is not None
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_group(self.proc)


# --------------------------------------------------------------------------- load


async def run_level(base: str, questions: list[str], clients: int, requests: int) -> dict[str, Any]:
    """`requests` messages from `clients` concurrent clients; each client sends one at a
    time and opens a new session every SESSION_LENGTH messages (creation not timed)."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        async def session() -> tuple[str, dict[str, str]]:
            r = await client.post("/v1/sessions", json={})
            r.raise_for_status()
            return r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}

        async def worker() -> None:
            sent = 0
            sid, headers = await session()
            for n in counter:
                if sent and sent % SESSION_LENGTH == 0:
                    sid, headers = await session()
                sent += 1
                t = time.perf_counter()
                try:
                    r = await client.post(f"/v1/sessions/{sid}/messages", json={"message": questions[n % len(questions)]},
                                          headers=headers)
                    statuses[r.status_code] += 1
                except httpx.HTTPError:
                    statuses[-1] += 1
                    continue
                latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    errors = sum(n for s, n in statuses.items() if s != 200)
    return {"clients": clients, "requests": requests, "errors": errors, "statuses": dict(statuses),
            "rps": requests / elapsed, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "elapsed": elapsed}


def http_retrieval(base: str, items: list[Any], texts: dict[str, str]) -> tuple[dict[str, Any], list[float]]:
    """This system's Recall@k through the live server's GET /v1/search, with latencies."""
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        def search(question: str, k: int, _language: str | None) -> tuple[list[dict[str, Any]], str]:
            t = time.perf_counter()
            r = client.get("/v1/search", params={"q": question, "k": k})
            latencies.append(time.perf_counter() - t)
            r.raise_for_status()
            body = r.json()
            return body["hits"], body["coverage"]

        return summarise(run_retrieval(items, search, texts)), latencies


# --------------------------------------------------------------------------- baseline (own process)


def baseline_worker() -> None:
    """Runs in a child process: build the plain LangChain pipeline, answer the first
    question (the parent times process start -> that line), then measure."""
    from assistant.corpus import corpus_by_id
    from evals.bench.bench_retrieval import baseline

    items = load_retrieval_dataset()
    questions = [i.question for i in items]
    search, build_seconds, _ = baseline(questions[:1])
    print(json.dumps({"event": "first_answer"}), flush=True)
    latencies = []
    for q in questions:
        t = time.perf_counter()
        search(q, 5, None)
        latencies.append(time.perf_counter() - t)
    texts = {d.id: d.text for d in corpus_by_id().values()}
    quality = summarise(run_retrieval(items, search, texts))
    rss, _ = rss_mb(os.getpid())
    print(json.dumps({"event": "done", "build_seconds": build_seconds, "latencies": latencies,
                      "quality": quality, "rss_mb": rss}), flush=True)


def run_baseline() -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.Popen([PYTHON, __file__, "--baseline-worker"], cwd=ROOT, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: dict[str, Any] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event["event"] == "first_answer":
            out["cold_start"] = time.perf_counter() - started
        elif event["event"] == "done":
            out.update(event)
    proc.wait(timeout=600)
    if proc.returncode != 0 or "quality" not in out:
        raise RuntimeError(f"the baseline failed:\n{proc.stderr.read()[-3000:] if proc.stderr else ''}")
    return out


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer requests, one cold start per config")
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts to compare (default 1,2)")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels (default 1,8,32)")
    parser.add_argument("--requests", type=int, default=0,
                        help="requests per level (default: 112 x clients/8, at least 112; quick: 48 + 4 x clients)")
    parser.add_argument("--cold-runs", type=int, default=None,
                        help="extra cold starts of a 1-worker server for the median (default 2; quick 0)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    parser.add_argument("--query-cache", action="store_true",
                        help="keep the server's query-embedding cache on (off by default: the questions repeat)")
    parser.add_argument("--embedding-threads", type=int, default=None,
                        help="ASSISTANT_EMBEDDING_THREADS for the servers (default: the product's default, all cores)")
    parser.add_argument("--baseline-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_worker:
        baseline_worker()
        return

    workers_list = [int(w) for w in args.workers.split(",")]
    levels = [int(c) for c in args.clients.split(",")]
    cold_runs = args.cold_runs if args.cold_runs is not None else (0 if args.quick else 2)

    def requests_for(clients: int) -> int:
        if args.requests:
            return args.requests
        return 48 + 4 * clients if args.quick else max(112, 112 * clients // 8)

    items = load_retrieval_dataset()
    questions = [i.question for i in items]
    from assistant.corpus import corpus_by_id

    texts = {d.id: d.text for d in corpus_by_id().values()}
    began = time.perf_counter()
    rows: list[dict[str, Any]] = []
    cold: dict[int, list[float]] = {}
    rss: dict[int, tuple[float, float, int]] = {}
    ours_quality: dict[str, Any] | None = None
    ours_search_latency: list[float] = []

    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        workdir = Path(tmp)
        print("preparing the index (copied when index/ is current, else built; not timed) ...", file=sys.stderr,
              flush=True)
        index_note = prepare_index(workdir / "index")
        print(f"bench_server: {os.cpu_count()} cores, index {index_note}, quick={args.quick}, "
              f"questions={len(questions)} (evals/datasets/retrieval.jsonl)", flush=True)

        for workers in workers_list:
            server = Server(workdir, workdir / "index", workers, args.query_cache, args.embedding_threads)
            try:
                cold.setdefault(workers, []).append(server.start())
                server.wait_all_workers()
                idle_rss, _ = server.rss()
                if workers == 1 and ours_quality is None:
                    ours_quality, ours_search_latency = http_retrieval(server.base, items, texts)
                asyncio.run(run_level(server.base, questions, min(4, max(levels)), 16 * workers))  # warm-up
                for clients in levels:
                    row = asyncio.run(run_level(server.base, questions, clients, requests_for(clients)))
                    row["workers"] = workers
                    rows.append(row)
                    print(f"  workers={workers} clients={clients:>2}: {row['requests']} requests, "
                          f"{row['rps']:.1f} req/s, p50 {ms(row['p50'])}, errors {row['errors']}", flush=True)
                loaded_rss, processes = server.rss()
                rss[workers] = (idle_rss, loaded_rss, processes)
            finally:
                server.stop()

        for _ in range(cold_runs):  # more cold starts of the first configuration, for a median
            server = Server(workdir, workdir / "index", workers_list[0], args.query_cache, args.embedding_threads)
            try:
                cold[workers_list[0]].append(server.start())
            finally:
                server.stop()

    base = None if args.no_baseline else run_baseline()

    # ----------------------------------------------------------------- report
    print()
    print("End-to-end POST /v1/sessions/{id}/messages on 127.0.0.1 (offline answers, SQLite, rate limit off, "
          f"query-embedding cache {'on' if args.query_cache else 'off'}, embedding threads "
          f"{args.embedding_threads if args.embedding_threads is not None else 'default'})")
    print(f"{'workers':>7} {'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50':>8} {'p95':>8} {'p99':>8}")
    for r in rows:
        print(f"{r['workers']:>7} {r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['rps']:>7.1f} "
              f"{ms(r['p50']):>8} {ms(r['p95']):>8} {ms(r['p99']):>8}")
    print()
    print("Cold start (process start -> first successful answer; index already built)")
    for workers, values in cold.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"  workers={workers}: median {statistics.median(values):.1f} s  (runs: {runs} s)")
    print("Server RSS (uvicorn process + children)")
    for workers, (idle, loaded, processes) in rss.items():
        print(f"  workers={workers}: {idle:.0f} MB ready, {loaded:.0f} MB after the load ({processes} processes)")

    if ours_quality is not None:
        print()
        print(f"Same {len(questions)} questions: this system (live server, GET /v1/search, hybrid) vs a plain "
              "LangChain pipeline (MiniLM + FAISS, dense only, in its own process)")
        first_level = next((r for r in rows if r["workers"] == 1 and r["clients"] == 1), None)
        o, q = ours_quality, base["quality"] if base else None
        col = lambda x: f"{x:<30}"
        print(f"{'':<40}{col('this system')}plain LangChain")
        table = [
            ("Recall@5 overall", f"{o['overall']['recall@5']:.3f}", q and f"{q['overall']['recall@5']:.3f}"),
            ("Recall@5 cross-lingual", f"{o['cross_lingual']['recall@5']:.3f}",
             q and f"{q['cross_lingual']['recall@5']:.3f}"),
            ("Recall@5 same language", f"{o['same_language']['recall@5']:.3f}",
             q and f"{q['same_language']['recall@5']:.3f}"),
            ("MRR@10 overall", f"{o['overall']['mrr@10']:.3f}", q and f"{q['overall']['mrr@10']:.3f}"),
            ("retrieval p50 / p95", (f"{ms(percentile(ours_search_latency, 50))} / "
                                     f"{ms(percentile(ours_search_latency, 95))} (HTTP)"),
             base and (f"{ms(percentile(base['latencies'], 50))} / {ms(percentile(base['latencies'], 95))} "
                       "(in-process)")),
            ("full chat answer p50 / p95 (1 client)",
             f"{ms(first_level['p50'])} / {ms(first_level['p95'])} (HTTP)" if first_level else "-",
             "- (retrieval only)"),
            ("cold start to first answer", f"{statistics.median(cold.get(1, [float('nan')])):.1f} s (index built)",
             base and f"{base['cold_start']:.1f} s (model load + embedding the corpus)"),
            ("RSS", f"{rss[1][1]:.0f} MB (1 worker)" if 1 in rss else "-", base and f"{base['rss_mb']:.0f} MB"),
        ]
        for label, ours, theirs in table:
            print(f"{label:<40}{col(ours)}{theirs or 'skipped'}")
    print(f"\n(total bench time {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
