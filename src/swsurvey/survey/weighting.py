"""Weighting: raking, post-stratification, calibration and weight trimming, as R's survey.

Every function takes a :class:`~swsurvey.survey.design.SurveyDesign` and returns a new one
with adjusted weights and, as R does, a record of the adjustment for the variance engine
(:func:`swsurvey.survey.variance.design_vcov`), so that standard errors after weighting
are calibration (residual) variances (Lumley 2010, ch. 7):

- :func:`rake` -- R's ``rake()``: iterative proportional fitting (Deming & Stephan 1940)
  by repeated post-stratification on each margin; a joint margin (e.g. country x gender)
  is raked as one variable over its cross-classification. The variance record is R's:
  the margins with the weights after each margin's step in the last sweep, swept 10 times
  by the engine (:class:`~swsurvey.survey.variance.Raking`). Given a replicate design
  (R's ``rake()`` on a ``svyrep.design``), every replicate's weights are raked too, as
  ``postStratify.svyrep.design`` does (:class:`~swsurvey.survey.repweights.Raked`).
- :func:`poststratify` -- R's ``postStratify()`` (Holt & Smith 1979).
- :func:`calibrate` -- R's ``calibrate()``: linear (GREG), raking and bounded logit
  calibration (Deville & Särndal 1992) with R's Newton iterations (``grake``), recorded as
  :class:`~swsurvey.survey.variance.GregCalibration`.
- :func:`trim_weights` -- R's ``trimWeights()`` (survey 4.5's ``strict`` rule).
- :func:`weight` -- raking, then trimming and raking again so the margins hold, as one
  step, with a report of what the final weights achieve.

Targets are tidy tables (:class:`~swsurvey.survey.targets.Margin`; see
:func:`~swsurvey.survey.targets.as_margins`): marginal targets with columns ``variable``,
``level``, ``total``; joint targets with one column per variable and a ``total`` (or R's
``Freq``) column. They are checked against the data before fitting
(:mod:`swsurvey.survey.targets`): any mismatch is an :class:`~swsurvey.errors.InputError`
naming the variable and category.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.diagnostics import margin_table, weight_summary
from swsurvey.survey.replicates import SvyRepDesign
from swsurvey.survey.repweights import Raked
from swsurvey.survey.targets import (
    CodedMargin,
    Factor,
    Margin,
    WeightingWarning,
    as_margins,
    code_margin,
    code_margins,
    factor_values,
)
from swsurvey.survey.variables import terms as formula_terms
from swsurvey.survey.variables import variable_names
from swsurvey.survey.variance import ROW_BLOCK, GregCalibration, PostStratification, Raking, group_sums

__all__ = [
    "CalibrationRecord",
    "CalibrationReport",
    "PostStratify",
    "RakeReport",
    "RakingRecord",
    "TrimBounds",
    "WeightingReport",
    "calibrate",
    "MARGIN_TOLERANCE",
    "calibration_matrix",
    "margins_of",
    "poststratify",
    "rake",
    "trim_weights",
    "weight",
    "weighting_report",
]

#: Largest relative difference between a weighted margin and its target for :func:`weight`
#: to say the margins hold.
MARGIN_TOLERANCE = 1e-6

#: Cross-classifications of up to this many cells (or the number of rows, if more) are
#: coded by arithmetic and counted with ``np.bincount``, not hashed (:func:`_joint_codes`).
DENSE_CELLS = 1 << 20


@dataclass(frozen=True)
class RakeReport:
    """How raking ended: sweeps done, whether R's criterion was met, and the achieved fit.

    ``max_abs_error``/``max_rel_error`` are the largest differences between the raked
    weighted totals and the targets over every cell of every margin (relative to the
    target), at ``worst`` (margin and cell). ``delta`` is R's criterion: the largest change
    of a cell of the cross-classification of all raking variables in the last sweep,
    compared with ``tolerance`` (``epsilon`` times the weight total when ``epsilon < 1``).
    """

    iterations: int
    converged: bool
    delta: float
    tolerance: float
    max_abs_error: float
    max_rel_error: float
    worst: tuple[str, str]


@dataclass(frozen=True, eq=False)
class RakingRecord(Raking):
    """R's ``raking`` variance record, carrying the :class:`RakeReport`.

    :meth:`apply` computes exactly what :class:`~swsurvey.survey.variance.Raking` does --
    ``sweeps`` passes of ``x <- x - psw_m * ave(x / psw_m, g_m)`` over the margins m, as
    R's ``svyrecvar`` -- but in the space of post-strata: every step only subtracts
    ``psw_m`` times a per-group amount, so with ``B_m`` the group means of ``x / psw_m``
    and ``C_mk[g, h]`` the group-g mean of ``psw_k / psw_m`` over rows in group h of
    margin k, the amounts follow ``a_m += B_m - sum_k C_mk a_k`` and the result is
    ``x - sum_m psw_m a_m[g_m]``. Two passes over the n x k influence values per margin
    instead of five per margin and sweep; equal to the sequential sweeps up to rounding.
    """

    report: RakeReport | None = None

    @functools.cached_property
    def _projection(self):
        """What :meth:`apply` needs of the margins alone, made once per record: each margin's
        number of groups, its group sizes, the margins' groups stacked as one (groups x n)
        matrix of 1 / psw, and the matrices ``C``."""
        margins = self.margins
        inv = [np.divide(1.0, m.psw, out=np.zeros_like(m.psw), where=m.psw != 0) for m in margins]
        sizes = [int(m.groups.max()) + 1 for m in margins]
        counts = [np.bincount(m.groups, minlength=g).astype(float) for m, g in zip(margins, sizes)]
        offsets = np.cumsum([0, *sizes[:-1]])
        indicator = _stacked_indicator([m.groups + o for m, o in zip(margins, offsets)], inv, int(sum(sizes)))
        C = {}
        for i, (mi, gi) in enumerate(zip(margins, sizes)):
            for j, (mj, gj) in enumerate(zip(margins, sizes)):
                cell = mi.groups * gj + mj.groups
                sums = np.bincount(cell, weights=mj.psw * inv[i], minlength=gi * gj).reshape(gi, gj)
                C[i, j] = sums / np.maximum(counts[i], 1.0)[:, None]
        return sizes, counts, indicator, C

    def apply(self, x: np.ndarray) -> np.ndarray:
        return self._residuals(np.asarray(x, dtype=float), overwrite=False)

    def apply_in_place(self, x: np.ndarray) -> np.ndarray:
        """:meth:`apply` written into ``x`` (a float array), which it returns."""
        return self._residuals(x, overwrite=True)

    def _residuals(self, x: np.ndarray, overwrite: bool) -> np.ndarray:
        squeeze = x.ndim == 1
        if squeeze:
            x = x[:, None]
        margins = self.margins
        sizes, counts, indicator, C = self._projection
        # Every margin's group sums of x / psw as one sparse product whose entries are 1 / psw:
        # one pass over x, no n x k copy.
        sums = np.asarray(indicator @ x)
        ends = np.cumsum(sizes)
        B = [sums[end - g : end] / np.maximum(c, 1.0)[:, None] for end, g, c in zip(ends, sizes, counts)]
        a = [np.zeros((g, x.shape[1])) for g in sizes]
        for _ in range(self.sweeps):
            for i in range(len(margins)):
                mean = B[i] - sum(C[i, j] @ a[j] for j in range(len(margins)))
                a[i] = a[i] + mean
        out = x if overwrite else x.copy()
        # Subtract in row blocks: a full n x k temporary would double the peak memory.
        for start in range(0, len(out), ROW_BLOCK):
            rows = slice(start, start + ROW_BLOCK)
            for m, ai in zip(margins, a):
                out[rows] -= m.psw[rows, None] * ai[m.groups[rows]]
        return out[:, 0] if squeeze else out


def _stacked_indicator(groups: Sequence[np.ndarray], values: Sequence[np.ndarray], n_groups: int) -> sp.csc_matrix:
    """The (groups x n) sparse matrix with ``values[m][i]`` at (groups[m][i], i) for every m,
    by columns: its product with an n x k matrix reads each row once and adds each group's
    rows in row order (the same sums, bit for bit, as a matrix by rows, several times faster)."""
    n, m = len(groups[0]), len(groups)
    indices = np.empty(n * m, dtype=np.int64)
    data = np.empty(n * m)
    for j, (g, v) in enumerate(zip(groups, values)):
        indices[j::m], data[j::m] = g, v
    return sp.csc_matrix((data, indices, np.arange(0, n * m + 1, m)), shape=(n_groups, n))


def rake(
    design: SurveyDesign,
    sample_margins,
    population_margins=None,
    epsilon: float = 1e-10,
    maxit: int = 100,
    margin_tolerance: float = 1e-6,
) -> SurveyDesign:
    """Rake the weights to marginal and joint targets: R's ``rake()``.

    Iterative proportional fitting (Deming & Stephan 1940; Lumley 2010, sec. 7.3): each
    sweep post-stratifies on every margin in turn; a joint margin (several variables) is
    post-stratified on its cross-classification. As in R, raking stops when no cell of the
    cross-classification of all raking variables changed by ``epsilon`` or more in a sweep
    (``epsilon < 1`` is a fraction of the weight total, ``epsilon >= 1`` an absolute
    amount), or after ``maxit`` sweeps, with a :class:`WeightingWarning` giving the achieved
    error. R's defaults are ``epsilon=1, maxit=10``; these are stricter.

    The margins are R's ``rake(design, sample.margins, population.margins)``: a list of
    formulas (``["~stype", "~sch.wide"]``; ``"~stype + sch.wide"`` in one formula is their
    joint margin) and a list of tables of population counts, one per formula (data frames
    with the variables' columns and ``Freq``, or a Series / mapping by level), as
    :func:`margins_of` reads them. Without ``population_margins``, ``sample_margins`` are
    targets in any form :func:`as_margins` reads. Before fitting they are
    checked against the data (an :class:`InputError` names the variable and category): a
    category of a raking variable with positive weight but no target, a target category
    with no respondent of positive weight, missing values, negative totals, and margins
    whose totals disagree by more than ``margin_tolerance`` (relative) where they overlap.

    The returned design records R's variance adjustment: the margins with the weights
    after each margin's post-stratification in the last sweep, swept 10 times by the
    variance engine (:class:`~swsurvey.survey.variance.Raking`), so SEs equal R's after
    ``rake()``. Its report is ``weighting_report(result)`` (:class:`RakeReport`).

    A replicate design (:class:`~swsurvey.survey.replicates.SvyRepDesign`, R's
    ``rake(as.svrepdesign(design), ...)``) is raked as R rakes a ``svyrep.design``: the
    full-sample weights as above, and in every sweep each replicate's weights are
    post-stratified on each margin to the same population totals (R's
    ``postStratify.svyrep.design``), for as many sweeps as the full sample took (R stops
    all of them on the full sample's criterion). The result's replicate weights are
    :class:`~swsurvey.survey.repweights.Raked`, made a replicate at a time; its SEs come
    from the raked replicates (no variance record), its degrees of freedom from their rank
    (R's ``degf`` after ``rake``).
    """
    if maxit < 1:
        raise InputError("maxit must be at least 1", value=maxit)
    margins = margins_of(sample_margins, population_margins)
    if isinstance(design, SvyRepDesign):
        return _rake_replicates(design, margins, epsilon, maxit, margin_tolerance)
    coded = code_margins(design, margins, margin_tolerance)
    w = design.weights.astype(float, copy=True)
    eps = epsilon * float(w.sum()) if epsilon < 1 else float(epsilon)
    joint = _joint_codes(coded, design.n)
    w, psws, sweeps, converged, delta = _ipf(coded, joint, w, eps, maxit)
    report = _rake_report(coded, w, sweeps, converged, delta, eps)
    if not converged:
        warnings.warn(
            f"raking did not converge after {sweeps} sweeps: the last sweep changed a cell by "
            f"{delta:.3g} (tolerance {eps:.3g}); the largest margin error is {report.max_abs_error:.3g} "
            f"({report.max_rel_error:.3g} relative) at {report.worst[0]} = {report.worst[1]}",
            WeightingWarning,
            stacklevel=2,
        )
    record = RakingRecord(
        margins=tuple(PostStratification(c.codes, p) for c, p in zip(coded, psws)), report=report
    )
    return design.with_weights(w, record)


def margins_of(sample_margins, population_margins=None):
    """Targets from R's two lists, ``sample.margins`` (formulas, ``"~stype"``; several
    variables in one formula are a joint margin) and ``population.margins`` (per formula a
    data frame of the variables' columns and ``Freq``/``total``, a Series indexed by level,
    or a mapping from level, for a joint margin from a tuple of levels, to the population
    count); with ``population_margins=None``, ``sample_margins`` are the targets
    themselves (any form :func:`as_margins` reads)."""
    if population_margins is None:
        return sample_margins
    formulas = [sample_margins] if isinstance(sample_margins, str) else list(sample_margins)
    tables = (list(population_margins) if isinstance(population_margins, (list, tuple))
              else [population_margins])
    if len(formulas) != len(tables):
        raise InputError(f"{len(formulas)} sample margins but {len(tables)} population margins: one table per formula")
    out = []
    for formula, table in zip(formulas, tables):
        variables = variable_names(formula, "raking margins")
        if isinstance(table, Margin):
            margin = table
        elif isinstance(table, pd.DataFrame):
            margin = Margin.from_table(table, variables)
        else:
            cells = pd.Series(table) if isinstance(table, Mapping) else table
            if not isinstance(cells, pd.Series):
                raise InputError("a population margin is a data frame, a Series or a mapping by level",
                                 variable=":".join(variables))
            frame = cells.rename("total").rename_axis(variables).reset_index()
            margin = Margin.from_table(frame, variables, "total")
        if set(margin.variables) != set(variables):
            raise InputError(f"the population margin is over {margin.name}, the formula over {':'.join(variables)}",
                             variable=":".join(variables))
        out.append(margin)
    return out


def _rake_replicates(design: SvyRepDesign, margins, epsilon: float, maxit: int,
                     margin_tolerance: float) -> SvyRepDesign:
    """:func:`rake` of a replicate design (R's ``rake`` of a ``svyrep.design``)."""
    if design.calibration or isinstance(design.repweights, Raked):
        raise InputError("the replicate design is raked already: rake the design before raking (R's rake "
                         "adjusts the weights it is given)")
    if design.domain is not None:
        raise InputError("rake the whole replicate design, not a domain of it (subset after raking)")
    coded = code_margins(design, margins, margin_tolerance)
    w = design.weights.astype(float, copy=True)
    eps = epsilon * float(w.sum()) if epsilon < 1 else float(epsilon)
    w, _, sweeps, converged, delta = _ipf(coded, _joint_codes(coded, design.n), w, eps, maxit)
    if not converged:
        report = _rake_report(coded, w, sweeps, converged, delta, eps)
        warnings.warn(
            f"raking did not converge after {sweeps} sweeps: the last sweep changed a cell by "
            f"{delta:.3g} (tolerance {eps:.3g}); the largest margin error is {report.max_abs_error:.3g} "
            f"({report.max_rel_error:.3g} relative) at {report.worst[0]} = {report.worst[1]}",
            WeightingWarning,
            stacklevel=3,
        )
    raked = Raked(base=design.repweights, pweights=design.weights.astype(float, copy=True),
                  codes=tuple(c.codes for c in coded), totals=tuple(c.totals for c in coded), sweeps=sweeps,
                  n_replicates=design.n_replicates)
    return dataclasses.replace(design, weights=w, repweights=raked, _degf={})


def _ipf(coded: Sequence[CodedMargin], joint: np.ndarray, w: np.ndarray, eps: float, maxit: int,
         held: np.ndarray | None = None):
    """Deming-Stephan sweeps from weights ``w`` until no cell of ``joint`` moves by ``eps``.

    Returns the weights, the weights after each margin's step in the last sweep (R's
    variance record), the sweeps done, whether the criterion was met and the last change.
    With ``held`` (a mask), those weights are not changed: each cell's other weights are
    scaled to what the held ones leave of its target (nothing when they exceed it).
    """
    n_joint = int(joint.max()) + 1
    old = np.bincount(joint, weights=w, minlength=n_joint)
    if held is not None:
        free = ~held
        left = [np.maximum(c.totals - np.bincount(c.codes[held], weights=w[held],
                                                  minlength=c.n_cells + 1)[: c.n_cells], 0.0)
                for c in coded]
    else:  # each margin's weights in a buffer of its own, reused every sweep (the last is kept)
        buffers, factor = [np.empty_like(w) for _ in coded], np.empty_like(w)
    psws: list[np.ndarray] = []
    converged = False
    delta = math.inf
    sweeps = 0
    while sweeps < maxit:
        psws = []
        for i, c in enumerate(coded):
            if held is None:
                sums = np.bincount(c.codes, weights=w, minlength=c.n_cells + 1)[: c.n_cells]
                ratio = np.append(c.totals / sums, 1.0)
                # "clip" (the codes are in range) lets take write into factor without a buffer
                w = np.multiply(w, ratio.take(c.codes, out=factor, mode="clip"), out=buffers[i])
            else:
                sums = np.bincount(c.codes[free], weights=w[free], minlength=c.n_cells + 1)[: c.n_cells]
                ratio = np.append(np.divide(left[i], sums, out=np.ones_like(sums), where=sums > 0), 1.0)
                w = np.where(free, w * ratio[c.codes], w)
            psws.append(w)
        sweeps += 1
        new = np.bincount(joint, weights=w, minlength=n_joint)
        delta = float(np.max(np.abs(old - new)))
        if delta < eps:
            converged = True
            break
        old = new
    return w, psws, sweeps, converged, delta




def _joint_codes(coded: Sequence[CodedMargin], n: int) -> np.ndarray:
    """Codes of the cross-classification of every raking variable (R's svytable): the
    levels' mixed-radix number while the cells are few (empty cells then count zero in
    :func:`_ipf`'s sums, which changes no cell's change), hashed densely beyond."""
    factors: dict[str, Factor] = {}
    for c in coded:
        for f in c.factors:
            factors.setdefault(f.name, f)
    codes = np.zeros(n, dtype=np.int64)
    span = 1
    for f in factors.values():
        size = max(len(f.levels), 1)
        if span * size > max(n, DENSE_CELLS):  # too many cells to count: number them densely
            codes, _ = pd.factorize(codes)
            codes, span = np.asarray(codes, dtype=np.int64), int(codes.max()) + 1
        codes = codes * size + f.codes
        span *= size
    if span > max(n, DENSE_CELLS):
        codes, _ = pd.factorize(codes)
    return np.asarray(codes, dtype=np.int64)


def _rake_report(coded, w, sweeps, converged, delta, eps) -> RakeReport:
    worst_abs, worst_rel, worst = 0.0, 0.0, ("", "")
    for c in coded:
        sums = np.bincount(c.codes, weights=w, minlength=c.n_cells + 1)[: c.n_cells]
        err = np.abs(sums - c.totals)
        rel = err / np.where(c.totals > 0, c.totals, 1.0)
        i = int(np.argmax(rel))
        if err.max() > worst_abs:
            worst_abs = float(err.max())
        if rel[i] > worst_rel or worst == ("", ""):
            worst_rel, worst = float(rel[i]), (c.margin.name, c.labels[i])
    return RakeReport(
        iterations=sweeps, converged=converged, delta=float(delta), tolerance=float(eps),
        max_abs_error=worst_abs, max_rel_error=worst_rel, worst=worst,
    )


def weighting_report(design: SurveyDesign):
    """The report of the design's last raking or calibration (None if it has none)."""
    for adjustment in reversed(design.calibration):
        report = getattr(adjustment, "report", None)
        if report is not None:
            return report
    return None


# --------------------------------------------------------------------------------------------
# Post-stratification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PostStratify:
    """R's ordinary ``postStrata`` entry (from ``postStratify()``) for the variance engine.

    With ``old`` and ``new`` the weights before and after post-stratification on ``groups``,
    influence values become ``x - new * sum_g(x * old / new) / sum_g(old)``: the residual
    from the post-stratum mean weighted by the old weights (R's ``svyrecvar``).
    """

    groups: np.ndarray
    old: np.ndarray
    new: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        psw = np.where((self.new == 0) & (self.old == 0), 1.0, self.new)
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = np.where(psw[:, None] != 0, x * (self.old / psw)[:, None], 0.0)
        n_groups = int(self.groups.max()) + 1
        sums = group_sums(scaled, self.groups, n_groups)
        denom = np.bincount(self.groups, weights=self.old, minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.where(denom[:, None] != 0, sums / denom[:, None], 0.0)
        return x - means[self.groups] * psw[:, None]


def poststratify(design: SurveyDesign, strata, population, partial: bool = False) -> SurveyDesign:
    """Post-stratify the weights to population cell totals: R's ``postStratify()``.

    ``strata`` names the post-stratifying variable (R's ``~stype``; a formula or list of
    several variables means their cross-classification); ``population`` gives the cells' totals (a table with
    those columns and ``total``/``Freq``, a mapping or a :class:`Margin`). Each weight is
    multiplied by its cell's population total over its weighted sample total (Holt & Smith
    1979; Lumley 2010, sec. 7.2). Cells with no respondents are an error unless
    ``partial=True`` (then ignored, with a warning), as in R. The variance record is R's
    (:class:`PostStratify`).
    """
    variables = variable_names(strata, "post-strata")
    margins = as_margins(population)
    if len(margins) != 1:
        raise InputError("postStratify takes one table of population cells", variable=":".join(variables))
    margin = margins[0]
    if set(margin.variables) != set(variables):
        raise InputError(
            f"population cells are over {margin.name}, not the post-strata",
            variable=":".join(variables),
        )
    coded = code_margin(design, margin, {}, partial)
    old = design.weights
    sums = np.bincount(coded.codes, weights=old, minlength=coded.n_cells + 1)[: coded.n_cells]
    ratio = np.append(coded.totals / sums, 1.0)
    new = old * ratio[coded.codes]
    return design.with_weights(new, PostStratify(coded.codes, old.copy(), new))


# --------------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------------


def calibration_matrix(design_or_data, terms: Sequence) -> pd.DataFrame:
    """The calibration model matrix, as R's ``model.matrix(~ terms)``.

    An intercept ``(Intercept)``, then for each term: a numeric variable as is; a
    categorical one (pandas categorical, text or boolean) as treatment dummies for every
    level but the first (named ``variable`` + ``level``, R's names); a tuple of variables
    as their interaction (products of the dummies, R's ``a:b`` columns). Terms are ordered
    by degree, as R orders a formula's terms. Categorical levels follow the categories'
    order, otherwise sorted values.
    """
    data = design_or_data.data if isinstance(design_or_data, SurveyDesign) else design_or_data
    terms = _norm_terms(terms)
    X, names = _build_matrix(_data_columns(data, terms), terms, len(data))
    return pd.DataFrame(X, columns=names)


def _data_columns(data: pd.DataFrame, terms) -> dict[str, tuple[np.ndarray, list | None]]:
    """Per calibration variable: integer codes and levels (categorical) or values (numeric)."""
    columns: dict[str, tuple[np.ndarray, list | None]] = {}
    for term in terms:
        for var in term:
            if var in columns:
                continue
            if var not in data:
                raise InputError("calibration variable not in the data", variable=var)
            series = data[var]
            if _is_categorical(series):
                f = factor_values(series, var)
                columns[var] = (f.codes, f.levels)
            else:
                values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
                if not np.isfinite(values).all():
                    raise InputError("calibration variable has missing values", variable=var,
                                     count=int((~np.isfinite(values)).sum()))
                columns[var] = (values, None)
    return columns


def _distinct_rows(columns) -> np.ndarray | None:
    """When every calibration variable is categorical, rows with the same levels have the
    same model-matrix row: their dense codes (else None)."""
    if any(levels is None for _, levels in columns.values()):
        return None
    codes = np.zeros(len(next(iter(columns.values()))[0]), dtype=np.int64)
    for values, levels in columns.values():
        codes, _ = pd.factorize(codes * len(levels) + values)
        codes = np.asarray(codes, dtype=np.int64)
    return codes


def _is_categorical(series: pd.Series) -> bool:
    return (isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(series)
            or pd.api.types.is_string_dtype(series) or series.dtype == object)


def _norm_terms(spec) -> list[tuple[str, ...]]:
    """Calibration terms from a formula (``"~a + b + a:b"``) or a list of names and tuples."""
    return sorted(formula_terms(spec, "calibration variables"), key=len)  # stable: R orders terms by degree


def _build_matrix(columns, terms, n):
    """R's treatment-coded model matrix (Fortran order: one contiguous column at a time)."""
    specs: list[list[tuple[str, int | None]]] = [[]]
    names = ["(Intercept)"]
    for term in terms:
        combos: list[tuple[list[str], list[tuple[str, int | None]]]] = [([], [])]
        for var in term:
            levels = columns[var][1]
            options = ([(var, None)] if levels is None
                       else [(f"{var}{_level_name(lv)}", j) for j, lv in enumerate(levels) if j > 0])
            # R's interaction columns: the first variable's levels vary fastest
            combos = [(parts + [label], factors + [(var, j)]) for label, j in options for parts, factors in combos]
        for parts, factors in combos:
            names.append(":".join(parts))
            specs.append(factors)
    X = np.empty((n, len(specs)), order="F")
    for c, factors in enumerate(specs):
        column = X[:, c]
        column[:] = 1.0
        for var, j in factors:
            values = columns[var][0]
            if j is None:
                column *= values
            else:
                column *= values == j
    return X, names


def _level_name(level) -> str:
    if isinstance(level, (bool, np.bool_)):
        return "TRUE" if level else "FALSE"
    return str(level)


@dataclass(frozen=True)
class CalibrationReport:
    """How calibration ended: ``iterations`` (Newton steps; 1 for unbounded linear
    calibration, which is solved directly), whether R's criterion
    ``max |misfit| / (1 + |total|) < epsilon`` was met, its achieved value ``criterion``,
    and the largest absolute and relative differences between calibrated and population
    totals, at column ``worst``."""

    calfun: str
    iterations: int
    converged: bool
    criterion: float
    max_abs_error: float
    max_rel_error: float
    worst: str
    scale: float | None = None


@dataclass(frozen=True, eq=False)
class CalibrationRecord(GregCalibration):
    """R's ``greg_calibration`` variance record, carrying the :class:`CalibrationReport`."""

    report: CalibrationReport | None = None


def _cal_functions(calfun: str, lower: float, upper: float):
    """R's ``cal.linear``, ``cal.raking``, ``cal.logit``: F^{-1}(u) - 1 and its derivative."""
    if calfun == "linear":
        def Fm1(u):
            return np.minimum(np.maximum(u + 1, lower), upper) - 1

        def dF(u):
            return ((u < upper - 1) & (u > lower - 1)).astype(float)
    elif calfun == "raking":
        def Fm1(u):
            return np.minimum(np.maximum(np.exp(u), lower), upper) - 1

        def dF(u):
            return np.where((u < upper - 1) & (u > lower - 1), np.exp(u), 0.0)
    elif calfun == "logit":
        if not (np.isfinite(lower) and np.isfinite(upper)):
            raise InputError("logit calibration requires finite bounds", value=(lower, upper))
        if not lower < 1 < upper:
            raise InputError("logit calibration needs bounds lower < 1 < upper", value=(lower, upper))
        A = (upper - lower) / ((upper - 1) * (1 - lower))

        def Fm1(u):
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(A * u)
                return (lower * (upper - 1) + upper * (1 - lower) * e) / (upper - 1 + (1 - lower) * e) - 1

        def dF(u):
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(A * u)
                den = upper - 1 + (1 - lower) * e
                return (upper * (1 - lower) * e * A / den
                        - (lower * (upper - 1) + upper * (1 - lower) * e) * ((1 - lower) * e * A) / den**2)
    else:
        raise InputError("calfun must be 'linear', 'raking' or 'logit'", value=calfun)
    return Fm1, dF


def calibrate(
    design: SurveyDesign,
    formula=None,
    population=None,
    bounds: tuple[float, float] = (-math.inf, math.inf),
    calfun: str = "linear",
    maxit: int = 50,
    epsilon: float | Sequence[float] = 1e-7,
    force: bool = False,
    margin_tolerance: float = 1e-6,
) -> SurveyDesign:
    """Calibrate the weights to population totals: R's ``calibrate()``.

    Finds g-weights g_i = F(x_i' eta) with sum_i w_i g_i x_i equal to the population totals
    of the calibration variables x (Deville & Särndal 1992; Lumley 2010, sec. 7.4):

    - ``calfun="linear"``: F(u) = 1 + u, the GREG estimator; without bounds solved directly
      (R's ``regcalibrate``), with ``bounds`` on g truncated and solved by Newton steps;
    - ``"raking"``: F(u) = exp(u), raking by calibration (same weights as :func:`rake`);
    - ``"logit"``: Deville & Särndal's bounded logit distance, ``bounds=(L, U)`` with
      L < 1 < U required.

    Newton steps are R's ``grake``: the Moore-Penrose inverse of the Jacobian (tolerance
    256 machine epsilons), step halving while g is not finite, stop when
    ``max |misfit| / (1 + |total|) < epsilon`` or after ``maxit`` steps; weights are first
    rescaled, as R does, when every population total exceeds 20 times the sample total.
    Not converging is an :class:`InputError` (R's "Calibration failed") unless
    ``force=True``, which returns the last weights with a :class:`WeightingWarning`.

    ``formula``: the calibration variables, R's ``~stype + sch.wide + api99`` (``a:b`` an
    interaction; also a list of names, a tuple of names being an interaction), or a model
    matrix (array or DataFrame; see :func:`calibration_matrix`). ``population``: R's
    population totals, the totals of the model-matrix columns as a mapping (or Series) by
    R's column names, ``{"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, ...}``, or a
    sequence in column order, as R's unnamed vector; or targets in any
    form :func:`as_margins` reads (marginal and joint), converted to column totals as R's
    ``calibrate(design, list(~a, ~b), list(pop.a, pop.b))`` does -- then ``formula`` may be
    omitted (each margin's variables and, for joint margins, their interactions). Such
    targets are checked as in :func:`rake` (``margin_tolerance`` for overlapping margins).

    The design records R's ``greg_calibration`` (:class:`GregCalibration`: residuals of
    influence values on x weighted by the pre-calibration weights, times g), so SEs equal
    R's exactly. The report is ``weighting_report(result)`` (:class:`CalibrationReport`).
    """
    X, names, pop, rows = _calibration_problem(design, formula, population, margin_tolerance)
    lower, upper = (float(bounds[0]), float(bounds[1]))
    if not lower <= upper:
        raise InputError("calibration bounds are reversed", value=(lower, upper))
    ww = design.weights
    # g depends on a row only through its model-matrix row and enters only through weighted
    # sums, so the equations are solved over the distinct rows (all cells of categorical
    # variables) with their summed weights; the same equations R solves over every row
    if rows is not None:
        first = np.flatnonzero(rows > np.maximum.accumulate(np.concatenate([[-1], rows[:-1]])))
        U, wu = X[first], np.bincount(rows, weights=ww, minlength=len(first))
    else:
        U, wu = X, ww
    sample_total = U.T @ wu
    if (sample_total == 0).any():
        zz = (pop == 0) & np.all(U == 0, axis=0)
        X, U, pop, sample_total = X[:, ~zz], U[:, ~zz], pop[~zz], sample_total[~zz]
        names = [n for n, z in zip(names, zz) if not z]
        if np.ndim(epsilon):
            epsilon = np.asarray(epsilon)[~zz]
    scale = None
    if calfun == "linear" and lower == -math.inf and upper == math.inf:
        T = U.T @ (U * wu[:, None])
        try:
            tT = np.linalg.solve(T, pop - sample_total)
        except np.linalg.LinAlgError:
            raise InputError(
                "the calibration variables are collinear in the sample (singular X'WX)",
                variable=", ".join(names),
            ) from None
        g = 1.0 + U @ tT
        iterations, converged = 1, True
        misfit = pop - U.T @ (wu * g)
        criterion = float(np.max(np.abs(misfit) / (1 + np.abs(pop))))
    else:
        Fm1, dF = _cal_functions(calfun, lower, upper)
        g, iterations, converged, criterion, scale = _grake(
            U, wu, pop, sample_total, Fm1, dF, epsilon, maxit, bounded=bool(np.isfinite([lower, upper]).any())
        )
        if not converged:
            if not force:
                raise InputError(
                    f"calibration failed: the totals are met only to {criterion:.3g} "
                    f"(max |misfit|/(1+|total|)) after {iterations} iterations; widen the bounds, "
                    "raise maxit, or pass force=True to keep the last weights",
                    variable=", ".join(names),
                )
            warnings.warn(
                f"calibration did not converge: eps={criterion:.3g} after {iterations} iterations",
                WeightingWarning, stacklevel=2,
            )
    if rows is not None:
        g = g[rows]
    new = ww * g
    achieved = X.T @ new
    err = np.abs(achieved - pop)
    rel = err / np.where(pop != 0, np.abs(pop), 1.0)
    j = int(np.argmax(rel))
    report = CalibrationReport(
        calfun=calfun, iterations=iterations, converged=converged, criterion=criterion,
        max_abs_error=float(err.max()), max_rel_error=float(rel[j]), worst=names[j], scale=scale,
    )
    record = CalibrationRecord(X=X, base_weights=ww.copy(), g=g, report=report)
    return design.with_weights(new, record)


def _grake(X, ww, pop, sample_total, Fm1, dF, epsilon, maxit, bounded):
    """R's ``grake``: Newton iterations for the calibration equations."""
    eta = np.zeros(X.shape[1])
    xeta = X @ eta
    g = 1 + Fm1(xeta)
    deriv = dF(xeta)
    iteration = 1
    scale = None
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = pop / sample_total
    if np.min(scales) > 20:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
        if bounded:
            warnings.warn(
                f"bounds were set but are interpreted after rescaling the weights by {scale:.3g} (as R does)",
                WeightingWarning, stacklevel=3,
            )
    eps = np.asarray(epsilon, dtype=float)
    converged = False
    while True:
        T = X.T @ (X * (ww * deriv)[:, None])
        misfit = pop - sample_total - X.T @ (ww * Fm1(xeta))
        deta = np.linalg.pinv(T, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = X @ eta
        g = 1 + Fm1(xeta)
        deriv = dF(xeta)
        while iteration < maxit and not (np.isfinite(g).all() and np.isfinite(deriv).all()):
            iteration += 1
            deta = deta / 2
            eta = eta - deta
            xeta = X @ eta
            g = 1 + Fm1(xeta)
            deriv = dF(xeta)
        misfit = pop - sample_total - X.T @ (ww * Fm1(xeta))
        crit = np.abs(misfit) / (1 + np.abs(pop))
        criterion = float(np.max(crit)) if np.isfinite(crit).all() else math.inf
        if np.all(crit < eps):
            converged = True
            break
        iteration += 1
        if iteration > maxit:
            break
    if scale is not None:
        g = g * scale
    return g, min(iteration, maxit), converged, criterion, scale


def _calibration_problem(design, terms, population, margin_tolerance):
    """The model matrix, its column names, the population totals in column order, and
    codes of the rows' distinct model-matrix rows when all variables are categorical."""
    if population is None:
        raise InputError("calibrate needs population totals")
    if isinstance(terms, (np.ndarray, pd.DataFrame)):
        X = np.asarray(terms, dtype=float)
        if X.ndim != 2 or X.shape[0] != design.n:
            raise InputError(f"the model matrix has shape {X.shape}, the design {design.n} rows")
        names = ([str(c) for c in terms.columns] if isinstance(terms, pd.DataFrame)
                 else [f"x{j + 1}" for j in range(X.shape[1])])
        if not np.isfinite(X).all():
            raise InputError("the model matrix has missing or infinite values")
        return X, names, _totals_by_name(population, names), None
    if _is_totals(population):
        if terms is None:
            raise InputError("calibrate needs the calibration variables for these totals")
        terms = _norm_terms(terms)
        columns = _data_columns(design.data, terms)
        X, names = _build_matrix(columns, terms, design.n)
        return X, names, _totals_by_name(population, names), _distinct_rows(columns)
    # targets (marginal / joint): R's margins2totals
    coded = code_margins(design, population, margin_tolerance)
    if terms is None:
        terms = []
        for c in coded:
            vars_ = c.margin.variables
            for r in range(1, len(vars_) + 1):
                terms.extend(itertools.combinations(vars_, r))
    terms = _norm_terms(terms)
    factors = {f.name: f for c in coded for f in c.factors}
    columns = {}
    for term in terms:
        for var in term:
            if var not in factors:
                raise InputError("calibration variable has no target margin", variable=var)
            columns[var] = (factors[var].codes, factors[var].levels)
    X, names = _build_matrix(columns, terms, design.n)
    totals = np.empty(len(names))
    totals[0] = coded[0].totals.sum()
    col = 1
    for term in terms:
        source = next((c for c in coded if set(term) <= set(c.margin.variables)), None)
        if source is None:
            raise InputError("no target margin covers this interaction", variable=":".join(term))
        cells = {v: (source.cell_levels[source.margin.variables.index(v)], factors[v].levels) for v in term}
        block, _ = _build_matrix(cells, [term], source.n_cells)
        block = block[:, 1:]
        totals[col: col + block.shape[1]] = block.T @ source.totals
        col += block.shape[1]
    return X, names, totals, _distinct_rows(columns)


def _is_totals(population) -> bool:
    if isinstance(population, (Margin, pd.DataFrame)):
        return False
    if isinstance(population, pd.Series):
        return population.index.name is None and population.index.nlevels == 1
    if isinstance(population, Mapping):
        return all(np.isscalar(v) for v in population.values())
    if isinstance(population, (list, tuple)):
        return all(np.isscalar(v) for v in population)
    return isinstance(population, np.ndarray)


def _totals_by_name(population, names: list[str]) -> np.ndarray:
    if isinstance(population, (Mapping, pd.Series)):
        pop = dict(population.items())
        missing = [n for n in names if n not in pop]
        if missing:
            raise InputError("no population total for a calibration column", variable=missing[0],
                             value=f"columns are {names}")
        extra = [k for k in pop if k not in names]
        if extra:
            raise InputError("population total for a column the model matrix lacks", variable=str(extra[0]),
                             value=f"columns are {names}")
        values = np.array([float(pop[n]) for n in names])
    else:
        values = np.asarray(population, dtype=float).ravel()
        if len(values) != len(names):
            raise InputError(f"{len(values)} population totals for {len(names)} calibration columns",
                             value=names)
    if not np.isfinite(values).all():
        raise InputError("population total is missing", variable=names[int(np.flatnonzero(~np.isfinite(values))[0])])
    return values


# --------------------------------------------------------------------------------------------
# Trimming
# --------------------------------------------------------------------------------------------


def _bound_arrays(lower, upper, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds as one value per row (R recycles a scalar bound), checked for order."""
    lo = np.broadcast_to(np.asarray(lower, dtype=float), (n,))
    hi = np.broadcast_to(np.asarray(upper, dtype=float), (n,))
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise InputError("trimming bounds are missing (NaN)")
    reversed_ = lo > hi
    if reversed_.any():
        i = int(np.argmax(reversed_))
        raise InputError(f"trimming bounds are reversed: lower {lo[i]:g} > upper {hi[i]:g}",
                         count=int(reversed_.sum()))
    return lo, hi


def trim_weights(design: SurveyDesign, upper=math.inf, lower=-math.inf,
                 strict: bool = False) -> SurveyDesign:
    """Trim weights to ``[lower, upper]``: R's ``trimWeights(design, upper, lower, strict)``
    (arguments in R's order: ``upper`` first) as in survey 4.5.

    Weight trimming (Lumley, survey package, ``trimWeights``; Potter 1990): weights outside
    the bounds are set to the bound, and the total trimmed amount is shared equally among the
    weights inside the bounds (R adds ``sum(trimmings) / sum(can_trim)`` to each), so the
    weight total is unchanged. That can push a weight just inside a bound over it;
    ``strict=True`` repeats the trimming until no weight is outside, with survey 4.5's rule
    (since 4.2): a weight once trimmed stays at its bound and takes no share of later
    trimmings, which go only to weights never trimmed (survey 4.1 shared them among all
    weights inside the bounds). When no weight is left to take a share R warns "trimming
    failed" and keeps the weights at the bounds, so the total changes; here that is a
    :class:`WeightingWarning` giving the old and new totals. ``lower`` and ``upper`` are
    numbers or one bound per row, as R's ``pmax``/``pmin`` recycle them.

    As in R the design's calibration record is kept unchanged (later SEs use it with the
    trimmed weights). Unlike R, rows with zero weight (outside a domain) are left at zero
    rather than raised to ``lower``. Bounds that no set of weights with this total can meet
    (their sums over the rows below or above the total) are an :class:`InputError`.
    """
    lo, hi = _bound_arrays(lower, upper, design.n)
    w = design.weights.astype(float, copy=True)
    active = w > 0
    n_active = int(active.sum())
    total = float(w[active].sum())
    if float(lo[active].sum()) > total * (1 + 1e-12) or float(hi[active].sum()) < total * (1 - 1e-12):
        raise InputError(
            f"no weights between the bounds (lower {lo[active].min():g}, upper {hi[active].max():g}) "
            f"can keep the weight total {total:.6g} over {n_active} respondents"
        )
    outside = active & ((w < lo) | (w > hi))
    if not outside.any():
        return design
    has_trimmed = np.zeros(design.n, dtype=bool)
    while outside.any():
        new = np.where(active, np.clip(w, lo, hi), 0.0)
        can_trim = active & ~outside & ~has_trimmed
        if can_trim.any():
            new[can_trim] += float((w - new).sum()) / int(can_trim.sum())
        else:
            warnings.warn(
                f"trimming failed: every weight has been trimmed, so the {int(outside.sum())} outside "
                f"the bounds are set to them and the weight total changes from {total:.6g} to "
                f"{float(new.sum()):.6g}",
                WeightingWarning,
                stacklevel=2,
            )
        has_trimmed |= outside
        w = new
        if not strict:
            break
        outside = active & ((w < lo) | (w > hi))
    return dataclasses.replace(design, weights=w)


@dataclass(frozen=True)
class TrimBounds:
    """Bounds for trimming in :func:`weight`: weights, or multiples of the median weight.

    With ``relative_to=None`` the bounds are weights (``-inf`` / ``inf``: no bound). With
    ``relative_to="median"`` they multiply the median of the weights to be trimmed (the
    positive ones; R's type-7 median), within each group of the design's column ``by`` when
    it is given (e.g. the strata the weights were raked within): ``TrimBounds(0.2, 5,
    "median", by="country")`` keeps each weight between a fifth of and five times its
    country's median weight, the usual way trimming bounds are set.
    """

    lower: float = -math.inf
    upper: float = math.inf
    relative_to: str | None = None
    by: str | None = None

    def __post_init__(self):
        if self.relative_to not in (None, "median"):
            raise InputError('trimming bounds are relative to "median" or to nothing (None)',
                             value=self.relative_to)
        if self.relative_to is not None and self.lower < 0:
            raise InputError("a lower bound relative to the median cannot be negative", value=self.lower)
        if self.lower > self.upper:
            raise InputError(f"trimming bounds are reversed: lower {self.lower:g} > upper {self.upper:g}")

    def resolve(self, design: SurveyDesign) -> tuple[np.ndarray, np.ndarray]:
        """The lower and upper bound of every row of the design, as weights."""
        n = design.n
        if self.relative_to is None:
            return _bound_arrays(self.lower, self.upper, n)
        w = design.weights
        active = w > 0
        if self.by is None:
            codes = np.zeros(n, dtype=np.int64)
        else:
            codes = pd.factorize(design.column(self.by), use_na_sentinel=False)[0]
        medians = pd.Series(w[active]).groupby(codes[active]).median()
        median = medians.reindex(range(int(codes.max()) + 1)).to_numpy()[codes]
        with np.errstate(invalid="ignore"):  # inf x 0 (a group with zero median) stays unbounded
            return _bound_arrays(np.nan_to_num(self.lower * median, nan=0.0),
                                 np.nan_to_num(self.upper * median, nan=math.inf), n)


def _trim_and_rerake(coded, joint, w, lower, upper, eps, maxit, max_rounds):
    """Trim, then rake the untrimmed weights with the trimmed ones held at their bound, until
    no weight is outside the bounds (see :func:`weight`)."""
    active = w > 0
    held = np.zeros(len(w), dtype=bool)
    rounds, sweeps, converged, delta = 0, 0, True, 0.0
    while True:
        outside = active & ~held & ((w < lower) | (w > upper))
        if not outside.any():
            break
        held |= outside
        w = np.where(outside, np.clip(w, lower, upper), w)
        if rounds == max_rounds:  # held at the bounds without raking again: margins are off
            converged = False
            break
        rounds += 1
        w, _, done, converged, delta = _ipf(coded, joint, w, eps, maxit, held)
        sweeps += done
    return w, held, rounds, sweeps, converged, delta


# --------------------------------------------------------------------------------------------
# Pipeline step
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightingReport:
    """Raking, then trimming and raking again: how it ended and what the weights achieve.

    ``rake`` is the first raking's :class:`RakeReport`; ``achieved`` describes the final
    weights: every raking's sweeps (``iterations``), whether the last raking met R's
    criterion (``converged``) and the largest margin errors of the final weights against the
    targets. ``margins_hold`` is True when every final weighted margin is within
    ``margin_tolerance`` (relative) of its target. ``held`` marks the weights trimmed (held at
    a bound; ``trimmed`` counts them), ``rounds`` counts the rounds of trimming and raking
    again, ``lower``/``upper`` are every row's bounds (None without trimming). ``before`` and
    ``after`` are weight summaries (:func:`~swsurvey.survey.diagnostics.weight_summary`),
    ``margins`` the target vs achieved margins of the final weights
    (:func:`~swsurvey.survey.diagnostics.margin_table`)."""

    rake: RakeReport
    achieved: RakeReport
    margins_hold: bool
    held: np.ndarray
    rounds: int
    lower: np.ndarray | None
    upper: np.ndarray | None
    before: pd.Series
    after: pd.Series
    margins: pd.DataFrame

    @property
    def trimmed(self) -> int:
        return int(self.held.sum())


def weight(
    design: SurveyDesign,
    margins,
    trim: TrimBounds | tuple[float, float] | None = None,
    epsilon: float = 1e-10,
    maxit: int = 100,
    margin_tolerance: float = MARGIN_TOLERANCE,
    max_rounds: int = 100,
) -> tuple[SurveyDesign, WeightingReport]:
    """Rake to ``margins`` (:func:`rake`, with ``epsilon``, ``maxit``, ``margin_tolerance``),
    then optionally trim and rake again so that the margins hold within the bounds.

    ``trim`` is a :class:`TrimBounds` or ``(lower, upper)`` weights. Trimming follows R's
    ``trimWeights(strict=TRUE)`` of survey 4.5 (:func:`trim_weights`): the weights outside
    the bounds are set to the bound and, once trimmed, stay there. But the trimmed amount is
    not shared out equally, which would move the margins off their targets: the untrimmed
    weights are raked again, each cell's to what the trimmed ones leave of its target
    (raking from the raked weights, which is raking from the design weights), and whatever
    that raking pushes outside the bounds is trimmed in turn, until no weight is outside (at
    most ``max_rounds`` rounds; after that the remaining weights are held at the bounds
    without raking). The result keeps the first raking's variance record, as R's
    ``trimWeights`` keeps it. When the bounds and the targets cannot both be met (e.g. a
    cell whose weights are all held), the margins are left off their targets, the report
    says so (``margins_hold`` False, the achieved errors) and a :class:`WeightingWarning`
    names the worst cell. Returns the final design and a :class:`WeightingReport`.
    """
    raked = rake(design, margins, epsilon=epsilon, maxit=maxit, margin_tolerance=margin_tolerance)
    first = weighting_report(raked)
    final, achieved = raked, first
    held = np.zeros(design.n, dtype=bool)
    rounds, lower, upper = 0, None, None
    if trim is not None:
        bounds = trim if isinstance(trim, TrimBounds) else TrimBounds(*trim)
        lower, upper = bounds.resolve(raked)
        coded = code_margins(design, margins, margin_tolerance)
        w, held, rounds, sweeps, converged, delta = _trim_and_rerake(
            coded, _joint_codes(coded, design.n), raked.weights, lower, upper, first.tolerance, maxit, max_rounds
        )
        if held.any():
            final = dataclasses.replace(raked, weights=w)
            achieved = _rake_report(coded, w, first.iterations + sweeps, converged, delta, first.tolerance)
    margins_hold = achieved.max_rel_error <= margin_tolerance
    if trim is not None and not margins_hold:
        warnings.warn(
            f"after trimming {int(held.sum())} weights in {rounds} rounds the margins miss their targets: "
            f"the largest error is {achieved.max_abs_error:.3g} ({achieved.max_rel_error:.3g} relative) at "
            f"{achieved.worst[0]} = {achieved.worst[1]}",
            WeightingWarning,
            stacklevel=2,
        )
    report = WeightingReport(
        rake=first,
        achieved=achieved,
        margins_hold=margins_hold,
        held=held,
        rounds=rounds,
        lower=lower,
        upper=upper,
        before=weight_summary(design),
        after=weight_summary(final),
        margins=margin_table(design, final, margins),
    )
    return final, report
