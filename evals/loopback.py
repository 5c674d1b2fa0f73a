"""Servers on loopback for the harness's own tests, the benchmarks and the load
suite: free ports, a clean environment for server processes, a built index for
them, stopping them, and an app served in a thread."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any ASSISTANT_*/SLACK_* setting, plus `settings`:
    a server process sees exactly the configuration it is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "SLACK_"))}
    env.update(PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(settings)
    return env


def copy_index(source: Path, target: Path) -> Path:
    """Copy the build `source/current` points to into `target` (with its own `current` link)."""
    build = (source / "current").resolve()
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(build, target / build.name)
    os.symlink(build.name, target / "current")
    return target


def prepare_index(target: Path) -> str:
    """A current index in `target` for server processes: a copy of the repository's
    index/ when that one is current (checked with the real CLI), else a fresh
    build (~60 s on 2 cores). Returns which of the two it was."""
    env = clean_env(ASSISTANT_INDEX_DIR=str(target))
    if (ROOT / "index" / "current" / "manifest.json").exists():
        try:
            copy_index(ROOT / "index", target)
        except (OSError, shutil.Error):  # swapped by a concurrent `assistant index build`: build our own
            shutil.rmtree(target, ignore_errors=True)
        else:
            status = subprocess.run([PYTHON, "-m", "cli", "index", "status"], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=300, check=False)
            if status.returncode == 0:
                return "copied from index/ (current)"
            shutil.rmtree(target)
    build = subprocess.run([PYTHON, "-m", "cli", "index", "build"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=900, check=False)
    if build.returncode != 0:
        raise RuntimeError(f"index build failed:\n{build.stdout[-2000:]}\n{build.stderr[-3000:]}")
    return "built for this run"


def stop_process_group(proc: subprocess.Popen[Any], grace: float = 15.0) -> None:
    """SIGTERM the process group `proc` leads (a graceful uvicorn shutdown), SIGKILL
    what is left after `grace` seconds (workers included), and reap `proc`."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@contextmanager
def live_server(app: Any, timeout: float = 30.0) -> Iterator[str]:
    """Serve the ASGI `app` with uvicorn on 127.0.0.1 in a thread; yields the base URL
    once /healthz answers 200."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
