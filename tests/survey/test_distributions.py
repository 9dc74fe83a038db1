"""swsurvey.survey.distributions gives scipy.stats' values to the last bit (the scipy.special
functions scipy.stats calls, with its handling of invalid parameters and of the support)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from swsurvey.survey import distributions as d

# Boost gives up on a few extreme beta quantiles (with a warning) in both computations alike.
pytestmark = pytest.mark.filterwarnings("ignore:Error in function boost")

RNG = np.random.default_rng(20240607)
EDGES = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 1e300, np.inf, -np.inf, np.nan])
X = np.concatenate([RNG.normal(scale=3, size=4000), RNG.standard_cauchy(1000), EDGES])
P = np.concatenate([RNG.uniform(size=4000), 10.0 ** -RNG.uniform(0, 300, 1000), EDGES, [1 - 1e-16, 2.0]])
DF = np.concatenate([np.exp(RNG.uniform(-3, 12, len(X) - 6)), [0.0, -1.0, 1.0, 2.0, np.inf, np.nan]])


def same(a, b) -> bool:
    """Equal values, NaN where NaN, and the same sign of zero."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))


def shuffled(values, n):
    return RNG.permutation(np.resize(values, n))


@pytest.mark.parametrize("lower_tail", [True, False])
def test_normal(lower_tail):
    assert same(d.pnorm(X, lower_tail), (stats.norm.cdf if lower_tail else stats.norm.sf)(X))
    assert same(d.qnorm(P, lower_tail), (stats.norm.ppf if lower_tail else stats.norm.isf)(P))


@pytest.mark.parametrize("lower_tail", [True, False])
def test_t(lower_tail):
    df = shuffled(DF, len(X))
    assert same(d.pt(X, df, lower_tail), (stats.t.cdf if lower_tail else stats.t.sf)(X, df))
    dfp = shuffled(DF, len(P))
    assert same(d.qt(P, dfp, lower_tail), (stats.t.ppf if lower_tail else stats.t.isf)(P, dfp))


@pytest.mark.parametrize("lower_tail", [True, False])
def test_chisq_and_f(lower_tail):
    x = np.abs(X) * shuffled([1, -1, 10, 0.01], len(X))
    df1, df2 = shuffled(DF, len(X)), shuffled(DF[::-1], len(X))
    assert same(d.pchisq(x, df1, lower_tail), (stats.chi2.cdf if lower_tail else stats.chi2.sf)(x, df1))
    assert same(d.pf(x, df1, df2, lower_tail), (stats.f.cdf if lower_tail else stats.f.sf)(x, df1, df2))
    p1, p2 = shuffled(DF, len(P)), shuffled(DF[::-1], len(P))
    assert same(d.qf(P, p1, p2, lower_tail), (stats.f.ppf if lower_tail else stats.f.isf)(P, p1, p2))


def test_beta_quantiles():
    a, b = shuffled(DF, len(P)), shuffled(DF[::-1], len(P))
    assert same(d.qbeta(P, a, b), stats.beta.ppf(P, a, b))
    # the Korn-Graubard interval's arguments: effective sizes times proportions
    n_eff = np.exp(RNG.uniform(0, 12, 5000))
    p = RNG.uniform(size=5000)
    for q, a, b in ((0.025, n_eff * p, n_eff * (1 - p) + 1), (0.975, n_eff * p + 1, n_eff * (1 - p))):
        assert same(d.qbeta(q, a, b), stats.beta.ppf(q, a, b))


def test_scalars_are_numpy_scalars_as_scipy_stats_gives_them():
    for mine, theirs in (
        (d.qt(0.975, 12), stats.t.ppf(0.975, 12)),
        (d.qnorm(0.5), stats.norm.ppf(0.5)),
        (d.pf(2.5, 3, 40, lower_tail=False), stats.f.sf(2.5, 3, 40)),
        (d.pchisq(3.0, 2, lower_tail=False), stats.chi2.sf(3.0, 2)),
        (d.qf(0.05, 1, 30, lower_tail=False), stats.f.isf(0.05, 1, 30)),
    ):
        assert type(mine) is type(theirs) and same(mine, theirs)
