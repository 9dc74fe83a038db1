"""The Hadamard matrices of R's ``brrweights`` (survey:::hadamard), which assign the
half-samples of balanced repeated replication (McCarthy 1969; Wolter 2007, ch. 3):
precomputed ones (orders 4, 16, 28, 36, from Sloane's library as R ships them), Paley's
construction or Sylvester's doubling, whichever R picks for the number of strata.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["hadamard"]

#: R's survey package's precomputed Hadamard matrices of orders 28 and 36 (hadamard.list,
#: from Sloane's library), 0/1 rows; orders 4 and 16 are Sylvester's.
_PRECOOKED = {
    28: """
1111111111111111111111111111 1001110001110001110001111000 1000001111001101001101111000
1000001110110010111001100110 1001101000001111100011010110 1001010100101100010110101110
1000110011010010001110011110 0101100010101010011111110000 0100010110110101100111010100
0100011011001011110010101100 0101011000010111011101001010 0100101101100100111010011010
0101100101011001101100100110 0010110100011110101011101000 0011011001100110101100110100
0010101100111011010100011100 0011000111010111010010110010 0011001011111000100111001010
0010110011101101011001000110 1110101001010100010111100100 1111000101100011001011001100
1111000010011100111000011100 1110010101001010110101010010 1110011000111001001010110010
1110100010100111100100101010 1101111111111110000000000000 1011111110000001111110000000
0111111110000000000001111110""",
    36: """
111111111111111111111111111111111111 010111000111110111001000010101100100
101110001111101110010000101011001000 011100011111011100100001010110010010
111000111110111001000010101100100100 110001111101110010000101011001001010
100011111011100100001010110010010110 000111110111001000010101100100101110
001111101110010000101011001001011100 011111011100100001010110010010111000
111110111001000010101100100101110000 111101110010000101011001001011100010
111011100100001010110010010111000110 110111001000010101100100101110001110
101110010000101011001001011100011110 011100100001010110010010111000111110
111001000010101100100101110001111100 110010000101011001001011100011111010
100100001010110010010111000111110110 001000010101100100101110001111101110
010000101011001001011100011111011100 100001010110010010111000111110111000
000010101100100101110001111101110010 000101011001001011100011111011100100
001010110010010111000111110111001000 010101100100101110001111101110010000
101011001001011100011111011100100000 010110010010111000111110111001000010
101100100101110001111101110010000100 011001001011100011111011100100001010
110010010111000111110111001000010100 100100101110001111101110010000101010
001001011100011111011100100001010110 010010111000111110111001000010101100
100101110001111101110010000101011000 001011100011111011100100001010110010""",
}
_SIZES = (4, 16, 28, 36)
#: R's paley() primes: those up to 7919 that are 3 mod 4.
_PRIMES = tuple(p for p in range(3, 7920, 4) if all(p % d for d in range(3, int(p**0.5) + 1, 2)))


def _precooked(size: int) -> np.ndarray:
    if size in _PRECOOKED:
        return np.array([[int(c) for c in row] for row in _PRECOOKED[size].split()], dtype=np.int8)
    i = np.arange(size)
    parity = np.vectorize(lambda v: bin(v).count("1") % 2)(i[:, None] & i[None, :])
    return (1 - parity).astype(np.int8)


def _double(H: np.ndarray) -> np.ndarray:
    return np.block([[H, H], [H, 1 - H]]).astype(np.int8)


def _paley_prime(p: int) -> np.ndarray:
    m = np.add.outer(np.arange(p), np.arange(p)) % p
    residues = {0, 1} | {(i * i) % p for i in range(1, (p - 1) // 2 + 1)}
    body = (~np.isin(m, list(residues))).astype(np.int8)
    out = np.ones((p + 1, p + 1), dtype=np.int8)
    out[1:, 1:] = body
    return out


def _paley(n: int, nmax: int | None = None) -> np.ndarray | None:
    """R's survey:::paley(n, nmax): a Paley construction of order at least n + 1 (possibly
    doubled), or None."""
    nmax = 2 * n if nmax is None else nmax
    nceil = nn = n + 4 - n % 4
    if n % 4 + 4 == n % 8:
        while nn % 8 == 0:
            nn //= 2
        if nn - 1 in _PRIMES:
            m = _paley_prime(nn - 1)
            while nn < nceil:
                m = _double(m)
                nn *= 2
            return m
    if n > max(_PRIMES):
        return None
    p = min(q for q in _PRIMES if q >= n)
    if p + 1 > nceil + 4 and nceil + 4 < nmax:
        return _paley(nceil + 3)
    if p > nmax:
        return None
    return _paley_prime(p)


def hadamard(n: int) -> np.ndarray:
    """The 0/1 Hadamard matrix R's ``brrweights`` uses for ``n`` strata (survey:::hadamard):
    of order above ``n``, rows 2 to n + 1 assigning the half-samples; precomputed (orders 4,
    16, 28, 36), a Paley construction, or Sylvester doubling, whichever R picks."""
    m = n - n % 4
    precooked = [s for s in _SIZES if m < s <= m + 4]
    if precooked:
        return _precooked(precooked[0])
    sizes = [s * 2 ** max(0, math.ceil(math.log2((n + 1) / s))) for s in _SIZES]
    best = int(np.argmin([s - n for s in sizes]))
    H = _paley(n, sizes[best]) if sizes[best] - n > 4 else None
    if H is None:
        H = _precooked(_SIZES[best])
        for _ in range(math.ceil(math.log2(sizes[best] / _SIZES[best]))):
            H = _double(H)
    return H
