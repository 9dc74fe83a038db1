"""Fast exact draws: numpy's scalar draws replayed in Python, the same numbers without numpy's
per-call cost, and many bounded integers drawn at once as numpy would draw them one by one.

The row-by-row parts of the generator (names, e-mail addresses, phone numbers, free text,
response IDs) use these; the bit generator is left exactly where numpy's own calls would have
left it, so every later draw is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


_MASK32 = 0xFFFFFFFF
_UNIFORM = 1.0 / 9007199254740992.0  # 2**-53: numpy's double from the top 53 bits of a word


class ScalarDraws:
    """The Generator's scalar ``random()``, ``integers(lo, hi)`` and ``choice(seq)``, in Python.

    Row-by-row generation (names, e-mail addresses, phone numbers, free text) makes a few
    scalar draws per row; numpy spends about a microsecond on each call's overhead, which
    dominates a million-row wave. This replays numpy's own algorithms on the bit generator's
    raw 64-bit words (read in blocks): a double is the top 53 bits of one word; a bounded
    integer is Lemire's method on 32-bit halves, the second half of a word kept for the next
    one, as PCG64 does. On leaving the ``with`` block the bit generator is put exactly where
    numpy's own calls would have left it (:meth:`close`), so every later draw is unchanged.
    """

    _BLOCK = 4096

    def __init__(self, rng: np.random.Generator) -> None:
        self._bits = rng.bit_generator
        self._saved = self._bits.state
        self._has_half = self._saved["has_uint32"]
        self._half = self._saved["uinteger"]
        self._words: list[int] = []
        self._next = 0
        self._used = 0

    def __enter__(self) -> ScalarDraws:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _word(self) -> int:
        if self._next == len(self._words):
            self._words = self._bits.random_raw(self._BLOCK).tolist()
            self._next = 0
        word = self._words[self._next]
        self._next += 1
        self._used += 1
        return word

    def _uint32(self) -> int:
        if self._has_half:
            self._has_half = 0
            return self._half
        word = self._word()
        self._has_half, self._half = 1, word >> 32
        return word & _MASK32

    def random(self) -> float:
        """As ``Generator.random()``."""
        return (self._word() >> 11) * _UNIFORM

    def below(self, n: int) -> int:
        """As ``Generator.integers(0, n)`` for 1 <= n <= 2**32 (Lemire's method, as numpy)."""
        if n == 1:
            return 0
        m = self._uint32() * n
        if (m & _MASK32) < n:
            threshold = (0x100000000 - n) % n
            while (m & _MASK32) < threshold:
                m = self._uint32() * n
        return m >> 32

    def integers(self, low: int, high: int) -> int:
        """As ``Generator.integers(low, high)`` (a scalar)."""
        return low + self.below(high - low)

    def choice(self, options: Sequence[Any]) -> Any:
        """As ``Generator.choice(options)`` (one element, uniform)."""
        return options[self.below(len(options))]

    def close(self) -> None:
        """Leave the bit generator exactly where numpy's own scalar calls would have."""
        self._bits.state = self._saved
        self._bits.advance(self._used)
        state = self._bits.state
        state["has_uint32"], state["uinteger"] = self._has_half, self._half
        self._bits.state = state


def bounded_integers(rng: np.random.Generator, n: np.ndarray) -> np.ndarray:
    """``[rng.integers(0, k) for k in n]`` (each 2 <= k < 2**32), vectorised, the same numbers.

    numpy draws each from one 32-bit half-word by Lemire's method, rejecting a half-word
    (probability below k / 2**32) and taking the next; a rejection shifts the rest by one.
    """
    n = np.asarray(n, np.uint64)
    threshold = (np.uint64(1 << 32) - n) % n
    out = np.empty(len(n), np.uint64)
    done = 0
    raw = rng.integers(0, 1 << 32, size=len(n), dtype=np.uint32).astype(np.uint64)
    while done < len(n):
        m = raw * n[done:]
        rejected = (m & np.uint64(_MASK32)) < threshold[done:]
        if not rejected.any():
            out[done:] = m >> np.uint64(32)
            break
        j = int(np.argmax(rejected))
        out[done : done + j] = m[:j] >> np.uint64(32)
        done += j
        more = rng.integers(0, 1 << 32, size=1, dtype=np.uint32).astype(np.uint64)
        raw = np.concatenate([raw[j + 1 :], more])
    return out.astype(np.int64)
