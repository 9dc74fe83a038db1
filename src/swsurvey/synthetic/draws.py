"""Counts and exact draws: scaled counts, categories in exact proportions, rows picked at random.

Every draw takes the wave's one ``numpy.random.Generator`` (no global RNG), so the order of the
calls fixes the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def scaled(n: int, scale: float, floor: int = 0) -> int:
    """``n * scale`` rounded half up, at least ``floor`` (so small waves keep every kind of row)."""
    return max(floor, int(np.floor(n * scale + 0.5)))


def _allocate(shares: Sequence[float], n: int) -> np.ndarray:
    """Split n into integer counts proportional to shares (largest remainder)."""
    p = np.asarray(shares, float) / np.sum(shares)
    raw = p * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def exact_categories(rng: np.random.Generator, shares: Sequence[float], n: int) -> np.ndarray:
    """Category indices 0..K-1 in exactly the proportions of shares, in random order."""
    out = np.repeat(np.arange(len(shares)), _allocate(shares, n))
    rng.shuffle(out)
    return out


def categories(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One independent categorical draw per row of a (rows x K) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def pick(rng: np.random.Generator, mask: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask of exactly min(k, available) rows drawn at random from mask."""
    out = np.zeros(len(mask), bool)
    idx = np.flatnonzero(mask)
    out[rng.choice(idx, size=min(k, len(idx)), replace=False)] = True
    return out


def by_code(table: dict[int, Any], codes: np.ndarray) -> np.ndarray:
    """``np.array([table[c] for c in codes])`` without a Python loop over the rows."""
    keys = np.unique(codes)
    rows = np.array([table[int(c)] for c in keys])
    return rows[np.searchsorted(keys, codes)]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
