"""Fixtures of the load and fault tests: one built index for the whole session,
server processes that are always killed, an offline reference server. The
throwaway PostgreSQL cluster (`postgres`) is shared from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.loopback import copy_index, prepare_index
from tests.load.servers import ServerPool, ServerProcess, base_settings



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
