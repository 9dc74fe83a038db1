"""Quantiles of numeric variables with design-based confidence intervals: R's ``svyquantile``.

R survey >= 4.1's ``svyquantile(~x, design, quantiles, ci=TRUE)``, step for step:

* the quantile rule (``qrule``) inverts the weighted empirical distribution function.
  ``"math"`` (R's default) is its mathematical inverse, the smallest ``x`` whose
  estimated CDF ``sum(w [x_i <= x]) / sum(w)`` reaches ``p``, the upper value
  when the CDF jumps past ``p``; ``"hf7"`` interpolates linearly between the ordered
  values as Hyndman and Fan's (1996) type 7, R's ``quantile()`` default, with
  cumulative weights in place of ranks.
* ``interval_type="mean"`` is Woodruff's (1952, JASA 47) interval: the Wald interval of
  the estimated CDF at the quantile, ``svymean(x <= q)`` with its design variance
  (linearization, or the replicates on a replicate design) and t quantiles on ``df``,
  mapped back through the quantile rule (Francisco and Fuller 1991, Ann. Stat. 19, for
  the CDF-based intervals). An end falling outside [0, 1] on the CDF scale is NaN, as in
  R.
* ``interval_type="quantile"`` (replicate designs only) takes the variance of the
  quantile itself from its value on every replicate (R's ``svrVar`` of the replicates'
  quantiles), and the Wald interval from it.
* The standard error is R's: the interval's width divided by ``2 qt(1 - alpha/2, df)``
  (``qnorm`` when ``df`` is infinite); no covariance between quantiles is estimated.

Cumulative weights are summed in extended precision, as R's ``cumsum`` and ``sum`` are, and
a design's weights are taken as R holds them (``1 / (1 / w)``,
:func:`swsurvey.survey.design.held_weights`: a linearization design's here, a replicate
design's full-sample weights by :func:`~swsurvey.survey.replicates.as_svrepdesign`, as R's
``as.svrepdesign`` holds them), so that where the CDF reaches ``p`` is decided on the same
numbers as in R.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign, held_weights
from swsurvey.survey.estimates import drop_missing, mean_matrix, numeric_column, svrep_stat
from swsurvey.survey.interpolation import approx
from swsurvey.survey.replicates import SvyRepDesign, combine, replicate_estimates, with_variance
from swsurvey.survey.svystat import DF, NamedEstimates, check_level, describe_df, quantile, resolve_df
from swsurvey.survey.variables import variable_names

__all__ = ["QRULES", "SvrepQuantile", "SvyQuantile", "qrule_hf7", "qrule_math", "svyquantile"]

INTERVAL_TYPES = ("mean", "quantile")


# -- quantile rules: R's qrule_math and qrule_hf7 ----------------------------------------------


def _ordered(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The values with non-zero weight in order (ties in data order, as R's ``order``), their
    cumulative weights and the total weight, summed in extended precision as R does."""
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    cumw = np.cumsum(w[order].astype(np.longdouble))
    total = float(np.cumsum(w.astype(np.longdouble))[-1]) if len(w) else math.nan
    return x[order], cumw.astype(float), total


def qrule_math(x: np.ndarray, w: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R's ``qrule_math``: the inverse of the weighted empirical CDF at each ``p``.

    The last ordered value whose cumulative weight share is at most ``p`` when the share
    equals ``p`` exactly, else the next value (as R, also the second value when ``p`` is
    below the first value's share)."""
    xs, cumw, total = _ordered(x, w)
    out = np.empty(len(p))
    for k, pk in enumerate(p):
        below = np.flatnonzero(cumw <= pk * total)
        pos = int(below[-1]) if len(below) else 0
        nxt = min(pos + 1, len(xs) - 1)
        out[k] = xs[pos] if pk - cumw[pos] / total == 0 else xs[nxt]
    return out


def qrule_hf7(x: np.ndarray, w: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R's ``qrule_hf7``: Hyndman and Fan's type 7 with weights, the ordered values placed at
    ``c(0, cumw[-n]) / cumw[n-1]`` and interpolated linearly, ends held (``approx(rule=2)``)."""
    xs, cumw, _ = _ordered(x, w)
    if len(xs) < 2:
        raise InputError("the hf7 rule needs at least two rows with non-zero weight", count=len(xs))
    pk = np.concatenate([[0.0], cumw[:-1]]) / cumw[-2]
    return approx(pk, xs, np.asarray(p, dtype=float), rule=2)


QRULES = {"math": qrule_math, "hf7": qrule_hf7}


# -- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SvyQuantile(NamedEstimates):
    """Quantiles with their confidence intervals (R's ``newsvyquantile``).

    ``names`` are R's (``"api00.0.25"``: the variable, ".", the quantile; the variable alone
    when one quantile was asked for), ``estimates``
    the quantiles (R's ``coef``), ``ci`` the k x 2 intervals (R's ``confint``), ``se`` R's
    standard errors from the intervals' widths (R's ``SE``), ``level`` ``1 - alpha``,
    ``df`` the degrees of freedom of the interval's quantiles, ``design_df`` the design's;
    ``q["api00.0.5"]`` and ``as_dict("se")`` look up by name.
    """

    names: tuple[str, ...]
    estimates: np.ndarray
    se: np.ndarray
    ci: np.ndarray
    level: float
    interval_type: str
    qrule: str
    df: float
    design_df: int
    statistic: str = "quantile"

    @property
    def vcov(self) -> np.ndarray:
        """R's ``vcov``: the squared SEs on the diagonal, NaN elsewhere (no covariance between
        quantiles is estimated)."""
        out = np.full((len(self.names),) * 2, np.nan)
        np.fill_diagonal(out, self.se**2)
        return out

    @property
    def deff(self) -> None:
        return None

    def confint(self, level: float | None = None) -> np.ndarray:
        """R's ``confint``: the k x 2 intervals, at the level they were computed at
        (``1 - alpha``; another ``level`` is an error: call svyquantile with that alpha)."""
        check_level(level, self.level)
        return self.ci

    @property
    def ci_method(self) -> str:
        kind = "Woodruff (CDF interval)" if self.interval_type == "mean" else "Wald on replicate quantiles"
        return f"{kind}, {describe_df(self.df, self.design_df)}"

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """One row per quantile: name, estimate, se, ci_lower, ci_upper, ci_method, level."""
        check_level(level, self.level)
        return pd.DataFrame(
            {
                "name": list(self.names),
                "estimate": self.estimates,
                "se": self.se,
                "ci_lower": self.ci[:, 0],
                "ci_upper": self.ci[:, 1],
                "ci_method": self.ci_method,
                "level": self.level,
            }
        )


@dataclass(frozen=True, eq=False)
class SvrepQuantile(SvyQuantile):
    """:class:`SvyQuantile` from a replicate design, its ``variance`` named."""

    variance: str = ""

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        frame = super().to_frame(level)
        frame["variance"] = self.variance
        return frame


# -- the estimator ------------------------------------------------------------------------------


def _probabilities(quantiles, variable: str) -> np.ndarray:
    p = np.atleast_1d(np.asarray(quantiles, dtype=float))
    if p.ndim != 1 or len(p) == 0:
        raise InputError("no quantiles given", variable=variable)
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        raise InputError("a quantile must be between 0 and 1", variable=variable, value=float(p[bad][0]))
    return p


def _woodruff(design: SurveyDesign | SvyRepDesign, x: np.ndarray, w: np.ndarray, qhat: float, level: float, df: float, rule) -> np.ndarray:
    """R's ``woodruffCI(method="mean")``: the Wald interval of the CDF at ``qhat``, through
    the quantile rule."""
    below = (x <= qhat).astype(float)[:, None]
    if isinstance(design, SvyRepDesign):
        cdf = svrep_stat(design, below, ["pmed"])
    else:
        cdf = mean_matrix(design, below, ["pmed"], overwrite=True)
    lo, hi = cdf.confint(level, df)[0]
    lower = math.nan if math.isnan(lo) or lo < 0 else float(rule(x, w, np.array([lo]))[0])
    upper = math.nan if math.isnan(hi) or hi > 1 else float(rule(x, w, np.array([hi]))[0])
    return np.array([lower, upper])


def _replicate_intervals(design: SvyRepDesign, x: np.ndarray, p: np.ndarray, qhat: np.ndarray, crit: float, rule) -> np.ndarray:
    """R's ``repCI``: the quantiles on every replicate, their ``svrVar`` about the
    full-sample quantiles, and the Wald intervals."""
    xr = x[design.rows]
    reps = replicate_estimates(design, lambda wr: rule(xr, wr, p))
    v = np.diag(combine(qhat, reps, design.scale, design.rscales, design.mse))
    half = np.sqrt(v) * crit
    return np.column_stack([qhat - half, qhat + half])


def svyquantile(
    design: SurveyDesign,
    variables: str | Sequence[str],
    quantiles: float | Sequence[float],
    alpha: float = 0.05,
    interval_type: str = "mean",
    na_rm: bool = False,
    qrule: str = "math",
    df: DF = "design",
) -> SvyQuantile:
    """Quantiles of numeric variables and their confidence intervals (R's ``svyquantile``).

    R's ``svyquantile(~x, design, quantiles, alpha=, interval.type=, qrule=, df=, na.rm=,
    ci=TRUE)`` of survey >= 4.1: ``qrule`` "math" (R's default) or "hf7";
    ``interval_type`` "mean" (Woodruff 1952: the CDF's interval mapped back, on any design)
    or "quantile" (replicate designs: the replicates' quantiles). ``df`` defaults to the
    design degrees of freedom, as R's ``df=NULL``; ``None`` or ``math.inf`` give normal
    quantiles. Missing values are an error naming the variable unless ``na_rm=True``,
    which leaves rows with any missing variable out of the domain (zero weight). Estimate
    a domain by passing ``design.subset(mask)``, or with :func:`~swsurvey.survey.by.svyby`.
    """
    names = variable_names(variables)
    if not names:
        raise InputError("no variables given")
    p = _probabilities(quantiles, ", ".join(names))
    if not 0 < alpha < 1:
        raise InputError("alpha must be between 0 and 1", value=alpha)
    if qrule not in QRULES:
        raise InputError(f"qrule must be one of {', '.join(QRULES)}", value=qrule)
    if interval_type not in INTERVAL_TYPES:
        raise InputError(f"interval_type must be one of {', '.join(INTERVAL_TYPES)}", value=interval_type)
    replicate = isinstance(design, SvyRepDesign)
    if interval_type == "quantile" and not replicate:
        raise InputError("interval_type='quantile' needs a replicate-weight design", value=interval_type)
    X = np.column_stack([numeric_column(design, name) for name in names])
    design, X = drop_missing(design, X, [(n, np.isnan(X[:, j])) for j, n in enumerate(names)], na_rm)
    w = design.weights
    if not (w != 0).any():
        raise InputError("no row with non-zero weight and a value is left", variable=names[0])
    if not replicate:
        w = held_weights(w)  # a replicate design made by as_svrepdesign holds them already, as R's
    design_df = design.degf()
    dof = resolve_df(df, design_df)
    crit = float(quantile(1.0 - alpha / 2.0, dof))
    rule = QRULES[qrule]
    estimates, intervals = [], []
    for j, name in enumerate(names):
        x = X[:, j]
        qhat = rule(x, w, p)
        if interval_type == "quantile":
            ci = _replicate_intervals(design, x, p, qhat, crit, rule)
        else:
            ci = np.vstack([_woodruff(design, x, w, q, 1.0 - alpha, dof, rule) for q in qhat])
        estimates.append(qhat)
        intervals.append(ci)
    ci = np.vstack(intervals)
    result = SvyQuantile(
        names=tuple(name if len(p) == 1 else f"{name}.{q:.15g}" for name in names for q in p),
        estimates=np.concatenate(estimates),
        se=(ci[:, 1] - ci[:, 0]) / (2.0 * crit),
        ci=ci,
        level=1.0 - alpha,
        interval_type=interval_type,
        qrule=qrule,
        df=dof,
        design_df=design_df,
    )
    return with_variance(result, SvrepQuantile, design) if replicate else result
