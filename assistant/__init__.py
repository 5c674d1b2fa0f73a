"""Nordic outsourcing assistant: retrieval, tools and conversation over a small multilingual corpus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from assistant.retrieval import HybridRetriever

__all__ = ["load_retriever", "__version__"]


def load_retriever(**kwargs: Any) -> "HybridRetriever":
    """A ready `HybridRetriever`, the LangChain retriever (builds the index on first use). Imported lazily so
    that commands which need no model (staffing, costs) start fast."""
    from assistant.retrieval import load_retriever as _load

    return _load(**kwargs)
