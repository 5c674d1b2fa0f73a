"""YAML reading through libyaml when PyYAML was built with it.

The pure-Python loader takes ~0.25 s for the message catalog alone, and the
catalog, the routing vocabulary and the checklist are all read before the first
answer; libyaml's loader reads the same documents ~10× faster, to the same data.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The data of one YAML document (safe: plain types only)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
