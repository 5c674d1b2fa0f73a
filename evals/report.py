"""Reports of a run: JSON (everything), Markdown with a chart (for people), and
rich tables on the console. All three show the same figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.feedback import feedback_markdown, print_feedback
from evals.gate import Change, GateConfig, Violation

LANGUAGES = ("sv", "fi", "da", "nb", "en")
RANK_METRICS = ("recall@1", "recall@3", "recall@5", "mrr@10", "ndcg@10")
SYSTEMS = (("hybrid", "hybrid (system)"), ("bm25", "BM25 only"), ("dense", "dense only"))

#: The metrics of the summary table, grouped, with a label each.
HEADLINE: list[tuple[str, list[tuple[str, str]]]] = [
    ("Retrieval", [
        ("retrieval.recall@1", "Recall@1"),
        ("retrieval.recall@3", "Recall@3"),
        ("retrieval.recall@5", "Recall@5"),
        ("retrieval.mrr@10", "MRR@10"),
        ("retrieval.ndcg@10", "nDCG@10"),
        ("retrieval.cross_lingual.recall@5", "Recall@5 cross-lingual"),
        ("retrieval.coverage.answerable_covered", "answerable covered"),
        ("retrieval.coverage.unanswerable_declined", "unanswerable declined"),
    ]),
    ("Answers", [
        ("answers.language", "reply in the question's language"),
        ("answers.gold_cited", "gold article cited"),
        ("answers.cross_lingual.gold_cited", "gold article cited, cross-lingual"),
        ("answers.answerable_covered", "answerable answered"),
        ("answers.unanswerable_declined", "unanswerable declined"),
        ("answers.citations_verbatim", "citations verbatim"),
        ("answers.ungrounded_numbers", "ungrounded numbers (count)"),
    ]),
    ("Routing", [("routing.accuracy", "routing accuracy")]),
    ("Tools", [
        ("extraction.exact_match", "argument extraction exact match"),
        ("tool_reference.passed", "reference values matched"),
    ]),
    ("Conversations", [
        ("conversations.passed", "scripts passed"),
        ("conversations.turns_passed", "turns passed"),
    ]),
]


def fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric == "n" or metric.endswith((".n", "ungrounded_numbers")):
        return f"{value:.0f}"
    return f"{value:.3f}"


def stamp(results: dict[str, Any]) -> str:
    """File stem of a run's reports: its UTC timestamp, e.g. 20261123T195501Z."""
    return results["meta"]["timestamp"].replace("-", "").replace(":", "")


# ---------------------------------------------------------------- gate summary


def gate_summary(results: dict[str, Any], config: GateConfig, violations: list[Violation],
                 changes: list[Change], baseline: dict[str, Any] | None, compared: bool) -> dict[str, Any]:
    base_meta = (baseline or {}).get("meta", {})
    return {
        "passed": not violations and not any(c.regression for c in changes if compared),
        "violations": [{"metric": v.metric, "value": v.value, "rule": v.rule} for v in violations],
        "regressions": [{"metric": c.metric, "current": c.current, "baseline": c.baseline, "delta": c.delta,
                         "newly_failing": c.newly_failing, "p_not_worse": c.p_not_worse}
                        for c in changes if c.regression and compared],
        "newly_failing": {c.metric: c.newly_failing for c in changes if c.newly_failing},
        "max_drop": config.max_drop,
        "baseline": {"timestamp": base_meta.get("timestamp"), "commit": (base_meta.get("git") or {}).get("commit"),
                     "compared": compared} if baseline else None,
        "changes": {c.metric: round(c.delta, 6) for c in changes if abs(c.delta) > 1e-12},
    }


def regression_reason(regression: dict[str, Any], config: GateConfig) -> str:
    """Why a metric fails the baseline comparison, naming the items that fell."""
    failing = regression.get("newly_failing") or []
    if regression.get("p_not_worse") is None:
        return f"worse than the baseline by more than {config.max_drop:g}"
    shown = ", ".join(failing[:12]) + (" …" if len(failing) > 12 else "")
    return (f"{len(failing)} item(s) newly fail ({shown}) and the drop is beyond noise "
            f"(paired bootstrap: not worse in {regression['p_not_worse']:.1%} of resamples)")


def interval_text(results: dict[str, Any], metric: str) -> str:
    """"0.86–0.97 (n=87)": the 95 % bootstrap interval and item count of a metric."""
    interval = (results.get("intervals") or {}).get(metric)
    n = len((results.get("items") or {}).get(metric) or {})
    if not interval or not n:
        return ""
    return f"{interval[0]:.2f}–{interval[1]:.2f} (n={n})"


# ---------------------------------------------------------------- chart


def write_chart(results: dict[str, Any], path: Path, target: float | None = None) -> Path | None:
    """Recall@1/3/5 per language (and overall, cross-lingual): system vs baselines."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    retrieval = results["sections"].get("retrieval") or {}
    systems = [(key, label) for key, label in SYSTEMS if key in retrieval]
    groups = [("overall", "overall"), ("cross_lingual", "cross-lingual")] + [(lang, lang) for lang in LANGUAGES]
    colors = {"hybrid": "#1f6feb", "bm25": "#d29922", "dense": "#8b949e"}

    def value(summary: dict[str, Any], group: str, metric: str) -> float:
        block = summary.get(group) if group in ("overall", "cross_lingual") else summary["per_language"].get(group)
        return float((block or {}).get(metric, 0.0))

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(systems))
    for ax, metric in zip(axes, ("recall@1", "recall@3", "recall@5")):
        for i, (key, label) in enumerate(systems):
            values = [value(retrieval[key], g, metric) for g, _ in groups]
            bars = ax.bar(x + (i - (len(systems) - 1) / 2) * width, values, width, label=label, color=colors[key])
            if key == "hybrid":
                for bar, v in zip(bars, values):
                    ax.text(bar.get_x() + bar.get_width() / 2, v + 0.015, f"{v:.2f}", ha="center", va="bottom",
                            fontsize=7)
        ax.set_title(metric.replace("recall", "Recall"))
        ax.set_xticks(x, [label for _, label in groups], rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 1.12)
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        if metric == "recall@5" and target is not None:
            ax.axhline(target, color="#cf222e", linestyle="--", linewidth=1, label=f"Recall@5 threshold {target:g}")
    axes[0].set_ylabel("share of questions")
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    meta = results["meta"]
    fig.suptitle(f"Retrieval recall per language: system vs baselines — {meta['timestamp']}"
                 f"{' (quick subset)' if meta.get('quick') else ''}", fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- markdown


def tool_set_rows(results: dict[str, Any]) -> list[list[str]]:
    """Tool-request figures per written set, dev then test."""
    rows = []
    for split, key in (("dev", "tool_dialogues"), ("test", "test.tool_dialogues")):
        for name, m in ((results["sections"].get(key) or {}).get("per_set") or {}).items():
            def rate(kind: str, m: dict[str, float] = m) -> str:
                n = int(m.get(f"{kind}.n", 0))
                return f"{m[kind + '_right']:.3f} (n = {n})" if n else "—"
            rows.append([name, split, rate("single"), rate("multi"), str(int(m.get("silent_misreads", 0)))])
    return rows


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def headline_rows(results: dict[str, Any], config: GateConfig, changes: dict[str, Change],
                  markdown: bool = True) -> list[tuple[str, list[list[str]]]]:
    metrics = results["metrics"]
    out = []
    for group, items in HEADLINE:
        rows = []
        for metric, label in items:
            if metric not in metrics:
                continue
            value = metrics[metric]
            threshold = config.threshold(metric)
            status = "" if threshold is None else ("✅" if threshold.met_by(value) else "❌")
            change = changes.get(metric)
            delta = change.describe() if change else "—"
            if change and change.regression:
                delta += " ⚠"
            base = fmt(metric, change.baseline) if change else "—"
            test_metric = f"test.{metric}"
            test_value = fmt(test_metric, metrics.get(test_metric)) if test_metric in metrics else "—"
            test_interval = interval_text(results, test_metric)
            rows.append([label, f"`{metric}`" if markdown else metric, fmt(metric, value),
                         interval_text(results, metric), threshold.describe() if threshold else "", base, delta,
                         status, test_value + (f" [{test_interval}]" if test_interval else "")])
        if rows:
            out.append((group, rows))
    return out


def retrieval_rows(results: dict[str, Any], key: str = "retrieval") -> list[list[str]]:
    retrieval = results["sections"].get(key) or {}
    rows = []
    for key, label in SYSTEMS:
        s = retrieval.get(key)
        if not s:
            continue
        row = [label] + [fmt("x", s["overall"].get(m)) for m in RANK_METRICS]
        row += [fmt("x", (s.get("cross_lingual") or {}).get("recall@5")),
                fmt("x", (s.get("same_language") or {}).get("recall@5"))]
        row += [fmt("x", s["per_language"].get(lang, {}).get("recall@5")) for lang in LANGUAGES]
        rows.append(row)
    return rows


RETRIEVAL_HEADER = ["system", "R@1", "R@3", "R@5", "MRR@10", "nDCG@10", "R@5 cross-ling.", "R@5 same-lang."] + [
    f"R@5 {lang}" for lang in LANGUAGES]


def answers_rows(section: dict[str, Any]) -> list[list[str]]:
    cols = ("language", "gold_cited", "answerable_covered", "unanswerable_declined", "citations_verbatim",
            "ungrounded_numbers", "n")
    rows = []
    for name, block in [("overall", section.get("overall") or {})] + [
            (lang, section["per_language"].get(lang) or {}) for lang in LANGUAGES] + [
            ("cross-lingual", section.get("cross_lingual") or {})]:
        if block:
            rows.append([name] + [fmt(c, block.get(c)) for c in cols])
    return rows


ANSWERS_HEADER = ["", "language ok", "gold cited", "answered", "declined", "verbatim", "ungrounded #", "n"]


def per_language_rows(results: dict[str, Any]) -> list[list[str]]:
    s = results["sections"]
    rows = []
    for name, section, metric in (("routing accuracy", "routing", "accuracy"),
                                  ("extraction exact match", "extraction", "exact_match"),
                                  ("conversations passed", "conversations", "passed")):
        block = s.get(section) or {}
        if not block:
            continue
        rows.append([name, fmt("x", (block.get("overall") or {}).get(metric))] + [
            fmt("x", (block.get("per_language") or {}).get(lang, {}).get(metric)) for lang in LANGUAGES])
    return rows


def write_markdown(results: dict[str, Any], path: Path, chart: Path | None, config: GateConfig,
                   changes: list[Change]) -> Path:
    meta, gate = results["meta"], results.get("gate") or {}
    by_metric = {c.metric: c for c in changes}
    status = "✅ passed" if gate.get("passed") else "❌ failed"
    lines = [
        f"# Evaluation report — {meta['timestamp']}",
        "",
        (f"**Gate: {status}** · mode: {meta['mode']}{' ' + meta['url'] if meta.get('url') else ''}"
         f"{' · quick subset' if meta.get('quick') else ''} · commit {meta['git'].get('commit') or '?'}"
         f"{' (uncommitted changes)' if meta['git'].get('dirty') else ''} · {meta['timings']['total']:.0f} s on "
         f"{meta.get('cpus')} CPUs"),
        "",
    ]
    problems = [f"- `{v['metric']}` = {fmt(v['metric'], v['value'])}: {v['rule']}" for v in gate.get("violations", [])]
    problems += [f"- `{r['metric']}` went from {fmt(r['metric'], r['baseline'])} to "
                 f"{fmt(r['metric'], r['current'])} ({r['delta']:+.3f}): {regression_reason(r, config)}"
                 for r in gate.get("regressions", [])]
    if problems:
        lines += ["What fails the gate:", "", *problems, ""]
    base = gate.get("baseline")
    if base:
        lines.append(f"Compared with the baseline of {base.get('timestamp')} (commit {base.get('commit') or '?'})"
                     f"{'' if base.get('compared') else ' — shown only: a quick run is not gated on it'}.")
    else:
        lines.append("No baseline report (`evals/reports/baseline.json`) to compare with.")
    lines.append("")
    if chart is not None:
        lines += [f"![Recall@k per language: system vs baselines]({chart.name})", ""]
    lines += ["## Summary", ""]
    table = []
    for group, rows in headline_rows(results, config, by_metric):
        table += [[f"**{group}**" if i == 0 else "", *row] for i, row in enumerate(rows)]
    lines += ["Dev is the split the system was tuned on; test was written before tuning and is only read when "
              "reporting. Intervals are 95 % bootstrap intervals over the items (n = item count): a difference "
              "inside them is noise.", ""]
    lines += [_md_table(["", "", "metric", "dev", "dev 95 % interval", "threshold", "baseline", "change", "",
                         "test [95 % interval]"], table), ""]
    lines += ["## Retrieval: system vs baselines", "",
              ("Same index for all three: BM25 over the chunks of every language (best score over the language "
               "indexes); dense = the question's vector against the chunk vectors only (no notes); hybrid = the "
               "system (dense + BM25 + multilingual notes, fused)."), "",
              _md_table(RETRIEVAL_HEADER, retrieval_rows(results)), ""]
    ans = results["sections"].get("answers")
    if ans:
        lines += ["## Answers", "", _md_table(ANSWERS_HEADER, answers_rows(ans)), ""]
    if results["sections"].get("test.retrieval") or results["sections"].get("test.answers"):
        lines += ["## Test split (written before tuning)", ""]
        if results["sections"].get("test.retrieval"):
            lines += ["### Retrieval", "", _md_table(RETRIEVAL_HEADER, retrieval_rows(results, "test.retrieval")), ""]
        if results["sections"].get("test.answers"):
            lines += ["### Answers", "", _md_table(ANSWERS_HEADER, answers_rows(results["sections"]["test.answers"])),
                      ""]
    llm = results["sections"].get("answers_llm")
    if llm:
        lines += [f"### With the LLM answerer ({meta.get('llm')})", "",
                  _md_table(ANSWERS_HEADER, answers_rows(llm)), ""]
    lines += ["## Per language", "", _md_table(["", "overall", *LANGUAGES], per_language_rows(results)), ""]
    sets = tool_set_rows(results)
    if sets:
        lines += ["## Tool requests by written set", "",
                  "Each set was written at another time by another writer (`evals/datasets/README.md`); "
                  "*blind* sets were written without seeing the rules, test sets before the tuning they measure.",
                  "", _md_table(["set", "split", "one message right", "dialogues right", "silent misreads"], sets), ""]
    conv = results["sections"].get("conversations") or {}
    if conv.get("scripts"):
        lines += ["## Conversations", "", _md_table(
            ["script", "language", "turns", ""],
            [[s["id"], s["language"], str(s["turns"]), "✅" if s["passed"] else "❌"] for s in conv["scripts"]]), ""]
    ref = results["sections"].get("tool_reference") or {}
    if ref.get("cases"):
        lines += ["## Tool reference values", "", _md_table(
            ["case", "tool", "values", ""],
            [[c["id"], c["tool"], str(c["values"]), "✅" if c["ok"] else "❌ " + "; ".join(c["problems"])]
             for c in ref["cases"]]), ""]
    fails = results.get("failures") or {}
    if any(fails.values()):
        lines += ["## Failures", ""]
        for section, items in fails.items():
            if not items:
                continue
            lines.append(f"**{section}** ({len(items)})")
            lines.append("")
            for item in items[:40]:
                reasons = item.get("reasons") or [json.dumps({k: v for k, v in item.items() if k != "id"},
                                                             ensure_ascii=False)]
                what = f"«{item['message']}»" if item.get("message") else ""
                lines.append(f"- `{item['id']}`{' turn ' + str(item['turn']) if 'turn' in item else ''}"
                             f"{' (' + item['language'] + ')' if item.get('language') else ''}"
                             f"{': ' + what if what else ''} — {'; '.join(reasons)}")
            lines.append("")
    changed = [c for c in changes if abs(c.delta) > 1e-12]
    if base:
        lines += ["## Change against the baseline", ""]
        if changed:
            lines.append(_md_table(["metric", "baseline", "now", "change", "newly failing", "newly passing"], [
                [f"`{c.metric}`", fmt(c.metric, c.baseline), fmt(c.metric, c.current),
                 c.describe() + (" ⚠" if c.regression else ""), ", ".join(c.newly_failing[:10]),
                 ", ".join(c.newly_passing[:10])] for c in changed]))
        else:
            lines.append("No metric changed.")
        lines.append("")
    lines += feedback_markdown(results["sections"].get("feedback"))
    if meta.get("notes"):
        lines += ["## Notes", "", *[f"- {n}" for n in meta["notes"]], ""]
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in meta["timings"].items())
    lines += ["## Run", "", f"- datasets: {json.dumps(meta.get('datasets'))}",
              f"- system: {json.dumps(meta.get('system'), ensure_ascii=False)}", f"- time: {timings}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# ---------------------------------------------------------------- files


def write_reports(results: dict[str, Any], report_dir: Path, config: GateConfig,
                  changes: list[Change]) -> dict[str, Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    stem = stamp(results)
    n = 1
    while (report_dir / f"{stem}.json").exists():
        n += 1
        stem = f"{stamp(results)}-{n}"
    paths = {"json": report_dir / f"{stem}.json", "markdown": report_dir / f"{stem}.md"}
    threshold = config.threshold("retrieval.recall@5")
    chart = write_chart(results, report_dir / f"{stem}.png", threshold.min if threshold else None)
    if chart is not None:
        paths["chart"] = chart
    else:
        results["meta"].setdefault("notes", []).append("matplotlib is not installed: no chart.")
    write_json(results, paths["json"])
    write_markdown(results, paths["markdown"], chart, config, changes)
    return paths


def write_json(results: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- console


def print_console(results: dict[str, Any], config: GateConfig, changes: list[Change], console: Any) -> None:
    from rich.table import Table

    by_metric = {c.metric: c for c in changes}
    table = Table(title="Evaluation", show_lines=False, title_justify="left")
    for col, justify in (("", "left"), ("metric", "left"), ("dev", "right"), ("95 % interval (n)", "right"),
                         ("threshold", "left"), ("baseline", "right"), ("change", "right"), ("", "center"),
                         ("test [95 % interval]", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for group, rows in headline_rows(results, config, by_metric, markdown=False):
        table.add_section()
        for i, row in enumerate(rows):
            change = by_metric.get(row[1])
            delta = row[6]
            if change and change.better is not None:
                delta = f"[{'green' if change.better else 'red'}]{delta}[/]"
            table.add_row(group if i == 0 else "", row[0], row[2], row[3], row[4], row[5], delta, row[7], row[8])
    console.print(table)

    with_baselines = len(results["sections"].get("retrieval") or {}) > 1
    retrieval = Table(title="Retrieval: system vs baselines (same index)" if with_baselines else "Retrieval",
                      title_justify="left")
    for col in RETRIEVAL_HEADER:
        retrieval.add_column(col, justify="left" if col == "system" else "right")
    for row in retrieval_rows(results):
        retrieval.add_row(*row)
    console.print(retrieval)

    for key, title in (("answers", "Answers"), ("answers_llm", f"Answers with the LLM ({results['meta'].get('llm')})")):
        section = results["sections"].get(key)
        if section:
            t = Table(title=title, title_justify="left")
            for col in ANSWERS_HEADER:
                t.add_column(col, justify="right")
            for row in answers_rows(section):
                t.add_row(*row)
            console.print(t)

    per = Table(title="Per language", title_justify="left")
    for col in ["", "overall", *LANGUAGES]:
        per.add_column(col, justify="right")
    for row in per_language_rows(results):
        per.add_row(*row)
    console.print(per)

    fails = results.get("failures") or {}
    conv = fails.get("conversations") or []
    if conv:
        console.print("[bold]Conversation turns that failed[/]")
        for f in conv:
            console.print(f"  {f['id']} turn {f['turn']} «{f['message'][:60]}»: {'; '.join(f['reasons'])}")
    print_feedback(results["sections"].get("feedback"), console)
    for note in results["meta"].get("notes") or []:
        console.print(f"[dim]note: {note}[/]")
