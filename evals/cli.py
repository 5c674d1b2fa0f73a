"""`assistant eval`: run the evaluation, print the tables, write the reports and,
with --ci, fail on a metric below its threshold or fallen below the baseline.

Registered in `cli/main.py` as `assistant eval`; `python -m evals` runs the
same command on its own.

Exit codes: 0 = ran (and, with --ci, passed the gate); 1 = the gate failed;
2 = the run could not be done (server unreachable, bad configuration).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

REPORT_DIR = Path(__file__).resolve().parent / "reports"


class _RichStages:
    """Drives a rich progress bar (stderr) from the harness's stage callbacks;
    prints one line per stage instead when stderr is not a terminal (CI logs)."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(TextColumn("[bold]{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console, transient=False, disable=not self.live)
        self.tasks: dict[str, Any] = {}
        self.started: dict[str, float] = {}

    def __enter__(self) -> _RichStages:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def _line(self, name: str, total: int) -> None:
        if not self.live:
            self.console.print(f"{name}: {total} done in {time.perf_counter() - self.started[name]:.1f} s")

    def stage(self, name: str, total: int) -> Any:
        task = self.progress.add_task(name, total=total)
        self.started[name] = time.perf_counter()
        done = [0]
        if total == 0:
            self._line(name, 0)

        def step() -> None:
            done[0] += 1
            self.progress.update(task, completed=done[0])
            if done[0] == total:
                self._line(name, total)

        return step

    def update(self, name: str, done: int, total: int) -> None:
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=total)
            self.started[name] = time.perf_counter()
        self.progress.update(self.tasks[name], completed=done, total=total)
        if done == total:
            self._line(name, total)


def run_command(*, ci: bool = False, url: str | None = None, update_baseline: bool = False,
                report_dir: Path | None = None, quick: bool = False, retriever: Any = None,
                thresholds: Path | None = None, console: Any = None, err_console: Any = None,
                split: str = "all") -> int:
    """The whole command; returns the exit code (see the module docstring)."""
    from rich.console import Console

    from evals.errors import EvalError
    from evals.gate import (
        check_thresholds,
        compare_with_baseline,
        load_baseline,
        load_gate,
    )
    from evals.harness import DATASETS, load_split, run_eval
    from evals.report import gate_summary, print_console, regression_reason, write_json, write_reports

    if console is None:
        console = Console()
        if not console.is_terminal or console.width < 120:  # CI logs: wide enough for the tables
            console = Console(width=140)
    err = err_console or Console(stderr=True)
    report_dir = Path(report_dir) if report_dir else REPORT_DIR
    if update_baseline and quick:
        err.print("[red]error:[/] a --quick run is a subset and cannot become the baseline")
        return 2
    try:
        config = load_gate(thresholds)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/] thresholds: {exc}")
        return 2
    if split not in ("all", "dev", "test"):
        err.print(f"[red]error:[/] --split must be all, dev or test, not {split!r}")
        return 2
    if update_baseline and split != "all":
        err.print("[red]error:[/] the baseline holds both splits: run --update-baseline without --split")
        return 2
    splits = None
    if split != "all":
        folder = DATASETS if split == "dev" else DATASETS / "test"
        if not folder.is_dir():
            err.print(f"[red]error:[/] no {split} split at {folder}")
            return 2
        splits = [load_split(split, folder)]
    try:
        with _RichStages(err) as stages:
            results = run_eval(url=url, quick=quick, retriever=retriever, stages=stages,  # type: ignore[arg-type]
                               splits=splits)
    except EvalError as exc:
        err.print(f"[red]error:[/] {exc}")
        return 2
    from evals.feedback import feedback_section

    results["sections"]["feedback"] = feedback_section()  # visitors' ratings: reported, never gated

    baseline_path = report_dir / "baseline.json"
    baseline = load_baseline(baseline_path)
    compared = baseline is not None and not quick
    violations = check_thresholds(results["metrics"], config)
    changes = compare_with_baseline(results["metrics"], (baseline or {}).get("metrics"), config,
                                    results.get("items"), (baseline or {}).get("items"))
    results["gate"] = gate_summary(results, config, violations, changes, baseline, compared)
    paths = write_reports(results, report_dir, config, changes)

    print_console(results, config, changes, console)
    gate = results["gate"]
    if gate["passed"]:
        console.print("[bold green]Gate passed[/]" + ("" if ci else " (informational: run with --ci to enforce)"))
    else:
        console.print("[bold red]Gate failed[/]" + ("" if ci else " (informational: run with --ci to enforce)"))
        for v in violations:
            console.print(f"  [red]✗[/] {v.message()}")
        for r in gate["regressions"]:
            console.print(f"  [red]✗[/] {r['metric']} = {r['current']:.4g}, worse than the baseline "
                          f"{r['baseline']:.4g} ({r['delta']:+.3f}): {regression_reason(r, config)}")
    if baseline is None:
        console.print(f"[dim]no baseline at {baseline_path}: nothing to compare with[/]")
    elif quick:
        console.print("[dim]quick run: the baseline comparison is shown but not enforced[/]")
    for kind, path in paths.items():
        console.print(f"{kind}: {path}")
    if update_baseline:
        write_json(results, baseline_path)
        console.print(f"baseline updated: {baseline_path}")
    console.print(f"[dim]{results['meta']['timings']['total']:.1f} s[/]")
    return 1 if ci and not gate["passed"] else 0


def eval_command(
    ci: Annotated[bool, typer.Option("--ci", help="Exit 1 when a metric is below its threshold "
                                     "(evals/thresholds.toml) or fell more than max_drop below the baseline.")] = False,
    url: Annotated[str | None, typer.Option("--url", help="Evaluate a running server through its API "
                                            "(e.g. http://127.0.0.1:8000) instead of the in-process engine.")] = None,
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="Save this run as "
                                                  "evals/reports/baseline.json (commit it).")] = False,
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="Where reports go "
                                                    "(default: evals/reports/).")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="A small subset, for a smoke test.")] = False,
    split: Annotated[str, typer.Option("--split", help="Which datasets: all (default), dev (tuned on) "
                                       "or test (written before tuning, for reporting).")] = "all",
) -> int:
    """Evaluate retrieval, answers, routing, tools and conversations; print tables and write
    evals/reports/<timestamp>.json/.md/.png, with baselines and the change against the last baseline."""
    code = run_command(ci=ci, url=url, update_baseline=update_baseline, report_dir=report_dir, quick=quick,
                       split=split)
    if code and _invoked_by_cli():
        raise typer.Exit(code)  # under the CLI the exit code is the result (a return value is ignored)
    return code


def _invoked_by_cli() -> bool:
    """Whether a typer/click command invocation is running (typer ≥ 0.20 vendors click)."""
    import importlib

    for module in ("typer._click.globals", "click"):
        try:
            context = importlib.import_module(module).get_current_context(silent=True)
        except (ImportError, AttributeError):
            continue
        if context is not None:
            return True
    return False


def main() -> None:  # pragma: no cover - console entry point
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(eval_command)
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
