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
``glm.fit``'s path (:mod:`swsurvey.survey.glmfit`): R's starting values (``mustart``), its IRLS
steps and its stopping rule; like R, the reported ``(X'WX)^-1`` and working weights are those of
the last IRLS step.

On a replicate-weight design (:class:`~swsurvey.survey.replicates.SvyRepDesign`) ``svyglm`` is
R's ``svyglm.svyrep.design``: the model is refitted on every replicate's weights from the
full-sample coefficients (``glm.fit(start=)``), the covariance is R's ``svrVar`` of the
refits and the dispersion that of ``summary.svrepglm``; the result is a :class:`SvrepGlm`.

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
import scipy.sparse as sp

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.distributions import pchisq, pf, pt, qnorm, qt
from swsurvey.survey.glmfit import (
    FAMILIES,
    Family,
    GlmFit,
    ModelWarning,
    NonConvergenceWarning,
    check_rank,
    fit_glm,
    glm_family,
)
from swsurvey.survey.modelframe import ModelFrame, covariate_patterns, design_rows, level_label, model_frame
from swsurvey.survey.replicates import ReplicateStatistic, SvyRepDesign, replicate_vcov, with_variance
from swsurvey.survey.variables import variable_names
from swsurvey.survey.variance import design_vcov

__all__ = [
    "RegTermTest",
    "SeparationWarning",
    "SvrepGlm",
    "SvyGlm",
    "glm_refit",
    "glm_vcov",
    "reg_term_test",
    "svyglm_refit",
    "svyglm",
]

_EPS = np.finfo(float).eps

class SeparationWarning(ModelWarning):
    """Complete or quasi-complete separation in a logistic model: some coefficients are
    infinite in truth, so their estimates, SEs and tests are meaningless."""



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
        return 2.0 * pt(np.abs(self.t_value), self.df_residual, lower_tail=False)

    @property
    def is_logistic(self) -> bool:
        return FAMILIES[self.family] == "binomial"

    @property
    def coef(self) -> pd.Series:
        """R's ``coef``: the coefficients named as R names them."""
        return pd.Series(self.coefficients, index=list(self.names))

    @property
    def estimates(self) -> np.ndarray:
        return self.coefficients

    def vcov_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.vcov, index=list(self.names), columns=list(self.names))

    def summary(self) -> pd.DataFrame:
        """R's coefficient table: Estimate, Std. Error, t value, Pr(>|t|)."""
        return pd.DataFrame(
            {"Estimate": self.coefficients, "Std. Error": self.se, "t value": self.t_value, "Pr(>|t|)": self.p_value},
            index=list(self.names),
        )

    def confint(self, level: float = 0.95, df: float | None = None) -> np.ndarray:
        """Wald intervals ``estimate +- qt(1 - alpha/2, df) * se`` on ``df_residual`` df by
        default (R's ``confint.svyglm``, method "Wald"); ``df=math.inf`` for normal quantiles.
        A k x 2 array, rows in ``coef``'s order, as every result's ``confint``."""
        df = self.df_residual if df is None else df
        if not 0 < level < 1:
            raise InputError("confidence level must be between 0 and 1", value=level)
        if df <= 0:
            warnings.warn("no residual degrees of freedom: confidence intervals are NaN", ModelWarning, stacklevel=2)
            q = np.nan
        else:
            q = qnorm(0.5 + level / 2) if math.isinf(df) else qt(0.5 + level / 2, df)
        half = q * self.se
        return np.column_stack([self.coefficients - half, self.coefficients + half])

    def odds_ratios(self, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Odds ratios ``exp(beta)`` with the exponentiated Wald interval (logistic models)."""
        if not self.is_logistic:
            raise InputError("odds ratios need a logistic (quasibinomial) model", value=self.family)
        ci = self.confint(level, df)
        return pd.DataFrame(
            {"odds_ratio": np.exp(self.coefficients), "lower": np.exp(ci[:, 0]), "upper": np.exp(ci[:, 1])},
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
                "ci_lower": ci[:, 0],
                "ci_upper": ci[:, 1],
                "ci_method": method,
            }
        )
        if self.is_logistic:
            frame["odds_ratio"] = np.exp(frame["estimate"])
            frame["odds_ratio_lower"] = np.exp(frame["ci_lower"])
            frame["odds_ratio_upper"] = np.exp(frame["ci_upper"])
        return frame


@dataclass(frozen=True, eq=False)
class SvrepGlm(SvyGlm):
    """:class:`SvyGlm` from a replicate design (R's ``svrepglm``): ``vcov`` from the replicate
    refits, ``dispersion`` as R's ``summary.svrepglm`` (the Pearson statistic with the
    rescaled weights), ``variance`` named."""

    variance: str = ""

    def to_frame(self, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        frame = super().to_frame(level, df)
        frame["variance"] = self.variance
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
    Works for :class:`SvyGlm` and :class:`~swsurvey.survey.olr.SvyOlr` results. ``term``
    is R's formula (``"~stype + mobility"``), a term's name or a list of names.
    """
    terms = tuple(variable_names(term, "test terms"))
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
        return RegTermTest(terms, chisq, p, math.inf, float(pchisq(chisq, p, lower_tail=False)), chisq)
    if ddf <= 0:
        raise InputError("the test needs positive denominator degrees of freedom", value=ddf)
    fstat = chisq / p
    return RegTermTest(terms, fstat, p, float(ddf), float(pf(fstat, p, ddf, lower_tail=False)), chisq)


# -- fitting -----------------------------------------------------------------------------------------


def _check_response(y: np.ndarray, family: Family, name: str) -> None:
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
    path = _Replicates if isinstance(design, SvyRepDesign) else _Linearization
    path.check(replicates, refit_only)
    if separation not in ("warn", "raise"):
        raise InputError("separation must be 'warn' or 'raise'", value=separation)
    fam = glm_family(family)
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
    check_rank(X, wp, mf.names)
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
    fitted = _Fitted(design, fit_design, index, inverse, X, y, wp, prior, fam, fit, mean_w, maxit, epsilon)
    if refit_only:  # a replicate design (path.check said so)
        return glm_refit(fit_design, index, inverse, X, y, fam, fit.beta, maxit, epsilon)
    vcov, dispersion, degf = path.variance(fitted, replicates)
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
    return path.result(result, design)



@dataclass(frozen=True, eq=False)
class _Fitted:
    """A model fitted on the full sample over covariate patterns: what its variance needs.
    ``design`` as given, ``fit_design`` without the rows missing a model variable, ``index``
    the rows used, ``inverse`` their patterns (None: one per row), ``X``, ``y``, ``wp`` (prior
    weights summed) per pattern, ``prior`` per row, ``mean_w`` the mean weight that rescaled them."""

    design: SurveyDesign
    fit_design: SurveyDesign
    index: np.ndarray
    inverse: np.ndarray | None
    X: np.ndarray
    y: np.ndarray
    wp: np.ndarray
    prior: np.ndarray
    family: Family
    fit: GlmFit
    mean_w: float
    maxit: int
    epsilon: float


class _Linearization:
    """``svyglm`` on a linearization design (R's ``svyglm.survey.design``)."""

    @staticmethod
    def check(replicates, refit_only: bool) -> None:
        if replicates is not None or refit_only:
            raise InputError("replicate estimates are for replicate-weight designs; this design has none")

    @staticmethod
    def variance(m: _Fitted, replicates=None) -> tuple[np.ndarray, float, int]:
        """The sandwich covariance (R's ``svy.varcoef``), ``summary.svyglm``'s dispersion and
        the degrees of freedom of the design the model was fitted on."""
        # R's svy.varcoef: estfun = X * working residuals * working weights, influence = estfun Ainv;
        # per row: prior weight x (pattern's working residual x unit working weight x row of X Ainv)
        resid_working = (m.y - m.fit.mu) / m.family.mu_eta(m.fit.eta)
        per_unit = (m.X * (resid_working * m.fit.unit_weights)[:, None]) @ m.fit.cov_unscaled
        influence = np.zeros((m.design.n, len(m.fit.beta)))
        prior = m.prior[:, None]
        influence[m.index] = per_unit * prior if m.inverse is None else per_unit[m.inverse] * prior
        vcov = design_vcov(m.fit_design, influence, overwrite=True)
        del influence
        vcov = (vcov + vcov.T) / 2
        # summary.svyglm's dispersion: svyvar of residuals.svyglm(type="pearson") on the design,
        # whose weights are the prior weights over the design weights rescaled after na.omit
        mean_after = float(m.fit_design.weights[design_rows(m.fit_design)].mean())
        pearson_p = (m.y - m.fit.mu) * math.sqrt(mean_after / m.mean_w) / np.sqrt(m.family.variance(m.fit.mu))
        wpd = m.wp * m.mean_w  # design weights summed per pattern
        n_nz = len(m.index)
        xbar = float(wpd @ pearson_p / wpd.sum())
        dispersion = (
            float(wpd @ ((pearson_p - xbar) ** 2 * n_nz / (n_nz - 1)) / wpd.sum()) if n_nz > 1 else math.nan
        )
        return vcov, dispersion, m.fit_design.degf()

    @staticmethod
    def result(result: SvyGlm, design: SurveyDesign) -> SvyGlm:
        return result


class _Replicates:
    """``svyglm`` on a replicate-weight design (R's ``svyglm.svyrep.design``)."""

    @staticmethod
    def check(replicates, refit_only: bool) -> None:
        pass

    @staticmethod
    def variance(m: _Fitted, replicates=None) -> tuple[np.ndarray, float, int]:
        """The replicate covariance (the refits of :func:`glm_refit`, or ``replicates``), the
        dispersion of R's ``summary.svrepglm`` (``sum(prior (y - mu)^2 / V(mu))`` with the
        prior weights rescaled to mean 1), and the design's degrees of freedom (R's
        ``degf(design)`` before rows with missing values leave)."""
        vcov = glm_vcov(m.fit_design, m.index, m.inverse, m.X, m.y, m.family, m.fit.beta, m.maxit, m.epsilon,
                        replicates=replicates)
        dispersion = float(m.wp @ ((m.y - m.fit.mu) ** 2 / m.family.variance(m.fit.mu)))
        return vcov, dispersion, m.design.degf()

    @staticmethod
    def result(result: SvyGlm, design: SvyRepDesign) -> SvrepGlm:
        return with_variance(result, SvrepGlm, design)


# -- replicate refits: R's svyglm.svyrep.design ----------------------------------------------------


class _GlmRefit:
    """One replicate's coefficients: R's ``glm.fit(X, y, weights = w / sum(w), start =
    coefficients)`` over covariate patterns (``patterns`` maps the design's rows used to
    them); NaN when a coefficient is not estimable (R's NA, which ``svrVar`` drops)."""

    def __init__(self, patterns: sp.csr_matrix, X, y, family, start, maxit, epsilon):
        self.patterns, self.X, self.y, self.family = patterns, X, y, family
        self.start, self.maxit, self.epsilon = start, maxit, epsilon
        self.not_converged = 0

    def __call__(self, w: np.ndarray) -> np.ndarray:
        wp = self.patterns @ w
        total = wp.sum()
        if not total > 0:
            return np.full(len(self.start), np.nan)
        prior = wp / total
        try:
            check_rank(self.X, prior, [str(i) for i in range(self.X.shape[1])])
        except InputError:
            return np.full(len(self.start), np.nan)
        fit = fit_glm(self.X, self.y, prior, self.family, maxit=self.maxit, epsilon=self.epsilon, start=self.start)
        self.not_converged += not fit.converged
        return fit.beta


def glm_refit(design: SvyRepDesign, used: np.ndarray, inverse: np.ndarray | None, X, y, family, beta,
              maxit=25, epsilon=1e-8) -> ReplicateStatistic:
    """The replicate refit of a GLM with coefficients ``beta`` (R's ``svyglm.svyrep.design``):
    the model refitted on one replicate's weights of the design's rows, from ``beta``, over
    the covariate patterns ``inverse`` (None: one per row) of the rows ``used`` (a subset of
    ``design.rows``), whose model matrix is ``X`` and response ``y`` per pattern."""
    if not np.isfinite(beta).all():
        raise InputError("the full-sample coefficients are not finite, so the replicates cannot start from them",
                         value=[float(b) for b in beta])
    position = np.searchsorted(design.rows, used)
    pattern = np.arange(len(used)) if inverse is None else inverse
    P = sp.csr_matrix((np.ones(len(used)), (pattern, position)), shape=(len(y), len(design.rows)))
    beta = np.asarray(beta, dtype=float)
    return ReplicateStatistic(rows=design.rows, statistic=_GlmRefit(P, X, y, family, beta, maxit, epsilon), theta=beta)


def glm_vcov(design: SvyRepDesign, used: np.ndarray, inverse: np.ndarray | None, X, y, family, beta, maxit=25,
             epsilon=1e-8, replicates: np.ndarray | None = None) -> np.ndarray:
    """The replicate covariance of GLM coefficients ``beta``: :func:`glm_refit` on every
    replicate, or the refits given as ``replicates``."""
    refit = glm_refit(design, used, inverse, X, y, family, beta, maxit, epsilon)
    vcov, _ = replicate_vcov(design, refit.theta, refit.statistic, replicates)
    if refit.statistic.not_converged:
        warnings.warn(f"{refit.statistic.not_converged} replicate fits did not converge in {maxit} iterations "
                      "(R's glm.fit warns alike)", NonConvergenceWarning, stacklevel=3)
    return (vcov + vcov.T) / 2
