"""`HybridRetriever`: the hybrid search (`assistant.retrieval.HybridSearch`) as a LangChain retriever.

In its own module because LangChain's `BaseRetriever` brings LangChain's
callbacks, tracers and LangSmith with it (~0.6 s of imports): the server and the
engine search with `HybridSearch` and never pay for them; code that wants a
LangChain `Runnable` (`invoke`, chains) loads this one (`load_retriever`), which
also makes the embedding backends LangChain `Embeddings` for its type checks.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from assistant.coverage import CorpusVocabulary, CoverageModel
from assistant.embeddings import _CachedEmbeddings
from assistant.glossary import Glossary
from assistant.index import SearchIndex
from assistant.retrieval import FusionWeights, HybridSearch


class HybridRetriever(HybridSearch, BaseRetriever):
    """The same search, configured through pydantic fields (LangChain retrievers are models)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    k: int = Field(5, ge=1, le=50)
    max_query_chars: int = 2000
    weights: FusionWeights = FusionWeights()
    coverage_model: CoverageModel = CoverageModel()
    #: Notes below this similarity are not reported as matches at all.
    support_similarity: float = 0.83
    _index: SearchIndex = PrivateAttr()
    _embeddings: Any = PrivateAttr()
    _glossary: Glossary = PrivateAttr()
    _vocabulary: CorpusVocabulary = PrivateAttr()

    def __init__(self, index: SearchIndex, embeddings: Any, glossary: Glossary | None = None, **kwargs: Any) -> None:
        BaseRetriever.__init__(self, **kwargs)
        self._attach(index, embeddings, glossary)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[LCDocument]:
        return self.search(query, k=self.k).hits


# The embedding backends implement LangChain's Embeddings interface without importing it
# (assistant.embeddings); with LangChain in use they are Embeddings for its type checks too.
Embeddings.register(_CachedEmbeddings)
