"""Helpers for the load and fault tests: real server processes on loopback, a
message workload, and the check that sessions hold exactly what was sent.

Servers are `subprocess.Popen` children (each in its own process group, so a
SIGKILL is real and reaches every worker); settings go in as environment
variables; output goes to a log file the failing assertion can quote.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evals.loopback import PYTHON, ROOT, clean_env, free_port, stop_process_group

#: Idle keep-alive connections are dropped by the client well before uvicorn's own
#: 5 s keep-alive timeout: with equal timeouts a request can be written on a
#: connection the server is closing at that instant (ReadError, request never seen).
KEEPALIVE_EXPIRY = 1.0

#: A server with a built index is ready in ~10 s on 2 cores; a first build takes ~60 s more.
READY_TIMEOUT = 120.0
REBUILD_TIMEOUT = 300.0


class ServerProcess:
    """One `uvicorn api.app:create_app --factory` process (optionally with workers)."""

    def __init__(self, name: str, workdir: Path, settings: dict[str, str], *, port: int | None = None,
                 workers: int = 1) -> None:
        self.name = name
        self.workdir = workdir
        self.settings = dict(settings)
        self.port = port or free_port()
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"{name}.log"
        self.started_at = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        cmd = [PYTHON, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(self.port), "--log-level", "warning"]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start {time.strftime('%H:%M:%S')} {' '.join(cmd)}\n".encode())
            log.flush()
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=clean_env(**self.settings), stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def _fail(self, message: str) -> AssertionError:
        return AssertionError(f"{self.name}: {message}\n--- server log (tail) ---\n{self.log_tail()}")

    def wait_listening(self, timeout: float = READY_TIMEOUT) -> None:
        """Until /healthz answers (the index may still be loading)."""
        self._wait(lambda r: r.status_code == 200, "/healthz", timeout)

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> dict[str, Any]:
        """Until /readyz is 200; fails at once when the server reports a load error or exits."""
        def done(r: httpx.Response) -> bool:
            if r.status_code == 200:
                return True
            body = _json(r)
            if body.get("status") == "unavailable":
                raise self._fail(f"/readyz says unavailable: {body}")
            return False
        return _json(self._wait(done, "/readyz", timeout))

    def wait_status(self, path: str, status: int, timeout: float = READY_TIMEOUT) -> httpx.Response:
        return self._wait(lambda r: r.status_code == status, path, timeout)

    def _wait(self, done: Callable[[httpx.Response], bool], path: str, timeout: float) -> httpx.Response:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise self._fail(f"the server exited with {self.proc.returncode if self.proc else None}")
            try:
                r = httpx.get(self.base_url + path, timeout=30)
                if done(r):
                    return r
                last = (r.status_code, r.text[:300])
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise self._fail(f"{path} not as expected within {timeout:.0f} s (last: {last})")

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and any workers), then reap it."""
        if self.proc is not None:
            stop_process_group(self.proc, grace=0)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM (a graceful uvicorn shutdown), SIGKILL after `grace` seconds."""
        if self.proc is not None:
            stop_process_group(self.proc, grace)


@dataclass
class ServerPool:
    """Starts servers for one test (or module) and always kills them at the end."""

    workdir: Path
    servers: list[ServerProcess] = field(default_factory=list)

    def new(self, name: str, settings: dict[str, str], **kwargs: Any) -> ServerProcess:
        server = ServerProcess(name, self.workdir, settings, **kwargs)
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop(grace=5)


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def base_settings(index_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """Settings for a test server: given index, no rate limit, offline unless told otherwise,
    and never a surprise index build (ASSISTANT_AUTO_REBUILD_INDEX=false) unless told."""
    return {
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_DATABASE_URL": database_url,
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
        "ASSISTANT_AUTO_REBUILD_INDEX": "false",
        **extra,
    }


# --------------------------------------------------------------------------- workload

GREETINGS = ["hello", "hi there", "hej", "moi", "thanks", "takk", "tack så mycket", "good morning"]
QUESTIONS = [
    "How do I choose an outsourcing partner?",
    "What are the risks of outsourcing customer service?",
    "Why do companies outsource customer service?",
    "Vilka prismodeller finns?",
    "Hur väljer man leverantör?",
    "Mikä on ulkoistaminen?",
    "Hvordan vælger man en leverandør?",
    "Hvordan velger vi en leverandør for kundeservice?",
]
OFF_TOPIC = ["What's the weather in Oslo?", "Can you recommend a good pizza place?"]
STAFFING = ["How many agents do I need?", "200 calls per hour", "AHT 4 minutes", "80% within 20 seconds"]
CHECKLIST = ["start the checklist",
             "Long queues in Q4: during the Christmas season we cannot answer all calls.", "skip", "back", "stop"]


def session_script(seed: int, length: int) -> list[str]:
    """A deterministic conversation of `length` messages: greetings, corpus questions,
    staffing slot filling (four turns), off-topic questions and a short checklist detour.
    Questions (retrieval) are about a quarter of the messages; the rest is cheap."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < length:
        kind = rng.choices(["greeting", "question", "staffing", "off_topic", "checklist"], [3, 3, 2, 1, 1])[0]
        if kind == "greeting":
            out.append(rng.choice(GREETINGS))
        elif kind == "question":
            out.append(rng.choice(QUESTIONS))
        elif kind == "off_topic":
            out.append(rng.choice(OFF_TOPIC))
        elif kind == "staffing":
            out += STAFFING
        else:
            out += CHECKLIST
    return out[:length]


@dataclass
class LoadResult:
    sent: dict[str, list[tuple[str, str]]]  # session id -> [(message, reply text)] in send order
    tokens: dict[str, str]
    session_base: dict[str, str]
    statuses: Counter[int]
    failures: list[str]
    latencies: list[float]
    elapsed: float

    @property
    def messages_ok(self) -> int:
        return sum(len(v) for v in self.sent.values())

    def summary(self) -> str:
        lat = sorted(self.latencies) or [0.0]
        pick = lambda p: lat[min(len(lat) - 1, int(p * (len(lat) - 1)))] * 1000
        return (f"{self.messages_ok} messages ok in {self.elapsed:.1f} s ({self.messages_ok / self.elapsed:.1f}/s), "
                f"statuses {dict(self.statuses)}, p50 {pick(.5):.0f} ms, p95 {pick(.95):.0f} ms, "
                f"max {lat[-1] * 1000:.0f} ms, failures {len(self.failures)}")


async def run_load(
    base_urls: Sequence[str],
    *,
    sessions: int = 200,
    messages_per_session: int = 10,
    clients: int = 32,
    seed: int = 1,
    route: Callable[[int, int], int] | None = None,
    timeout: float = 300.0,
) -> LoadResult:
    """`clients` concurrent clients sending `sessions * messages_per_session` messages.

    Client w owns sessions w, w+clients, ... and sends round-robin over them, one
    message at a time, so every session has one message in flight at most and
    its order is the order sent. `route(session_index, message_index)` picks the
    server of each call (default: the session's index modulo the servers)."""
    route = route or (lambda s, m: s % len(base_urls))
    scripts = [session_script(seed * 100_003 + i, messages_per_session) for i in range(sessions)]
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    latencies: list[float] = []
    ids: list[str] = [""] * sessions
    tokens: dict[str, str] = {}
    session_base: dict[str, str] = {}
    sent: dict[str, list[tuple[str, str]]] = {}
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2,
                          keepalive_expiry=KEEPALIVE_EXPIRY)

    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0), limits=limits) as client:
        async def create(i: int) -> None:
            base = base_urls[route(i, 0)]
            r = await client.post(f"{base}/v1/sessions", json={})
            statuses[r.status_code] += 1
            if r.status_code != 201:
                failures.append(f"create session {i}: {r.status_code} {r.text[:300]}")
                return
            body = r.json()
            ids[i], tokens[body["id"]], session_base[body["id"]] = body["id"], body["token"], base
            sent[body["id"]] = []

        async def creator(w: int) -> None:
            for i in range(w, sessions, clients):
                await create(i)

        async def worker(w: int) -> None:
            mine = [i for i in range(w, sessions, clients) if ids[i]]
            for m in range(messages_per_session):
                for i in mine:
                    sid = ids[i]
                    message = scripts[i][m]
                    base = base_urls[route(i, m)]
                    started = time.perf_counter()
                    try:
                        r = await client.post(f"{base}/v1/sessions/{sid}/messages", json={"message": message},
                                              headers={"Authorization": f"Bearer {tokens[sid]}"})
                    except httpx.HTTPError as exc:
                        failures.append(f"session {i} message {m} ({message!r}) via {base}: {exc!r}")
                        statuses[-1] += 1
                        continue
                    latencies.append(time.perf_counter() - started)
                    statuses[r.status_code] += 1
                    if r.status_code != 200:
                        failures.append(f"session {i} message {m} ({message!r}) via {base}: "
                                        f"{r.status_code} {r.text[:300]}")
                        continue
                    sent[sid].append((message, r.json()["text"]))

        async def everything() -> float:
            await asyncio.gather(*(creator(w) for w in range(clients)))
            started = time.perf_counter()
            await asyncio.gather(*(worker(w) for w in range(clients)))
            return time.perf_counter() - started

        elapsed = await asyncio.wait_for(everything(), timeout)
    return LoadResult(sent=sent, tokens=tokens, session_base=session_base, statuses=statuses, failures=failures,
                      latencies=latencies, elapsed=elapsed)


async def fetch_histories(base_urls: Sequence[str], tokens: dict[str, str],
                          concurrency: int = 16) -> dict[str, list[dict[str, Any]]]:
    """GET /v1/sessions/{id} for every session (spread over the servers)."""
    out: dict[str, list[dict[str, Any]]] = {}
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY)
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as client:
        async def one(n: int, sid: str) -> None:
            async with sem:
                r = await client.get(f"{base_urls[n % len(base_urls)]}/v1/sessions/{sid}",
                                     headers={"Authorization": f"Bearer {tokens[sid]}"})
                r.raise_for_status()
                out[sid] = r.json()["turns"]
        await asyncio.gather(*(one(n, sid) for n, sid in enumerate(tokens)))
    return out


def history_problems(sent: dict[str, list[tuple[str, str]]],
                     histories: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every session holds exactly the turns sent, in order: user turn (the message),
    then the assistant turn (the reply text the client got), seq 1..2n, nothing else."""
    problems: list[str] = []
    for sid, pairs in sent.items():
        turns = histories.get(sid)
        if turns is None:
            problems.append(f"{sid}: no history")
            continue
        expected = [(role, text) for message, reply in pairs for role, text in (("user", message),
                                                                                ("assistant", reply))]
        got = [(t["role"], t["text"]) for t in turns]
        seqs = [t["seq"] for t in turns]
        if seqs != list(range(1, len(turns) + 1)):
            problems.append(f"{sid}: turn seqs are {seqs}")
        if got != expected:
            first = next((k for k, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
            problems.append(f"{sid}: {len(got)} turns, expected {len(expected)}; first difference at turn {first + 1}: "
                            f"got {got[first:first + 1]}, expected {expected[first:first + 1]}")
        for t in turns:
            if t["role"] == "assistant" and (t.get("reply") or {}).get("session_id") != sid:
                problems.append(f"{sid}: assistant turn {t['seq']} has no reply payload for this session")
                break
    return problems


async def concurrent_same_session(base_urls: Sequence[str], *, sessions: int = 20,
                                  messages: Sequence[str] = ("hello", "How do I choose an outsourcing partner?",
                                                             "thanks", "How many agents do I need?",
                                                             "What are the risks of outsourcing customer service?"),
                                  ) -> list[str]:
    """All `messages` sent at once to each of `sessions` sessions (message k of a
    session to server k mod n). Returns the problems: every message must get its
    own user turn immediately followed by its own reply, nothing lost or interleaved."""
    problems: list[str] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY)) as client:
        tokens: dict[str, str] = {}
        for n in range(sessions):
            r = await client.post(f"{base_urls[n % len(base_urls)]}/v1/sessions", json={})
            r.raise_for_status()
            tokens[r.json()["id"]] = r.json()["token"]

        async def send(sid: str, k: int, message: str) -> tuple[str, str, int, str]:
            r = await client.post(f"{base_urls[k % len(base_urls)]}/v1/sessions/{sid}/messages",
                                  json={"message": message}, headers={"Authorization": f"Bearer {tokens[sid]}"})
            return sid, message, r.status_code, r.json().get("text", "") if r.status_code == 200 else r.text

        results = await asyncio.gather(*(send(sid, k, m) for sid in tokens for k, m in enumerate(messages)))
    replies: dict[str, dict[str, str]] = {sid: {} for sid in tokens}
    for sid, message, status, text in results:
        if status != 200:
            problems.append(f"{sid} {message!r}: {status} {text[:300]}")
        replies[sid][message] = text
    histories = await fetch_histories(base_urls, tokens)
    n = len(messages)
    for sid, turns in histories.items():
        if [t["seq"] for t in turns] != list(range(1, 2 * n + 1)) or \
                [t["role"] for t in turns] != ["user", "assistant"] * n:
            problems.append(f"{sid}: turns {[(t['seq'], t['role']) for t in turns]}")
            continue
        if sorted(t["text"] for t in turns[::2]) != sorted(messages):
            problems.append(f"{sid}: user turns {[t['text'] for t in turns[::2]]}")
        for user, assistant in zip(turns[::2], turns[1::2]):
            if assistant["text"] != replies[sid].get(user["text"]):
                problems.append(f"{sid}: the reply after {user['text']!r} is not the one its request got")
    return problems


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)[:3000]
