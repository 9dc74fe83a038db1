"""R's ``glm.fit`` for the survey models: families (R's C code for the logit link, R's
``dev.resids``), iteratively reweighted least squares over covariate patterns, R's starting
values and stopping rule, and the check of the model matrix's rank.

To agree with R to rounding error (not just to R's convergence tolerance) the fit follows
``glm.fit``'s path: R's starting values (``mustart``), its IRLS steps and its stopping rule
``|dev - dev_old| / (|dev| + 0.1) < epsilon``; like R, the reported ``(X'WX)^-1`` and working
weights are those of the last IRLS step (they differ from the converged ones by ~1e-6).
:func:`fit_glm` is what :func:`~swsurvey.survey.glm.svyglm` fits (and refits on every
replicate of a replicate-weight design), and what :func:`~swsurvey.survey.olr.svyolr` starts
from (R's logistic starting values). ``engine="statsmodels"`` runs statsmodels' GLM IRLS
(QR of the weighted model matrix) from R's first step instead; statsmodels is imported only
then.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from swsurvey.errors import InputError
from swsurvey.survey.modelframe import aliased_columns

__all__ = [
    "FAMILIES",
    "Family",
    "GlmFit",
    "ModelWarning",
    "NonConvergenceWarning",
    "check_rank",
    "fit_glm",
    "glm_family",
    "solve_normal",
]

_EPS = np.finfo(float).eps
_THRESH = 30.0
_MTHRESH = -30.0
_INVEPS = 1.0 / _EPS


class ModelWarning(UserWarning):
    """A model was fitted but its result needs care (see the result's flags)."""


class NonConvergenceWarning(ModelWarning):
    """The iterations stopped at their limit before meeting the convergence criterion."""




# -- families: R's C code for the logit link, R's dev.resids ---------------------------------------


@dataclass(frozen=True)
class Family:
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
        """The statsmodels family (imported here: statsmodels is slow to import)."""
        from statsmodels.genmod import families

        if self.kind == "binomial":
            return families.Binomial()
        if self.kind == "poisson":
            return families.Poisson()
        return families.Gaussian()


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


def glm_family(name: str) -> Family:
    if name not in FAMILIES:
        raise InputError(
            "family must be 'gaussian', 'quasibinomial' or 'quasipoisson'", value=name
        )
    return Family(name=name, kind=FAMILIES[name])


# -- R's glm.fit over covariate patterns -------------------------------------------------------------


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


def solve_normal(gram: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    family: Family,
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
        beta, cov = solve_normal(_wgram(X, wsum), X.T @ pattern_sum(w0 * z0))
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
        beta, cov = solve_normal(_wgram(X, w), X.T @ (w * z))
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
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    model = GLM(y, X, family=family.statsmodels(), var_weights=wp)
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


def check_rank(X: np.ndarray, w: np.ndarray, names: Sequence[str]) -> None:
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
