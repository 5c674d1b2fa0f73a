"""The harness end to end on a quick subset: in-process over the real index, and
through the HTTP API of a live server."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import typer
from rich.console import Console
from typer.testing import CliRunner

from evals.cli import eval_command, run_command
from evals.gate import load_gate
from evals.loopback import free_port, live_server


def quiet() -> Console:
    return Console(file=io.StringIO(), width=160)


def test_quick_run_in_process_writes_a_report(tmp_path: Path, retriever) -> None:
    code = run_command(quick=True, report_dir=tmp_path, retriever=retriever, console=quiet(), err_console=quiet())
    assert code == 0  # without --ci the gate is informational
    [report] = list(tmp_path.glob("*.json"))
    results = json.loads(report.read_text(encoding="utf-8"))
    assert results["meta"]["quick"] and results["meta"]["mode"] == "in-process"
    assert (tmp_path / f"{report.stem}.md").is_file()
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / f"{report.stem}.png").is_file()
    metrics = results["metrics"]
    for threshold in load_gate().thresholds:  # every gated metric is produced
        assert threshold.metric in metrics, threshold.metric
    for system in ("baselines.bm25", "baselines.dense"):
        assert 0 <= metrics[f"{system}.recall@5"] <= 1
    assert metrics["tool_reference.passed"] == 1.0
    assert metrics["answers.citations_verbatim"] == 1.0
    assert results["gate"]["baseline"] is None  # no baseline in tmp_path
    # every headline rate keeps its per-item values and a bootstrap interval around it
    items, intervals = results["items"], results["intervals"]
    assert set(items["retrieval.recall@5"]) <= {i for i in items["retrieval.recall@1"]}
    low, high = intervals["retrieval.recall@5"]
    assert low <= metrics["retrieval.recall@5"] <= high
    assert "95 % interval" in (tmp_path / f"{report.stem}.md").read_text(encoding="utf-8")


def test_a_split_of_its_own_runs_the_test_datasets_under_their_own_names(tmp_path: Path, retriever) -> None:
    from evals.harness import Split, run_eval
    from evals.retrieval import load_retrieval_dataset

    split = Split("test", retrieval=load_retrieval_dataset()[:4])
    results = run_eval(retriever=retriever, splits=[split])
    assert "test.retrieval.recall@5" in results["metrics"] and "retrieval.recall@5" not in results["metrics"]
    assert len(results["items"]["test.retrieval.recall@5"]) == 4


def test_quick_run_cannot_become_the_baseline(tmp_path: Path) -> None:
    assert run_command(quick=True, update_baseline=True, report_dir=tmp_path, console=quiet(),
                       err_console=quiet()) == 2
    assert not list(tmp_path.iterdir())


def test_quick_run_through_the_api(tmp_path: Path, retriever) -> None:
    from api.app import create_app
    from assistant.engine import Assistant
    from assistant.store import SessionStore
    from assistant.settings import Settings
    from tests.conftest import CORPUS

    settings = Settings(corpus_dir=CORPUS, database_url=f"sqlite:///{tmp_path / 'api.db'}", rate_limit_per_minute=0)
    engine = Assistant(settings, retriever=retriever, store=SessionStore(settings.database_url))
    with live_server(create_app(settings, engine=engine)) as url:
        code = run_command(quick=True, url=url, report_dir=tmp_path / "reports", console=quiet(),
                           err_console=quiet())
    assert code == 0
    [report] = list((tmp_path / "reports").glob("*.json"))
    results = json.loads(report.read_text(encoding="utf-8"))
    assert results["meta"]["mode"] == "api" and results["meta"]["system"]["readyz"]["status"] == "ready"
    metrics = results["metrics"]
    assert "baselines.bm25.recall@5" not in metrics  # baselines need the index in-process
    assert metrics["routing.accuracy"] > 0 and metrics["tool_reference.passed"] == 1.0
    assert metrics["conversations.turns_passed"] > 0


def test_an_unreachable_server_is_exit_code_2(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert run_command(quick=True, url=url, report_dir=tmp_path, console=quiet(), err_console=quiet()) == 2


def test_eval_command_is_a_typer_command() -> None:
    app = typer.Typer()
    app.command("eval")(eval_command)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["eval", "--help"])
    assert result.exit_code == 0
    for option in ("--ci", "--url", "--update-baseline", "--report-dir", "--quick"):
        assert option in result.output


def test_the_exit_code_is_the_gate_result_under_the_cli_and_returned_when_called(monkeypatch) -> None:
    from evals import cli

    monkeypatch.setattr(cli, "run_command", lambda **options: 1 if options["ci"] else 0)
    app = typer.Typer()
    app.command("eval")(eval_command)
    app.command("other")(lambda: None)
    assert CliRunner().invoke(app, ["eval", "--ci"]).exit_code == 1
    assert CliRunner().invoke(app, ["eval"]).exit_code == 0
    assert eval_command(ci=True) == 1 and eval_command() == 0


def test_the_llm_answerer_gets_its_own_row_when_configured(tmp_path: Path, retriever, monkeypatch) -> None:
    """With ASSISTANT_LLM set, answers are run a second time through the LLM path;
    a made-up figure in its text is caught as ungrounded."""
    import dataclasses

    import assistant.settings as settings_module
    from assistant.answering import llm

    class InventsAFigure:
        def answer(self, question: str, language: str, search, on_delta=None, fallback=None):
            offline = fallback()
            return dataclasses.replace(offline, text=offline.text + " Roughly 42 % of firms do this.")

    configured = settings_module.get_settings().model_copy(update={"llm": "fake:model"})
    monkeypatch.setattr(settings_module, "get_settings", lambda: configured)
    monkeypatch.setattr(llm, "build_llm_answerer", lambda settings: InventsAFigure())
    assert run_command(quick=True, report_dir=tmp_path, retriever=retriever, console=quiet(),
                       err_console=quiet()) == 0
    [report] = list(tmp_path.glob("*.json"))
    results = json.loads(report.read_text(encoding="utf-8"))
    metrics = results["metrics"]
    assert results["meta"]["llm"] == "fake:model"
    assert metrics["answers.ungrounded_numbers"] == 0  # the system row stays offline
    assert metrics["answers_llm.ungrounded_numbers"] >= 5  # one "42 %" per answered question
    assert "With the LLM answerer" in (tmp_path / f"{report.stem}.md").read_text(encoding="utf-8")
