"""One evaluation run: every dataset against the system (in-process engine or a
server's API), the retrieval baselines beside it, and all metrics flattened
into one `{"name": value}` map that the gate, the baseline comparison and the
reports share.

Metric names (the keys of `results["metrics"]`):

* `retrieval.{recall@1,recall@3,recall@5,mrr@10,ndcg@10}` (answerable
  questions), the same under `retrieval.cross_lingual.`, `retrieval.same_language.`
  and `retrieval.per_language.<lang>.`; `retrieval.coverage.answerable_covered`
  and `retrieval.coverage.unanswerable_declined`;
* `baselines.{bm25,dense}.…` with the same retrieval names (no coverage);
* `answers.{language,gold_cited,answerable_covered,unanswerable_declined,
  citations_verbatim,ungrounded_numbers}`, also `answers.cross_lingual.…` and
  `answers.per_language.<lang>.…`; `answers_llm.…` when an LLM is configured;
* `routing.accuracy`, `routing.per_language.<lang>.accuracy`,
  `routing.per_intent.<intent>.accuracy`;
* `extraction.{exact_match,tool_detected}` (+ per language);
* `tool_reference.passed` (+ `tool_reference.per_tool.<tool>.passed`);
* `conversations.{passed,turns_passed}` (+ per language);
* `tool_dialogues.{single_right,multi_right,turns_right,misreads,silent_misreads}`
  (tool turns of the conversation scripts, see `evals/tool_dialogues.py`);
* `routing.signals.{lexical,embedding,combined}.accuracy` (in-process, full runs);
* `….n` keys are sample sizes.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from evals import answers as answers_mod
from evals import conversations as conv_mod
from evals import tool_dialogues, tools_eval
from evals.baselines import bm25_search, dense_search, prewarm
from evals.client import HttpClient, InProcessClient
from evals.grounding import Sources
from evals.grouping import per_group
from evals.retrieval import (
    QuestionItem,
    RetrievalItem,
    load_retrieval_dataset,
    run_retrieval,
    summarise,
)
from evals.routing import RoutingItem, load_routing_dataset

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("sv", "fi", "da", "nb", "en")
RANK_METRICS = ("recall@1", "recall@3", "recall@5", "mrr@10", "ndcg@10")
QUICK_CONVERSATIONS = ("conv-fi-staffing", "conv-en-questions")
Q = TypeVar("Q", bound=QuestionItem)


# ---------------------------------------------------------------- progress


class Stages:
    """Progress of a run: `stage(name, total)` returns a step() callable. The
    default does nothing; the CLI passes one that drives a rich progress bar."""

    def stage(self, name: str, total: int) -> Callable[[], None]:
        return lambda: None

    def update(self, name: str, done: int, total: int) -> None:  # absolute updates (index build)
        pass


# ---------------------------------------------------------------- subsets


def quick_questions(items: list[Q], *, per_language: int, unanswerable: int) -> list[Q]:
    """The first `per_language` answerable questions of each language, then the
    first `unanswerable` unanswerable ones."""
    out: list[Q] = []
    taken: dict[str, int] = defaultdict(int)
    for item in items:
        if item.answerable and taken[item.language] < per_language:
            taken[item.language] += 1
            out.append(item)
    return out + [i for i in items if not i.answerable][:unanswerable]


def quick_routing(items: list[RoutingItem]) -> list[RoutingItem]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.intent not in seen and item.context is None:
            seen.add(item.intent)
            out.append(item)
    return out


def quick_conversations(convs: list[conv_mod.Conversation]) -> list[conv_mod.Conversation]:
    chosen = [c for c in convs if c.id in QUICK_CONVERSATIONS]
    return chosen or convs[:2]


# ---------------------------------------------------------------- flattening


def _put(metrics: dict[str, float], prefix: str, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            metrics[f"{prefix}.{key}"] = float(value)


def flatten_retrieval(metrics: dict[str, float], prefix: str, summary: dict[str, Any], coverage: bool) -> None:
    _put(metrics, prefix, summary["overall"])
    for group in ("cross_lingual", "same_language"):
        _put(metrics, f"{prefix}.{group}", summary.get(group) or {})
    for lang, values in summary["per_language"].items():
        _put(metrics, f"{prefix}.per_language.{lang}", values)
    if coverage:
        cov = summary["coverage"]
        _put(metrics, f"{prefix}.coverage", {k: cov[k] for k in ("answerable_covered", "unanswerable_declined")})


def flatten_grouped(metrics: dict[str, float], prefix: str, summary: dict[str, Any]) -> None:
    _put(metrics, prefix, summary.get("overall") or {})
    for group, values in summary.items():
        if group == "overall":
            continue
        if group in ("per_language", "per_tool", "per_intent"):
            for key, inner in values.items():
                _put(metrics, f"{prefix}.{group}.{key}", inner)
        elif isinstance(values, dict):
            _put(metrics, f"{prefix}.{group}", values)


def summarise_routing(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def acc(rs: list[dict[str, Any]]) -> dict[str, float]:
        return {"accuracy": sum(r["ok"] for r in rs) / len(rs), "n": float(len(rs))}

    return {
        "overall": acc(rows) if rows else {},
        "per_language": per_group(rows, "language", acc),
        "per_intent": per_group(rows, "expected", acc),
    }


# ---------------------------------------------------------------- run


def _git() -> dict[str, Any]:
    """Commit and whether the tree has changes (read-only git commands)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10, check=False).stdout.strip()
        # --no-optional-locks: status must not refresh (write) the index of a tree others work in
        status = ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"]
        dirty = bool(subprocess.run(status, cwd=ROOT, capture_output=True, text=True, timeout=10,
                                    check=False).stdout.strip())
        return {"commit": commit or None, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def _offline_settings(database_url: str, keep_llm: bool = False) -> Any:
    from assistant.settings import get_settings

    settings = get_settings()
    update: dict[str, Any] = {"database_url": database_url}
    if not keep_llm:
        update["llm"] = None
    return settings.model_copy(update=update)


def _search_texts(retrieval: Iterable[RetrievalItem], answers: Iterable[answers_mod.AnswerItem],
                  routing: Iterable[RoutingItem], convs: Iterable[conv_mod.Conversation]) -> list[str]:
    """Every text the run will send to retrieval, for the batched warm-up: all
    search questions and answer questions, and the chat messages the router
    would treat as questions."""
    from assistant.routing import route

    texts = [i.question for i in retrieval] + [i.question for i in answers]
    messages = [(i.message, i.language) for i in routing]
    messages += [(t.message, c.language) for c in convs for t in c.turns]
    for message, lang in messages:
        if message.rstrip().endswith("?") or route(message, lang, {}).kind == "question":
            texts.append(message)
    return texts


def run_eval(*, url: str | None = None, quick: bool = False, retriever: Any = None,
             stages: Stages | None = None) -> dict[str, Any]:
    """Run every evaluation and return the results (meta, metrics, sections, failures)."""
    stages = stages or Stages()
    started = time.perf_counter()
    timings: dict[str, float] = {}
    meta: dict[str, Any] = {
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "api" if url else "in-process",
        "url": url,
        "quick": quick,
        "git": _git(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }

    def timed(name: str, t0: float) -> None:
        timings[name] = round(time.perf_counter() - t0, 2)

    retrieval_items = load_retrieval_dataset()
    answer_items = answers_mod.load_answers_dataset()
    routing_items = load_routing_dataset()
    conversations = conv_mod.load_conversations()
    extraction_items = tools_eval.load_extraction_dataset()
    references = tools_eval.load_reference_dataset()
    if quick:
        retrieval_items = quick_questions(retrieval_items, per_language=2, unanswerable=3)
        answer_items = quick_questions(answer_items, per_language=1, unanswerable=1)
        routing_items, conversations = quick_routing(routing_items), quick_conversations(conversations)
    meta["datasets"] = {"retrieval": len(retrieval_items), "answers": len(answer_items),
                        "routing": len(routing_items), "conversations": len(conversations),
                        "conversation_turns": sum(len(c.turns) for c in conversations),
                        "extraction": len(extraction_items), "tool_reference": len(references)}

    from assistant.settings import get_settings

    settings = get_settings()
    sources = Sources.load(settings.corpus_dir)
    texts = sources.texts
    metrics: dict[str, float] = {}
    sections: dict[str, Any] = {}
    failures: dict[str, Any] = {}
    notes: list[str] = []

    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp, contextlib.ExitStack() as cleanup:
        llm_client = None
        if url:
            client: Any = HttpClient(url)
            t0 = time.perf_counter()
            meta["system"] = client.describe()
            timed("connect", t0)
        else:
            from assistant.engine import Assistant
            from assistant.sessions import SessionStore

            t0 = time.perf_counter()
            if retriever is None:
                from assistant.retrieval import load_retriever

                retriever = load_retriever(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir,
                                           progress=stages.update)
            timed("load index", t0)
            store = SessionStore(f"sqlite:///{tmp}/eval.db")
            cleanup.callback(store.close)
            engine = Assistant(_offline_settings(f"sqlite:///{tmp}/eval.db"), retriever=retriever, store=store)
            client = InProcessClient(engine)
            meta["system"] = client.describe()
            if settings.llm:
                try:
                    llm_store = SessionStore(f"sqlite:///{tmp}/eval-llm.db")
                    cleanup.callback(llm_store.close)
                    llm_engine = Assistant(_offline_settings(f"sqlite:///{tmp}/eval-llm.db", keep_llm=True),
                                           retriever=retriever, store=llm_store)
                    if llm_engine._llm is not None:
                        llm_client = InProcessClient(llm_engine)
                        meta["llm"] = settings.llm
                except Exception as exc:  # an LLM that cannot be built is reported, not fatal
                    notes.append(f"LLM answerer ({settings.llm}) not evaluated: {exc}")
            t0 = time.perf_counter()
            warm = _search_texts(retrieval_items, answer_items, routing_items, conversations)
            prewarm(retriever, warm, progress=lambda done, total: stages.update("warm-up", done, total))
            timed("warm-up", t0)

        # -- retrieval: the system, then the baselines on the same index --
        t0 = time.perf_counter()
        step = stages.stage("retrieval", len(retrieval_items))

        def stepping(search: Any) -> Any:
            def wrapped(question: str, k: int, language: str | None) -> Any:
                out = search(question, k, language)
                step()
                return out
            return wrapped

        rows = run_retrieval(retrieval_items, stepping(client.search), texts)
        summary = summarise(rows)
        sections["retrieval"] = {"hybrid": summary}
        flatten_retrieval(metrics, "retrieval", summary, coverage=True)
        questions = {i.id: i.question for i in retrieval_items}
        failures["retrieval"] = [
            {"id": r["id"], "language": r["language"], "message": questions[r["id"]],
             "reasons": [f"first relevant passage at rank {r['rank']}" if r["rank"]
                         else "no relevant passage in the top 10"]}
            for r in rows if r["answerable"] and not (r["rank"] and r["rank"] <= 5)
        ] + [{"id": r["id"], "language": r["language"], "message": questions[r["id"]],
              "reasons": ["unanswerable, but retrieval says covered"]}
             for r in rows if not r["answerable"] and r["covered"]]
        timed("retrieval", t0)

        if not url:
            t0 = time.perf_counter()
            for name, factory in (("bm25", bm25_search), ("dense", dense_search)):
                step = stages.stage(f"baseline {name}", len(retrieval_items))
                summary = summarise(run_retrieval(retrieval_items, stepping(factory(retriever)), texts))
                sections["retrieval"][name] = summary
                flatten_retrieval(metrics, f"baselines.{name}", summary, coverage=False)
            timed("baselines", t0)
        else:
            notes.append("Retrieval baselines need the index in-process; not run against a server (--url).")

        # -- answers --
        t0 = time.perf_counter()
        rows = answers_mod.run_answers(client, answer_items, sources, stages.stage("answers", len(answer_items)))
        summary = answers_mod.summarise_answers(rows)
        sections["answers"] = summary
        flatten_grouped(metrics, "answers", summary)
        failures["answers"] = answers_mod.failures(rows, answer_items)
        timed("answers", t0)
        if llm_client is not None:
            t0 = time.perf_counter()
            rows = answers_mod.run_answers(llm_client, answer_items, sources,
                                           stages.stage("answers (LLM)", len(answer_items)))
            summary = answers_mod.summarise_answers(rows)
            sections["answers_llm"] = summary
            flatten_grouped(metrics, "answers_llm", summary)
            failures["answers_llm"] = answers_mod.failures(rows, answer_items)
            timed("answers (LLM)", t0)
        elif not url and not settings.llm:
            notes.append("No LLM configured (ASSISTANT_LLM unset): the LLM answerer row is skipped.")

        # -- routing --
        t0 = time.perf_counter()
        step = stages.stage("routing", len(routing_items))
        if url:
            from evals.routing_api import run_routing_api

            rows = run_routing_api(client, routing_items, step)
        else:
            from assistant.errors import AssistantError
            from evals.routing import run_routing

            rows = []
            for item in routing_items:
                try:
                    rows += run_routing(client.engine, [item])
                except AssistantError as exc:  # an error is a wrong route, not a crashed run
                    rows.append({"id": item.id, "language": item.language, "message": item.message,
                                 "expected": item.intent, "got": f"error ({exc.code})", "tool": None, "command": None,
                                 "ok": False, "expected_tool": item.tool, "expected_command": item.command})
                step()
        summary = summarise_routing(rows)
        sections["routing"] = summary
        flatten_grouped(metrics, "routing", summary)
        failures["routing"] = [
            {"id": r["id"], "language": r["language"], "message": r["message"],
             "reasons": [(f"got {r['got']}/{r['tool'] or r['command'] or '-'}, expected "
                          f"{r['expected']}/{r['expected_tool'] or r['expected_command'] or '-'}")]}
            for r in rows if not r["ok"]
        ]
        timed("routing", t0)

        # -- conversations --
        t0 = time.perf_counter()
        rows = conv_mod.run_conversations(client, conversations, sources,
                                          stages.stage("conversations", len(conversations)))
        summary = conv_mod.summarise_conversations(rows)
        sections["conversations"] = {**summary, "scripts": [{"id": r["id"], "language": r["language"],
                                                             "turns": len(r["turns"]), "passed": r["passed"]}
                                                            for r in rows]}
        flatten_grouped(metrics, "conversations", summary)
        failures["conversations"] = conv_mod.failures(rows)
        tool_rows = tool_dialogues.run_tool_dialogues(rows, conversations)
        sections["tool_dialogues"] = tool_dialogues.summarise_tool_dialogues(tool_rows)
        flatten_grouped(metrics, "tool_dialogues", sections["tool_dialogues"])
        failures["tool_dialogues"] = tool_dialogues.failures(tool_rows)
        timed("conversations", t0)
        if not url and not quick:
            from evals.routing_signals import signal_accuracy

            signals = signal_accuracy(retriever.embeddings, routing_items)
            sections["routing_signals"] = signals
            for mode, values in signals.items():
                _put(metrics, f"routing.signals.{mode}", values)

        # -- tools --
        t0 = time.perf_counter()
        step = stages.stage("extraction", len(extraction_items))
        rows = tools_eval.run_extraction(extraction_items)
        for _ in rows:
            step()
        summary = tools_eval.summarise_extraction(rows)
        sections["extraction"] = summary
        flatten_grouped(metrics, "extraction", summary)
        failures["extraction"] = [{"id": r["id"], "language": r["language"], "got": r["got"],
                                   "expected": r["expected"]} for r in rows if not r["ok"]]
        if url:
            notes.append("Argument extraction has no API endpoint; it is measured with the local package.")
        step = stages.stage("tool references", len(references))
        rows = tools_eval.run_references(client, references)
        for _ in rows:
            step()
        summary = tools_eval.summarise_references(rows)
        sections["tool_reference"] = {**summary, "cases": rows}
        flatten_grouped(metrics, "tool_reference", summary)
        failures["tool_reference"] = [{"id": r["id"], "reasons": r["problems"]} for r in rows if not r["ok"]]
        timed("tools", t0)

    timings["total"] = round(time.perf_counter() - started, 2)
    meta["timings"] = timings
    meta["notes"] = notes
    return {"meta": meta, "metrics": dict(sorted(metrics.items())), "sections": sections, "failures": failures}
