"""Ranking numerics: exact similarities, soft ranks, fusion, stable ties."""

from __future__ import annotations

import numpy as np

from assistant.scoring import RankedList, order_by_score, reciprocal_rank_fusion, similarities, soft_ranks


def test_similarities_are_float64_dot_products_of_the_float32_vectors() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((5, 384)).astype(np.float32)
    vector = rng.standard_normal(384).astype(np.float32)
    got = similarities(matrix, vector)
    assert got.dtype == np.float64
    assert np.allclose(got, matrix.astype(np.float64) @ vector.astype(np.float64), rtol=0, atol=1e-12)


def test_soft_ranks_equal_ordinary_ranks_when_scores_are_well_apart() -> None:
    ranks = soft_ranks(np.array([0.9, 0.5, 0.7]), np.ones(3, bool), temperature=0.01)
    assert np.allclose(ranks, [1, 3, 2], atol=1e-6)


def test_equal_scores_share_a_rank_and_a_tiny_change_moves_it_a_little() -> None:
    tied = soft_ranks(np.array([0.8, 0.8]), np.ones(2, bool), temperature=0.01)
    assert np.allclose(tied, [1.5, 1.5])
    nudged = soft_ranks(np.array([0.8 + 1e-6, 0.8]), np.ones(2, bool), temperature=0.01)
    assert np.all(np.abs(nudged - tied) < 1e-3)


def test_ineligible_entries_get_no_vote() -> None:
    ranks = soft_ranks(np.array([0.9, 0.1, 0.5]), np.array([True, False, True]), temperature=0.0)
    assert ranks[1] == np.inf and ranks[0] == 1 and ranks[2] == 2
    fused = reciprocal_rank_fusion([RankedList("a", ranks, 1.0)], k=3)
    assert fused[1] == 0.0 and fused[0] > fused[2]


def test_equal_fused_scores_keep_index_order() -> None:
    assert order_by_score(np.array([0.2, 0.5, 0.5, 0.1])).tolist() == [1, 2, 0, 3]
