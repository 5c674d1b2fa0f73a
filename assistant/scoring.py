"""Numerics of ranking, written so that float noise cannot flip a result.

Two things make a ranking depend on the machine it runs on: similarities
summed in a different order (BLAS and FAISS pick SIMD kernels per CPU), and
decisions taken on the exact order of near-equal scores. Here:

* similarities are float64 dot products of the float32 vectors: each product
  is exact in float64 and the sum's rounding error (~1e-16) is far below any
  gap that matters, whichever kernel adds them up;
* reciprocal rank fusion uses *soft* ranks: a chunk's rank in a list is one
  plus the sum, over the other chunks, of a sigmoid of their score lead. It
  equals the ordinary rank when scores are well apart and moves smoothly when
  two are close, so a 1e-6 change in a similarity changes the fused score by
  about as much, instead of swapping two whole ranks;
* ties in the fused score are broken by a stable key (the chunk's position in
  the index), never by the sort's whim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def similarities(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Cosine similarities (vectors are unit length) as float64, independent of the BLAS kernel."""
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    return np.asarray(matrix, dtype=np.float64) @ np.asarray(vector, dtype=np.float64).reshape(-1)


def soft_ranks(scores: np.ndarray, eligible: np.ndarray, temperature: float) -> np.ndarray:
    """1-based soft ranks of the eligible entries by descending score (inf for the others).

    `temperature` is in the scores' own units: a lead of several temperatures
    counts as one whole rank, a lead of zero as half of one.
    """
    ranks = np.full(scores.shape[0], np.inf, dtype=np.float64)
    idx = np.flatnonzero(eligible)
    if idx.size == 0:
        return ranks
    values = scores[idx].astype(np.float64)
    if temperature <= 0:
        order = np.lexsort((idx, -values))
        hard = np.empty(idx.size, dtype=np.float64)
        hard[order] = np.arange(1, idx.size + 1)
        ranks[idx] = hard
        return ranks
    lead = np.clip((values[None, :] - values[:, None]) / temperature, -60.0, 60.0)
    beaten_by = 1.0 / (1.0 + np.exp(-lead))
    np.fill_diagonal(beaten_by, 0.0)
    ranks[idx] = 1.0 + beaten_by.sum(axis=1)
    return ranks


@dataclass(frozen=True)
class RankedList:
    """One list's votes: per-chunk soft ranks (inf = no vote) and the list's weight."""

    name: str
    ranks: np.ndarray
    weight: float


def reciprocal_rank_fusion(lists: Sequence[RankedList], k: float) -> np.ndarray:
    """Weighted reciprocal rank fusion: sum of weight / (k + rank) over the lists."""
    fused = np.zeros(lists[0].ranks.shape[0], dtype=np.float64) if lists else np.zeros(0)
    for ranked in lists:
        if ranked.weight > 0:
            fused += ranked.weight / (k + ranked.ranks)
    return fused


def order_by_score(scores: np.ndarray) -> np.ndarray:
    """Indices by descending score; equal scores keep index order (a stable, machine-independent key)."""
    return np.lexsort((np.arange(scores.shape[0]), -scores))
