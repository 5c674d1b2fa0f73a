#!/usr/bin/env bash
# Start the assistant's HTTP server on embedded defaults (http://127.0.0.1:8000).
# First run: creates .venv, installs the project and builds the index.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh ""
exec .venv/bin/assistant serve "$@"
