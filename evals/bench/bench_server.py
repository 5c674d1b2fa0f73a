"""Server benchmark: this project's server next to the tutorial stack, as servers, in one run.
Prints figures and asserts nothing (not run by pytest).

    .venv/bin/python evals/bench/bench_server.py            # full run, ~6-10 min on 2 cores
    .venv/bin/python evals/bench/bench_server.py --quick    # ~3 min

Both run as real processes on loopback, one uvicorn worker each, the same
questions (evals/datasets/retrieval.jsonl, the dev split) in the same run:

* this project: `assistant serve` (offline answers, SQLite in a temp folder, rate
  limit off, query-embedding cache off: the bench repeats its questions, users
  rarely do), `POST /v1/sessions/{id}/messages`, a new session every 10 messages;
* the tutorial stack (evals/bench/tutorial_stack.py): LangChain FAISS +
  HuggingFaceEmbeddings (all-MiniLM-L6-v2 via sentence-transformers) behind
  FastAPI/uvicorn, dense only, `POST /chat`; its FAISS index is built and saved
  before the run, as ours is.

It prints cold start (process start -> first answer, index built, the project's
modules byte-compiled as an installed package's are), RSS ready and
after the load, latency and throughput at 1, 8 and 32 clients, retrieval quality
of both through their search endpoints, the model limit measured on the spot
(cores / one single-thread query embedding), a non-search turn's latency in
process, and an overload run (a small embedding queue at 32 clients: 503 with
Retry-After, nothing else 5xx). The last lines compare each figure with the
acceptance ratios of issue 16.
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
SERVE = [PYTHON, "-m", "cli", "serve"]
TUTORIAL = ROOT / "evals" / "bench" / "tutorial_stack.py"
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
    """A server process on loopback, timed from process start to its first answer."""

    kind = "ours"

    def __init__(self, workdir: Path, cmd: list[str], env: dict[str, str], name: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cmd = [*cmd, "--port", str(self.port)]
        self.env = env
        self.log = workdir / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def first_answer(self, client: httpx.Client) -> bool:
        raise NotImplementedError

    def start(self) -> float:
        """Start and wait for the first successful answer; returns the cold-start seconds."""
        with open(self.log, "ab") as log:
            started = time.perf_counter()
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = started + 300
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited ({self.proc.returncode}); see {self.log}")
                try:
                    if self.first_answer(client):
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise RuntimeError(f"no answer within 300 s; see {self.log}")

    def rss(self) -> float:
        assert self.proc is not None
        return rss_mb(self.proc.pid)[0]

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_group(self.proc)


class OurServer(Server):
    kind = "ours"

    def __init__(self, workdir: Path, index_dir: Path, **settings: str) -> None:
        env = clean_env(ASSISTANT_INDEX_DIR=str(index_dir), ASSISTANT_AUTO_REBUILD_INDEX="false",
                        ASSISTANT_RATE_LIMIT_PER_MINUTE="0", ASSISTANT_QUERY_CACHE_SIZE="0",
                        ASSISTANT_DATABASE_URL=f"sqlite:///{workdir / f'bench-{free_port()}.db'}", **settings)
        super().__init__(workdir, [*SERVE, "--host", "127.0.0.1", "--workers", "1"], env, "ours")

    def first_answer(self, client: httpx.Client) -> bool:
        created = client.post("/v1/sessions", json={})
        if created.status_code != 201:
            return False
        body = created.json()
        r = client.post(f"/v1/sessions/{body['id']}/messages", json={"message": QUESTION},
                        headers={"Authorization": f"Bearer {body['token']}"})
        return r.status_code == 200


class TutorialServer(Server):
    kind = "tutorial"

    def __init__(self, workdir: Path, index_dir: Path) -> None:
        super().__init__(workdir, [PYTHON, str(TUTORIAL), "serve", str(index_dir)], clean_env(), "tutorial")

    def first_answer(self, client: httpx.Client) -> bool:
        return client.post("/chat", json={"message": QUESTION}).status_code == 200


# --------------------------------------------------------------------------- load


async def run_level(server: Server, questions: list[str], clients: int, requests: int) -> dict[str, Any]:
    """`requests` messages from `clients` concurrent clients, each sending one at a time."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    retry_after = 0
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=server.base, timeout=120, limits=limits) as client:
        async def session() -> tuple[str, dict[str, str]]:
            r = await client.post("/v1/sessions", json={})
            r.raise_for_status()
            return r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}

        async def worker() -> None:
            nonlocal retry_after
            sent = 0
            sid, headers = await session() if server.kind == "ours" else ("", {})
            for n in counter:
                if server.kind == "ours" and sent and sent % SESSION_LENGTH == 0:
                    sid, headers = await session()
                sent += 1
                message = questions[n % len(questions)]
                t = time.perf_counter()
                try:
                    if server.kind == "ours":
                        r = await client.post(f"/v1/sessions/{sid}/messages", json={"message": message},
                                              headers=headers)
                    else:
                        r = await client.post("/chat", json={"message": message})
                    statuses[r.status_code] += 1
                    retry_after += r.status_code == 503 and "retry-after" in r.headers
                except httpx.HTTPError:
                    statuses[-1] += 1
                    continue
                if r.status_code == 200:
                    latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {"clients": clients, "requests": requests, "statuses": dict(statuses), "ok": ok,
            "server_errors": sum(n for s, n in statuses.items() if s >= 500 or s < 0),
            "retry_after": retry_after, "rps": ok / elapsed, "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95), "p99": percentile(latencies, 99)}


def http_quality(server: Server, items: list[Any], texts: dict[str, str]) -> dict[str, Any]:
    """Recall@k through the server's search endpoint."""
    with httpx.Client(base_url=server.base, timeout=60) as client:
        def search(question: str, k: int, _language: str | None) -> tuple[list[dict[str, Any]], str]:
            if server.kind == "ours":
                body = client.get("/v1/search", params={"q": question, "k": k}).raise_for_status().json()
                return body["hits"], body["coverage"]
            body = client.get("/search", params={"q": question, "k": k}).raise_for_status().json()
            return body["hits"], "covered"

        return summarise(run_retrieval(items, search, texts))


def measure(server: Server, questions: list[str], levels: list[int], requests_for: Any,
            items: list[Any] | None = None, texts: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"cold_start": server.start()}
    out["rss_ready"] = server.rss()
    if items is not None and texts is not None:
        out["quality"] = http_quality(server, items, texts)
    asyncio.run(run_level(server, questions, 2, 16))  # warm-up
    out["levels"] = {}
    for clients in levels:
        row = asyncio.run(run_level(server, questions, clients, requests_for(clients)))
        out["levels"][clients] = row
        row["rss_after"] = server.rss()  # issue 16 compares the RSS after the 8-client run
        print(f"  {server.kind:>8} clients={clients:>2}: {row['ok']}/{row['requests']} ok, {row['rps']:.1f} req/s, "
              f"p50 {ms(row['p50'])}, p95 {ms(row['p95'])}, statuses {row['statuses']}", file=sys.stderr, flush=True)
    out["rss_loaded"] = server.rss()
    return out


# --------------------------------------------------------------------------- in-process figures


def model_limit(questions: list[str]) -> dict[str, float]:
    """One query embedding with one thread and with every core (lone request), and the
    throughput limit the model sets: cores / single-thread time."""
    from assistant.embedding_executor import _openmp_setter, available_cores
    from assistant.embeddings import E5Embeddings

    model = E5Embeddings(cache_size=0)
    setter = _openmp_setter()
    cores = available_cores()
    sample = questions[:64]
    times: dict[int, float] = {}
    for threads in (1, cores):
        if setter is not None:
            setter(threads)
        model._model.query(sample[:4])  # warm
        started = time.perf_counter()
        for q in sample:
            model._model.query([q])
        times[threads] = (time.perf_counter() - started) / len(sample)
    return {"cores": cores, "single_thread": times[1], "all_cores": times[cores], "limit_rps": cores / times[1]}


def non_search_turns(index_dir: Path, workdir: Path) -> dict[str, float]:
    """p50 of turns that need no search (checklist answers, a tool value, a greeting), in process."""
    os.environ["ASSISTANT_INDEX_DIR"] = str(index_dir)
    os.environ["ASSISTANT_DATABASE_URL"] = f"sqlite:///{workdir / 'inprocess.db'}"
    os.environ["ASSISTANT_QUERY_CACHE_SIZE"] = "0"
    from assistant.engine import Assistant
    from assistant.settings import Settings

    engine = Assistant(Settings())
    engine.reply("warm", QUESTION)
    timings: list[float] = []
    for n in range(20):
        sid = f"turns-{n}"
        engine.reply(sid, "Start the checklist")
        for message in ("Our phone queues are too long in the evenings.", "next",
                        "Cut waiting time to under a minute.", "Hi!", "thanks"):
            started = time.perf_counter()
            engine.reply(sid, message)
            timings.append(time.perf_counter() - started)
        engine.reply(sid, "How many agents do we need for 300 calls per hour?")
        started = time.perf_counter()
        engine.reply(sid, "AHT is 4 minutes")
        timings.append(time.perf_counter() - started)
    return {"p50": percentile(timings, 50), "p95": percentile(timings, 95), "n": len(timings)}


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer requests, one cold start each")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels (default 1,8,32)")
    parser.add_argument("--requests", type=int, default=0,
                        help="requests per level (default: 112 x clients/8, at least 112; quick: 48 + 4 x clients)")
    parser.add_argument("--cold-runs", type=int, default=None, help="cold starts of each server (default 3; quick 1)")
    parser.add_argument("--no-tutorial", action="store_true", help="skip the tutorial stack")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]
    cold_runs = args.cold_runs if args.cold_runs is not None else (1 if args.quick else 3)

    def requests_for(clients: int) -> int:
        if args.requests:
            return args.requests
        return 48 + 4 * clients if args.quick else max(112, 112 * clients // 8)

    items = [i for i in load_retrieval_dataset()]
    questions = [i.question for i in items]
    from assistant.corpus import corpus_by_id

    texts = {d.id: d.text for d in corpus_by_id().values()}
    began = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        workdir = Path(tmp)
        print("preparing both indexes (not timed) ...", file=sys.stderr, flush=True)
        index_note = prepare_index(workdir / "index")
        # Byte-compiled first, as an installed package is: with PYTHONDONTWRITEBYTECODE set
        # (some shells and CI images), every cold start would otherwise compile ~90 modules.
        subprocess.run([PYTHON, "-m", "compileall", "-q", "assistant", "api", "cli", "evals"], cwd=ROOT,
                       check=False, capture_output=True)
        servers: dict[str, Any] = {"ours": lambda: OurServer(workdir, workdir / "index")}
        if not args.no_tutorial:
            subprocess.run([PYTHON, str(TUTORIAL), "build", str(workdir / "tutorial")], cwd=ROOT, env=clean_env(),
                           check=True, capture_output=True)
            servers["tutorial"] = lambda: TutorialServer(workdir, workdir / "tutorial")
        print(f"bench_server: {os.cpu_count()} cores, our index {index_note}, quick={args.quick}, "
              f"questions={len(questions)} (evals/datasets/retrieval.jsonl)", flush=True)
        for kind, make in servers.items():
            server = make()
            try:
                results[kind] = measure(server, questions, levels, requests_for, items, texts)
            finally:
                server.stop()
            colds = [results[kind]["cold_start"]]
            for _ in range(cold_runs - 1):
                again = make()
                try:
                    colds.append(again.start())
                finally:
                    again.stop()
            results[kind]["cold_starts"] = colds
        overload = OurServer(workdir, workdir / "index", ASSISTANT_EMBEDDING_QUEUE_SIZE="4")
        try:
            overload.start()
            overloaded = asyncio.run(run_level(overload, questions, 32, 256))
        finally:
            overload.stop()
        limit = model_limit(questions)
        turns = non_search_turns(workdir / "index", workdir)

    # ----------------------------------------------------------------- report
    ours, tut = results["ours"], results.get("tutorial")
    print()
    print("Same questions, one uvicorn worker each, in one run "
          f"({os.cpu_count()} cores; ours offline, SQLite, query cache off)")
    col = lambda x: f"{x:<30}"
    print(f"{'':<34}{col('this project')}tutorial stack")

    def row(label: str, f: Any) -> None:
        print(f"{label:<34}{col(f(ours))}{f(tut) if tut else 'skipped'}")

    row("cold start to first answer", lambda r: f"{statistics.median(r['cold_starts']):.1f} s "
        f"(runs {', '.join(f'{c:.1f}' for c in r['cold_starts'])})")
    row("RSS ready / after the load", lambda r: f"{r['rss_ready']:.0f} / {r['rss_loaded']:.0f} MB")
    if 8 in levels:
        row("RSS after the 8-client run", lambda r: f"{r['levels'][8]['rss_after']:.0f} MB")
    for clients in levels:
        row(f"{clients} client{'s' if clients > 1 else ''}: p50 / p95 / req/s",
            lambda r, c=clients: f"{ms(r['levels'][c]['p50'])} / {ms(r['levels'][c]['p95'])} / "
            f"{r['levels'][c]['rps']:.1f}")
        row(f"{clients} client{'s' if clients > 1 else ''}: 5xx or failed",
            lambda r, c=clients: f"{r['levels'][c]['server_errors']}")
    row("Recall@5 / cross-lingual / MRR@10", lambda r: f"{r['quality']['overall']['recall@5']:.3f} / "
        f"{r['quality']['cross_lingual']['recall@5']:.3f} / {r['quality']['overall']['mrr@10']:.3f}")
    print()
    print(f"model limit: {limit['cores']} cores / {ms(limit['single_thread'])} per single-thread query embedding "
          f"= {limit['limit_rps']:.1f} req/s (one lone query with all cores: {ms(limit['all_cores'])})")
    print(f"non-search turns in process (checklist answers, a tool value, greetings): p50 {turns['p50'] * 1000:.1f} ms, "
          f"p95 {turns['p95'] * 1000:.1f} ms (n={turns['n']})")
    print(f"overload (embedding queue 4, 32 clients, {overloaded['requests']} requests): statuses "
          f"{overloaded['statuses']}, 503 with Retry-After {overloaded['retry_after']}")

    print()
    print("Acceptance (issue 16)")
    eight = max((c for c in levels if c <= 8), default=levels[-1])

    def check(label: str, ok: bool, detail: str) -> None:
        print(f"  {'✅' if ok else '❌'} {label}: {detail}")

    if tut:
        # the ratio is after the 8-client run; after every level (32 clients too) for reference
        after8 = ours["levels"][eight]["rss_after"] / tut["levels"][eight]["rss_after"]
        check(f"RSS after the {eight}-client run ≤ 1/3 of the tutorial stack's", after8 <= 1 / 3,
              f"{after8:.2f} (after every level: {ours['rss_loaded'] / tut['rss_loaded']:.2f})")
    cold = statistics.median(ours["cold_starts"])
    check("cold start ≤ 3 s", cold <= 3.0, f"{cold:.1f} s")
    share = ours["levels"][eight]["rps"] / limit["limit_rps"]
    check(f"throughput at {eight} clients ≥ 90 % of the model limit", share >= 0.9, f"{share:.0%}")
    if 1 in levels:
        p50 = ours["levels"][1]["p50"] / limit["all_cores"]
        check("p50 at 1 client ≤ 1.2 × one query embedding", p50 <= 1.2, f"{p50:.2f} ×")
    check("a non-search turn p50 ≤ 5 ms in process", turns["p50"] <= 0.005, f"{turns['p50'] * 1000:.1f} ms")
    if 32 in levels:
        check("no 5xx at 32 clients", ours["levels"][32]["server_errors"] == 0,
              f"{ours['levels'][32]['server_errors']}")
    other_5xx = sum(n for s, n in overloaded["statuses"].items() if (s >= 500 and s != 503) or s < 0)
    check("overload answers 503 with Retry-After, nothing else fails",
          overloaded["statuses"].get(503, 0) > 0 and overloaded["retry_after"] == overloaded["statuses"].get(503, 0)
          and other_5xx == 0, f"{overloaded['statuses'].get(503, 0)} × 503, other failures {other_5xx}")
    print(f"\n(total bench time {time.perf_counter() - began:.0f} s)")
    print(json.dumps({"ours": {k: v for k, v in ours.items() if k != 'quality'},
                      "tutorial": tut and {k: v for k, v in tut.items() if k != 'quality'},
                      "model_limit": limit, "non_search_turns": turns}, default=str), file=sys.stderr)


if __name__ == "__main__":
    main()
