"""Design-based tests of association in a two-way table: R's ``svychisq``.

``statistic="F"`` (R's default) is the Rao-Scott second-order correction of Pearson's X^2
(Rao & Scott 1984; Lumley 2010, sec. 3.6): with ``Delta`` the generalised design-effect
matrix of the interaction contrasts (``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C``, ``V``
the design covariance of the cell proportions, ``D`` their diagonal, ``C`` the interaction
columns projected off the main effects), ``F = X^2 / tr(Delta)`` referred to an F
distribution on ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 * nu`` degrees of freedom (``nu``
= PSUs - strata). ``"Chisq"`` is the first-order correction: R reports Pearson's X^2 and
refers ``X^2 / mean(diag(Delta))`` to chi-square on (r-1)(c-1) df. ``"Wald"`` and
``"adjWald"`` are design-based Wald tests of ``N_ij - N_i. N_.j / N = 0`` (Koch et al. 1975;
Thomas & Rao 1987), the adjusted one with the F correction ``(nu - d + 1) / (d nu)``.

As in R, X^2 is computed on the weighted table rescaled to the number of rows in the design
(``svytable(..., Ntotal=nrow)``), ``nu`` counts the PSUs and strata of every row in the
design (R's ``design$cluster``), and rows with a missing value in either variable leave the
domain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.distributions import pchisq, pf
from swsurvey.survey.estimates import svrep_stat, totals_statistic
from swsurvey.survey.modelframe import design_rows, factor_codes, level_label
from swsurvey.survey.replicates import SvyRepDesign, with_variance
from swsurvey.survey.variables import variable_names
from swsurvey.survey.variance import design_vcov

__all__ = ["SvrepChisq", "SvyChisq", "svychisq", "svychisq_statistic", "svytable"]

STATISTICS = ("F", "Chisq", "Wald", "adjWald")
_RAO_SCOTT = "Pearson's X^2: Rao & Scott adjustment"
_WALD = "Design-based Wald test of association"


@dataclass(frozen=True, eq=False)
class SvyChisq:
    """R's ``htest`` from ``svychisq``: ``statistic`` (named ``statistic_name``: "F" or
    "X-squared"), ``parameter`` ({"ndf", "ddf"} or {"df"}), ``p_value``, ``method`` (R's),
    the weighted ``table`` (R's ``svytable``, rows = levels of ``row_var``), ``n_missing``
    (rows of non-zero weight left out for a missing value), ``design_df`` (R's ``nu``) and,
    for the Rao-Scott statistics, ``pearson`` (X^2 on the rescaled table) and ``delta``
    (the eigenvalues of Delta)."""

    row_var: str
    col_var: str
    statistic: float
    statistic_name: str
    parameter: dict[str, float]
    p_value: float
    method: str
    table: pd.DataFrame
    n_missing: int
    design_df: int
    pearson: float
    delta: np.ndarray | None = None

    def __str__(self) -> str:
        params = ", ".join(f"{k} = {v:.6g}" for k, v in self.parameter.items())
        return (
            f"{self.method}\n{self.row_var} x {self.col_var}: {self.statistic_name} = "
            f"{self.statistic:.6g}, {params}, p-value = {self.p_value:.4g}"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row, as R's ``htest`` prints it: the variables, the statistic and its name,
        its parameters (``ndf``, ``ddf``, or ``df``), the p-value and R's method. A test has
        no ``coef``/``vcov``; its ``table`` is R's ``observed``."""
        return pd.DataFrame([{
            "row_var": self.row_var, "col_var": self.col_var, "statistic_name": self.statistic_name,
            "statistic": self.statistic, **self.parameter, "p_value": self.p_value, "method": self.method,
        }])


@dataclass(frozen=True, eq=False)
class SvrepChisq(SvyChisq):
    """:class:`SvyChisq` from a replicate design, its ``variance`` named."""

    variance: str = ""

    def __str__(self) -> str:
        return f"{super().__str__()}\n(variance: {self.variance})"


@dataclass(frozen=True)
class _Coded:
    rows: np.ndarray  # R's design rows
    r: np.ndarray  # row-variable codes 0..nr-1 (-1 missing)
    c: np.ndarray
    row_levels: list
    col_levels: list


def _present_codes(values: pd.Series, rows: np.ndarray, name: str):
    codes, levels = factor_codes(values)
    present = np.flatnonzero(np.bincount(codes[rows & (codes >= 0)], minlength=len(levels)))
    remap = np.full(len(levels) + 1, -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    # codes -1 index the last slot, which stays -1
    return remap[codes], [levels[i] for i in present]


def _code(design: SurveyDesign, row_var: str, col_var: str) -> _Coded:
    rows = design_rows(design)
    r, rl = _present_codes(design.column(row_var), rows, row_var)
    c, cl = _present_codes(design.column(col_var), rows, col_var)
    for name, levels in ((row_var, rl), (col_var, cl)):
        if len(levels) < 2:
            raise InputError("a test of association needs at least two categories", variable=name, value=levels)
    return _Coded(rows, r, c, rl, cl)


def _table(design: SurveyDesign, coded: _Coded) -> np.ndarray:
    nr, nc = len(coded.row_levels), len(coded.col_levels)
    ok = coded.rows & (coded.r >= 0) & (coded.c >= 0)
    cell = coded.r[ok] + nr * coded.c[ok]
    return np.bincount(cell, weights=design.weights[ok], minlength=nr * nc).reshape(nc, nr).T


def two_variables(formula, col_var: str | None) -> tuple[str, str]:
    """The row and column variables: R's ``~row_var + col_var`` (or a list of the two), or
    the two names given separately."""
    names = variable_names(formula, "table variables") + ([col_var] if col_var is not None else [])
    if len(names) != 2:
        raise InputError("a two-way table takes two variables, as R's ~a + b", value=", ".join(names))
    return names[0], names[1]


def svytable(design: SurveyDesign, formula, col_var: str | None = None) -> pd.DataFrame:
    """The weighted two-way table (R's ``svytable(~row_var + col_var, design)``): sums of
    weights per cell, rows and columns the levels present in the design's rows. ``formula``
    is ``"~row_var + col_var"``, or the row variable with ``col_var`` the column one."""
    row_var, col_var = two_variables(formula, col_var)
    coded = _code(design, row_var, col_var)
    return _frame(_table(design, coded), coded, row_var, col_var)


def _frame(tab: np.ndarray, coded: _Coded, row_var: str, col_var: str) -> pd.DataFrame:
    return pd.DataFrame(
        tab,
        index=pd.Index([level_label(v) for v in coded.row_levels], name=row_var),
        columns=pd.Index([level_label(v) for v in coded.col_levels], name=col_var),
    )


def _main_effects(nr: int, nc: int) -> tuple[np.ndarray, np.ndarray]:
    """R's ``model.matrix(~factor(rows) + factor(cols))`` and the interaction columns of
    ``~factor(rows) * factor(cols)`` over ``expand.grid(rows, cols)`` (rows fastest)."""
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    R = (rows[:, None] == np.arange(1, nr)[None, :]).astype(float)
    C = (cols[:, None] == np.arange(1, nc)[None, :]).astype(float)
    X1 = np.column_stack([np.ones(nr * nc), R, C])
    inter = np.column_stack([R[:, i] * C[:, j] for j in range(nc - 1) for i in range(nr - 1)])
    return X1, inter


def svychisq(design: SurveyDesign, formula, col_var: str | None = None, statistic: str = "F",
             replicates: np.ndarray | None = None) -> SvyChisq:
    """Test the association of two categorical variables: R's ``svychisq(~row_var +
    col_var, design, statistic=)`` (see the module docstring for the statistics).
    ``formula`` is ``"~row_var + col_var"``, or the row variable with ``col_var`` the
    column one.

    Rows missing either variable leave the domain (R's ``na.rm=TRUE``); their count is
    ``n_missing``. A category present in the design's rows whose weighted total is zero
    (R would return NaN) is an :class:`InputError`. A replicate-weight design takes the
    covariances from its replicates (R's ``svychisq.svyrep.design``; R's "lincom" and
    "saddlepoint" statistics are not available here); ``replicates`` are the estimates of
    :func:`svychisq_statistic` on every replicate, when computed elsewhere (in chunks).
    """
    row_var, col_var = two_variables(formula, col_var)
    if isinstance(design, SvyRepDesign):  # R's svychisq.svyrep.design
        result = _svychisq(design, row_var, col_var, statistic, _Replicates(replicates))
        return with_variance(result, SvrepChisq, design)
    if replicates is not None:
        raise InputError("replicate estimates are for replicate-weight designs; this design has none")
    return _svychisq(design, row_var, col_var, statistic, _Linearization)


def svychisq_statistic(design: SurveyDesign, formula, col_var: str | None = None, statistic: str = "F"):
    """What :func:`svychisq` evaluates on every replicate of a replicate-weight design (the
    cell means, or for the Wald statistics the totals, of the complete rows), as a
    :class:`~swsurvey.survey.replicates.ReplicateStatistic`: evaluate it apart and give the
    stacked estimates to ``svychisq(..., replicates=)``."""
    if not isinstance(design, SvyRepDesign):
        raise InputError("replicate statistics are for replicate-weight designs; this design has none")
    row_var, col_var = two_variables(formula, col_var)
    return _svychisq(design, row_var, col_var, statistic, _ReplicateStatistic)


class _Linearization:
    """The covariances of :func:`svychisq` on a linearization design (R's
    ``svychisq.survey.design``: ``svyrecvar`` of the influence values)."""

    @staticmethod
    def total_vcov(design: SurveyDesign, Z: np.ndarray, wd: np.ndarray, complete: np.ndarray):
        """The totals of the columns of ``Z`` (weighted in place by ``wd``) and their covariance."""
        Z *= wd[:, None]
        return Z.sum(axis=0), design_vcov(design, Z, overwrite=True)  # Z: the caller's scratch

    @staticmethod
    def mean_vcov(design: SurveyDesign, infl: np.ndarray, mean2: np.ndarray, wd: np.ndarray, psum: float,
                  complete: np.ndarray) -> np.ndarray:
        """The covariance of the cell proportions (``infl``: cell indicators, made influence
        values in place)."""
        infl -= mean2[None, :]
        infl *= (wd / psum)[:, None]
        return design_vcov(design, infl, overwrite=True)  # infl: the caller's scratch


class _Replicates:
    """The covariances of :func:`svychisq` on a replicate-weight design (R's
    ``svychisq.svyrep.design``: ``svymean``/``svytotal(na.rm=TRUE)`` of the complete rows
    with their replicate covariance), from ``replicates`` when they were computed elsewhere."""

    def __init__(self, replicates: np.ndarray | None):
        self.replicates = replicates

    def _vcov(self, design: SvyRepDesign, X: np.ndarray, complete: np.ndarray, statistic: str) -> np.ndarray:
        names = [str(j) for j in range(X.shape[1])]
        return svrep_stat(design.subset(complete), X, names, statistic, replicates=self.replicates).vcov

    def total_vcov(self, design: SvyRepDesign, Z: np.ndarray, wd: np.ndarray, complete: np.ndarray):
        vcov = self._vcov(design, Z, complete, "total")
        Z *= wd[:, None]
        return Z.sum(axis=0), vcov

    def mean_vcov(self, design: SvyRepDesign, infl: np.ndarray, mean2: np.ndarray, wd: np.ndarray, psum: float,
                  complete: np.ndarray) -> np.ndarray:
        return self._vcov(design, infl, complete, "mean")


class _ReplicateStatistic:
    """What :func:`svychisq_statistic` gives: the replicate statistic of the means or totals
    the test's covariance comes from, instead of the test."""

    @staticmethod
    def statistic(design: SvyRepDesign, X: np.ndarray, complete: np.ndarray, statistic: str):
        return totals_statistic(design.subset(complete), X, statistic)



def _svychisq(design: SurveyDesign, row_var: str, col_var: str, statistic: str, path):
    """The test (an :class:`SvyChisq`) with ``path``'s covariances, or with
    :class:`_ReplicateStatistic` its replicate statistic."""
    if statistic not in STATISTICS:
        raise InputError(f"statistic must be one of {', '.join(STATISTICS)}", value=statistic)
    coded = _code(design, row_var, col_var)
    nr, nc = len(coded.row_levels), len(coded.col_levels)
    w = design.weights
    complete = (coded.r >= 0) & (coded.c >= 0)
    n_missing = int(((~complete) & (w != 0)).sum())
    N = int(coded.rows.sum())
    tab = _table(design, coded)
    for axis, var, levels in ((1, row_var, coded.row_levels), (0, col_var, coded.col_levels)):
        empty = np.flatnonzero(tab.sum(axis=axis) == 0)
        if len(empty):
            raise InputError(
                "categories with no weighted observations in the table (R's test would be NaN)",
                variable=var,
                value=[level_label(levels[i]) for i in empty],
            )
    total = tab.sum()
    scaled = tab * N / total
    expected = np.outer(scaled.sum(axis=1), scaled.sum(axis=0)) / scaled.sum()
    pearson = float(np.sum((scaled - expected) ** 2 / expected))
    wd = np.where(complete, w, 0.0)
    cell = np.where(complete, coded.r + nr * coded.c, 0)
    k = nr * nc
    frame = _frame(tab, coded, row_var, col_var)
    if statistic in ("Wald", "adjWald"):
        # totals of cells, row and column indicators and 1 (R's svytotal(~mm + mr + mc + one))
        n = design.n
        Z = np.zeros((n, k + nr + nc + 1))
        idx = np.flatnonzero(complete)
        Z[idx, cell[idx]] = 1.0
        Z[idx, k + coded.r[idx]] = 1.0
        Z[idx, k + nr + coded.c[idx]] = 1.0
        Z[idx, -1] = 1.0
        if path is _ReplicateStatistic:
            return path.statistic(design, Z, complete, "total")
        nu = design.degf(coded.rows)
        totals, Vc = path.total_vcov(design, Z, wd, complete)
        del Z
        Tr, Tc, T1 = totals[k : k + nr], totals[k + nr : k + nr + nc], totals[-1]
        rows = np.tile(np.arange(nr), nc)
        cols = np.repeat(np.arange(nc), nr)
        J = np.zeros((k, k + nr + nc + 1))
        J[:, :k] = np.eye(k)
        J[np.arange(k), k + rows] = -Tc[cols] / T1
        J[np.arange(k), k + nr + cols] = -Tr[rows] / T1
        J[:, -1] = Tr[rows] * Tc[cols] / T1**2
        Y = totals[:k] - Tr[rows] * Tc[cols] / T1
        V = J @ Vc @ J.T
        use = np.flatnonzero((rows > 0) & (cols > 0))
        try:
            wald = float(Y[use] @ np.linalg.solve(V[np.ix_(use, use)], Y[use]))
        except np.linalg.LinAlgError:
            raise InputError(
                "the covariance of the table's interaction contrasts is singular: the Wald test is not defined",
                variable=f"{row_var}, {col_var}",
            ) from None
        ndf = (nr - 1) * (nc - 1)
        if statistic == "Wald":
            stat, ddf = wald / ndf, float(nu)
        else:
            ddf = float(nu - ndf + 1)
            stat = wald * ddf / (ndf * nu)
        if ddf <= 0:
            raise InputError("too few design degrees of freedom for the adjusted Wald test", value=nu)
        return SvyChisq(
            row_var, col_var, stat, "F", {"ndf": float(ndf), "ddf": ddf},
            float(pf(stat, ndf, ddf, lower_tail=False)), _WALD, frame, n_missing, nu, pearson,
        )
    # Rao-Scott: design covariance of the cell proportions (R's svymean(mm, na.rm=TRUE))
    psum = wd.sum()
    mean2 = np.bincount(cell, weights=wd, minlength=k) / psum
    infl = np.zeros((design.n, k))
    idx = np.flatnonzero(complete)
    infl[idx, cell[idx]] = 1.0
    if path is _ReplicateStatistic:
        return path.statistic(design, infl, complete, "mean")
    nu = design.degf(coded.rows)
    V = path.mean_vcov(design, infl, mean2, wd, psum, complete)
    del infl
    X1, inter = _main_effects(nr, nc)
    coef, *_ = np.linalg.lstsq(X1, inter, rcond=None)
    C = inter - X1 @ coef
    with np.errstate(divide="ignore"):
        idiag = np.where(mean2 == 0, 0.0, 1.0 / mean2)
    denom = (C * (idiag / N)[:, None]).T @ C
    CiD = C * idiag[:, None]
    numr = CiD.T @ V @ CiD
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    d0 = tr**2 / float(np.trace(delta @ delta))
    eig = np.sort(np.linalg.eigvals(delta).real)[::-1]
    if statistic == "F":
        stat = pearson / tr
        return SvyChisq(
            row_var, col_var, stat, "F", {"ndf": d0, "ddf": d0 * nu},
            float(pf(stat, d0, d0 * nu, lower_tail=False)), _RAO_SCOTT, frame, n_missing, nu, pearson, eig,
        )
    df = delta.shape[1]
    p = float(pchisq(pearson / (tr / df), df, lower_tail=False))
    return SvyChisq(
        row_var, col_var, pearson, "X-squared", {"df": float(df)}, p, _RAO_SCOTT, frame, n_missing, nu, pearson, eig,
    )
