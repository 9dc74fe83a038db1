"""Means, totals, ratios and variances with linearization standard errors and design effects.

R's ``svymean``, ``svytotal``, ``svyratio`` and ``svyvar`` for one-stage designs (survey
package, Lumley 2004; Lumley 2010 "Complex Surveys", ch. 2-3):

* the mean is the Hajek (ratio) estimator ``sum(w y) / sum(w)``, whose weighted influence
  values are ``w (y - ybar) / sum(w)``;
* the total is the Horvitz-Thompson estimator ``sum(w y)``, influence values ``w y``;
* the ratio of two totals ``R = t_y / t_x`` has influence values ``w (y - R x) / t_x``
  (Binder 1983; Lumley 2010, sec. 2.4.2).

Every variance comes from :func:`swsurvey.survey.variance.design_vcov`, R's ``svyrecvar``,
or, for ``svymean`` and ``svytotal`` on a replicate-weight design
(:class:`~swsurvey.survey.replicates.SvyRepDesign`), from the replicates (R's
``svymean.svyrep.design`` and ``svytotal.svyrep.design``: :func:`svrep_stat`); ``svyratio``
and ``svyvar`` use linearization only, as the replicate design's error says.
A categorical variable (a pandas Categorical, or strings/objects, or booleans, which R's
``model.matrix`` turns into a factor) gives one estimate per level, named as R names them
(``stypeH``, ``sch.wideYes``, ``flagTRUE``), with the full covariance of all of them.

Design effects follow R exactly (Kish 1965; Lumley 2010, sec. 2.9): ``deff=True`` divides
the design variance by the variance under simple random sampling WITHOUT replacement of
``n`` units from a population of ``N = sum(w)`` (the estimated population size, not the
design's fpc), ``deff="replace"`` by the variance under sampling WITH replacement.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.modelframe import factor_codes, is_categorical, level_label
from swsurvey.survey.replicates import ReplicateStatistic, SvyRepDesign, replicate_vcov
from swsurvey.survey.svystat import SvrepStat, SvyStat
from swsurvey.survey.variables import variable_names
from swsurvey.survey.variance import ROW_BLOCK, design_vcov

__all__ = [
    "drop_missing",
    "mean_matrix",
    "model_matrix",
    "svrep_stat",
    "svymean",
    "svyratio",
    "svytotal",
    "svyvar",
    "totals_statistic",
]

Deff = bool | str


# -- the analysis variables as a matrix (R's model.matrix(~0 + x) per term) ------------------


def numeric_column(design: SurveyDesign, name: str) -> np.ndarray:
    """A numeric analysis variable as floats (NaN = missing); booleans count as 0/1."""
    values = design.column(name)
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(values.dtype):
        raise InputError("variable is not numeric", variable=name)
    return values.to_numpy(dtype=float, na_value=np.nan)


def model_matrix(design: SurveyDesign, variables: str | Sequence[str]) -> tuple[np.ndarray, list[str], list[tuple[str, np.ndarray]]]:
    """The n x k matrix of analysis variables (a formula string ``"~a + b"``, a name or a
    list of names, R's ``~a + b``): a numeric variable is one column, a
    categorical one an indicator column per level (R's ``model.matrix(~0 + x)``).

    Returns the matrix (NaN on rows where the variable is missing), the column names, and
    per variable its missing-value mask.
    """
    names = variable_names(variables)
    if not names:
        raise InputError("no variables given")
    n = design.n
    parsed = []
    for name in names:
        values = design.column(name)
        if is_categorical(values):
            codes, levels = factor_codes(values)
            parsed.append((name, codes, levels))
        elif pd.api.types.is_numeric_dtype(values.dtype):
            parsed.append((name, values.to_numpy(dtype=float, na_value=np.nan), None))
        else:
            raise InputError(f"variable has unsupported type {values.dtype}", variable=name)
    k = sum(1 if levels is None else len(levels) for _, _, levels in parsed)
    X = np.zeros((n, k))
    labels, missing = [], []
    rows = np.arange(n)
    col = 0
    for name, values, levels in parsed:
        if levels is None:
            X[:, col] = values
            na = np.isnan(values)
            labels.append(name)
            col += 1
        else:
            na = values < 0
            ok = ~na
            # One flat scatter into the row-major matrix: much faster than 2-D fancy indexing.
            X.ravel()[rows[ok] * k + col + values[ok]] = 1.0
            if na.any():
                X[na, col : col + len(levels)] = np.nan
            labels.extend(f"{name}{level_label(level)}" for level in levels)
            col += len(levels)
        missing.append((name, na))
    return X, labels, missing


def drop_missing(
    design: SurveyDesign, X: np.ndarray, missing: list[tuple[str, np.ndarray]], na_rm: bool
) -> tuple[SurveyDesign, np.ndarray]:
    """R's ``na.rm``: without it a missing value (in rows that carry weight) is an error
    naming the variable; with it those rows leave the domain (zero weight), as R's
    ``design[nas == 0, ]``, and their values are set to 0."""
    inset = design.weights != 0
    any_na = np.zeros(design.n, dtype=bool)
    for name, na in missing:
        count = int((na & inset).sum())
        if count and not na_rm:
            raise InputError(
                "variable has missing values (pass na_rm=True to leave them out of the estimate)",
                variable=name,
                count=count,
            )
        any_na |= na
    if any_na.any():  # only rows outside the analysis (zero weight) or dropped by na_rm
        if (any_na & inset).any():
            design = design.subset(~any_na)
        X = np.where(any_na[:, None], 0.0, X)
    return design, X


# -- SRS variances for design effects ---------------------------------------------------------


def _srs_variance(design: SurveyDesign, X: np.ndarray, n_obs: int | None = None) -> np.ndarray:
    """The diagonal of R's ``svyvar(x, design)``: ``sum(w (x - xbar)^2) / sum(w) * n/(n-1)``
    with ``n`` the rows of non-zero weight."""
    w = design.weights
    n = int((w != 0).sum()) if n_obs is None else n_obs
    if n < 2:
        return np.full(X.shape[1], np.nan)
    scaled = w / w.sum()
    centred = X - scaled @ X
    np.multiply(centred, centred, out=centred)
    return (scaled @ centred) * n / (n - 1)


def _check_deff(deff: Deff) -> None:
    if not (isinstance(deff, bool) or deff == "replace"):
        raise InputError("deff must be True, False or 'replace'", value=deff)


def _ratio_or_nan(v: np.ndarray, vsrs: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = v / vsrs
    if not np.isfinite(out).all():
        warnings.warn(
            "some design effects are not defined (an SRS variance of zero or a domain with "
            "fewer than two observations); they are NaN",
            stacklevel=3,
        )
    return out


def _positive_sum(design: SurveyDesign) -> float:
    psum = float(design.weights.sum())
    if not psum > 0:
        raise InputError("the weights of the rows in the estimate sum to zero")
    return psum


# -- estimators ---------------------------------------------------------------------------


def _constant_columns(w: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which columns are constant on the rows with weight, and each column's first value.

    Such columns (e.g. a level's proportion of 1 in a domain) get their exact mean and
    exactly zero deviations, so their SE is exactly 0 rather than rounding noise (R's
    long-double sums usually give 0 there too)."""
    inset = w != 0
    first = X[int(np.argmax(inset))].copy()
    # By row blocks, looking only at the columns not yet seen to vary: usually the first
    # block settles every column, without an n x k comparison.
    constant = np.ones(X.shape[1], dtype=bool)
    for start in range(0, len(X), ROW_BLOCK):
        cols = np.flatnonzero(constant)
        if not len(cols):
            break
        rows = slice(start, start + ROW_BLOCK)
        block = X[rows] if len(cols) == X.shape[1] else X[rows][:, cols]
        constant[cols[((block != first[cols]) & inset[rows, None]).any(axis=0)]] = False
    return constant, first


def mean_matrix(
    design: SurveyDesign,
    X: np.ndarray,
    names: Sequence[str],
    deff: Deff = False,
    influence: bool = False,
    overwrite: bool = False,
) -> SvyStat:
    """Hajek means of the columns of ``X`` (no missing values): R's ``svymean.survey.design2``.

    ``overwrite=True`` lets the influence values reuse ``X``'s memory (the caller's matrix is
    then lost): at a million rows and dozens of levels each n x k copy costs hundreds of MB.
    """
    w = design.weights
    psum = _positive_sum(design)
    scaled = w / psum
    average = scaled @ X
    constant, first = _constant_columns(w, X)
    centred = np.subtract(X, average, out=X if overwrite else None)
    if constant.any():
        average[constant] = first[constant]
        centred[:, constant] = 0.0
    svar = _srs_variance(design, centred) if deff else None
    infl = np.multiply(centred, scaled[:, None], out=centred)  # in place, as above
    del centred
    v = design_vcov(design, infl, overwrite=not influence)  # infl is this function's own
    d = None
    if deff:
        n_obs = int((w != 0).sum())
        if deff == "replace":
            vsrs = svar / n_obs
        elif psum < n_obs:
            warnings.warn(
                "sample size greater than population size (sum of weights): are the weights "
                "correctly scaled? Design effects are NaN; deff='replace' needs no population size",
                stacklevel=3,
            )
            vsrs = None
        else:
            vsrs = svar * (psum - n_obs) / (psum * n_obs)
        d = np.full(len(average), np.nan) if vsrs is None else _ratio_or_nan(np.diag(v), vsrs)
    return SvyStat(
        names=tuple(names),
        estimates=average,
        vcov=v,
        statistic="mean",
        df=design.degf(),
        deff=d,
        influence=infl if influence else None,
    )


def svymean(
    design: SurveyDesign,
    variables: str | Sequence[str],
    na_rm: bool = False,
    deff: Deff = False,
    influence: bool = False,
) -> SvyStat:
    """Weighted (Hajek) means, or proportions of every level of categorical variables.

    R's ``svymean(~a + b, design, na.rm=, deff=)``, called ``svymean(design, "~a + b")``
    (or a name or list of names): the mean is ``sum(w y)/sum(w)`` and its
    variance the design variance of the influence values ``w (y - ybar)/sum(w)``
    (Lumley 2010, sec. 2.3). ``deff=True`` compares with simple random sampling without
    replacement of ``n`` from ``N = sum(w)``, ``deff="replace"`` with replacement.
    ``na_rm=True`` drops rows with a missing value from the domain (zero weight);
    otherwise missing values are an :class:`InputError` naming the variable.
    ``influence=True`` keeps the influence values (for joint covariances, as in svyby).
    A replicate-weight design (:class:`~swsurvey.survey.replicates.SvyRepDesign`) gets the
    replicate variance instead (R's ``svymean.svyrep.design``, :func:`svrep_stat`).
    """
    _check_deff(deff)
    X, names, missing = model_matrix(design, variables)
    design, X = drop_missing(design, X, missing, na_rm)
    if isinstance(design, SvyRepDesign):  # R's svymean.svyrep.design; influence=True keeps the replicates
        return svrep_stat(design, X, names, "mean", deff, keep_replicates=influence)
    return mean_matrix(design, X, names, deff, influence, overwrite=True)


def svytotal(
    design: SurveyDesign,
    variables: str | Sequence[str],
    na_rm: bool = False,
    deff: Deff = False,
    influence: bool = False,
) -> SvyStat:
    """Horvitz-Thompson totals ``sum(w y)``, or estimated counts of every level.

    R's ``svytotal``: influence values ``w y``; ``deff=True`` divides by the SRS variance
    without replacement ``N^2 (1 - n/N) s^2 / n`` with ``N = sum(w)``, ``"replace"`` by
    ``N^2 s^2 / n`` (``s^2`` from :func:`svyvar`, Lumley 2010 sec. 2.9).
    """
    _check_deff(deff)
    X, names, missing = model_matrix(design, variables)
    design, X = drop_missing(design, X, missing, na_rm)
    if isinstance(design, SvyRepDesign):  # R's svytotal.svyrep.design; influence=True keeps the replicates
        return svrep_stat(design, X, names, "total", deff, keep_replicates=influence)
    return total_matrix(design, X, names, deff, influence)


def total_matrix(
    design: SurveyDesign,
    X: np.ndarray,
    names: Sequence[str],
    deff: Deff = False,
    influence: bool = False,
    statistic: str = "total",
) -> SvyStat:
    w = design.weights
    infl = X * w[:, None]
    total = w @ X
    v = design_vcov(design, infl, overwrite=not influence)  # infl is this function's own
    d = None
    if deff:
        n_obs = int((w != 0).sum())
        psum = float(w.sum())
        svar = _srs_variance(design, X)
        if deff == "replace":
            vsrs = svar * psum**2 / n_obs
        else:
            vsrs = svar * psum**2 * (psum - n_obs) / (psum * n_obs)
        d = _ratio_or_nan(np.diag(v), vsrs)
    return SvyStat(
        names=tuple(names),
        estimates=total,
        vcov=v,
        statistic=statistic,
        df=design.degf(),
        deff=d,
        influence=infl if influence else None,
    )


def _numeric_matrix(design: SurveyDesign, variables: str | Sequence[str]) -> tuple[np.ndarray, list[str]]:
    names = variable_names(variables)
    if not names:
        raise InputError("no variables given")
    X = np.column_stack([numeric_column(design, name) for name in names])
    return X, names


def _missing_of(X: np.ndarray, names: list[str]) -> list[tuple[str, np.ndarray]]:
    return [(name, np.isnan(X[:, j])) for j, name in enumerate(names)]


def svyratio(
    design: SurveyDesign,
    numerator: str | Sequence[str],
    denominator: str | Sequence[str],
    na_rm: bool = False,
    deff: Deff = False,
    influence: bool = False,
) -> SvyStat:
    """Ratios of totals ``R = sum(w y) / sum(w x)`` with linearization variance.

    R's ``svyratio(~y, ~x, design, covmat=TRUE)``: every numerator over every denominator
    (named ``"y/x"``, numerators varying fastest as R's ``vcov``), influence values
    ``w (y - R x) / sum(w x)`` (Binder 1983; Lumley 2010 sec. 2.4.2). ``deff`` as R: the
    design effect of the total of those residuals.
    """
    _check_deff(deff)
    num, num_names = _numeric_matrix(design, numerator)
    den, den_names = _numeric_matrix(design, denominator)
    missing = _missing_of(num, num_names) + _missing_of(den, den_names)
    nas = np.zeros(design.n, dtype=bool)
    for _, na in missing:
        nas |= na
    design, _ = drop_missing(design, np.zeros((design.n, 1)), missing, na_rm)
    if nas.any():  # R: numerator 0, denominator 1 on dropped rows (weight zero there)
        num = np.where(nas[:, None], 0.0, num)
        den = np.where(nas[:, None], 1.0, den)
    w = design.weights
    t_num = (num * w[:, None]).sum(axis=0)
    t_den = (den * w[:, None]).sum(axis=0)
    nn, nd = len(num_names), len(den_names)
    ii = np.tile(np.arange(nn), nd)
    jj = np.repeat(np.arange(nd), nn)
    if (t_den[jj] == 0).any():
        bad = den_names[int(jj[np.flatnonzero(t_den[jj] == 0)[0]])]
        raise InputError("the denominator's estimated total is zero", variable=bad)
    ratio = t_num[ii] / t_den[jj]
    resid = (num[:, ii] - ratio[None, :] * den[:, jj]) / t_den[jj][None, :]
    names = [f"{num_names[i]}/{den_names[j]}" for i, j in zip(ii, jj, strict=True)]
    result = total_matrix(design, resid, names, deff, influence, statistic="ratio")
    return SvyStat(
        names=result.names,
        estimates=ratio,
        vcov=result.vcov,
        statistic="ratio",
        df=result.df,
        deff=result.deff,
        influence=result.influence,
    )


def svyvar(
    design: SurveyDesign,
    variables: str | Sequence[str],
    na_rm: bool = False,
    influence: bool = False,
) -> SvyStat:
    """Population variances (and covariances) of numeric variables, R's ``svyvar``.

    The estimate is ``sum(w (y - ybar)^2) / sum(w) * n/(n-1)`` (``n`` = rows of non-zero
    weight) and its SE that of the weighted mean of ``(y - ybar)^2 n/(n-1)``, ``ybar``
    taken as fixed, exactly as R. With several variables the estimates are the covariance
    matrix in column-major order, named ``"a:b"``. With ``na_rm`` R's ``n`` still counts
    the rows with missing values; that quirk is kept for agreement.
    """
    X, names = _numeric_matrix(design, variables)
    missing = _missing_of(X, names)
    n = int((design.weights != 0).sum())
    sub, Xz = drop_missing(design, X, missing, na_rm)
    xbar = mean_matrix(sub, Xz, names).estimates
    centred = X - xbar
    p = len(names)
    a = np.tile(np.arange(p), p)
    b = np.repeat(np.arange(p), p)
    products = centred[:, a] * centred[:, b] * n / (n - 1) if n > 1 else None
    if products is None:
        raise InputError("a variance needs at least two observations with non-zero weight")
    pair_names = names if p == 1 else [f"{names[i]}:{names[j]}" for i, j in zip(a, b, strict=True)]
    sub2, P = drop_missing(design, products, _missing_of(products, pair_names), na_rm)
    result = mean_matrix(sub2, P, pair_names, influence=influence)
    return SvyStat(
        names=result.names,
        estimates=result.estimates,
        vcov=result.vcov,
        statistic="variance",
        df=result.df,
        influence=result.influence,
    )


# -- replicate-weight designs: R's svymean.svyrep.design, svytotal.svyrep.design ------------------


def svrep_stat(
    design: SvyRepDesign,
    X: np.ndarray,
    names: Sequence[str],
    statistic: str = "mean",
    deff: bool | str = False,
    keep_replicates: bool = False,
    replicates: np.ndarray | None = None,
) -> SvrepStat:
    """Means (Hajek) or totals of the columns of ``X`` (no missing values) with replicate
    variance: R's ``svymean.svyrep.design`` and ``svytotal.svyrep.design``. ``deff`` as R:
    the variance over ``svyvar``'s estimate divided by the rows (times ``(N - n)/N`` unless
    "replace"; for totals also times ``N^2``); ``replicates`` are the estimates of
    :func:`totals_statistic` on every replicate when they were computed elsewhere."""
    rows = design.rows
    estimator = totals_statistic(design, X, statistic)
    theta = estimator.theta
    vcov, reps = replicate_vcov(design, theta, estimator.statistic, replicates)
    effects = None
    if deff:
        n_obs = len(rows)
        psum = float(design.weights.sum())
        vsrs = _srs_variance(design, X, n_obs) / n_obs * (psum**2 if statistic == "total" else 1.0)
        if deff != "replace":
            vsrs = vsrs * (psum - n_obs) / psum
        effects = _ratio_or_nan(np.diag(vcov), vsrs)
    return SvrepStat(
        names=tuple(names), estimates=theta, vcov=vcov, statistic=statistic, df=design.degf(), deff=effects,
        variance=design.variance, replicates=reps if keep_replicates else None,
    )


def totals_statistic(design: SvyRepDesign, X: np.ndarray, statistic: str = "mean") -> ReplicateStatistic:
    """The means (Hajek) or totals of the columns of ``X`` over the design's rows, as a
    replicate statistic (what :func:`svrep_stat` evaluates on every replicate)."""
    rows = design.rows
    if not design.weights[rows].sum() > 0:
        raise InputError("the weights of the rows in the estimate sum to zero")
    estimator = _Totals(X[rows], mean=statistic == "mean")
    return ReplicateStatistic(rows=rows, statistic=estimator, theta=estimator(design.weights[rows]))


class _Totals:
    """Weighted totals of the columns of ``X`` (the design's rows), or their means (Hajek),
    one replicate at a time: a sparse product whose sums run in row order, whatever else
    is computed alongside."""

    def __init__(self, X: np.ndarray, mean: bool):
        rows = X.T if not mean else np.vstack([X.T, np.ones(X.shape[0])])
        self.matrix = sp.csr_matrix(rows)
        self.mean = mean

    def __call__(self, w: np.ndarray) -> np.ndarray:
        t = self.matrix @ w
        return t[:-1] / t[-1] if self.mean else t
