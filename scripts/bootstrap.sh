#!/usr/bin/env bash
# Create .venv at the repo root (if missing) and install the project with the
# given extras. Re-running is cheap: the install is skipped while pyproject.toml
# and the extras are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${extras//[^a-z,-]/}"
if [ ! -f "$stamp" ]; then
  if [[ "$extras" == *sentence-transformers* ]]; then
    # The CPU build of torch, as a local wheel; a plain `torch` pulls a multi-GB CUDA build.
    .venv/bin/python -m pip install --quiet "torch==2.13.0"
  fi
  target="."
  [ -n "$extras" ] && target=".[$extras]"
  .venv/bin/python -m pip install --quiet -e "$target"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
