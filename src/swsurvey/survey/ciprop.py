"""Confidence intervals for a proportion from a complex sample: R's ``svyciprop``.

Methods (Lumley 2010, sec. 2.3.1; R's ``?svyciprop``), all with ``df`` = the design degrees
of freedom by default as R (``df = degf(design)``):

* ``"logit"``: a survey-weighted intercept-only logistic (quasibinomial) model, Wald
  interval on the log-odds scale with the sandwich (linearization) variance, transformed
  back (Binder 1983). Its estimate is ``expit`` of the fitted intercept, as R's, which
  agrees with the weighted mean to the IRLS convergence tolerance (about 1e-9).
* ``"likelihood"``: the profile likelihood of that model with the Rao-Scott scaled
  chi-squared reference (Rao & Scott 1984), R's ``confint(method="likelihood")``: the
  profile is evaluated on R's grid and inverted by R's FMM spline and linear interpolation,
  so the interval agrees with R's to rounding, not only to the root.
* ``"asin"``: Wald interval for ``asin(sqrt(p))`` (delta method), transformed back.
* ``"beta"``: Korn & Graubard (1998): Clopper-Pearson with the effective sample size
  ``p(1-p)/var``, itself scaled by ``(qt(a/2, n-1) / qt(a/2, degf))^2``.
* ``"mean"``: the Wald interval for the mean, ``confint(svymean(...), df=df)``.
* ``"xlogit"``: Wald interval for ``log(p/(1-p))`` (delta method), transformed back
  (SUDAAN, SPSS Complex Samples).
* ``"wilson"``: Wilson's (1927) score interval for the weighted proportion, with the
  effective sample size ``n_eff = p(1-p)/var`` (``var`` the design variance of the mean)
  in place of ``n`` and the t quantile on ``df`` in place of the normal one:
  ``(p + z^2/(2 n_eff) +- z sqrt(p(1-p)/n_eff + z^2/(4 n_eff^2))) / (1 + z^2/n_eff)`` (the
  form of Kott & Carr 1997 and Dean & Pagano 2015). The survey package installed here
  (4.1-1) has no "wilson" method; later releases of R's survey add ``method="wilson"``,
  which this has not been checked against (it is not installed here). The tests check it
  against this formula evaluated in R (tests/r/estimates_extra.R). For a simple random
  sample ``var = p(1-p)/(n-1)``, so ``n_eff`` is ``n - 1``, not the ``n`` of the textbook
  binomial interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.distributions import pnorm, qbeta, qf, qnorm, qt
from swsurvey.survey.estimates import mean_matrix, svrep_stat
from swsurvey.survey.glm import glm_vcov
from swsurvey.survey.glmfit import glm_family
from swsurvey.survey.interpolation import approx, spline
from swsurvey.survey.modelframe import design_rows
from swsurvey.survey.replicates import SvyRepDesign, with_variance
from swsurvey.survey.svystat import DF, SvyStat, check_level, describe_df, quantile, resolve_df
from swsurvey.survey.variables import indicator, variable_names
from swsurvey.survey.variance import design_vcov

__all__ = ["CIPROP_METHODS", "SvrepCiProp", "SvyCiProp", "korn_graubard", "svyciprop"]

CIPROP_METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit", "wilson")

_METHOD_NAMES = {
    "logit": "logit (Wald on the log-odds of a survey-weighted logistic model)",
    "likelihood": "likelihood (Rao-Scott scaled profile likelihood)",
    "asin": "asin (Wald on arcsine square root)",
    "beta": "beta (Korn-Graubard)",
    "mean": "mean (Wald)",
    "xlogit": "xlogit (Wald on logit of the mean)",
    "wilson": "wilson (score interval on the effective sample size)",
}


@dataclass(frozen=True, eq=False)
class SvyCiProp:
    """A proportion with its confidence interval (R's ``svyciprop`` object).

    ``se`` is the linearization SE of the weighted mean (R's ``vcov`` of the result), a
    number. ``coef``, ``names``, ``estimates``, ``vcov``, ``confint()`` and ``to_frame()``
    make it usable wherever a one-estimate result is.
    """

    name: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    level: float
    method: str
    df: float
    design_df: int

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)

    @property
    def estimates(self) -> np.ndarray:
        return np.array([self.estimate])

    @property
    def vcov(self) -> np.ndarray:
        return np.array([[self.se**2]])

    @property
    def deff(self) -> None:
        return None

    @property
    def ci_method(self) -> str:
        if self.method == "beta":
            return f"{_METHOD_NAMES['beta']}, {self.design_df} design df"
        return f"{_METHOD_NAMES[self.method]}, {describe_df(self.df, self.design_df)}"

    @property
    def coef(self) -> pd.Series:
        """R's ``coef``: the proportion, named as R names it (``I(stype == "E")``)."""
        return pd.Series([self.estimate], index=[self.name])

    def confint(self, level: float | None = None) -> np.ndarray:
        """R's ``confint``: the 1 x 2 interval, at the level it was computed at (another
        ``level`` is an error: call svyciprop with that level)."""
        check_level(level, self.level)
        return np.array([[self.ci_lower, self.ci_upper]])

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """One row: name, estimate, se, ci_lower, ci_upper, ci_method, level."""
        check_level(level, self.level)
        return pd.DataFrame(
            {
                "name": [self.name],
                "estimate": [self.estimate],
                "se": [self.se],
                "ci_lower": [self.ci_lower],
                "ci_upper": [self.ci_upper],
                "ci_method": [self.ci_method],
                "level": [self.level],
            }
        )


@dataclass(frozen=True, eq=False)
class SvrepCiProp(SvyCiProp):
    """:class:`SvyCiProp` from a replicate design, its ``variance`` named."""

    variance: str = ""

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        frame = super().to_frame(level)
        frame["variance"] = self.variance
        return frame


# -- the 0/1 variable -------------------------------------------------------------------------


_COMPARE = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _indicator(design: SurveyDesign, variable, value) -> tuple[np.ndarray, str]:
    """The analysis variable as floats in [0, 1] with NaN for missing, and its name."""
    if isinstance(variable, str) and variable.lstrip().startswith("~"):
        expression = indicator(variable)
        if expression is not None:  # R's ~I(stype == "E")
            column, op, level = expression
            values = design.column(column)
            missing = values.isna().to_numpy()
            if isinstance(values.dtype, pd.CategoricalDtype):
                values = values.astype(object)
            try:
                hit = _COMPARE[op](values.where(~values.isna(), level), level).to_numpy(dtype=bool)
            except TypeError:
                raise InputError("the comparison does not apply to the variable's values",
                                 variable=column, value=variable) from None
            return np.where(missing, np.nan, hit.astype(float)), variable.strip().lstrip("~").strip()
        names = variable_names(variable, "svyciprop's variable")
        if len(names) != 1:
            raise InputError("svyciprop takes one binary variable, as R's ~x or ~I(x == value)", value=variable)
        variable = names[0]
    if isinstance(variable, str):
        name = variable
        values = design.column(variable)
    else:
        name = getattr(variable, "name", None) or "proportion"
        values = pd.Series(np.asarray(variable) if not isinstance(variable, pd.Series) else variable.to_numpy())
        if len(values) != design.n:
            raise InputError(f"the variable has {len(values)} values, the design {design.n} rows")
    if value is not None:
        missing = values.isna().to_numpy()
        y = np.where(missing, np.nan, (values == value).to_numpy(dtype=bool, na_value=False).astype(float))
        return y, f"{name}=={value!r}"
    if values.dtype == object and values.dropna().map(lambda v: isinstance(v, (bool, np.bool_, int, float))).all():
        values = values.astype("float64")  # booleans or 0/1 with missing values
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(values.dtype):
        raise InputError("a categorical variable needs value= (the level whose proportion is wanted)", variable=name)
    if pd.api.types.is_bool_dtype(values.dtype):
        y = values.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(values.dtype):
        y = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        raise InputError(f"variable has unsupported type {values.dtype}", variable=name)
    ok = ~np.isnan(y)
    if ((y[ok] < 0) | (y[ok] > 1)).any():
        raise InputError("a proportion needs values between 0 and 1", variable=name, count=int(((y[ok] < 0) | (y[ok] > 1)).sum()))
    return y, name


# -- R's glm.fit for an intercept-only quasibinomial model -------------------------------------

_EPS = np.finfo(float).eps
_THRESH = 30.0
_MTHRESH = -30.0
_INVEPS = 1.0 / _EPS


def _linkinv(eta: np.ndarray) -> np.ndarray:
    tmp = np.where(eta < _MTHRESH, _EPS, np.where(eta > _THRESH, _INVEPS, np.exp(np.clip(eta, _MTHRESH, _THRESH))))
    return tmp / (1.0 + tmp)


def _mu_eta(eta: np.ndarray) -> np.ndarray:
    e = np.exp(np.clip(eta, _MTHRESH, _THRESH))
    opexp = 1.0 + e
    return np.where((eta > _THRESH) | (eta < _MTHRESH), _EPS, e / (opexp * opexp))


def _ylogy(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * np.log(np.where(y != 0, y, 1.0) / mu), 0.0)


def _deviance(y: np.ndarray, mu: np.ndarray | float, wt: np.ndarray) -> float:
    mu = np.broadcast_to(mu, y.shape)
    return float(np.sum(2.0 * wt * (_ylogy(y, mu) + _ylogy(1.0 - y, 1.0 - mu))))


@dataclass(frozen=True)
class _LogitFit:
    coef: float
    mu: float
    deviance: float
    working_weights: np.ndarray  # glm's $weights (from the last iteration's start)
    y: np.ndarray  # glm's $y (zero where the prior weight is zero)
    prior: np.ndarray  # rescaled prior weights


def _fit_logit(y: np.ndarray, prior: np.ndarray, epsilon: float = 1e-8, maxit: int = 25) -> _LogitFit:
    """IRLS exactly as R's ``glm.fit`` for ``y ~ 1`` with ``family=quasibinomial``."""
    y = np.where(prior == 0, 0.0, y)  # binomial initialize: y[weights == 0] <- 0
    mustart = (prior * y + 0.5) / (prior + 1.0)
    eta = np.log(mustart / (1.0 - mustart))
    mu = _linkinv(eta)
    devold = _deviance(y, mu, prior)
    coef = math.nan
    for _ in range(maxit):
        mu_eta = _mu_eta(eta)
        good = (prior > 0) & (mu_eta != 0)
        z = eta[good] + (y - mu)[good] / mu_eta[good]
        w2 = prior[good] * mu_eta[good] ** 2 / (mu[good] * (1.0 - mu[good]))
        start = float(np.sum(w2 * z) / np.sum(w2))
        working = np.zeros_like(prior)
        working[good] = w2
        eta = np.full_like(y, start)
        mu = _linkinv(eta)
        dev = _deviance(y, mu, prior)
        coef = start
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            break
        devold = dev
    else:
        warnings.warn("the logistic fit did not converge in 25 iterations (as R's glm)", stacklevel=3)
    return _LogitFit(coef=coef, mu=float(mu[0]), deviance=dev, working_weights=working, y=y, prior=prior)


def _svyglm_logit(design: SurveyDesign, y: np.ndarray, weight_mean: float, path):
    """R's ``svyglm(y ~ 1, design, family=quasibinomial)``: the fit, the variance of the
    intercept (``path``'s: the sandwich ``cov.unscaled``, or the replicates') and the
    model-based one (``naive.cov``). ``weight_mean`` is the mean weight over the design's rows
    before glm drops those with a missing response, by which R's ``rescale=TRUE`` divides the
    weights."""
    prior = design.weights / weight_mean
    fit = _fit_logit(y, prior)
    naive = 1.0 / fit.working_weights.sum()  # chol2inv(R) for one column
    return fit, path.logit_variance(design, y, fit, naive), naive


class _Linearization:
    """What :func:`svyciprop` computes differently on a linearization design."""

    @staticmethod
    def mean(design: SurveyDesign, y: np.ndarray, name: str) -> SvyStat:
        return mean_matrix(design, y[:, None], [name])

    @staticmethod
    def logit_variance(design: SurveyDesign, y: np.ndarray, fit: _LogitFit, naive: float) -> float:
        """The sandwich variance of the intercept (R's ``svy.varcoef``)."""
        resid_working = (fit.y - fit.mu) / _mu_eta(np.array([fit.coef]))[0]
        estfun = resid_working * fit.working_weights
        return float(design_vcov(design, (estfun * naive)[:, None])[0, 0])

    @staticmethod
    def dispersion(design: SurveyDesign, fit: _LogitFit, rows: np.ndarray, weight_mean: float) -> float:
        """summary.svyglm's dispersion: svyvar of residuals.svyglm(type="pearson"), which scales
        by sqrt(prior weight / sampling weight rescaled to mean 1 over the rows glm kept)."""
        w = design.weights
        ratio = w[rows].mean() / weight_mean
        pearson = np.where(fit.prior != 0, (fit.y - fit.mu) * math.sqrt(ratio) / math.sqrt(fit.mu * (1.0 - fit.mu)), 0.0)
        n_w = int((w != 0).sum())
        psum = w.sum()
        xbar = np.sum(pearson * w / psum)
        dev_sq = (pearson - xbar) * (pearson - xbar) * n_w / (n_w - 1)
        return float(np.sum(dev_sq * w / psum))

    @staticmethod
    def result(result: SvyCiProp, design: SurveyDesign) -> SvyCiProp:
        return result


class _Replicates:
    """What :func:`svyciprop` computes differently on a replicate-weight design (R's
    ``svymean`` and ``svyglm`` on a ``svyrep.design``)."""

    @staticmethod
    def mean(design: SvyRepDesign, y: np.ndarray, name: str) -> SvyStat:
        return svrep_stat(design, y[:, None], [name])  # R's svymean.svyrep.design

    @staticmethod
    def logit_variance(design: SvyRepDesign, y: np.ndarray, fit: _LogitFit, naive: float) -> float:
        """The replicate variance of the intercept (R's ``svyglm.svyrep.design``: the
        intercept refitted on every replicate)."""
        rows = design.rows
        values, inverse = np.unique(y[rows], return_inverse=True)
        X = np.ones((len(values), 1))
        vcov = glm_vcov(design, rows, inverse.ravel(), X, values, glm_family("quasibinomial"), np.array([fit.coef]))
        return float(vcov[0, 0])

    @staticmethod
    def dispersion(design: SvyRepDesign, fit: _LogitFit, rows: np.ndarray, weight_mean: float) -> float:
        """summary.svrepglm's: sum(prior weight x squared Pearson residual)."""
        return float(np.sum(fit.prior * (fit.y - fit.mu) ** 2) / (fit.mu * (1.0 - fit.mu)))

    @staticmethod
    def result(result: SvyCiProp, design: SvyRepDesign) -> SvrepCiProp:
        return with_variance(result, SvrepCiProp, design)


def _likelihood_ci(design, y, fit, var, naive, level, ddf, weight_mean, path) -> tuple[float, float]:
    """R's ``confint.svyglm(method="likelihood")`` for the intercept: ``MASSprofile_glm``
    then ``confint_profile`` (Rao-Scott scaling by ``lambda = var / naive``), with
    ``path``'s dispersion."""
    rows = design_rows(design)
    lam = var / naive
    a = (1.0 - level) / 2.0
    alpha = pnorm(quantile(a, ddf) * math.sqrt(lam)) / 2.0
    dispersion = path.dispersion(design, fit, rows, weight_mean)
    n = int(rows.sum())
    zmax = math.sqrt(qf(alpha, 1, n - 1, lower_tail=False))
    delta = zmax / 5.0
    se = math.sqrt(var)
    y_raw = np.where(np.isnan(y), 0.0, y)
    zs, bs = [0.0], [fit.coef]
    for sgn in (-1.0, 1.0):
        step, z = 0, 0.0
        while (step := step + 1) < 10 and abs(z) < zmax:
            bi = fit.coef + sgn * step * delta * se
            mu = _linkinv(np.array([bi]))[0]
            zz = (_deviance(y_raw, mu, fit.prior) - fit.deviance) / dispersion
            if zz > -0.001:
                zz = max(zz, 0.0)
            else:
                raise InputError("profiling found a better fit than the original one (it had not converged)")
            z = sgn * math.sqrt(zz)
            zs.append(z)
            bs.append(bi)
    order = np.argsort(np.array(zs), kind="stable")
    zs_sorted, bs_sorted = np.array(zs)[order], np.array(bs)[order]
    sx, sy = spline(bs_sorted, zs_sorted)
    unscaled = 2.0 * alpha
    cutoff = np.array([qnorm(unscaled), qnorm(unscaled, lower_tail=False)])
    lo, hi = approx(sy, sx, cutoff)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        warnings.warn("the profile likelihood did not reach the interval's end (R gives NA)", stacklevel=3)
    return lo, hi


def korn_graubard(p, var, n_rows, df, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Korn and Graubard's (1998) beta interval of a proportion ``p`` with design variance
    ``var``: R's ``svyciprop(method="beta")``, with the effective sample size
    ``p(1-p)/var`` rescaled by the t quantiles on ``n_rows - 1`` and on the design's ``df``.
    Vectorised over cells; NaN where undefined (p at 0 or 1, or no variance), as in R."""
    p, var = np.asarray(p, dtype=float), np.asarray(var, dtype=float)
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = p * (1.0 - p) / var
        n_eff = n_eff * (qt(alpha / 2.0, np.asarray(n_rows) - 1) / qt(alpha / 2.0, df)) ** 2
        lo = qbeta(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0)
        hi = qbeta(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p))
    undefined = ~((p > 0) & (p < 1) & (var > 0))
    return np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)


def _expit(eta: float) -> float:
    return math.exp(eta) / (1.0 + math.exp(eta))


def svyciprop(
    design: SurveyDesign,
    variable,
    method: str = "logit",
    level: float = 0.95,
    df: DF = "design",
    na_rm: bool = False,
    value=None,
) -> SvyCiProp:
    """A proportion and its confidence interval by ``method`` (R's ``svyciprop``): one of
    "logit" (R's default), "likelihood", "asin", "beta", "mean", "xlogit" (R's) or "wilson"
    (this library's, see the module docstring).

    ``variable`` is R's formula: ``"~sch.wide01"`` (a 0/1 or boolean column; also its bare
    name) or an indicator expression, ``'~I(stype == "E")'`` (``== != < <= > >=`` with a
    quoted string or a number; missing where the variable is missing), named as R names it
    (``I(stype == "E")``); or a boolean mask / 0-1 array aligned with the design's rows.
    With ``value=`` the proportion of rows equal to that value (the same as
    ``~I(x == value)``, named ``x=='value'``). ``df`` defaults to the design degrees of freedom (R's
    ``df = degf(design)``); ``None`` or ``math.inf`` give normal quantiles. "beta" uses the
    design degrees of freedom whatever ``df`` says, as R. Estimate a domain proportion by
    passing ``design.subset(mask)``. Missing values are an error unless ``na_rm``. On a
    replicate-weight design every method takes its variance from the replicates, as R's
    ``svyciprop`` does through ``svymean`` and ``svyglm`` on a ``svyrep.design``.
    """
    if method not in CIPROP_METHODS:
        raise InputError(f"method must be one of {', '.join(CIPROP_METHODS)}", value=method)
    if not 0 < level < 1:
        raise InputError("level must be between 0 and 1", value=level)
    path = _Replicates if isinstance(design, SvyRepDesign) else _Linearization
    y, name = _indicator(design, variable, value)
    # R evaluates df = degf(design), nrow(design) and svyglm's weight rescaling on the
    # design it was given, before missing values leave the estimate
    design_df = design.degf()
    rows = design_rows(design)
    weight_mean = float(design.weights[rows].mean())
    na = np.isnan(y)
    inset = design.weights != 0
    if (na & inset).any():
        if not na_rm:
            raise InputError(
                "variable has missing values (pass na_rm=True to leave them out)",
                variable=name,
                count=int((na & inset).sum()),
            )
        design = design.subset(~na)
    if na.any():
        y = np.where(na, 0.0, y)
    ddf = resolve_df(df, design_df)
    m = path.mean(design, y, name)
    p = float(m.estimates[0])
    v = float(m.vcov[0, 0])
    se = math.sqrt(v)
    a = (1.0 - level) / 2.0
    fac = quantile(np.array([a, 1.0 - a]), ddf)
    estimate = p
    if not (0.0 < p < 1.0 and v > 0.0) and method != "mean":
        warnings.warn(
            f"{name}: the proportion is {p:g} with variance {v:g}; the {method} interval is not "
            "defined there (as in R, no svyciprop method works at exactly 0 or 1), so it is NaN",
            stacklevel=2,
        )
        lo = hi = math.nan
    elif method == "mean":
        lo, hi = p + se * fac
    elif method == "asin":
        root = math.sqrt(p)
        grad = 0.5 * p**-0.5 / math.sqrt(1.0 - root**2)
        lo, hi = np.sin(math.asin(root) + abs(grad) * se * fac) ** 2
    elif method == "xlogit":
        q = 1.0 - p
        odds = p / q
        grad = (1.0 / q + p / q**2) / odds
        lo, hi = (_expit(t) for t in math.log(odds) + abs(grad) * se * fac)
    elif method == "beta":
        lo, hi = (float(x) for x in korn_graubard(p, v, int(rows.sum()), design_df, level))
    elif method == "wilson":
        n_eff = p * (1.0 - p) / v
        z = float(quantile(1.0 - a, ddf))
        z2n = z * z / n_eff
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z * math.sqrt(p * (1.0 - p) / n_eff + z2n / (4.0 * n_eff)) / (1.0 + z2n)
        lo, hi = centre - half, centre + half
    else:  # logit, likelihood: survey-weighted logistic regression
        fit, var, naive = _svyglm_logit(design, y, weight_mean, path)
        estimate = _expit(fit.coef)
        if method == "logit":
            tlevel = 1.0 - 2.0 * pnorm(quantile(a, ddf))
            ta = (1.0 - tlevel) / 2.0
            lo, hi = (_expit(fit.coef + math.sqrt(var) * f) for f in qnorm([ta, 1.0 - ta]))
        else:
            blo, bhi = _likelihood_ci(design, y, fit, var, naive, level, ddf, weight_mean, path)
            lo, hi = _expit(blo), _expit(bhi)
    result = SvyCiProp(
        name=name,
        estimate=float(estimate),
        se=se,
        ci_lower=float(lo),
        ci_upper=float(hi),
        level=level,
        method=method,
        df=ddf,
        design_df=design_df,
    )
    return path.result(result, design)
