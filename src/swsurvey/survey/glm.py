"""Survey-weighted generalised linear models and Wald tests of their terms.

R's ``svyglm`` (survey package; Lumley 2010, ch. 5; Binder 1983): the coefficients solve the
weighted estimating equations ``sum_i w_i x_i (y_i - mu_i) / (V(mu_i) g'(mu_i)) = 0`` by
iteratively reweighted least squares, with the design weights rescaled to mean 1 as prior
weights exactly as R passes them to ``glm``, and the covariance is the linearization
(sandwich) estimator

    V = A^-1 B A^-1,   A^-1 = (X' W X)^-1 (R's ``cov.unscaled``),
    B = design covariance of the score totals (R's ``svy.varcoef``: ``svyrecvar`` of
        ``estfun %*% Ainv``, ``estfun = model.matrix * working residuals * working weights``)

computed by :func:`swsurvey.survey.variance.design_vcov`, so strata, clusters, fpc and
calibration all enter. t statistics are referred to ``degf(design) + 1 - p`` degrees of
freedom, the dispersion is ``svyvar`` of the Pearson residuals, as R's ``summary.svyglm``.

To agree with R to rounding error (not just to R's convergence tolerance) the fit follows
``glm.fit``'s path: R's starting values (``mustart``), its IRLS steps and its stopping rule
``|dev - dev_old| / (|dev| + 0.1) < epsilon``; like R, the reported ``(X'WX)^-1`` and working
weights are those of the last IRLS step (they differ from the converged ones by ~1e-6).

Speed: rows enter the estimating equations only through their covariate pattern (values
of the model variables) and weight, so the fit runs over the distinct patterns with summed
weights (a few thousand for categorical predictors, whatever the number of rows), and each
IRLS step solves the equilibrated normal equations (``engine="irls"``). ``engine=
"statsmodels"`` runs statsmodels' GLM IRLS (QR of the weighted model matrix) from R's first
step instead: the same result, slower on many distinct patterns.

:func:`reg_term_test` is R's ``regTermTest(model, ~term)`` with its default Wald F test.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg
from scipy import stats

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign, is_replicate
from swsurvey.survey.modelframe import (
    ModelFrame,
    aliased_columns,
    covariate_patterns,
    design_rows,
    level_label,
    model_frame,
)
from swsurvey.survey.variance import design_vcov

__all__ = [
    "ModelWarning",
    "NonConvergenceWarning",
    "RegTermTest",
    "SeparationWarning",
    "SvyGlm",
    "reg_term_test",
    "svyglm_refit",
    "svyglm",
]

_EPS = np.finfo(float).eps
_THRESH = 30.0
_MTHRESH = -30.0
_INVEPS = 1.0 / _EPS


class ModelWarning(UserWarning):
    """A model was fitted but its result needs care (see the result's flags)."""


class NonConvergenceWarning(ModelWarning):
    """The iterations stopped at their limit before meeting the convergence criterion."""


class SeparationWarning(ModelWarning):
    """Complete or quasi-complete separation in a logistic model: some coefficients are
    infinite in truth, so their estimates, SEs and tests are meaningless."""


# -- families: R's C code for the logit link, R's dev.resids ---------------------------------------


@dataclass(frozen=True)
class _Family:
    name: str  # as given (R's family name)
    kind: str  # "gaussian" | "binomial" | "poisson"

    def linkfun(self, mu):
        if self.kind == "binomial":
            return np.log(mu / (1.0 - mu))
        if self.kind == "poisson":
            return np.log(mu)
        return mu

    def linkinv(self, eta):
        if self.kind == "binomial":
            # R's C logit_linkinv: exp(eta) clamped to [eps, 1/eps]
            e = np.exp(np.clip(eta, _MTHRESH, _THRESH))
            tmp = np.where(eta < _MTHRESH, _EPS, np.where(eta > _THRESH, _INVEPS, e))
            return tmp / (1.0 + tmp)
        if self.kind == "poisson":
            return np.maximum(np.exp(eta), _EPS)
        return eta

    def mu_eta(self, eta):
        if self.kind == "binomial":
            # R's C logit_mu_eta
            e = np.exp(np.clip(eta, _MTHRESH, _THRESH))
            opexp = 1.0 + e
            return np.where((eta > _THRESH) | (eta < _MTHRESH), _EPS, e / (opexp * opexp))
        if self.kind == "poisson":
            return np.maximum(np.exp(eta), _EPS)
        return np.ones_like(eta)

    def variance(self, mu):
        if self.kind == "binomial":
            return mu * (1.0 - mu)
        if self.kind == "poisson":
            return mu
        return np.ones_like(mu)

    def dev_resids(self, y, mu, wt):
        if self.kind == "binomial":
            return 2.0 * wt * (_ylogy(y, mu) + _ylogy(1.0 - y, 1.0 - mu))
        if self.kind == "poisson":
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(y > 0, wt * (y * np.log(np.where(y > 0, y, 1.0) / mu) - (y - mu)), mu * wt)
            return 2.0 * r
        return wt * (y - mu) ** 2

    def mustart(self, y, wt):
        if self.kind == "binomial":
            return (wt * y + 0.5) / (wt + 1.0)
        if self.kind == "poisson":
            return y + 0.1
        return y.copy()

    def null_mu(self) -> float:
        return {"binomial": 0.5, "poisson": 1.0, "gaussian": 0.0}[self.kind]

    def statsmodels(self):
        import statsmodels.api as sm

        if self.kind == "binomial":
            return sm.families.Binomial()
        if self.kind == "poisson":
            return sm.families.Poisson()
        return sm.families.Gaussian()


def _ylogy(y, mu):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * np.log(np.where(y != 0, y, 1.0) / mu), 0.0)


FAMILIES = {
    "gaussian": "gaussian",
    "quasibinomial": "binomial",
    "binomial": "binomial",
    "quasipoisson": "poisson",
    "poisson": "poisson",
}


def _family(name: str) -> _Family:
    if name not in FAMILIES:
        raise InputError(
            "family must be 'gaussian', 'quasibinomial' or 'quasipoisson'", value=name
        )
    return _Family(name=name, kind=FAMILIES[name])


# -- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SvyGlm:
    """A survey-weighted GLM (R's ``svyglm`` with its ``summary``).

    ``coefficients``, ``vcov`` (the design-based covariance, R's ``vcov``), ``naive_cov``
    (R's ``naive.cov``: ``(X'WX)^-1`` with the rescaled weights), ``df_residual`` (design
    df + 1 - number of coefficients), ``dispersion`` (``svyvar`` of the Pearson residuals,
    as ``summary.svyglm``), ``deviance`` and ``null_deviance`` (with weights rescaled to
    mean 1 over the design's rows, as R), ``n_used`` (rows with non-zero weight and no
    missing model variable), ``n_missing`` (rows with non-zero weight dropped because a
    model variable is missing; per variable in ``missing``), ``converged``/``iterations``
    (R's IRLS count), ``separation`` (descriptions when a logistic model shows separation).
    """

    formula: str
    family: str
    names: tuple[str, ...]
    terms: tuple[str, ...]
    assign: np.ndarray
    coefficients: np.ndarray
    vcov: np.ndarray
    naive_cov: np.ndarray
    df_residual: int
    dispersion: float
    deviance: float
    null_deviance: float
    n_used: int
    n_missing: int
    missing: dict[str, int]
    converged: bool
    iterations: int
    levels: dict[str, list] = field(default_factory=dict)
    separation: tuple[str, ...] = ()

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    @property
    def t_value(self) -> np.ndarray:
        return self.coefficients / self.se

    @property
    def p_value(self) -> np.ndarray:
        """Two-sided p-values of the t statistics on ``df_residual`` df (NaN if df <= 0, as R)."""
        if self.df_residual <= 0:
            return np.full(len(self.names), np.nan)
        return 2.0 * stats.t.sf(np.abs(self.t_value), self.df_residual)

    @property
    def is_logistic(self) -> bool:
        return FAMILIES[self.family] == "binomial"

    def coef(self) -> pd.Series:
        return pd.Series(self.coefficients, index=list(self.names), name="estimate")

    def vcov_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.vcov, index=list(self.names), columns=list(self.names))

    def summary(self) -> pd.DataFrame:
        """R's coefficient table: Estimate, Std. Error, t value, Pr(>|t|)."""
        return pd.DataFrame(
            {"Estimate": self.coefficients, "Std. Error": self.se, "t value": self.t_value, "Pr(>|t|)": self.p_value},
            index=list(self.names),
        )

    def confint(self, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Wald intervals ``estimate +- qt(1 - alpha/2, df) * se`` on ``df_residual`` df by
        default (R's ``confint.svyglm``, method "Wald"); ``df=math.inf`` for normal quantiles."""
        df = self.df_residual if df is None else df
        if not 0 < level < 1:
            raise InputError("confidence level must be between 0 and 1", value=level)
        if df <= 0:
            warnings.warn("no residual degrees of freedom: confidence intervals are NaN", ModelWarning, stacklevel=2)
            q = np.nan
        else:
            q = stats.norm.ppf(0.5 + level / 2) if math.isinf(df) else stats.t.ppf(0.5 + level / 2, df)
        half = q * self.se
        return pd.DataFrame(
            {"lower": self.coefficients - half, "upper": self.coefficients + half}, index=list(self.names)
        )

    def odds_ratios(self, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Odds ratios ``exp(beta)`` with the exponentiated Wald interval (logistic models)."""
        if not self.is_logistic:
            raise InputError("odds ratios need a logistic (quasibinomial) model", value=self.family)
        ci = self.confint(level, df)
        return pd.DataFrame(
            {"odds_ratio": np.exp(self.coefficients), "lower": np.exp(ci["lower"]), "upper": np.exp(ci["upper"])},
            index=list(self.names),
        )

    def to_frame(self, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """One row per coefficient: term, estimate, se, t, p, ci_lower, ci_upper, ci_method
        (and odds_ratio, odds_ratio_lower, odds_ratio_upper for a logistic model)."""
        dfv = self.df_residual if df is None else df
        ci = self.confint(level, df)
        method = f"Wald {level:.0%}, " + ("normal quantiles" if math.isinf(dfv) else f"t on {dfv:g} df")
        frame = pd.DataFrame(
            {
                "term": list(self.names),
                "estimate": self.coefficients,
                "se": self.se,
                "t": self.t_value,
                "p": self.p_value,
                "ci_lower": ci["lower"].to_numpy(),
                "ci_upper": ci["upper"].to_numpy(),
                "ci_method": method,
            }
        )
        if self.is_logistic:
            frame["odds_ratio"] = np.exp(frame["estimate"])
            frame["odds_ratio_lower"] = np.exp(frame["ci_lower"])
            frame["odds_ratio_upper"] = np.exp(frame["ci_upper"])
        return frame


@dataclass(frozen=True)
class RegTermTest:
    """R's ``regTermTest`` (method "Wald"): ``F = beta' V^-1 beta / df`` on (df, ddf)."""

    terms: tuple[str, ...]
    statistic: float
    df: int
    ddf: float
    p_value: float
    chisq: float
    method: str = "Wald"

    def __str__(self) -> str:
        return (
            f"Wald test for {' '.join(self.terms)}: F = {self.statistic:.6g} on {self.df} and "
            f"{self.ddf:g} df: p = {self.p_value:.4g}"
        )


def reg_term_test(fit, term: str | Sequence[str], df: float | None = None) -> RegTermTest:
    """Wald test that every coefficient of ``term`` (one or several terms) is zero.

    R's ``regTermTest(model, ~term)`` with its default ``method="Wald"``: ``chisq = beta'
    V^-1 beta`` over the term's coefficients, ``F = chisq / p`` referred to F(p, ddf) with
    ``ddf`` the model's residual df (or ``df``; ``math.inf`` gives the chi-square test).
    Works for :class:`SvyGlm` and :class:`~swsurvey.survey.olr.SvyOlr` results.
    """
    terms = (term,) if isinstance(term, str) else tuple(term)
    if not terms:
        raise InputError("no term to test")
    index = []
    for t in terms:
        if t not in fit.terms:
            raise InputError(f"not a term of the model (terms: {', '.join(fit.terms)})", variable=t)
        cols = np.flatnonzero(np.asarray(fit.assign) == fit.terms.index(t) + 1)
        index.extend(cols.tolist())
    index = np.array(sorted(set(index)))
    beta = np.asarray(fit.coefficients)[index]
    V = np.asarray(fit.vcov)[np.ix_(index, index)]
    chisq = float(beta @ np.linalg.solve(V, beta))
    ddf = fit.df_residual if df is None else df
    p = len(index)
    if math.isinf(ddf):
        return RegTermTest(terms, chisq, p, math.inf, float(stats.chi2.sf(chisq, p)), chisq)
    if ddf <= 0:
        raise InputError("the test needs positive denominator degrees of freedom", value=ddf)
    fstat = chisq / p
    return RegTermTest(terms, fstat, p, float(ddf), float(stats.f.sf(fstat, p, ddf)), chisq)


# -- fitting -----------------------------------------------------------------------------------------


@dataclass
class GlmFit:
    """The end state of R's ``glm.fit`` over covariate patterns: coefficients, the final
    ``eta`` and ``mu`` per pattern, the last IRLS step's working weight per unit of prior
    weight per pattern (``mu.eta^2 / V(mu)`` at the previous iterate, as R reports it) and
    that step's ``(X'WX)^-1`` (R's ``cov.unscaled``)."""

    beta: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    unit_weights: np.ndarray
    cov_unscaled: np.ndarray
    converged: bool
    iterations: int
    perfect_separation: bool = False


def _solve_normal(gram: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``gram b = rhs`` and invert ``gram`` by a Cholesky factorisation of the
    equilibrated matrix (unit diagonal), which keeps the accuracy of a QR here."""
    diag = np.diag(gram)
    d = 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0))
    scaled = gram * np.outer(d, d)
    try:
        factor = scipy.linalg.cho_factor(scaled)
        inverse = scipy.linalg.cho_solve(factor, np.eye(len(d)))
    except np.linalg.LinAlgError:  # numerically singular mid-iteration (e.g. separation)
        inverse = np.linalg.pinv(scaled, hermitian=True)
    beta = d * (inverse @ (d * rhs))
    inverse = inverse * np.outer(d, d)
    return beta, (inverse + inverse.T) / 2


def _wgram(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    return X.T @ (X * w[:, None])


def fit_glm(
    X: np.ndarray,
    y: np.ndarray,
    prior: np.ndarray,
    family: _Family,
    inverse: np.ndarray | None = None,
    maxit: int = 25,
    epsilon: float = 1e-8,
    engine: str = "irls",
    start: np.ndarray | None = None,
) -> GlmFit:
    """R's ``glm.fit(X, y, weights=prior, family=)`` (no offset), rows of positive weight.

    ``X`` and ``y`` are per covariate pattern and ``inverse`` gives each row's pattern
    (None: one row per pattern); ``prior`` is per row. R's first step starts from
    ``mustart``, which depends on each row's own weight, so it is done row by row (as
    pattern sums); later steps depend on rows only through their pattern and use the
    patterns' summed weights. Iterations stop as R's: ``|dev - dev_old| / (|dev| + 0.1) <
    epsilon``, at most ``maxit``. ``engine="irls"`` solves each weighted least-squares step
    by the normal equations (fast on many rows); ``"statsmodels"`` continues from R's first
    step with statsmodels' GLM IRLS (QR of the weighted matrix) and R's stopping rule. Both
    end where R's ``glm.fit`` ends. ``start`` (coefficients) is R's ``glm.fit(start=)``: the
    iterations begin at ``eta = X start`` instead of ``mustart`` (as replicate refits do).
    """
    if engine not in ("irls", "statsmodels"):
        raise InputError("engine must be 'irls' or 'statsmodels'", value=engine)
    if inverse is None:
        y_row, wp = y, prior
    else:
        y_row = y[inverse]
        wp = np.bincount(inverse, weights=prior, minlength=len(y))

    def pattern_sum(v):
        return v if inverse is None else np.bincount(inverse, weights=v, minlength=len(y))

    if start is not None:  # R's glm.fit(start=): every step on pattern sums
        beta = np.asarray(start, dtype=float)
        eta = X @ beta
        mu = family.linkinv(eta)
        dev = float(np.sum(family.dev_resids(y, mu, wp)))
        iterations, converged, engine = 0, False, "irls"
    else:  # R's first step, row by row
        eta0 = family.linkfun(family.mustart(y_row, prior))
        mu0 = family.linkinv(eta0)
        mu_eta0 = family.mu_eta(eta0)
        z0 = eta0 + (y_row - mu0) / mu_eta0
        w0 = prior * mu_eta0**2 / family.variance(mu0)
        wsum = pattern_sum(w0)
        beta, cov = _solve_normal(_wgram(X, wsum), X.T @ pattern_sum(w0 * z0))
        unit = wsum / np.where(wp > 0, wp, 1.0)
        dev_old = float(np.sum(family.dev_resids(y_row, mu0, prior)))
        eta = X @ beta
        mu = family.linkinv(eta)
        dev = float(np.sum(family.dev_resids(y, mu, wp)))
        iterations, converged = 1, abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon
    perfect = False
    if not converged and maxit > 1 and engine == "statsmodels":
        return _fit_statsmodels(X, y, wp, family, beta, maxit, epsilon)
    while not converged and iterations < maxit:
        dev_old = dev
        mu_eta = family.mu_eta(eta)
        unit = mu_eta**2 / family.variance(mu)
        w = wp * unit
        z = eta + (y - mu) / mu_eta
        beta, cov = _solve_normal(_wgram(X, w), X.T @ (w * z))
        eta = X @ beta
        mu = family.linkinv(eta)
        dev = float(np.sum(family.dev_resids(y, mu, wp)))
        iterations += 1
        converged = abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon
    if family.kind == "binomial" and np.allclose(mu - y, 0):
        perfect = True
    return GlmFit(beta, eta, mu, unit, cov, bool(converged), iterations, perfect)


def _fit_statsmodels(X, y, wp, family, beta1, maxit, epsilon) -> GlmFit:
    """statsmodels' GLM IRLS from R's first step, with R's stopping rule."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = sm.GLM(y, X, family=family.statsmodels(), var_weights=wp)
    perfect = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(
            start_params=beta1, maxiter=maxit - 1, tol=epsilon, atol=0.1 * epsilon, rtol=epsilon, wls_method="qr"
        )
    for item in caught:
        if issubclass(item.category, PerfectSeparationWarning):
            perfect = True
        elif not issubclass(item.category, RuntimeWarning):
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    beta = np.asarray(res.params)
    eta = X @ beta
    unit = np.asarray(model.weights) / np.where(wp > 0, wp, 1.0)
    return GlmFit(
        beta=beta,
        eta=eta,
        mu=family.linkinv(eta),
        unit_weights=unit,
        cov_unscaled=np.asarray(res.normalized_cov_params),
        converged=bool(res.converged),
        iterations=1 + int(res.fit_history["iteration"]),
        perfect_separation=perfect,
    )


def _check_response(y: np.ndarray, family: _Family, name: str) -> None:
    if family.kind == "binomial":
        bad = (y < 0) | (y > 1)
        if bad.any():
            raise InputError(
                "a logistic model needs a 0/1 (or proportion) response", variable=name, count=int(bad.sum())
            )
        if (y == 0).all() or (y == 1).all():
            raise InputError(
                f"the response is {int(y[0])} for every row used: a logistic model cannot be fitted",
                variable=name,
            )
    elif family.kind == "poisson":
        bad = y < 0
        if bad.any():
            raise InputError("a Poisson model needs a non-negative response", variable=name, count=int(bad.sum()))


def _check_rank(X: np.ndarray, w: np.ndarray, names: Sequence[str]) -> None:
    """An InputError naming the aliased columns of ``X`` (rows weighted by ``w``)."""
    gram = _wgram(X, w)
    scale = np.sqrt(np.diag(gram))
    safe = np.where(scale > 0, scale, 1.0)
    norm = gram / np.outer(safe, safe)
    norm[scale == 0, :] = 0.0
    norm[:, scale == 0] = 0.0
    aliased = aliased_columns(norm)
    if aliased:
        which = [names[j] for j in aliased]
        raise InputError(
            "the model matrix is rank-deficient: these columns are constant zero or linear "
            "combinations of earlier ones among the rows used (R would report NA "
            "coefficients); drop or merge them: " + ", ".join(which),
            variable=", ".join(which),
        )


def _structural_separation(mf: ModelFrame, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> list[str]:
    """Levels of categorical terms whose weighted responses are all 0 or all 1."""
    found = []
    ones = X.T @ (w * y)
    alls = X.T @ w
    total1, total = float(w @ y), float(w.sum())
    for index, term in enumerate(mf.terms, start=1):
        if term not in mf.levels:
            continue
        cols = np.flatnonzero(mf.assign == index)
        levels = mf.levels[term]
        cells = []
        if len(cols) < len(levels):  # the reference level: rows with no dummy of the term set
            cells.append((levels[0], total1 - ones[cols].sum(), total - alls[cols].sum()))
            named = levels[1:]
        else:
            named = levels
        cells.extend((lv, ones[c], alls[c]) for lv, c in zip(named, cols))
        for level, s1, s in cells:
            tol = 1e-12 * total
            if abs(s1) <= tol or abs(s - s1) <= tol:
                found.append(f"{term} = {level_label(level)}: every response is {'0' if abs(s1) <= tol else '1'}")
    return found


def svyglm(
    design: SurveyDesign,
    formula: str,
    family: str = "gaussian",
    reference: Mapping[str, object] | None = None,
    maxit: int = 25,
    epsilon: float = 1e-8,
    separation: str = "warn",
    engine: str = "irls",
    replicates: np.ndarray | None = None,
) -> SvyGlm:
    """Fit a survey-weighted GLM: R's ``svyglm(formula, design, family=)``.

    ``formula`` uses the syntax of :mod:`swsurvey.survey.modelframe` (``"y ~ a + b"``;
    categorical terms become treatment dummies, the first level the reference unless
    ``reference`` names another; the response may be ``I(var == "Yes")``, a two-level
    Categorical (the first level is failure), a boolean or a 0/1 column). ``family`` is
    ``"gaussian"`` (identity link), ``"quasibinomial"`` (logit link) or ``"quasipoisson"``
    (log link); ``"binomial"``/``"poisson"`` give the same fit. ``maxit`` and ``epsilon``
    are R's ``glm.control``; ``engine`` chooses the IRLS solver (:func:`fit_glm`).

    Rows with a missing model variable leave the domain (zero weight), as R's ``na.omit``
    on a design; their number is ``n_missing``. Failure modes are reported, never silent:
    a rank-deficient model matrix is an :class:`InputError` naming the aliased columns;
    IRLS that stops at ``maxit`` without meeting R's criterion gives a result with
    ``converged=False`` and a :class:`NonConvergenceWarning`; separation in a logistic model
    (a level of a categorical term whose responses are all 0 or all 1, fitted probabilities
    numerically 0 or 1, or a perfect fit) gives a :class:`SeparationWarning` naming the
    term and fills ``separation``, or, with ``separation="raise"``, an :class:`InputError`.

    On a replicate-weight design the model is refitted on every replicate (R's
    ``svyglm.svyrep.design``); ``replicates`` are those refits' coefficients (replicates x
    coefficients) when they were computed elsewhere, in chunks, with :func:`svyglm_refit`.
    """
    return _svyglm(design, formula, family, reference, maxit, epsilon, separation, engine, replicates=replicates)


def svyglm_refit(
    design: SurveyDesign,
    formula: str,
    family: str = "gaussian",
    reference: Mapping[str, object] | None = None,
    maxit: int = 25,
    epsilon: float = 1e-8,
    engine: str = "irls",
):
    """The replicate refit of :func:`svyglm` on a replicate-weight design, as a
    :class:`~swsurvey.survey.replicates.ReplicateStatistic`: evaluate it on replicates' weights
    (in chunks, in other processes) and give the stacked coefficients to
    ``svyglm(..., replicates=)``, which then gives the same result as refitting itself."""
    return _svyglm(design, formula, family, reference, maxit, epsilon, "warn", engine, refit_only=True)


def _svyglm(design, formula, family, reference, maxit, epsilon, separation, engine, replicates=None, refit_only=False):
    if (replicates is not None or refit_only) and not is_replicate(design):
        raise InputError("replicate estimates are for replicate-weight designs; this design has none")
    if separation not in ("warn", "raise"):
        raise InputError("separation must be 'warn' or 'raise'", value=separation)
    fam = _family(family)
    mf = model_frame(design, formula, reference)
    if mf.response_levels is not None and fam.kind != "binomial":
        raise InputError("a categorical response needs family='quasibinomial'", variable=mf.formula.response_var)
    w = design.weights
    rows = design_rows(design)
    mean_w = float(w[rows].mean())
    use = mf.complete & (w != 0)
    n_missing = int(((~mf.complete) & (w != 0)).sum())
    missing = {k: v for k, v in mf.missing.items() if v}
    if not use.any():
        raise InputError("no row with non-zero weight has every model variable", variable=mf.formula.response_var)
    fit_design = design.subset(mf.complete) if n_missing else design
    index = np.flatnonzero(use)
    y_rows = mf.y[index]
    _check_response(y_rows, fam, mf.formula.response_var)
    prior = w[index] / mean_w
    k = len(mf.names)
    if k == 0:
        raise InputError("the model has no coefficients", value=mf.formula.text)
    groups = covariate_patterns(mf.term_codes(index) + [pd.factorize(y_rows)[0]], len(index))
    if groups is None:
        inverse, X, y = None, mf.matrix(index), y_rows
    else:
        inverse, first = groups
        X, y = mf.matrix(index[first]), y_rows[first]
    wp = prior if inverse is None else np.bincount(inverse, weights=prior, minlength=len(y))
    _check_rank(X, wp, mf.names)
    flags: list[str] = []
    if fam.kind == "binomial":
        flags.extend(_structural_separation(mf, X, y, wp))
    fit = fit_glm(X, y, prior, fam, inverse=inverse, maxit=maxit, epsilon=epsilon, engine=engine)
    if fam.kind == "binomial":
        extreme = (fit.mu > 1 - 10 * _EPS) | (fit.mu < 10 * _EPS)
        if fit.perfect_separation or extreme.any():
            mean = (wp @ X) / wp.sum()
            sd = np.sqrt(np.maximum((wp @ (X * X)) / wp.sum() - mean**2, 0.0))
            std = np.abs(fit.beta) * np.where(mf.assign == 0, 0.0, sd)
            worst = mf.names[int(np.argmax(std))]
            n_extreme = int(extreme.sum()) if inverse is None else int(extreme[inverse].sum())
            flags.append(
                f"fitted probabilities numerically 0 or 1 for {n_extreme} rows; the largest "
                f"standardised coefficient is {worst}"
            )
    if flags:
        message = "separation in the logistic model " + mf.formula.text + ": " + "; ".join(flags) + (
            " (the affected coefficients tend to infinity: merge or drop the level or term)"
        )
        if separation == "raise":
            raise InputError(message)
        warnings.warn(message, SeparationWarning, stacklevel=2)
    if not fit.converged:
        warnings.warn(
            f"the model {mf.formula.text} did not converge in {fit.iterations} IRLS iterations (R's "
            f"maxit={maxit}); estimates and SEs are from the last iteration",
            NonConvergenceWarning,
            stacklevel=2,
        )
    if is_replicate(design):  # R's svyglm.svyrep.design: the model refitted on every replicate
        from swsurvey.survey.replicates import glm_refit, svyglm_variance

        if refit_only:
            return glm_refit(fit_design, index, inverse, X, y, fam, fit.beta, maxit, epsilon)
        vcov, dispersion, degf = svyglm_variance(
            design, fit_design, index, inverse, X, y, wp, fam, fit, maxit, epsilon, replicates=replicates
        )
    else:
        # R's svy.varcoef: estfun = X * working residuals * working weights, influence = estfun Ainv;
        # per row: prior weight x (pattern's working residual x unit working weight x row of X Ainv)
        resid_working = (y - fit.mu) / fam.mu_eta(fit.eta)
        per_unit = (X * (resid_working * fit.unit_weights)[:, None]) @ fit.cov_unscaled
        influence = np.zeros((design.n, k))
        influence[index] = per_unit * prior[:, None] if inverse is None else per_unit[inverse] * prior[:, None]
        vcov = design_vcov(fit_design, influence)
        del influence
        vcov = (vcov + vcov.T) / 2
        # summary.svyglm's dispersion: svyvar of residuals.svyglm(type="pearson") on the design,
        # whose weights are the prior weights over the design weights rescaled after na.omit
        mean_after = float(fit_design.weights[design_rows(fit_design)].mean())
        pearson_p = (y - fit.mu) * math.sqrt(mean_after / mean_w) / np.sqrt(fam.variance(fit.mu))
        wpd = wp * mean_w  # design weights summed per pattern
        n_nz = len(index)
        xbar = float(wpd @ pearson_p / wpd.sum())
        dispersion = (
            float(wpd @ ((pearson_p - xbar) ** 2 * n_nz / (n_nz - 1)) / wpd.sum()) if n_nz > 1 else math.nan
        )
        degf = fit_design.degf()
    deviance = float(np.sum(fam.dev_resids(y, fit.mu, wp)))
    wtdmu = float(wp @ y / wp.sum()) if mf.formula.intercept else fam.null_mu()
    null_deviance = float(np.sum(fam.dev_resids(y, np.full_like(y, wtdmu), wp)))
    df_residual = degf + 1 - k
    if df_residual <= 0:
        warnings.warn(
            f"the model has {k} coefficients but the design only {degf} degrees of "
            "freedom: p-values and intervals are NaN (as R)",
            ModelWarning,
            stacklevel=2,
        )
    result = SvyGlm(
        formula=mf.formula.text,
        family=family,
        names=mf.names,
        terms=mf.terms,
        assign=mf.assign,
        coefficients=fit.beta,
        vcov=vcov,
        naive_cov=fit.cov_unscaled,
        df_residual=df_residual,
        dispersion=dispersion,
        deviance=deviance,
        null_deviance=null_deviance,
        n_used=len(index),
        n_missing=n_missing,
        missing=missing,
        converged=fit.converged,
        iterations=fit.iterations,
        levels=mf.levels,
        separation=tuple(flags),
    )
    if not is_replicate(design):
        return result
    from swsurvey.survey.replicates import with_variance

    return with_variance(result, design)
