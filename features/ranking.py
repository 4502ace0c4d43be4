"""The one top-k of the project: best score first, ties broken by NIP (ascending).

Shortlists, campaigns, the holdout evaluation and the fairness audits all order candidates with
it, so a candidate's rank on a shortlist is the same wherever it is shown.
"""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, nips: np.ndarray, k: int | None) -> np.ndarray:
    """Indices of the ``k`` best scores (all of them when ``k`` is None), best first.

    Ties are broken by NIP so that the order never depends on the order of the pool.
    """
    scores = np.asarray(scores, dtype=np.float64)
    nips = np.asarray(nips).astype(str)
    n = len(scores)
    if k is None or k >= n:
        candidates = np.arange(n)
    elif n > 4 * k:
        # every score tied with the k-th is kept so that the NIP tie-break sees them all
        kth = -np.partition(-scores, k - 1)[k - 1]
        candidates = np.flatnonzero(scores >= kth)
    else:
        candidates = np.arange(n)
    order = np.lexsort((nips[candidates], -scores[candidates]))
    chosen = candidates[order]
    return (chosen if k is None else chosen[:k]).astype(np.int64)


def top_k_mask(scores: np.ndarray, nips: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    """True for the rows in the first ``k`` of their group (``groups``: sizes of consecutive
    row blocks, as LightGBM's query groups)."""
    out = np.zeros(len(scores), dtype=bool)
    start = 0
    for size in np.asarray(groups, dtype=np.int64):
        stop = start + int(size)
        out[start + top_k(scores[start:stop], nips[start:stop], k)] = True
        start = stop
    return out
