"""R's distribution functions (``pnorm``, ``qnorm``, ``pt``, ``qt``, ``pchisq``, ``pf``, ``qf``,
``qbeta``) as the survey statistics use them, computed by the :mod:`scipy.special` functions
that :mod:`scipy.stats` itself calls (``ndtr``, ``ndtri``, ``stdtr``, ``stdtrit``, ``chdtr``,
``chdtrc``, ``fdtr``, ``fdtrc``, ``fdtri``, and for ``qbeta`` the ufunc ``_beta_ppf`` of
``scipy.special._ufuncs``, Boost's beta quantile: the public ``betaincinv`` differs from it
far in the tails), with ``scipy.stats``' handling of
invalid parameters (NaN), of the ends of the support and of probabilities 0 and 1, so every
value is the one ``scipy.stats.norm.cdf`` and the rest give, to the last bit
(tests/survey/test_distributions.py checks it), without importing ``scipy.stats`` (about
0.3 s per process).

Each function takes arrays and broadcasts; a 0-d result is returned as a NumPy scalar, as
``scipy.stats`` returns it. ``lower_tail=False`` is R's upper tail (``scipy.stats``' ``sf`` and
``isf``).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as sc
from scipy.special._ufuncs import _beta_ppf  # what scipy.stats.beta.ppf calls (Boost's quantile)

__all__ = ["pchisq", "pf", "pnorm", "pt", "qbeta", "qf", "qnorm", "qt"]


def _reduced(value, cond: np.ndarray, *arrays) -> np.ndarray:
    """``value`` evaluated only where ``cond`` holds, on the broadcast ``arrays`` (scipy.stats'
    ``argsreduce``: invalid entries are never computed, so they warn nothing)."""
    arrays = np.broadcast_arrays(*arrays)
    return value(*(a[cond] for a in arrays))


def _valid(shape) -> np.ndarray:
    """scipy.stats' default ``_argcheck``: every shape parameter positive."""
    valid = np.asarray(True)
    for s in shape:
        valid = np.logical_and(valid, np.asarray(s) > 0)
    return valid


def _scalar(out: np.ndarray):
    return out[()] if out.ndim == 0 else out


def _probability(value, x, lower: float, upper: float, lower_tail: bool, *shape):
    """``rv_continuous.cdf`` (``lower_tail``) or ``.sf`` of a distribution on (lower, upper)
    whose value inside the support is ``value(x, *shape)``."""
    x = np.asarray(x)
    x = np.asarray(x, dtype=np.promote_types(x.dtype, np.float64))
    valid = _valid(shape)
    inside = valid & (lower < x) & (x < upper)
    edge = (x >= upper) if lower_tail else (x <= lower)
    out = np.zeros(np.broadcast_shapes(x.shape, *(np.shape(s) for s in shape)))
    out[np.broadcast_to(~valid | np.isnan(x), out.shape)] = np.nan
    out[np.broadcast_to(valid & edge, out.shape)] = 1.0
    cond = np.broadcast_to(inside, out.shape)
    if cond.any():
        out[cond] = _reduced(value, cond, x, *shape)
    return _scalar(out)


def _quantile(value, p, lower: float, upper: float, lower_tail: bool, *shape):
    """``rv_continuous.ppf`` (``lower_tail``) or ``.isf``: NaN for invalid parameters or ``p``
    outside [0, 1], the ends of the support at 0 and 1, ``value(p, *shape)`` between (plus
    0.0, as scipy.stats adds its location, which turns -0.0 into 0.0)."""
    p = np.asarray(p)
    valid = _valid(shape)
    at_lower, at_upper = (p == 0, p == 1) if lower_tail else (p == 1, p == 0)
    out = np.full(np.broadcast_shapes(p.shape, *(np.shape(s) for s in shape)), np.nan)
    out[np.broadcast_to(valid & at_lower, out.shape)] = lower
    out[np.broadcast_to(valid & at_upper, out.shape)] = upper
    cond = np.broadcast_to(valid & (0 < p) & (p < 1), out.shape)
    if cond.any():
        out[cond] = _reduced(value, cond, p, *shape) * 1.0 + 0.0
    return _scalar(out)


def pnorm(x, lower_tail: bool = True):
    """R's ``pnorm(x)`` (``scipy.stats.norm.cdf``; ``lower_tail=False``: ``norm.sf``)."""
    return _probability(lambda v: sc.ndtr(v if lower_tail else -v), x, -math.inf, math.inf, lower_tail)


def qnorm(p, lower_tail: bool = True):
    """R's ``qnorm(p)`` (``scipy.stats.norm.ppf``; ``lower_tail=False``: ``norm.isf``)."""
    return _quantile(lambda q: sc.ndtri(q) if lower_tail else -sc.ndtri(q), p, -math.inf, math.inf, lower_tail)


def pt(x, df, lower_tail: bool = True):
    """R's ``pt(x, df)`` (``scipy.stats.t.cdf``; ``lower_tail=False``: ``t.sf``)."""
    return _probability(lambda v, n: sc.stdtr(n, v if lower_tail else -v), x, -math.inf, math.inf, lower_tail, df)


def qt(p, df, lower_tail: bool = True):
    """R's ``qt(p, df)`` (``scipy.stats.t.ppf``; ``lower_tail=False``: ``t.isf``)."""
    return _quantile(
        lambda q, n: sc.stdtrit(n, q) if lower_tail else -sc.stdtrit(n, q), p, -math.inf, math.inf, lower_tail, df
    )


def pchisq(x, df, lower_tail: bool = True):
    """R's ``pchisq(x, df)`` (``scipy.stats.chi2.cdf``; ``lower_tail=False``: ``chi2.sf``)."""
    return _probability(lambda v, n: (sc.chdtr if lower_tail else sc.chdtrc)(n, v), x, 0.0, math.inf, lower_tail, df)


def pf(x, df1, df2, lower_tail: bool = True):
    """R's ``pf(x, df1, df2)`` (``scipy.stats.f.cdf``; ``lower_tail=False``: ``f.sf``)."""
    return _probability(
        lambda v, n1, n2: (sc.fdtr if lower_tail else sc.fdtrc)(n1, n2, v), x, 0.0, math.inf, lower_tail, df1, df2
    )


def qf(p, df1, df2, lower_tail: bool = True):
    """R's ``qf(p, df1, df2)`` (``scipy.stats.f.ppf``; ``lower_tail=False``: ``f.isf``, which
    scipy computes as the ``ppf`` of ``1 - p``)."""
    return _quantile(
        lambda q, n1, n2: sc.fdtri(n1, n2, q if lower_tail else 1.0 - q), p, 0.0, math.inf, lower_tail, df1, df2
    )


def qbeta(p, a, b):
    """R's ``qbeta(p, a, b)`` (``scipy.stats.beta.ppf``: Boost's beta quantile)."""
    return _quantile(lambda q, a_, b_: _beta_ppf(q, a_, b_), p, 0.0, 1.0, True, a, b)
