"""`python -m evals`: the evaluation command (same as `assistant eval`)."""

from evals.cli import main

main()
