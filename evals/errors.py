"""The harness's own error: what `assistant eval` reports as one line and exit code 2."""

from __future__ import annotations


class EvalError(Exception):
    """The harness cannot run (server unreachable, bad response, a bad dataset)."""
