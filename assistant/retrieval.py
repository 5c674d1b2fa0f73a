"""Hybrid retrieval over chunks, their sentences and multilingual notes (`HybridSearch`; as a
LangChain retriever: `HybridRetriever`, `load_retriever`).

Measured on this corpus (README, `evals/tuning/`): multilingual-e5-small
prefers passages in the question's language, BM25 matches one language only,
and the curated notes (each passage's summary and user questions in five
languages) are the strongest cross-lingual bridge, but exist only for the
passages someone annotated. Five ranked lists are fused with weighted
reciprocal rank fusion over *soft* ranks (`assistant.scoring`):

* dense: the question against each chunk and against its best sentence, with
  each passage language's offset removed (`SearchIndex.language_offsets`),
  so a Finnish passage competes with a Swedish one on content, not language;
* dense notes: the question against the notes' summaries and questions in all
  five languages, best per chunk;
* BM25 notes: over note texts in the question's language;
* BM25 chunks: over chunks in the question's language family (sv/da/nb share
  words; Finnish and English stand alone);
* BM25 bridge: the question's domain terms translated through the glossary
  (`corpus/glossary.yaml`) into the other languages, over their chunks.

Fairness: a chunk without notes cannot be in the two note lists, so there it
is ranked by its own evidence of the same kind (its dense rank, its lexical
rank) instead of getting no vote: an article added without notes competes on
the signals it has and is not outvoted by signals it cannot have.

`search()` adds whether the corpus covers the question (`assistant.coverage`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.documents import Document as LCDocument

from assistant.coverage import (
    Coverage,
    CoverageFeatures,
    CoverageModel,
    CorpusVocabulary,
    asks_for_amount,
    has_figure,
)
from assistant.errors import InvalidInput
from assistant.glossary import Glossary
from assistant.index import QUESTION, SearchIndex, load_index
from assistant.language import FAMILY, SUPPORTED, detect_language, plausible_languages
from assistant.lexical import tokenize
from assistant.notes import Note
from assistant.scoring import RankedList, order_by_score, reciprocal_rank_fusion, similarities, soft_ranks
from assistant.user_text import clean_user_text

if TYPE_CHECKING:
    from assistant.langchain_retriever import HybridRetriever


def clean_query(text: str, max_chars: int, field_name: str = "question") -> str:
    """Normalise a search query; empty or oversized input is a clear error."""
    return clean_user_text(text, max_chars, field_name)


@dataclass(frozen=True)
class FusionWeights:
    """Weighted reciprocal rank fusion over soft ranks. Chosen on the dev set
    from a plateau of neighbouring settings (evals/tuning/fusion.py), not a peak.

    Temperatures are in the lists' own units: cosine similarity for the dense
    lists, the share of the list's best BM25 score for the lexical ones."""

    dense_chunks: float = 1.0
    dense_notes: float = 1.0
    lexical_notes: float = 0.5
    lexical_chunks: float = 0.25
    lexical_bridge: float = 0.25
    rrf_k: float = 3.0
    dense_temperature: float = 0.01
    lexical_temperature: float = 0.02
    #: How much of each passage language's offset is removed from dense scores (0 = none).
    language_centering: float = 1.0
    #: A chunk's dense score mixes its own similarity with its best sentence's.
    sentence_mix: float = 0.5


@dataclass(frozen=True)
class NoteHit:
    """A curated note that matched the question."""

    note: Note
    #: Best similarity over all the note's vectors (summaries and questions, five languages).
    score: float
    chunk_ids: list[str]
    #: Best similarity over the note's questions in the question's language (-1 when it has none).
    question_score: float = -1.0
    #: Best fused rank (1 = first) of a chunk holding the note's quote.
    chunk_rank: int = 0


@dataclass(frozen=True)
class QuerySignals:
    """The per-item evidence one question produced; arrays align with the index."""

    language: str | None
    vector: np.ndarray
    dense: np.ndarray  # per chunk, centred mix of chunk and best-sentence similarity
    chunk_similarity: np.ndarray  # per chunk, raw cosine
    sentence_similarity: np.ndarray  # per sentence, raw cosine
    note_best: np.ndarray  # per note, best over its vectors
    note_question_best: np.ndarray  # per note, best over its questions in the question's language
    dense_notes: np.ndarray  # per chunk, best note (nan: chunk has no notes)
    lexical_chunks: np.ndarray
    lexical_bridge: np.ndarray
    lexical_notes_per_note: np.ndarray
    lexical_notes: np.ndarray  # per chunk (nan: chunk has no notes)
    fused: np.ndarray  # per chunk
    order: np.ndarray  # chunk indices, best first


@dataclass
class SearchResult:
    question: str
    language: str | None
    hits: list[LCDocument]
    coverage: Coverage
    notes: list[NoteHit] = field(default_factory=list)
    signals: QuerySignals | None = None

    @property
    def covered(self) -> bool:
        """Whether the sources speak to the question at all (fully or in part)."""
        return self.coverage.outcome != "not_covered"

    @property
    def vector(self) -> np.ndarray | None:
        return None if self.signals is None else self.signals.vector


class HybridSearch:
    """Dense (chunks, sentences, notes) and BM25 (chunks, notes, glossary bridge) fused;
    `search()` adds the coverage decision.

    The search itself, without LangChain's `BaseRetriever` (whose import pulls in
    LangChain's tracing and LangSmith, ~0.6 s of a server's cold start that no
    answer needs): the engine and the server use this class, and `HybridRetriever`
    (`assistant.langchain_retriever`, `load_retriever`) is the same search as a
    LangChain retriever.
    """

    k: int
    max_query_chars: int
    weights: FusionWeights
    coverage_model: CoverageModel
    #: Notes below this similarity are not reported as matches at all.
    support_similarity: float
    _index: SearchIndex
    _embeddings: Any
    _glossary: Glossary
    _vocabulary: CorpusVocabulary

    def __init__(self, index: SearchIndex, embeddings: Any, glossary: Glossary | None = None, *, k: int = 5,
                 max_query_chars: int = 2000, weights: FusionWeights | None = None,
                 coverage_model: CoverageModel | None = None, support_similarity: float = 0.83) -> None:
        if not 1 <= k <= 50:
            raise InvalidInput("k", f"must be between 1 and 50, got {k}")
        self.k, self.max_query_chars, self.support_similarity = k, max_query_chars, support_similarity
        self.weights = weights or FusionWeights()
        self.coverage_model = coverage_model or CoverageModel()
        self._attach(index, embeddings, glossary)

    def _attach(self, index: SearchIndex, embeddings: Any, glossary: Glossary | None) -> None:
        self._index = index
        self._embeddings = embeddings
        self._glossary = glossary or Glossary([])
        self._vocabulary = CorpusVocabulary.build(index, self._glossary)
        # Per index build, not per question: each note vector's language as an array, and
        # the (chunk, note) pairs of `chunk_notes` flattened for the per-chunk maxima.
        self._note_vector_language = np.asarray(index.note_vector_language)
        pairs = [(c, n) for c, note_ids in enumerate(index.chunk_notes) for n in note_ids]
        self._pair_chunk = np.array([c for c, _ in pairs], dtype=np.int64)
        self._pair_note = np.array([n for _, n in pairs], dtype=np.int64)

    @property
    def index(self) -> SearchIndex:
        return self._index

    @property
    def embeddings(self) -> Any:
        return self._embeddings

    @property
    def glossary(self) -> Glossary:
        return self._glossary

    # -- full interface --
    def search(self, question: str, k: int = 5, language: str | None = None,
               vector: np.ndarray | None = None) -> SearchResult:
        """Top-k chunks for `question` plus whether the corpus covers it.

        `language` overrides detection (the engine passes the message
        language); `vector` is the question's embedding when the caller has
        already computed it (the engine shares one per turn).
        """
        question = clean_query(question, self.max_query_chars)
        if not 1 <= k <= 50:
            raise InvalidInput("k", f"must be between 1 and 50, got {k}")
        lang = language if language in SUPPORTED else detect_language(question)
        if vector is None:
            vector = np.asarray(self._embeddings.embed_query_np(question), dtype=np.float32)
        signals = self.signals(question, lang, vector)
        hits = [self._document(int(i), signals) for i in signals.order[:k]]
        notes = self._note_hits(signals)
        coverage = self.coverage_model.decide(self._coverage_features(question, lang, signals))
        return SearchResult(question, lang, hits, coverage, notes, signals)

    # -- signals and fusion --
    def signals(self, question: str, lang: str | None, vector: np.ndarray,
                dropped_notes: np.ndarray | None = None) -> QuerySignals:
        """Every list's scores for `question` and their fusion. `dropped_notes`
        (a mask over notes) scores the corpus as if those notes did not exist:
        the ablation that shows an article without notes is not invisible."""
        idx, w = self._index, self.weights
        n_chunks = len(idx.chunks)
        q = np.asarray(vector, dtype=np.float64).reshape(-1)
        chunk_sim = similarities(idx.chunk_matrix, q)
        sentence_sim = similarities(idx.sentence_matrix, q)
        # One product per language (not per chunk): the same numbers, computed once each.
        by_language = {cl: q @ offset for cl, offset in idx.language_offsets.items()}
        offsets = np.array([by_language.get(cl, 0.0) for cl in idx.chunk_language])
        best_sentence = np.full(n_chunks, -np.inf)
        if len(sentence_sim):
            np.maximum.at(best_sentence, idx.sentence_chunk, sentence_sim)
        best_sentence = np.where(np.isfinite(best_sentence), best_sentence, chunk_sim)
        dense = (1 - w.sentence_mix) * chunk_sim + w.sentence_mix * best_sentence - w.language_centering * offsets

        note_sim = similarities(idx.note_matrix, q)
        note_best = np.full(len(idx.notes), -1.0)
        note_question_best = np.full(len(idx.notes), -1.0)
        if len(note_sim):
            np.maximum.at(note_best, idx.note_vector_note, note_sim)
            in_language = (idx.note_vector_kind == QUESTION) & (self._note_vector_language == lang)
            if in_language.any():
                np.maximum.at(note_question_best, idx.note_vector_note[in_language], note_sim[in_language])
        if dropped_notes is not None:
            note_best = np.where(dropped_notes, -1.0, note_best)
            note_question_best = np.where(dropped_notes, -1.0, note_question_best)
        dense_notes = self._per_chunk(note_best, dropped_notes)

        lexical_chunks = np.zeros(n_chunks)
        lexical_bridge = np.zeros(n_chunks)
        per_note = np.zeros(len(idx.notes))
        per_note_expanded = np.zeros(len(idx.notes))
        if lang is not None:
            # In ranking, the question's domain terms also count through their synonyms in its
            # own language ("prøveforløb" ~ "prøveperiode"): in the notes (paraphrases) and, so
            # that a passage without notes competes on the same terms, in its own language's text.
            expanded = " ".join([question, *(t for m in self._glossary.match(question, lang)
                                             for t in m.concept.terms(lang) if t != m.term)])
            for chunk_lang in FAMILY[lang]:
                if chunk_lang in idx.chunk_bm25:
                    lex, chunk_ids = idx.chunk_bm25[chunk_lang]
                    text = expanded if chunk_lang == lang else question
                    lexical_chunks[chunk_ids] = np.maximum(lexical_chunks[chunk_ids], lex.scores(text))
            for target, text in self._glossary.expand(question, lang).items():
                if target in idx.chunk_bm25 and target not in FAMILY[lang]:
                    lex, chunk_ids = idx.chunk_bm25[target]
                    lexical_bridge[chunk_ids] = np.maximum(lexical_bridge[chunk_ids], lex.scores(text))
            for note_lang in plausible_languages(question, lang):
                if note_lang in idx.note_bm25:
                    lex, owners = idx.note_bm25[note_lang]
                    np.maximum.at(per_note, owners, lex.scores(question))
                    np.maximum.at(per_note_expanded, owners, lex.scores(expanded))
        if dropped_notes is not None:
            per_note = np.where(dropped_notes, 0.0, per_note)
            per_note_expanded = np.where(dropped_notes, 0.0, per_note_expanded)
        # The coverage decision keeps the question's own words (`per_note`): synonyms
        # would make any on-topic word look answered.
        lexical_notes = self._per_chunk(per_note_expanded, dropped_notes)

        fused = self._fuse(dense, dense_notes, lexical_chunks, lexical_bridge, lexical_notes,
                           alternatives=(chunk_sim, best_sentence - w.language_centering * offsets))
        return QuerySignals(lang, q, dense, chunk_sim, sentence_sim, note_best, note_question_best, dense_notes,
                            lexical_chunks, lexical_bridge, per_note, lexical_notes, fused, order_by_score(fused))

    def _per_chunk(self, per_note: np.ndarray, dropped: np.ndarray | None) -> np.ndarray:
        """Per chunk, the best value of its notes (not dropped); nan for a chunk without any."""
        chunks, notes = self._pair_chunk, self._pair_note
        if dropped is not None:
            kept = ~np.asarray(dropped, dtype=bool)[notes]
            chunks, notes = chunks[kept], notes[kept]
        out = np.full(len(self._index.chunks), -np.inf)
        np.maximum.at(out, chunks, np.asarray(per_note, dtype=np.float64)[notes])
        has = np.zeros(len(out), dtype=bool)
        has[chunks] = True
        out[~has] = np.nan
        return out

    def _fuse(self, dense: np.ndarray, dense_notes: np.ndarray, lexical_chunks: np.ndarray,
              lexical_bridge: np.ndarray, lexical_notes: np.ndarray,
              alternatives: tuple[np.ndarray, ...] = ()) -> np.ndarray:
        w = self.weights
        everyone = np.ones(len(dense), dtype=bool)
        has_notes = ~np.isnan(dense_notes)
        r_dense = soft_ranks(dense, everyone, w.dense_temperature)
        # A chunk's best dense evidence: the fused view, or its raw or best-sentence similarity alone.
        r_best_dense = np.minimum.reduce([r_dense, *(soft_ranks(a, everyone, w.dense_temperature)
                                                    for a in alternatives)]) if alternatives else r_dense
        r_notes = soft_ranks(np.nan_to_num(dense_notes, nan=-1.0), has_notes, w.dense_temperature)

        def share(values: np.ndarray) -> np.ndarray:
            known = np.nan_to_num(values)
            top = float(np.nanmax(values)) if np.any(known > 0) else 0.0
            return known / top if top > 0 else np.zeros(len(values))

        lc, lb, ln = share(lexical_chunks), share(lexical_bridge), share(lexical_notes)
        r_lc = soft_ranks(lc, lc > 0, w.lexical_temperature)
        r_lb = soft_ranks(lb, lb > 0, w.lexical_temperature)
        r_ln = soft_ranks(ln, has_notes & (ln > 0), w.lexical_temperature)
        chunk_lexical = np.maximum(lc, lb)
        r_chunk_lexical = soft_ranks(chunk_lexical, chunk_lexical > 0, w.lexical_temperature)
        # A chunk without notes is ranked in the note lists by its own evidence of the same kind.
        r_notes = np.where(has_notes, r_notes, r_best_dense)
        r_ln = np.where(has_notes, r_ln, r_chunk_lexical)
        return reciprocal_rank_fusion([
            RankedList("dense", r_dense, w.dense_chunks),
            RankedList("dense_notes", r_notes, w.dense_notes),
            RankedList("lexical_notes", r_ln, w.lexical_notes),
            RankedList("lexical_chunks", r_lc, w.lexical_chunks),
            RankedList("lexical_bridge", r_lb, w.lexical_bridge),
        ], w.rrf_k)

    # -- coverage --
    def _coverage_features(self, question: str, lang: str | None, s: QuerySignals) -> CoverageFeatures:
        top = np.sort(s.fused)[::-1]
        missing, known = self._vocabulary.specific_terms(question, lang or "en")
        best_text = " ".join(self._index.chunks[int(c)].text.lower() for c in s.order[:3])
        named = tuple(t for t in known if t.lower() in best_text)
        return CoverageFeatures(
            best_note_similarity=float(s.note_best.max()) if len(s.note_best) else -1.0,
            best_question_similarity=float(s.note_question_best.max()) if len(s.note_question_best) else -1.0,
            best_lexical=float(s.lexical_notes_per_note.max()) if len(s.lexical_notes_per_note) else 0.0,
            best_dense=float(s.dense.max()) if len(s.dense) else -1.0,
            top_fused=float(top[0]) if len(top) else 0.0,
            fused_gap=float(top[0] - top[1]) if len(top) > 1 else 0.0,
            specific_terms=tuple(missing),
            named_in_passages=named,
            unsupported_words=len(self._vocabulary.unsupported_words(question, lang or "en")),
            content_words=max(1, len([w for w in tokenize(question, lang or "en")])),
            amount_missing=asks_for_amount(question, lang or "en") and not any(
                has_figure(self._index.chunks[int(c)].text) for c in s.order[:3]),
        )

    # -- output --
    def _note_hits(self, s: QuerySignals, limit: int = 5) -> list[NoteHit]:
        idx = self._index
        rank_of = np.empty(len(idx.chunks), dtype=np.int64)
        rank_of[s.order] = np.arange(1, len(s.order) + 1)
        candidates = [int(n) for n in order_by_score(s.note_best)[:limit]
                      if s.note_best[n] >= self.support_similarity]
        return [
            NoteHit(note=idx.notes[n], score=float(s.note_best[n]),
                    chunk_ids=[idx.chunks[c].id for c in idx.note_chunks[n]],
                    question_score=float(s.note_question_best[n]),
                    chunk_rank=int(min((rank_of[c] for c in idx.note_chunks[n]), default=len(idx.chunks))))
            for n in candidates
        ]

    def chunk_note_hits(self, s: QuerySignals, chunk: int) -> list[NoteHit]:
        """The notes whose quote sits in `chunk`, with their match to the question."""
        idx = self._index
        rank_of = np.empty(len(idx.chunks), dtype=np.int64)
        rank_of[s.order] = np.arange(1, len(s.order) + 1)
        chosen = [n for n in idx.chunk_notes[chunk] if s.note_best[n] > -1]
        return [
            NoteHit(note=idx.notes[n], score=float(s.note_best[n]),
                    chunk_ids=[idx.chunks[c].id for c in idx.note_chunks[n]],
                    question_score=float(s.note_question_best[n]),
                    chunk_rank=int(min((rank_of[c] for c in idx.note_chunks[n]), default=len(idx.chunks))))
            for n in chosen
        ]

    def _document(self, i: int, s: QuerySignals) -> LCDocument:
        chunk = self._index.chunks[i]
        note_ids = [self._index.notes[n].id for n in self._index.chunk_notes[i]
                    if s.note_best[n] >= self.support_similarity]
        return LCDocument(
            page_content=chunk.text,
            id=chunk.id,
            metadata={
                "chunk_id": chunk.id,
                "doc_id": chunk.doc_id,
                "title": chunk.title,
                "language": chunk.language,
                "heading": chunk.heading,
                "start_index": chunk.start_index,
                "end_index": chunk.end_index,
                "score": round(float(s.fused[i]), 6),
                "dense_similarity": round(float(s.chunk_similarity[i]), 4),
                "note_similarity": round(float(np.nan_to_num(s.dense_notes[i], nan=-1.0)), 4),
                "note_ids": note_ids,
            },
        )


def load_search(
    settings: Any = None,
    *,
    corpus_dir: Path | None = None,
    index_dir: Path | None = None,
    embeddings: Any = None,
    auto_rebuild: bool | None = None,
    progress: Any = None,
    k: int = 5,
) -> HybridSearch:
    """A ready search (building the index when needed) from `settings` (default: the environment)."""
    return HybridSearch(*_load_parts(settings, corpus_dir, index_dir, embeddings, auto_rebuild, progress), k=k,
                        max_query_chars=_settings(settings).max_query_chars)


def load_retriever(
    settings: Any = None,
    *,
    corpus_dir: Path | None = None,
    index_dir: Path | None = None,
    embeddings: Any = None,
    auto_rebuild: bool | None = None,
    progress: Any = None,
    k: int = 5,
) -> HybridRetriever:
    """A ready LangChain retriever (building the index when needed) from `settings` (default: the environment)."""
    from assistant.langchain_retriever import HybridRetriever

    return HybridRetriever(*_load_parts(settings, corpus_dir, index_dir, embeddings, auto_rebuild, progress), k=k,
                           max_query_chars=_settings(settings).max_query_chars)


def _settings(settings: Any) -> Any:
    from assistant.settings import get_settings

    return settings or get_settings()


def _load_parts(settings: Any, corpus_dir: Path | None, index_dir: Path | None, embeddings: Any,
                auto_rebuild: bool | None, progress: Any) -> tuple[SearchIndex, Any, Glossary]:
    from assistant.embeddings import get_embeddings
    from assistant.glossary import load_glossary

    settings = _settings(settings)
    embeddings = embeddings or get_embeddings(settings=settings)
    corpus = Path(corpus_dir or settings.corpus_dir)
    index = load_index(
        corpus,
        Path(index_dir or settings.index_dir),
        embeddings,
        auto_rebuild=settings.auto_rebuild_index if auto_rebuild is None else auto_rebuild,
        progress=progress,
    )
    return index, embeddings, load_glossary(corpus)


def __getattr__(name: str) -> Any:
    # `HybridRetriever` is defined with LangChain's BaseRetriever, imported only when asked for.
    if name == "HybridRetriever":
        from assistant.langchain_retriever import HybridRetriever

        return HybridRetriever
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
