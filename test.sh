#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole test suite,
# then the evaluation harness with its quality gate. Both always run, so a CI
# log shows both verdicts; the exit code is non-zero if either failed.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh "test,sentence-transformers,bench,llm,postgres"
scripts/system-deps.sh
status=0
.venv/bin/python -m pytest "$@" || status=$?
# The evaluation harness is a client of its own: its quality gate must pass too.
gate=0
.venv/bin/assistant eval --ci || gate=$?
echo "pytest: $([ $status -eq 0 ] && echo passed || echo "FAILED (exit $status)"); eval gate: $([ $gate -eq 0 ] && echo passed || echo "FAILED (exit $gate)")"
[ $status -eq 0 ] && [ $gate -eq 0 ]
