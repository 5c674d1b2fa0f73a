#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh "test,sentence-transformers,bench,llm"
.venv/bin/python -m pytest "$@"
