"""The one top-k: best first, ties by NIP whatever the pool's order."""

from __future__ import annotations

import numpy as np

from features.ranking import top_k, top_k_mask


def test_ties_are_broken_by_nip_not_by_pool_order():
    scores = np.array([1.0, 2.0, 2.0, 0.5, 2.0])
    nips = np.array(["5", "3", "1", "4", "2"])
    assert nips[top_k(scores, nips, 3)].tolist() == ["1", "2", "3"]
    flipped = top_k(scores[::-1], nips[::-1], 3)
    assert nips[::-1][flipped].tolist() == ["1", "2", "3"]


def test_large_pool_keeps_every_tie_of_the_kth():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=200).astype(float)
    nips = np.array([f"{i:04d}" for i in rng.permutation(200)])
    brute = sorted(range(200), key=lambda i: (-scores[i], nips[i]))[:7]
    assert top_k(scores, nips, 7).tolist() == brute
    assert len(top_k(scores, nips, None)) == 200


def test_mask_per_group():
    scores = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    nips = np.array(["a", "b", "c", "d", "e"])
    assert top_k_mask(scores, nips, np.array([3, 2]), 1).tolist() == [
        False,
        True,
        False,
        True,
        False,
    ]
