"""The command line (`assistant ...`, `python -m cli ...`).

The one package that may import `assistant`, `api` and `evals` alike: the
library (`assistant`), the HTTP and Slack front ends (`api`) and the harness
(`evals`) never import it (tests/test_architecture.py holds them to that)."""
