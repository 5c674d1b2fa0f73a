"""Fixtures of the load and fault tests: one built index for the whole session,
server processes that are always killed, an offline reference server, and a
throwaway PostgreSQL cluster (scripts/postgres.sh)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.loopback import ROOT, copy_index, free_port, prepare_index
from tests.load.servers import ServerPool, ServerProcess, base_settings

POSTGRES_SCRIPT = ROOT / "scripts" / "postgres.sh"


@pytest.fixture(scope="session")
def load_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A current index in a temp folder, shared (read-only) by every server of the
    session: a copy of the repository's index/ when that one is current, else a
    fresh build (~60 s on 2 cores). Checked with the real CLI in a subprocess."""
    target = tmp_path_factory.mktemp("load-index") / "index"
    prepare_index(target)
    return target


@pytest.fixture
def private_index(tmp_path: Path, load_index_dir: Path) -> Path:
    """A writable copy of the built index, for tests that damage it."""
    return copy_index(load_index_dir, tmp_path / "index")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[ServerPool]:
    pool = ServerPool(tmp_path)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def offline_server(tmp_path_factory: pytest.TempPathFactory, load_index_dir: Path) -> Iterator[ServerProcess]:
    """One offline server (SQLite, no rate limit) for the whole session: the load
    test's target, and the reference for what the offline answer is."""
    workdir = tmp_path_factory.mktemp("offline-server")
    pool = ServerPool(workdir)
    try:
        server = pool.new("offline", base_settings(load_index_dir, f"sqlite:///{workdir / 'sessions.db'}"))
        server.start().wait_ready()
        yield server
    finally:
        pool.close()


class Postgres:
    """The throwaway cluster made by scripts/postgres.sh (stop/start for outage tests)."""

    def __init__(self, folder: str, port: int) -> None:
        self.folder, self.port, self.url = folder, port, ""

    def _run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(["bash", str(POSTGRES_SCRIPT), *args], capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"scripts/postgres.sh {' '.join(args)} did not finish within {exc.timeout} s")

    def start(self) -> str:
        done = self._run("start", self.folder, str(self.port), "assistant")
        if done.returncode != 0:
            pytest.fail(f"scripts/postgres.sh could not start PostgreSQL (exit {done.returncode}):\n"
                        f"{done.stderr[-3000:]}")
        self.url = done.stdout.strip().splitlines()[-1]
        assert self.url.startswith("postgresql+psycopg://"), done.stdout
        return self.url

    def stop(self, *extra: str) -> None:
        done = self._run("stop", self.folder, *extra, timeout=120)
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL server on loopback for the session (installed with apt when
    missing). Fails, never skips, when it cannot be had: CI machines have apt."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("the PostgreSQL tests need the driver: install the project's 'postgres' extra "
                    "(pip install -e '.[postgres]', i.e. psycopg[binary])")
    # Not under pytest's private 0700 temp root: the cluster belongs to the `postgres` user.
    server = Postgres(tempfile.mkdtemp(prefix="assistant-load-pg-", dir="/tmp"), free_port())
    try:
        server.start()
        yield server
    finally:
        subprocess.run(["bash", str(POSTGRES_SCRIPT), "stop", server.folder, "--remove"], capture_output=True,
                       timeout=120, check=False)
        shutil.rmtree(server.folder, ignore_errors=True)
