#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole test suite,
# then the evaluation harness with its thresholds.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh "test,sentence-transformers,bench,llm,postgres"
scripts/system-deps.sh
.venv/bin/python -m pytest "$@"
# The evaluation harness is a client of its own: its quality gate must pass too.
.venv/bin/assistant eval --ci
