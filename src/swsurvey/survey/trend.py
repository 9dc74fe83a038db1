"""A design-based test of linear trend across independent samples (repeated cross-sections).

Each sample (a survey wave) gives an estimate ``p_i`` with its design-based SE ``se_i``, from
its own design; the samples are independent, so the estimates' covariance matrix is diagonal.
The trend is the linear contrast of the estimates on the samples' times ``t_i`` (years), with
the centred times as coefficients, ``c_i = t_i - mean(t)``:

    L = sum c_i p_i,            Var(L) = sum c_i² se_i²,

and the least-squares slope of the estimates on the times is ``b = L / sum c_i²`` (units of the
estimate per unit of time: percentage points per year for percentages over years), with
``SE(b) = SE(L) / sum c_i²``. The Wald statistic ``z = b / SE(b)`` is referred to the normal
distribution (two-sided p), and the interval is ``b ± qnorm(0.975) SE(b)``.

This is R's ``svycontrast(svyby(~y, ~wave, design, svymean, covmat = TRUE), list(c / sum(c^2)))``
on a design that stacks the independent samples with their strata nested in the wave (each
wave's strata, clusters and fpc its own), with ``confint()``'s normal interval (Lumley 2010,
sec. 3.4 on contrasts; Korn & Graubard 1999, sec. 5.5 on trends across repeated surveys).
Stacked that way, the covariance of two waves' means is exactly zero and each wave's variance is
its own design's, so the contrast needs only each wave's estimate and SE (tests/r/trend.R checks
both against R, tests/survey/test_trend.py the results).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from swsurvey.errors import InputError
from swsurvey.survey.distributions import pnorm, qnorm


@dataclass(frozen=True)
class LinearTrend:
    """The slope of the estimates on time, its SE, Wald interval, z and p (two-sided, normal),
    and the contrast it comes from (``contrast`` = L with coefficients ``coefficients``)."""

    slope: float
    se: float
    ci_lower: float
    ci_upper: float
    z: float
    p_value: float
    contrast: float
    contrast_se: float
    coefficients: tuple[float, ...]
    level: float = 0.95


def svycontrast(estimates: Sequence[float], covariance: np.ndarray, coefficients: Sequence[float]) -> tuple[float, float]:
    """A linear combination ``sum a_i theta_i`` of estimates and its SE, ``sqrt(a' V a)``:
    R's ``svycontrast(stat, a)`` for one contrast, given the estimates and their covariance ``V``
    (``vcov(stat)``)."""
    theta = np.asarray(estimates, dtype=float)
    a = np.asarray(coefficients, dtype=float)
    v = np.asarray(covariance, dtype=float)
    if theta.shape != a.shape or v.shape != (len(a), len(a)):
        raise InputError("a contrast needs one coefficient per estimate and a square covariance matrix",
                         value=f"{len(theta)} estimates, {len(a)} coefficients, covariance {v.shape}")
    return float(a @ theta), float(np.sqrt(a @ v @ a))


def linear_trend(estimates: Sequence[float], se: Sequence[float], times: Sequence[float],
                 level: float = 0.95) -> LinearTrend:
    """The linear trend of independent samples' estimates over their times (module docstring).

    ``se`` is each estimate's design-based SE from its own sample; ``times`` need not be equally
    spaced but must take at least two values. A zero SE of the contrast gives a missing z and p.
    """
    p = np.asarray(estimates, dtype=float)
    s = np.asarray(se, dtype=float)
    t = np.asarray(times, dtype=float)
    if not (len(p) == len(s) == len(t)):
        raise InputError("a trend needs one SE and one time per estimate",
                         value=f"{len(p)} estimates, {len(s)} SEs, {len(t)} times")
    if len(np.unique(t)) < 2:
        raise InputError("a linear trend needs estimates at two times at least", value=list(map(float, t)))
    if not (np.isfinite(p).all() and np.isfinite(s).all() and (s >= 0).all()):
        raise InputError("a trend's estimates and SEs must be finite (and the SEs not negative)",
                         value=f"estimates {p.tolist()}, SEs {s.tolist()}")
    c = t - t.mean()
    contrast, contrast_se = svycontrast(p, np.diag(s**2), c)
    scale = float(c @ c)
    slope, slope_se = contrast / scale, contrast_se / scale
    z = slope / slope_se if slope_se > 0 else float("nan")
    p_value = float(2 * pnorm(abs(z), lower_tail=False)) if slope_se > 0 else float("nan")
    half = float(qnorm((1 + level) / 2)) * slope_se
    return LinearTrend(slope=slope, se=slope_se, ci_lower=slope - half, ci_upper=slope + half, z=z,
                       p_value=p_value, contrast=contrast, contrast_se=contrast_se,
                       coefficients=tuple(float(x) for x in c), level=level)
