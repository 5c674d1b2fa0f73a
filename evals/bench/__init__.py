"""Benchmarks: scripts that print figures and assert nothing (not run by pytest).
Run each as `.venv/bin/python evals/bench/<name>.py --help`."""
