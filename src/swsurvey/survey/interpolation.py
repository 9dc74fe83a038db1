"""R's interpolation as ``confint.svyglm(method="likelihood")`` uses it to invert a profile:
``spline(x, y)`` (the FMM cubic spline of Forsythe, Malcolm & Moler 1977, R's ``spline_coef``
with method "fmm", at ``3 * length(x)`` points) and ``approx(x, y, xout)`` (linear, rule 1,
ties averaged), step for step as R's C code, so the interval agrees with R's to rounding.
``approx(..., rule=2)`` (ends held constant) is R survey's ``qrule_hf7`` quantile rule.
"""

from __future__ import annotations

import numpy as np

__all__ = ["approx", "fmm_spline", "spline"]


def fmm_spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's ``spline_coef`` with method "fmm" (Forsythe, Malcolm & Moler 1977)."""
    n = len(x)
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 3:
        t = y[1] - y[0]
        b[:] = t / (x[1] - x[0])
        return b, c, d
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[nm1 - 1]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[nm1 - 1] / (x[nm1] - x[nm1 - 2]) - c[nm1 - 2] / (x[nm1 - 1] - x[nm1 - 3])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[nm1 - 1] * d[nm1 - 1] / (x[nm1] - x[nm1 - 3])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(nm1 - 1, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[nm1 - 1]) / d[nm1 - 1] + d[nm1 - 1] * (c[nm1 - 1] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[nm1 - 1]
    return b, c, d


def spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``spline(x, y)``: FMM spline at ``3 * length(x)`` equally spaced points."""
    b, c, d = fmm_spline(x, y)
    n_out = 3 * len(x)
    xmin, xmax = x[0], x[-1]
    by = (xmax - xmin) / (n_out - 1)
    u = xmin + np.arange(n_out) * by
    u[-1] = xmax
    i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, len(x) - 1)
    dx = u - x[i]
    return u, y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))


def approx(x: np.ndarray, y: np.ndarray, xout: np.ndarray, rule: int = 1) -> np.ndarray:
    """R's ``approx(x, y, xout, rule=)`` (linear, ties averaged): outside ``x``'s range NaN
    with ``rule=1``, the nearest end's ``y`` with ``rule=2``."""
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    ux, inverse = np.unique(x, return_inverse=True)
    if len(ux) < len(x):
        y = np.bincount(inverse, weights=y) / np.bincount(inverse)
        x = ux
    out = np.empty(len(xout))
    for k, v in enumerate(xout):
        if np.isnan(v) or (rule == 1 and (v < x[0] or v > x[-1])):
            out[k] = np.nan
            continue
        if v < x[0] or v > x[-1]:
            out[k] = y[0] if v < x[0] else y[-1]
            continue
        i, j = 0, len(x) - 1
        while i < j - 1:
            ij = (i + j) // 2
            if v < x[ij]:
                j = ij
            else:
                i = ij
        if v == x[j]:
            out[k] = y[j]
        elif v == x[i]:
            out[k] = y[i]
        else:
            out[k] = y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]))
    return out
