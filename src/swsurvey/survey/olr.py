"""Survey-weighted proportional-odds (cumulative logit) regression: R's ``svyolr``, with
linearization or replicate-weight variance.

The model (McCullagh 1980; as ``MASS::polr`` parametrises it) for an ordered outcome with
levels 1..K is

    P(Y <= k | x) = logistic(zeta_k - x' beta),   k = 1..K-1,

so a positive ``beta`` shifts the outcome upwards; there is no intercept (the cut-points
``zeta`` take its place), named like R ``"low|mid"``. The estimates maximise the weighted
log-likelihood ``sum_i w_i log P(Y = y_i | x_i)``; the covariance is the linearization
(sandwich) estimator ``H^-1 B H^-1`` with ``B`` the design covariance of the score totals,
computed by :func:`swsurvey.survey.variance.design_vcov` (Binder 1983; Lumley 2010, ch. 6).

Two ways to fit (``method``):

* ``"R"`` (default) reproduces ``survey:::svyolr.survey.design2`` step by step: its starting
  values (a weighted logistic fit of ``y > K %/% 2``), R's ``optim(method="BFGS")`` on
  ``(beta, zeta_1, log(diff(zeta)))`` with the analytic gradient and R's default stopping rule
  (relative change of the objective below 1.5e-8, at most 100 iterations), then R's
  finite-difference Hessian (``optimHess``, step 1e-3) mapped back to ``zeta``. This matches
  R's estimates to about 1e-12 and its covariance to about 1e-10 relative (the differences
  divide the rounding of the gradient's sums by their step), but R's BFGS stops before the
  exact maximum: on the reference case estimates are off the maximum by up to 7e-4 relative.
* ``"newton"`` maximises the likelihood exactly (Newton-Raphson with the analytic Hessian,
  to machine precision) and uses the analytic Hessian in the sandwich: the statistically
  exact answer, which differs from R's by R's optimisation error.

On a replicate-weight design (:class:`~swsurvey.survey.replicates.SvyRepDesign`) ``svyolr``
is R's ``svyolr.svyrep.design``, which runs ``MASS::polr`` rather than svyolr's own fitter:
the full sample is fitted with the sampling weights (polr's starting values: a logistic fit
with the weights as they are and cut-points spaced by ``logit(k/K)``, not divided by 1.7;
polr's likelihood, whose outer cut-points are infinite and whose ``zeta - eta`` are clipped
to [-100, 100]), then refitted on every replicate's analysis weights starting from the
full-sample ``(beta, zeta)`` (``polr(start=)``), and the covariance is R's ``svrVar`` of the
refits (centred at the full-sample estimates when ``mse``); ``df_residual`` is the design's
``degf`` minus the number of coefficients, the deviance divided by the mean sampling weight.
Where polr's starting logistic fit does not converge (it can with large weights) R stops;
here the fit starts from svyolr's own starting values instead, with a ``ModelWarning``.
With ``method="R"`` both the full fit and every refit run R's BFGS step for step, so the
replicates are R's; R's BFGS stops early there too, so R's replicate SEs carry its
optimiser error (1% on one reference case); ``"newton"`` maximises the full sample and
every replicate exactly (:func:`svyolr_refit` says what happens to a replicate the data
cannot inform). Rows with a missing model variable leave every fit (R's ``na.omit`` in
polr); a domain (``design.subset``) keeps its own rows, as R's ``subset`` of a replicate
design. The refits can be computed apart, in chunks of replicates: :func:`svyolr_refit`
gives the replicate statistic and ``svyolr(..., replicates=)`` takes its results back.
Results are :class:`SvrepOlr`, which name their variance method.

statsmodels' ``OrderedModel`` takes no weights, so the weighted likelihood, its analytic
gradient and Hessian are written here, vectorised. Rows enter only through their covariate
pattern, outcome and weight, so the likelihood is summed over distinct (pattern, outcome)
cells with summed weights: on categorical predictors a fit on 1,000,000 rows costs about
what one on a few thousand does, and so does each replicate refit (a replicate's cell
weights are one sparse product of its weights: on 200,000 rows with five categorical
predictors, 1,440 cells, a refit takes about 13 ms with ``method="R"`` and 2.5 ms with
``"newton"``, against 110 and 40 ms for the whole full-sample fit).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.distributions import pt, qnorm, qt
from swsurvey.survey.glmfit import ModelWarning, NonConvergenceWarning, check_rank, fit_glm, glm_family
from swsurvey.survey.modelframe import (
    aliased_columns,
    covariate_patterns,
    design_rows,
    level_label,
    model_frame,
    parse_formula,
)
from swsurvey.survey.replicates import ReplicateStatistic, SvyRepDesign, replicate_vcov
from swsurvey.survey.variance import design_vcov

__all__ = ["Likelihood", "SvrepOlr", "SvyOlr", "svyolr", "svyolr_refit"]

_SQRT_EPS = math.sqrt(np.finfo(float).eps)


@dataclass(frozen=True, eq=False)
class SvyOlr:
    """A survey-weighted proportional-odds model (R's ``svyolr`` and its ``summary``).

    ``coefficients`` (beta, named as the model-matrix columns), ``zeta`` (cut-points, named
    ``"a|b"``), ``vcov`` over ``names`` = beta names then zeta names, ``df_residual``
    (design df minus the number of beta, as R), ``deviance`` (``2 * -loglik / mean(w)``),
    ``hessian`` (of the negative weighted log-likelihood in (beta, zeta)), ``n_used``,
    ``n_missing`` (rows of non-zero weight dropped for missing values), ``converged``,
    ``iterations`` and ``method``.
    """

    formula: str
    names: tuple[str, ...]
    zeta_names: tuple[str, ...]
    terms: tuple[str, ...]
    assign: np.ndarray
    coefficients: np.ndarray
    zeta: np.ndarray
    vcov: np.ndarray
    hessian: np.ndarray
    df_residual: int
    deviance: float
    n_used: int
    n_missing: int
    converged: bool
    iterations: int
    method: str
    levels: dict[str, list] = field(default_factory=dict)
    response_levels: tuple = ()

    @property
    def all_names(self) -> tuple[str, ...]:
        return self.names + self.zeta_names

    @property
    def estimates(self) -> np.ndarray:
        return np.concatenate([self.coefficients, self.zeta])

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    @property
    def t_value(self) -> np.ndarray:
        return self.estimates / self.se

    @property
    def p_value(self) -> np.ndarray:
        """Two-sided p-values of the t values on ``df_residual`` df (R's summary prints none)."""
        if self.df_residual <= 0:
            return np.full(len(self.all_names), np.nan)
        return 2.0 * pt(np.abs(self.t_value), self.df_residual, lower_tail=False)

    def coef_table(self) -> pd.DataFrame:
        """R's ``summary(m)$coefficients``: Value, Std. Error, t value."""
        return pd.DataFrame(
            {"Value": self.estimates, "Std. Error": self.se, "t value": self.t_value}, index=list(self.all_names)
        )

    def vcov_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.vcov, index=list(self.all_names), columns=list(self.all_names))

    @property
    def coef(self) -> pd.Series:
        """The coefficients and then the cut-points, named as R names them (R's ``coef``,
        ``intercepts=TRUE``), in the order of ``vcov``."""
        return pd.Series(self.estimates, index=list(self.all_names))

    def confint(self, level: float = 0.95, df: float | None = None) -> np.ndarray:
        """Wald intervals of :attr:`coef`, a k x 2 array: t quantiles on ``df_residual`` as
        :meth:`to_frame` gives them; ``df=math.inf`` gives R's ``confint`` (``confint.default``,
        normal quantiles)."""
        if not 0 < level < 1:
            raise InputError("confidence level must be between 0 and 1", value=level)
        df = self.df_residual if df is None else df
        if df <= 0:
            warnings.warn("no residual degrees of freedom: intervals are NaN", NonConvergenceWarning, stacklevel=2)
            q = np.nan
        else:
            q = qnorm(0.5 + level / 2) if math.isinf(df) else qt(0.5 + level / 2, df)
        return np.column_stack([self.estimates - q * self.se, self.estimates + q * self.se])

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """One row per coefficient and cut-point: term, kind, estimate, se, t, p, ci_lower,
        ci_upper, ci_method (Wald on ``df_residual`` df), odds_ratio (exp(beta), for beta)."""
        if not 0 < level < 1:
            raise InputError("confidence level must be between 0 and 1", value=level)
        if self.df_residual <= 0:
            warnings.warn("no residual degrees of freedom: intervals are NaN", NonConvergenceWarning, stacklevel=2)
            q = np.nan
        else:
            q = qt(0.5 + level / 2, self.df_residual)
        est, se = self.estimates, self.se
        kind = ["coefficient"] * len(self.names) + ["cut-point"] * len(self.zeta_names)
        frame = pd.DataFrame(
            {
                "term": list(self.all_names),
                "kind": kind,
                "estimate": est,
                "se": se,
                "t": self.t_value,
                "p": self.p_value,
                "ci_lower": est - q * se,
                "ci_upper": est + q * se,
                "ci_method": f"Wald {level:.0%}, t on {self.df_residual} df",
            }
        )
        is_beta = np.arange(len(est)) < len(self.names)
        frame["odds_ratio"] = np.where(is_beta, np.exp(est), np.nan)
        frame["odds_ratio_lower"] = np.where(is_beta, np.exp(frame["ci_lower"]), np.nan)
        frame["odds_ratio_upper"] = np.where(is_beta, np.exp(frame["ci_upper"]), np.nan)
        return frame


# -- the weighted likelihood, vectorised -------------------------------------------------------------


def _plogis(x):
    return 1.0 / (1.0 + np.exp(-x))


def _dlogis(x):
    e = np.exp(-np.abs(x))
    f = 1.0 + e
    return e / (f * f)


class Likelihood:
    """The negative weighted log-likelihood of the cumulative logit model and its
    derivatives, over rows with codes ``y`` (0..K-1), weights ``w``, predictors ``x``.

    R's ``fmin``/``gmini`` of ``svyolr``: the outer cut-points are -100 and 100, not
    infinities. With ``clip`` it is ``MASS::polr``'s (what ``svyolr`` runs on replicate
    designs): the outer cut-points are infinite and every ``zeta - eta`` is clipped to
    [-100, 100]."""

    def __init__(self, x: np.ndarray, y: np.ndarray, w: np.ndarray, q: int, clip: bool = False):
        self.x, self.y, self.w, self.q = x, y, w, q
        self.pc = x.shape[1]
        self.K = q + 1
        self.clip = clip
        self._key = None
        self._cached = None

    def _parts(self, beta, zeta):
        eta = self.x @ beta if self.pc else np.zeros(len(self.y))
        if self.clip:
            gamm = np.concatenate([[-math.inf], zeta, [math.inf]])
            return np.minimum(100.0, gamm[self.y + 1] - eta), np.maximum(-100.0, gamm[self.y] - eta)
        gamm = np.concatenate([[-100.0], zeta, [100.0]])
        upper = gamm[self.y + 1] - eta
        lower = gamm[self.y] - eta
        return upper, lower

    @staticmethod
    def zeta_of(theta):
        return np.cumsum(np.concatenate([[theta[0]], np.exp(theta[1:])]))

    def value(self, beta, zeta) -> float:
        upper, lower = self._parts(beta, zeta)
        pr = _plogis(upper) - _plogis(lower)
        if not (pr > 0).all():
            return math.inf
        return float(-np.sum(self.w * np.log(pr)))

    def score_rows(self, beta, zeta, unit: bool = False) -> np.ndarray:
        """Per-row gradient of ``-w log pr`` in (beta, zeta): R's ``gmini(logdiff=FALSE)``
        (per unit of weight when ``unit``)."""
        upper, lower = self._parts(beta, zeta)
        pr = _plogis(upper) - _plogis(lower)
        p1, p2 = _dlogis(upper), _dlogis(lower)
        n = len(self.y)
        c = (1.0 if unit else self.w) / pr
        out = np.zeros((n, self.pc + self.q))
        if self.pc:
            out[:, : self.pc] = self.x * (c * (p1 - p2))[:, None]
        rows = np.arange(n)
        up = self.y < self.q
        out[rows[up], self.pc + self.y[up]] = -(p1 * c)[up]
        lo = self.y >= 1
        out[rows[lo], self.pc + self.y[lo] - 1] = (p2 * c)[lo]
        return out

    def _pieces(self, beta, zeta):
        upper, lower = self._parts(beta, zeta)
        return upper, lower, _plogis(upper) - _plogis(lower)

    def _pieces_theta(self, par):
        """``(upper, lower, pr)`` at ``par`` in R's parametrisation, kept for the next call:
        R's BFGS asks for the gradient where it last evaluated the objective."""
        key = par.tobytes()
        if self._key != key:
            with np.errstate(over="ignore", invalid="ignore"):
                self._cached = self._pieces(par[: self.pc], self.zeta_of(par[self.pc :]))
            self._key = key
        return self._cached

    def gradient(self, beta, zeta, pieces=None) -> np.ndarray:
        """Column sums of :meth:`score_rows` without forming them (in (beta, zeta))."""
        upper, lower, pr = self._pieces(beta, zeta) if pieces is None else pieces
        p1, p2 = _dlogis(upper), _dlogis(lower)
        a = self.w * p1 / pr
        b = self.w * p2 / pr
        g1 = self.x.T @ (a - b) if self.pc else np.zeros(0)
        sa = np.bincount(self.y, weights=a, minlength=self.K)
        sb = np.bincount(self.y, weights=b, minlength=self.K)
        g2 = -sa[: self.q] + sb[1:]
        return np.concatenate([g1, g2])

    def gradient_theta(self, par) -> np.ndarray:
        """R's ``gmin``: the gradient in (beta, zeta_1, log(diff(zeta)))."""
        theta = par[self.pc :]
        with np.errstate(over="ignore"):
            g = self.gradient(None, None, self._pieces_theta(par))
        g2 = g[self.pc :]
        out = g.copy()
        # g2 %*% jacobian(theta): column 1 sums everything, column i the tail from i, times exp(theta_i)
        tail = np.cumsum(g2[::-1])[::-1]
        out[self.pc] = tail[0]
        out[self.pc + 1 :] = tail[1:] * np.exp(theta[1:])
        return out

    def value_theta(self, par) -> float:
        # R's line search may try far-off points: overflow there just means "not accepted"
        _, _, pr = self._pieces_theta(par)
        if not (pr > 0).all():
            return math.inf
        with np.errstate(divide="ignore"):
            return float(-np.sum(self.w * np.log(pr)))

    def hessian(self, beta, zeta) -> np.ndarray:
        """The analytic Hessian of the negative weighted log-likelihood in (beta, zeta).

        With ``pr = F(u) - F(l)``, ``u = zeta_y - eta``, ``l = zeta_(y-1) - eta`` and ``f``,
        ``f'`` the logistic density and its derivative, each row adds
        ``w (grad pr grad pr' / pr^2 - hess pr / pr)``; the blocks are formed without an
        n x p matrix of derivatives."""
        upper, lower = self._parts(beta, zeta)
        Fu, Fl = _plogis(upper), _plogis(lower)
        pr = Fu - Fl
        fu, fl = _dlogis(upper), _dlogis(lower)
        dfu, dfl = fu * (1.0 - 2.0 * Fu), fl * (1.0 - 2.0 * Fl)
        pc, q, K = self.pc, self.q, self.K
        c1 = self.w / pr
        c2 = c1 / pr
        a = fu - fl
        H = np.zeros((pc + q, pc + q))
        y = self.y
        if pc:
            h = c2 * a * a - c1 * (dfu - dfl)
            H[:pc, :pc] = self.x.T @ (self.x * h[:, None])
            v_up = -c2 * a * fu + c1 * dfu
            v_lo = c2 * a * fl - c1 * dfl
            B = np.zeros((len(y), q))
            rows = np.arange(len(y))
            up = y < q
            lo = y >= 1
            B[rows[up], y[up]] = v_up[up]
            B[rows[lo], y[lo] - 1] += v_lo[lo]
            cross = self.x.T @ B
            H[:pc, pc:] = cross
            H[pc:, :pc] = cross.T
        diag = (
            np.bincount(y, weights=c2 * fu * fu - c1 * dfu, minlength=K)[:q]
            + np.bincount(y, weights=c2 * fl * fl + c1 * dfl, minlength=K)[1:]
        )
        off = -np.bincount(y, weights=c2 * fu * fl, minlength=K)[1:q]
        idx = pc + np.arange(q)
        H[idx, idx] = diag
        H[idx[:-1], idx[1:]] = off
        H[idx[1:], idx[:-1]] = off
        return H


# -- R's optim(method="BFGS") and optimHess ------------------------------------------------------------


def _vmmin(fn, gr, b, maxit=100, abstol=-math.inf, reltol=_SQRT_EPS):
    """R's ``vmmin`` (optim's BFGS; Nash 1990, as re-crafted by B. D. Ripley), step for step."""
    stepredn, acctol, reltest = 0.2, 0.0001, 10.0
    b = np.array(b, dtype=float)
    n = len(b)
    f = fn(b)
    if not math.isfinite(f):
        raise InputError("the starting values give a non-finite likelihood (R: initial value in 'vmmin' is not finite)")
    fmin = f
    funcount = gradcount = 1
    g = gr(b)
    it = 1
    ilast = gradcount
    B = np.eye(n)
    count = 0
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        X = b.copy()
        c = g.copy()
        t = -(B @ g)
        gradproj = float(t @ g)
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            while True:
                b = X + steplength * t
                count = int(np.sum(reltest + X == reltest + b))
                if count < n:
                    f = fn(b)
                    funcount += 1
                    accpoint = math.isfinite(f) and f <= fmin + gradproj * steplength * acctol
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            enough = (f > abstol) and abs(f - fmin) > reltol * (abs(fmin) + reltol)
            if not enough:
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = gr(b)
                gradcount += 1
                it += 1
                t = steplength * t
                c = g - c
                D1 = float(t @ c)
                if D1 > 0:
                    Xv = B @ c
                    D2 = 1.0 + float(Xv @ c) / D1
                    B = B + (D2 * np.outer(t, t) - np.outer(Xv, t) - np.outer(t, Xv)) / D1
                else:
                    ilast = gradcount
            else:
                if ilast < gradcount:
                    count = 0
                    ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if it >= maxit:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if not (count != n or ilast != gradcount):
            break
    return b, fmin, it < maxit, it, funcount, gradcount


def _optimhess(gr, par, ndeps=1e-3) -> np.ndarray:
    """R's ``optimHess`` with an analytic gradient: central differences, then symmetrised."""
    npar = len(par)
    dpar = np.array(par, dtype=float)
    H = np.zeros((npar, npar))
    for i in range(npar):
        eps = ndeps
        dpar[i] = dpar[i] + eps
        df1 = gr(dpar)
        dpar[i] = dpar[i] - 2 * eps
        df2 = gr(dpar)
        H[:, i] = (df1 - df2) / (2 * eps)
        dpar[i] = dpar[i] + eps
    return 0.5 * (H + H.T)


def _ginv(M: np.ndarray) -> np.ndarray:
    """MASS::ginv: the Moore-Penrose inverse with tolerance sqrt(machine eps)."""
    u, d, vt = np.linalg.svd(M)
    keep = d > max(_SQRT_EPS * d[0], 0.0)
    return (vt[keep].T / d[keep]) @ u[:, keep].T


def _jacobian(theta: np.ndarray) -> np.ndarray:
    k = len(theta)
    J = np.zeros((k, k))
    J[:, 0] = 1.0
    et = np.exp(theta)
    for i in range(1, k):
        J[i:, i] = et[i]
    return J


# -- the fit -------------------------------------------------------------------------------------------


def _logistic_start(x, y, w, inverse, q, spacing_divisor: float) -> np.ndarray | None:
    """The starting values R's ``svyolr`` and ``MASS::polr`` both take, in the optimiser's
    parametrisation ``(beta, zeta_1, log(diff(zeta)))``: a logistic fit of ``y > K %/% 2``
    (``x``, ``y`` per pattern, ``w`` per row) and cut-points spaced by ``logit(k / K)``
    divided by ``spacing_divisor``. None when the logistic fit does not converge."""
    q1 = (q + 1) // 2
    y1 = (y + 1 > q1).astype(float)
    X = np.column_stack([np.ones(len(y)), x])
    fit = fit_glm(X, y1, w, glm_family("binomial"), inverse=inverse)
    if not fit.converged:
        return None
    k = np.arange(1, q + 1) / (q + 1)
    spacing = np.log(k / (1 - k)) / spacing_divisor
    gammas = -fit.beta[0] + spacing - spacing[q1 - 1]
    return np.concatenate([fit.beta[1:], [gammas[0]], np.log(np.diff(gammas))])


def _start(x, y, w_glm, inverse, q):
    """R's ``svyolr`` starting values (:func:`_logistic_start`; R divides the spacing by 1.7
    whenever method != "logit", i.e. always); an error when the logistic fit fails, as R's."""
    start = _logistic_start(x, y, w_glm, inverse, q, spacing_divisor=1.7)
    if start is None:
        raise InputError("attempt to find suitable starting values failed (R's svyolr error)")
    return start


def _newton(lik: Likelihood, beta, zeta, maxit=100, tol=1e-10, free: np.ndarray | None = None):
    """Newton-Raphson on (beta, zeta) with the analytic Hessian, halving steps that do not
    decrease the objective or would unorder the cut-points; stops when the largest relative
    change of a parameter is below ``tol`` (then one more step would change nothing).
    ``free`` (indices) restricts the steps to those parameters, the others keep their values."""
    par = np.concatenate([beta, zeta])
    pc = lik.pc
    f = lik.value(beta, zeta)
    converged = False
    it = 0
    for it in range(1, maxit + 1):
        g = lik.gradient(par[:pc], par[pc:])
        H = lik.hessian(par[:pc], par[pc:])
        if free is not None:
            g, H = g[free], H[np.ix_(free, free)]
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        if free is not None:
            full = np.zeros(len(par))
            full[free] = step
            step = full
        s = 1.0
        new = None
        while s >= 1e-10:
            trial = par - s * step
            if np.all(np.diff(trial[pc:]) > 0):
                fnew = lik.value(trial[:pc], trial[pc:])
                if math.isfinite(fnew) and fnew <= f + 1e-12 * abs(f):
                    new = trial
                    break
            s /= 2
        if new is None:  # no step improves: at the maximum to rounding, or stuck
            converged = bool(np.max(np.abs(step) / np.maximum(1.0, np.abs(par))) < 1e-6)
            break
        delta = np.max(np.abs(new - par) / np.maximum(1.0, np.abs(par)))
        par, f = new, fnew
        if delta < tol:
            converged = True
            break
    return par[:pc], par[pc:], f, converged, it


def svyolr(
    design: SurveyDesign,
    formula: str,
    reference: Mapping[str, object] | None = None,
    method: str = "R",
    replicates: np.ndarray | None = None,
) -> SvyOlr:
    """Fit a proportional-odds model: R's ``svyolr(formula, design)``, with linearization SEs
    (``svyolr.survey.design2``) or, on a replicate-weight design, replicate SEs
    (``svyolr.svyrep.design``; a :class:`SvrepOlr`).

    The response must be a pandas Categorical with at least three categories, in outcome
    order (R's ordered factor; e.g. ``pd.cut`` output). Predictors follow the formula syntax
    of :mod:`swsurvey.survey.modelframe`; the intercept is always implied (the cut-points).
    Rows with a missing model variable leave the domain (``n_missing``). A response
    category without weighted observations, or a rank-deficient model matrix, is an
    :class:`InputError`; BFGS that stops at R's 100 iterations gives ``converged=False``
    with a :class:`~swsurvey.survey.glmfit.NonConvergenceWarning` (R's ``svyolr`` is silent).
    ``method="R"`` reproduces R's optimiser, ``"newton"`` the exact maximum (module docstring).

    On a replicate-weight design the model is refitted on every replicate's weights
    (:func:`svyolr_refit` says how); ``replicates`` are those refits' estimates (replicates x
    (coefficients + cut-points), in the order of :attr:`SvyOlr.all_names`) when they were
    computed elsewhere, in chunks, with :func:`svyolr_refit`: the result is then the same,
    to the last bit, as refitting here. Given on a linearization design it is an error.
    """
    if method not in ("R", "newton"):
        raise InputError("method must be 'R' or 'newton'", value=method)
    if isinstance(design, SvyRepDesign):  # R's svyolr.svyrep.design
        return _svrep_olr(design, formula, reference, method, replicates=replicates)
    if replicates is not None:
        raise InputError("replicate estimates are for replicate-weight designs; this design has none")
    parsed, mf, levels, q = _ordinal_frame(design, formula, reference)
    w_all = design.weights
    use = mf.complete & (w_all != 0)
    n_missing = int(((~mf.complete) & (w_all != 0)).sum())
    if not use.any():
        raise InputError("no row with non-zero weight has every model variable", variable=parsed.response_var)
    fit_design = design.subset(mf.complete) if n_missing else design
    rows_after = design_rows(fit_design)
    mean_w = float(fit_design.weights[rows_after].mean())
    index = np.flatnonzero(use)
    y_rows = mf.y[index]
    w_rows = w_all[index]
    groups = covariate_patterns(mf.term_codes(index) + [y_rows], len(index))
    if groups is None:
        inverse, Xfull, y, w = None, mf.matrix(index), y_rows, w_rows
    else:
        inverse, first = groups
        Xfull, y = mf.matrix(index[first]), y_rows[first]
        w = np.bincount(inverse, weights=w_rows, minlength=len(first))
    _check_categories(y, w, levels, parsed.response_var)
    check_rank(Xfull, w / mean_w, mf.names)
    x = np.ascontiguousarray(Xfull[:, 1:])
    names = mf.names[1:]
    assign = mf.assign[1:]
    pc = x.shape[1]
    lik = Likelihood(x, y, w, q)
    start = _start(x, y, w_rows / mean_w, inverse, q)
    if method == "R":
        par, fvalue, converged, iterations, _, _ = _vmmin(lik.value_theta, lik.gradient_theta, start)
        beta = par[:pc]
        zeta = lik.zeta_of(par[pc:])
        hess_theta = _optimhess(lik.gradient_theta, par)
        vc = _ginv(hess_theta)
        theta = np.concatenate([[zeta[0]], np.log(np.diff(zeta))])
        A = np.eye(pc + q)
        A[pc:, pc:] = _jacobian(theta)
        Vm = A @ vc @ A.T
        H = np.linalg.inv(Vm)
        bread = np.linalg.inv(H)
        scores = lik.score_rows(par[:pc], lik.zeta_of(par[pc:]), unit=True)
    else:
        b0, z0 = start[:pc], lik.zeta_of(start[pc:])
        beta, zeta, fvalue, converged, iterations = _newton(lik, b0, z0)
        H = lik.hessian(beta, zeta)
        bread = np.linalg.inv(H)
        scores = lik.score_rows(beta, zeta, unit=True)
    if not converged:
        warnings.warn(
            f"the ordinal model {parsed.text} did not converge ({iterations} iterations); estimates "
            "and SEs are from the last iteration",
            NonConvergenceWarning,
            stacklevel=2,
        )
    influence = np.zeros((design.n, pc + q))
    per_unit = scores @ bread
    influence[index] = w_rows[:, None] * (per_unit if inverse is None else per_unit[inverse])
    vcov = design_vcov(fit_design, influence, overwrite=True)
    vcov = (vcov + vcov.T) / 2
    return SvyOlr(
        formula=parsed.text,
        names=tuple(names),
        zeta_names=_zeta_names(levels),
        terms=mf.terms,
        assign=assign,
        coefficients=np.asarray(beta, dtype=float),
        zeta=np.asarray(zeta, dtype=float),
        vcov=vcov,
        hessian=H,
        df_residual=fit_design.degf() - pc,
        deviance=2.0 * fvalue / mean_w,
        n_used=len(index),
        n_missing=n_missing,
        converged=converged,
        iterations=iterations,
        method=method,
        levels=mf.levels,
        response_levels=tuple(levels),
    )


def _ordinal_frame(design, formula: str, reference):
    """The model frame of an ordinal model: (parsed formula, model frame, response levels, q)."""
    parsed = parse_formula(formula)
    if not parsed.intercept:
        warnings.warn("an ordinal model needs an intercept; it is assumed (as R)", UserWarning, stacklevel=3)
    parsed = dataclasses.replace(parsed, intercept=True)
    mf = model_frame(design, parsed, reference, categorical_response=True)
    levels = mf.response_levels
    K = len(levels)
    if K < 3:
        raise InputError("an ordinal response needs at least three categories", variable=parsed.response_var, value=K)
    return parsed, mf, levels, K - 1


def _check_categories(y: np.ndarray, w: np.ndarray, levels, response_var: str) -> None:
    counts = np.bincount(y, weights=w, minlength=len(levels))
    if (counts == 0).any():
        empty = [str(levels[i]) for i in np.flatnonzero(counts == 0)]
        raise InputError(
            "response categories without weighted observations (drop or merge them)",
            variable=response_var,
            value=empty,
        )


def _zeta_names(levels) -> tuple[str, ...]:
    return tuple(f"{level_label(levels[i])}|{level_label(levels[i + 1])}" for i in range(len(levels) - 1))


# -- replicate-weight designs: R's svyolr.svyrep.design ---------------------------------------------


@dataclass(frozen=True, eq=False)
class SvrepOlr(SvyOlr):
    """:class:`SvyOlr` from a replicate-weight design (R's ``svyolr.svyrep.design``): ``vcov``
    from the replicate refits (R's ``svrVar``), ``variance`` naming the method,
    ``replicates`` the refits' estimates (R's ``return.replicates``; replicates x
    ``all_names``); ``to_frame`` adds a ``variance`` column."""

    variance: str = ""
    replicates: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        frame = super().to_frame(level)
        frame["variance"] = self.variance
        return frame


def _polr_start(x, y, w_rows, inverse, q) -> np.ndarray | None:
    """``MASS::polr``'s starting values (:func:`_logistic_start` with the weights as they are,
    ``glm.fit(X, y1, wt, family = binomial())``, and the spacing not divided: polr does not
    divide it for the logit link, svyolr does). None when that fit does not converge (polr
    stops there: "attempt to find suitable starting values failed")."""
    return _logistic_start(x, y, w_rows, inverse, q, spacing_divisor=1.0)


def _theta_hessian_to_zeta(hess_theta: np.ndarray, zeta: np.ndarray, pc: int) -> np.ndarray:
    """A Hessian in (beta, zeta_1, log(diff(zeta))) as one in (beta, zeta), as R's vcov.polr
    maps the covariance: ``(A ginv(H) A')^-1`` with A the Jacobian of the cut-points."""
    theta = np.concatenate([[zeta[0]], np.log(np.diff(zeta))])
    A = np.eye(pc + len(zeta))
    A[pc:, pc:] = _jacobian(theta)
    return np.linalg.inv(A @ _ginv(hess_theta) @ A.T)


class _OlrRefit:
    """One replicate's estimates (beta, zeta): R's ``MASS::polr(formula, weights = w, start =
    c(coefficients, zeta))`` over the (covariate pattern, outcome) cells, ``cells`` mapping
    the rows to them (a sparse cells x rows matrix of ones, so a replicate's cell weights are
    one sparse product, summed in row order).

    ``method="R"``: polr's optimiser, R's BFGS (``optim``'s ``vmmin``, reltol 1.5e-8, 100
    iterations) on ``(beta, zeta_1, log(diff(zeta)))`` from the full-sample estimates, step
    for step as R. ``"newton"``: Newton-Raphson from them to the exact maximum; parameters
    the replicate does not inform (columns aliased among its weighted cells) keep their
    starting values, as R's BFGS leaves them, and a replicate with an empty response
    category (no finite maximum: two cut-points meet) gives NaN, which the variance drops
    with a warning (R's ``svrVar`` drops NA replicates). A non-finite likelihood at the start
    gives NaN too (R's polr stops with an error there)."""

    def __init__(self, cells: sp.csr_matrix, x: np.ndarray, y: np.ndarray, q: int, start: np.ndarray, method: str):
        self.cells, self.x, self.y, self.q, self.method = cells, x, y, q, method
        self.pc = x.shape[1]
        self.start = np.asarray(start, dtype=float)
        zeta = self.start[self.pc :]
        self.s0 = np.concatenate([self.start[: self.pc], [zeta[0]], np.log(np.diff(zeta))])  # polr.fit's s0
        self.not_converged = 0

    def __call__(self, w: np.ndarray) -> np.ndarray:
        wc = self.cells @ w
        pc, k = self.pc, len(self.start)
        if not wc.sum() > 0:
            return np.full(k, np.nan)
        lik = Likelihood(self.x, self.y, wc, self.q, clip=True)
        if self.method == "R":
            try:
                par, _, converged, _, _, _ = _vmmin(lik.value_theta, lik.gradient_theta, self.s0)
            except InputError:
                return np.full(k, np.nan)
            out = np.concatenate([par[:pc], lik.zeta_of(par[pc:])])
        else:
            if (np.bincount(self.y, weights=wc, minlength=self.q + 1) <= 0).any() or not math.isfinite(
                lik.value(self.start[:pc], self.start[pc:])
            ):
                return np.full(k, np.nan)
            free = None
            if pc:
                scale = wc / wc.sum()
                aliased = aliased_columns(_gram_with_intercept(self.x, scale))
                if aliased:
                    drop = {j - 1 for j in aliased if j > 0}
                    free = np.array([j for j in range(k) if j not in drop])
            beta, zeta, _, converged, _ = _newton(lik, self.start[:pc], self.start[pc:], free=free)
            out = np.concatenate([beta, zeta])
        self.not_converged += not converged
        return out


def _gram_with_intercept(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    X = np.column_stack([np.ones(len(w)), x])
    gram = X.T @ (X * w[:, None])
    d = np.sqrt(np.diag(gram))
    d = np.where(d > 0, d, 1.0)
    return gram / np.outer(d, d)


def _svrep_olr(design, formula, reference, method, replicates=None, refit_only=False):
    """``svyolr`` on a replicate-weight design (R's ``svyolr.svyrep.design``), or with
    ``refit_only`` its replicate statistic (:func:`svyolr_refit`)."""
    parsed, mf, levels, q = _ordinal_frame(design, formula, reference)
    w_all = design.weights
    complete = mf.complete
    use = complete & (w_all != 0)
    n_missing = int(((~complete) & (w_all != 0)).sum())
    if not use.any():
        raise InputError("no row with non-zero weight has every model variable", variable=parsed.response_var)
    # R: polr on model.frame(design) drops incomplete rows (na.omit) from the full fit and
    # every refit; the design's df and weight mean are those of the design as given
    mean_w = float(w_all[design.rows].mean())
    fit_design = design.subset(complete) if not complete[design.rows].all() else design
    rows = fit_design.rows
    w_rows = fit_design.weights[rows]
    y_rows = mf.y[rows]
    groups = covariate_patterns(mf.term_codes(rows) + [y_rows], len(rows))
    if groups is None:
        inverse, Xfull, y, cell = None, mf.matrix(rows), y_rows, np.arange(len(rows))
    else:
        inverse, first = groups
        Xfull, y, cell = mf.matrix(rows[first]), y_rows[first], inverse
    cells = sp.csr_matrix((np.ones(len(rows)), (cell, np.arange(len(rows)))), shape=(len(y), len(rows)))
    w = cells @ w_rows
    _check_categories(y, w, levels, parsed.response_var)
    check_rank(Xfull, w / mean_w, mf.names)
    x = np.ascontiguousarray(Xfull[:, 1:])
    pc = x.shape[1]
    lik = Likelihood(x, y, w, q, clip=True)
    s0 = _polr_start(x, y, w_rows, inverse, q)
    if s0 is None:
        # polr's logistic fit with large weights can fail to converge (its first step starts
        # from mustart = (w y + 0.5) / (w + 1), near 0 and 1); R stops, we start from
        # svyolr's own values (the weights rescaled to mean 1), which only moves where BFGS
        # starts
        if method == "R":
            warnings.warn(
                f"MASS::polr's starting values for {parsed.text} (a logistic fit with the weights as "
                "they are) did not converge, where R's svyolr stops ('attempt to find suitable "
                "starting values failed'); starting from svyolr's own (weights rescaled to mean 1)",
                ModelWarning,
                stacklevel=3,
            )
        used_mean = float(w_rows[w_rows != 0].mean())
        s0 = _start(x, y, w_rows / used_mean, inverse, q)
    if method == "R":  # MASS::polr(Hess = TRUE): optim(BFGS, hessian = TRUE)
        par, fvalue, converged, iterations, _, _ = _vmmin(lik.value_theta, lik.gradient_theta, s0)
        beta = par[:pc]
        zeta = lik.zeta_of(par[pc:])
        H = _theta_hessian_to_zeta(_optimhess(lik.gradient_theta, par), zeta, pc)
    else:
        beta, zeta, fvalue, converged, iterations = _newton(lik, s0[:pc], lik.zeta_of(s0[pc:]))
        H = lik.hessian(beta, zeta)
    if not converged:
        warnings.warn(
            f"the ordinal model {parsed.text} did not converge ({iterations} iterations); estimates "
            "and SEs are from the last iteration",
            NonConvergenceWarning,
            stacklevel=3,
        )
    theta = np.concatenate([beta, zeta])
    refit = _OlrRefit(cells, x, y, q, theta, method)
    if refit_only:
        return ReplicateStatistic(rows=rows, statistic=refit, theta=theta)
    vcov, reps = replicate_vcov(fit_design, theta, refit, replicates)
    if refit.not_converged:
        warnings.warn(
            f"{refit.not_converged} replicate fits did not converge in 100 iterations (R's polr is silent)",
            NonConvergenceWarning,
            stacklevel=3,
        )
    vcov = (vcov + vcov.T) / 2
    return SvrepOlr(
        formula=parsed.text,
        names=tuple(mf.names[1:]),
        zeta_names=_zeta_names(levels),
        terms=mf.terms,
        assign=mf.assign[1:],
        coefficients=np.asarray(beta, dtype=float),
        zeta=np.asarray(zeta, dtype=float),
        vcov=vcov,
        hessian=H,
        df_residual=design.degf() - pc,
        deviance=2.0 * fvalue / mean_w,
        n_used=int(use.sum()),
        n_missing=n_missing,
        converged=converged,
        iterations=iterations,
        method=method,
        levels=mf.levels,
        response_levels=tuple(levels),
        variance=design.variance,
        replicates=reps,
    )


def svyolr_refit(
    design: SurveyDesign,
    formula: str,
    reference: Mapping[str, object] | None = None,
    method: str = "R",
):
    """The replicate refit of :func:`svyolr` on a replicate-weight design, as a
    :class:`~swsurvey.survey.replicates.ReplicateStatistic` (R's ``svyolr.svyrep.design``
    refits): ``rows`` are the design's rows with every model variable, ``statistic(w)``
    refits the model on one replicate's analysis weights of those rows and returns its
    coefficients then cut-points, ``theta`` the full-sample ones. Evaluate it on replicates'
    weights (in chunks, in other processes) and give the stacked estimates to
    ``svyolr(..., replicates=)``, which then gives the same result as refitting itself.

    Each refit starts from the full-sample estimates, as R's ``MASS::polr(start=)``, with
    the full fit's ``method``: ``"R"`` runs R's BFGS step for step (so the replicates, and
    the variance, are R's, including where R's BFGS stops short of the maximum: from a
    start this near, often after few steps); ``"newton"`` maximises each replicate's
    likelihood exactly, consistently with its exact full-sample fit (as R's BFGS, it
    leaves coefficients the replicate does not inform, such as a level it has no rows of,
    at their starting values; a replicate with an empty response category has no maximum
    and gives NaN, which the variance drops with a warning, as R's ``svrVar`` drops NA
    replicates). Refits cost about what the full fit costs: the likelihood is summed over
    (covariate pattern, outcome) cells, the cells' weights one sparse product of the
    replicate's weights.
    """
    if method not in ("R", "newton"):
        raise InputError("method must be 'R' or 'newton'", value=method)
    if not isinstance(design, SvyRepDesign):
        raise InputError("replicate estimates are for replicate-weight designs; this design has none")
    return _svrep_olr(design, formula, reference, method, refit_only=True)
