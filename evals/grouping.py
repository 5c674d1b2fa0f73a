"""Metrics per group (language, intent, tool): every summary splits its rows the same way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Row = dict[str, Any]


def per_group(rows: list[Row], key: str, metrics: Callable[[list[Row]], dict[str, float]]) -> dict[str, Any]:
    """`metrics` of the rows sharing each value of `row[key]`, in sorted order of the values."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return {group: metrics(members) for group, members in sorted(groups.items())}
