"""The message catalog: every sentence the assistant authors, in sv, fi, da, nb, en.

Logic refers to messages by key; `t(key, lang, **values)` formats one. A key
missing a language is a load-time error, not a silent English fallback.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.language import SUPPORTED
from assistant.yaml_io import load_yaml

CATALOG_PATH = Path(__file__).with_name("messages.yaml")


class CatalogError(Exception):
    pass


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    data = load_yaml(CATALOG_PATH.read_text(encoding="utf-8"))
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict) and set(node) >= set(SUPPORTED) and all(isinstance(v, str) for v in node.values()):
            missing = [lang for lang in SUPPORTED if not node.get(lang, "").strip()]
            if missing:
                raise CatalogError(f"messages.yaml: '{prefix}' lacks {', '.join(missing)}")
            flat[prefix] = node
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            raise CatalogError(f"messages.yaml: '{prefix}' must have all of {', '.join(SUPPORTED)}")

    walk("", data)
    return flat


def t(key: str, lang: str, **values: Any) -> str:
    """The message `key` in `lang`, formatted with `values`."""
    entry = catalog().get(key)
    if entry is None:
        raise KeyError(f"no message '{key}' in the catalog")
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def has(key: str) -> bool:
    return key in catalog()
