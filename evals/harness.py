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
from dataclasses import dataclass, field
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
from evals.outcomes import answer_items, pass_items, retrieval_items
from evals.stats import bootstrap_interval
from evals.retrieval import (
    QuestionItem,
    RetrievalItem,
    load_retrieval_dataset,
    run_retrieval,
    summarise,
)
from evals.routing import RoutingItem, load_routing_dataset

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(__file__).resolve().parent / "datasets"
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
        _put(metrics, f"{prefix}.coverage", {k: cov[k] for k in ("answerable_covered", "unanswerable_declined",
                                                                  "answerable_partial", "unanswerable_not_covered")
                                             if k in cov})


def flatten_grouped(metrics: dict[str, float], prefix: str, summary: dict[str, Any]) -> None:
    _put(metrics, prefix, summary.get("overall") or {})
    for group, values in summary.items():
        if group == "overall":
            continue
        if group in ("per_language", "per_tool", "per_intent", "per_set"):
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


@dataclass
class Split:
    """One part of the datasets: `dev` (evals/datasets/, tuned on) or `test`
    (evals/datasets/test/, written before tuning and only read when reporting).
    A split lacks the datasets whose files are absent."""

    name: str
    retrieval: list[RetrievalItem] = field(default_factory=list)
    answers: list[answers_mod.AnswerItem] = field(default_factory=list)
    routing: list[RoutingItem] = field(default_factory=list)
    conversations: list[conv_mod.Conversation] = field(default_factory=list)
    extraction: list[tools_eval.ExtractionItem] = field(default_factory=list)
    references: list[tools_eval.ReferenceCase] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        """Metric names of the dev split are unprefixed (thresholds and baselines use them)."""
        return "" if self.name == "dev" else f"{self.name}."

    def sizes(self) -> dict[str, int]:
        return {"retrieval": len(self.retrieval), "answers": len(self.answers), "routing": len(self.routing),
                "conversations": len(self.conversations),
                "conversation_turns": sum(len(c.turns) for c in self.conversations),
                "extraction": len(self.extraction), "tool_reference": len(self.references)}


def load_split(name: str, folder: Path) -> Split:
    def opt(file: str, loader: Callable[[Path], list[Any]]) -> list[Any]:
        path = folder / file
        return loader(path) if path.is_file() else []

    return Split(
        name=name,
        retrieval=opt("retrieval.jsonl", load_retrieval_dataset),
        answers=opt("answers.jsonl", answers_mod.load_answers_dataset),
        routing=opt("routing.jsonl", load_routing_dataset),
        conversations=opt("conversations.jsonl", conv_mod.load_conversations),
        extraction=opt("tools.jsonl", tools_eval.load_extraction_dataset),
        references=opt("tool_reference.jsonl", tools_eval.load_reference_dataset),
    )


def quick_split(split: Split) -> Split:
    return Split(split.name, quick_questions(split.retrieval, per_language=2, unanswerable=3),
                 quick_questions(split.answers, per_language=1, unanswerable=1), quick_routing(split.routing),
                 quick_conversations(split.conversations) if split.conversations else [],
                 split.extraction, split.references)


def run_eval(*, url: str | None = None, quick: bool = False, retriever: Any = None,
             stages: Stages | None = None, splits: list[Split] | None = None) -> dict[str, Any]:
    """Run every evaluation on every split and return the results (meta, metrics,
    per-item values, sections, failures). Dev metrics keep their plain names;
    test metrics are prefixed `test.`."""
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

    if splits is None:
        splits = [load_split("dev", DATASETS)]
        if (DATASETS / "test").is_dir():
            splits.append(load_split("test", DATASETS / "test"))
    if quick:
        splits = [quick_split(s) for s in splits if s.name == "dev"]
    meta["datasets"] = {s.name: s.sizes() for s in splits}

    from assistant.settings import get_settings

    settings = get_settings()
    sources = Sources.load(settings.corpus_dir)
    metrics: dict[str, float] = {}
    items: dict[str, dict[str, float]] = {}
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
            from assistant.store import SessionStore

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
            warm = [text for s in splits for text in _search_texts(s.retrieval, s.answers, s.routing,
                                                                   s.conversations)]
            prewarm(retriever, warm, progress=lambda done, total: stages.update("warm-up", done, total))
            timed("warm-up", t0)
        if url:
            notes.append("Retrieval baselines need the index in-process; not run against a server (--url).")
            notes.append("Argument extraction has no API endpoint; it is measured with the local package.")
        elif not settings.llm:
            notes.append("No LLM configured (ASSISTANT_LLM unset): the LLM answerer row is skipped.")

        for split in splits:
            run = _SplitRun(split, client, llm_client, retriever if not url else None, sources, stages, timed, quick)
            run.evaluate()
            metrics.update(run.metrics)
            items.update(run.items)
            sections.update(run.sections)
            failures.update(run.failures)

    timings["total"] = round(time.perf_counter() - started, 2)
    meta["timings"] = timings
    meta["notes"] = notes
    meta["splits"] = [s.name for s in splits]
    intervals = {}
    for name, values in items.items():
        interval = bootstrap_interval(list(values.values()))
        if interval is not None:
            intervals[name] = [interval.low, interval.high]
    return {"meta": meta, "metrics": dict(sorted(metrics.items())), "items": items, "intervals": intervals,
            "sections": sections, "failures": failures}


class _SplitRun:
    """The evaluations of one split; results keyed by the split's metric prefix."""

    def __init__(self, split: Split, client: Any, llm_client: Any, retriever: Any, sources: Sources,
                 stages: Stages, timed: Callable[[str, float], None], quick: bool = False) -> None:
        self.split, self.client, self.llm_client, self.retriever = split, client, llm_client, retriever
        self.quick = quick
        self.sources, self.stages, self.timed = sources, stages, timed
        self.p = split.prefix
        self.metrics: dict[str, float] = {}
        self.items: dict[str, dict[str, float]] = {}
        self.sections: dict[str, Any] = {}
        self.failures: dict[str, Any] = {}

    def _label(self, name: str) -> str:
        return name if self.split.name == "dev" else f"{name} ({self.split.name})"

    def _items(self, values: dict[str, dict[str, float]]) -> None:
        self.items.update({f"{self.p}{k}": v for k, v in values.items()})

    def evaluate(self) -> None:
        s = self.split
        if s.retrieval:
            self.retrieval()
        if s.answers:
            self.answers()
        if s.routing:
            self.routing()
        if s.conversations:
            self.conversations()
        if s.extraction or s.references:
            self.tools()

    def retrieval(self) -> None:
        t0 = time.perf_counter()
        texts = self.sources.texts
        step = self.stages.stage(self._label("retrieval"), len(self.split.retrieval))

        def stepping(search: Any) -> Any:
            def wrapped(question: str, k: int, language: str | None) -> Any:
                out = search(question, k, language)
                step()
                return out
            return wrapped

        rows = run_retrieval(self.split.retrieval, stepping(self.client.search), texts)
        summary = summarise(rows)
        self.sections[f"{self.p}retrieval"] = {"hybrid": summary}
        flatten_retrieval(self.metrics, f"{self.p}retrieval", summary, coverage=True)
        self._items(retrieval_items(rows))
        questions = {i.id: i.question for i in self.split.retrieval}
        self.failures[f"{self.p}retrieval"] = [
            {"id": r["id"], "language": r["language"], "message": questions[r["id"]],
             "reasons": [f"first relevant passage at rank {r['rank']}" if r["rank"]
                         else "no relevant passage in the top 10"]}
            for r in rows if r["answerable"] and not (r["rank"] and r["rank"] <= 5)
        ] + [{"id": r["id"], "language": r["language"], "message": questions[r["id"]],
              "reasons": ["unanswerable, but retrieval says covered"]}
             for r in rows if not r["answerable"] and not r["declined"]]
        self.timed(self._label("retrieval"), t0)
        if self.retriever is not None:
            t0 = time.perf_counter()
            for name, factory in (("bm25", bm25_search), ("dense", dense_search)):
                step = self.stages.stage(self._label(f"baseline {name}"), len(self.split.retrieval))
                base_rows = run_retrieval(self.split.retrieval, stepping(factory(self.retriever)), texts)
                summary = summarise(base_rows)
                self.sections[f"{self.p}retrieval"][name] = summary
                flatten_retrieval(self.metrics, f"{self.p}baselines.{name}", summary, coverage=False)
            self.timed(self._label("baselines"), t0)

    def answers(self) -> None:
        t0 = time.perf_counter()
        items = self.split.answers
        rows = answers_mod.run_answers(self.client, items, self.sources,
                                       self.stages.stage(self._label("answers"), len(items)))
        summary = answers_mod.summarise_answers(rows)
        self.sections[f"{self.p}answers"] = summary
        flatten_grouped(self.metrics, f"{self.p}answers", summary)
        self._items(answer_items(rows))
        self.failures[f"{self.p}answers"] = answers_mod.failures(rows, items)
        self.timed(self._label("answers"), t0)
        if self.llm_client is not None:
            t0 = time.perf_counter()
            rows = answers_mod.run_answers(self.llm_client, items, self.sources,
                                           self.stages.stage(self._label("answers (LLM)"), len(items)))
            summary = answers_mod.summarise_answers(rows)
            self.sections[f"{self.p}answers_llm"] = summary
            flatten_grouped(self.metrics, f"{self.p}answers_llm", summary)
            self.failures[f"{self.p}answers_llm"] = answers_mod.failures(rows, items)
            self.timed(self._label("answers (LLM)"), t0)

    def routing(self) -> None:
        t0 = time.perf_counter()
        items = self.split.routing
        step = self.stages.stage(self._label("routing"), len(items))
        if self.retriever is None:
            from evals.routing_api import run_routing_api

            rows = run_routing_api(self.client, items, step)
        else:
            from assistant.errors import AssistantError
            from evals.routing import run_routing

            rows = []
            for item in items:
                try:
                    rows += run_routing(self.client.engine, [item])
                except AssistantError as exc:  # an error is a wrong route, not a crashed run
                    rows.append({"id": item.id, "language": item.language, "message": item.message,
                                 "expected": item.intent, "got": f"error ({exc.code})", "tool": None, "command": None,
                                 "ok": False, "expected_tool": item.tool, "expected_command": item.command})
                step()
        summary = summarise_routing(rows)
        self.sections[f"{self.p}routing"] = summary
        flatten_grouped(self.metrics, f"{self.p}routing", summary)
        self._items(pass_items(rows, "routing.accuracy"))
        if self.retriever is not None and not self.quick:
            from evals.routing_signals import signal_accuracy

            per_item: dict[str, dict[str, float]] = {}
            signals = signal_accuracy(self.retriever.embeddings, items, per_item)
            self._items(per_item)
            self.sections[f"{self.p}routing_signals"] = signals
            for mode, values in signals.items():
                _put(self.metrics, f"{self.p}routing.signals.{mode}", values)
        self.failures[f"{self.p}routing"] = [
            {"id": r["id"], "language": r["language"], "message": r["message"],
             "reasons": [(f"got {r['got']}/{r['tool'] or r['command'] or '-'}, expected "
                          f"{r['expected']}/{r['expected_tool'] or r['expected_command'] or '-'}")]}
            for r in rows if not r["ok"]
        ]
        self.timed(self._label("routing"), t0)

    def conversations(self) -> None:
        t0 = time.perf_counter()
        convs = self.split.conversations
        rows = conv_mod.run_conversations(self.client, convs, self.sources,
                                          self.stages.stage(self._label("conversations"), len(convs)))
        summary = conv_mod.summarise_conversations(rows)
        self.sections[f"{self.p}conversations"] = {
            **summary, "scripts": [{"id": r["id"], "language": r["language"], "turns": len(r["turns"]),
                                    "passed": r["passed"]} for r in rows]}
        flatten_grouped(self.metrics, f"{self.p}conversations", summary)
        self._items(pass_items(rows, "conversations.passed", "passed"))
        self.failures[f"{self.p}conversations"] = conv_mod.failures(rows)
        tool_rows = tool_dialogues.run_tool_dialogues(rows, convs)
        dialogues = tool_dialogues.summarise_tool_dialogues(tool_rows)
        self.sections[f"{self.p}tool_dialogues"] = dialogues
        flatten_grouped(self.metrics, f"{self.p}tool_dialogues", dialogues)
        self.failures[f"{self.p}tool_dialogues"] = tool_dialogues.failures(tool_rows)
        self.timed(self._label("conversations"), t0)

    def tools(self) -> None:
        t0 = time.perf_counter()
        if self.split.extraction:
            step = self.stages.stage(self._label("extraction"), len(self.split.extraction))
            rows = tools_eval.run_extraction(self.split.extraction)
            for _ in rows:
                step()
            summary = tools_eval.summarise_extraction(rows)
            self.sections[f"{self.p}extraction"] = summary
            flatten_grouped(self.metrics, f"{self.p}extraction", summary)
            self._items(pass_items(rows, "extraction.exact_match"))
            self.failures[f"{self.p}extraction"] = [
                {"id": r["id"], "language": r["language"], "got": r["got"], "expected": r["expected"]}
                for r in rows if not r["ok"]]
        if self.split.references:
            step = self.stages.stage(self._label("tool references"), len(self.split.references))
            rows = tools_eval.run_references(self.client, self.split.references)
            for _ in rows:
                step()
            summary = tools_eval.summarise_references(rows)
            self.sections[f"{self.p}tool_reference"] = {**summary, "cases": rows}
            flatten_grouped(self.metrics, f"{self.p}tool_reference", summary)
            self._items(pass_items(rows, "tool_reference.passed"))
            self.failures[f"{self.p}tool_reference"] = [{"id": r["id"], "reasons": r["problems"]}
                                                        for r in rows if not r["ok"]]
        self.timed(self._label("tools"), t0)
