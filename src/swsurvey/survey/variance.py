"""The linearization variance engine: R's ``svyrecvar``.

Every estimator hands over its weighted influence values ``x`` (an n x k matrix: row i is
w_i times unit i's influence on the k estimates, zero outside a domain). The engine

1. applies the calibration the weights went through (GREG residuals, post-stratification,
   raking), as R does with a design's ``postStrata``;
2. sums ``x`` within PSUs, centres the PSU totals within strata and returns

       V = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - zbar_h)(z_hi - zbar_h)'

   (Lumley 2010, sec. 2.2 and appendix; Binder 1983 for the linearization);
3. for a multistage design with fpc, adds each later stage's variance within the units of
   the stage above, scaled by their sampling fractions (R's recursive ``multistage``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from swsurvey.errors import InputError
from swsurvey.survey.design import Stage, SurveyDesign

#: Rows per block where an n x k temporary would otherwise be made (bounds peak memory).
ROW_BLOCK = 65_536


@dataclass(frozen=True, eq=False)
class GregCalibration:
    """Calibration to totals of ``X`` (R's ``greg_calibration``, stage 0).

    Influence values are replaced by residuals of their regression on ``X`` weighted by the
    weights before calibration (``base_weights``), scaled by the calibrated weights: exactly
    ``qr.resid(qr(X * sqrt(w0)), x / (g * sqrt(w0))) * g * sqrt(w0)`` in R.
    """

    X: np.ndarray
    base_weights: np.ndarray
    g: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        root = np.sqrt(self.base_weights)
        scale = self.g * root
        A = self.X * root[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            B = np.where(scale[:, None] != 0, x / scale[:, None], 0.0)
        coef, *_ = np.linalg.lstsq(A, B, rcond=None)
        return (B - A @ coef) * scale[:, None]


@dataclass(frozen=True, eq=False)
class PostStratification:
    """One margin of a raking record: ``x - psw * ave(x / psw, groups)`` (unweighted group
    means), as R's ``rake()`` sweeps it. R's ``postStratify()`` weights the group means by the
    old weights; that form is :class:`swsurvey.survey.weighting.PostStratify` (the two agree
    when the old weights are equal).
    """

    groups: np.ndarray
    psw: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.psw[:, None] != 0, x / self.psw[:, None], 0.0)
        return x - self.psw[:, None] * group_means(ratio, self.groups)


@dataclass(frozen=True, eq=False)
class Raking:
    """Raking as R's ``rake()`` records it: ``sweeps`` passes of alternating projections on
    each margin (R uses 10), so SEs after ``rake()`` match R's to about 1e-5, not exactly
    (``calibrate(calfun="raking")`` uses :class:`GregCalibration` and matches exactly)."""

    margins: tuple[PostStratification, ...]
    sweeps: int = 10

    def apply(self, x: np.ndarray) -> np.ndarray:
        for _ in range(self.sweeps):
            for margin in self.margins:
                x = margin.apply(x)
        return x


#: Up to this many columns, :func:`group_sums` sums each with ``np.bincount``; beyond, one
#: sparse product is faster (both add each group's values in row order, so the same bits).
BINCOUNT_COLUMNS = 2


def group_sums(x: np.ndarray, groups: np.ndarray, n_groups: int | None = None) -> np.ndarray:
    """Column sums of ``x`` (n x k) within integer ``groups``: an (n_groups x k) matrix."""
    n_groups = int(groups.max()) + 1 if n_groups is None else n_groups
    if x.ndim == 2 and x.shape[1] <= BINCOUNT_COLUMNS:
        out = np.empty((n_groups, x.shape[1]))
        for j in range(x.shape[1]):
            out[:, j] = np.bincount(groups, weights=x[:, j], minlength=n_groups)
        return out
    # By columns (one entry each): the product reads x's rows once, in order, and adds each
    # group's rows in row order, as a matrix by rows would, several times faster.
    n = len(groups)
    indicator = sp.csc_matrix((np.ones(n), groups, np.arange(n + 1)), shape=(n_groups, n))
    return np.asarray(indicator @ x)


def group_means(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's group mean of ``x`` (R's ``ave``), as an n x k matrix."""
    sums = group_sums(x, groups)
    counts = np.bincount(groups, minlength=sums.shape[0]).astype(float)
    return (sums / counts[:, None])[groups]


def design_vcov(design: SurveyDesign, x: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """Covariance matrix (k x k) of the totals of weighted influence values ``x`` (n x k).

    R's ``svyrecvar(x, clusters, strata, fpc, postStrata)``, with the design's
    ``lonely_psu`` rule for strata that have a single PSU; for a multistage design with fpc,
    plus each later stage's within-unit variance (:func:`stage_vcov`).

    ``overwrite=True`` lets the engine work in ``x``'s memory (the caller's values are then
    lost): at a million rows an n x k copy costs hundreds of MB, made fresh on every call.
    The arithmetic is the same either way.
    """
    given = x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.shape[0] != design.n:
        raise InputError(f"influence values have {x.shape[0]} rows, the design {design.n}")
    for adjustment in design.calibration:
        in_place = getattr(adjustment, "apply_in_place", None)
        ours = overwrite or not np.may_share_memory(x, given)
        x = in_place(x) if ours and in_place is not None else adjustment.apply(x)
    ours = overwrite or not np.may_share_memory(x, given)
    z = group_sums(x, design.psu, design.n_psu) if design.has_clusters else x
    psu_stratum = _psu_strata(design)
    n_strata = design.n_strata
    n_h = np.bincount(psu_stratum, minlength=n_strata).astype(float)
    f_h = np.zeros(n_strata)
    if design.fpc.any():  # else sampled with replacement: no row to scatter
        f_h[design.strata] = design.fpc
    means = group_sums(z, psu_stratum, n_strata) / np.maximum(n_h, 1)[:, None]
    # R's svyrecvar sees only the rows of a domain (its subset drops the others), so a
    # lonely stratum counts only when the analysis has rows in it, and a stratum sampled
    # completely (fpc: fraction 1) contributes nothing whatever its number of PSUs.
    lonely = (n_h == 1) & ((1.0 - f_h) >= 1e-7)
    present = np.zeros(n_strata, dtype=bool)
    if lonely.any():  # which strata the analysis has rows in matters only then
        present[design.strata if design.domain is None else design.strata[design.domain]] = True
        lonely &= present
    has_lonely = bool(lonely.any())
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_h = np.where(n_h > 1, (1.0 - f_h) * n_h / (n_h - 1.0), 1.0 - f_h)
    if has_lonely and design.lonely_psu in ("remove", "certainty"):
        scale_h = np.where(lonely, 0.0, scale_h)
    # V = C' diag(s) C = (sqrt(s) C)'(sqrt(s) C): each PSU total centred at its stratum's
    # mean and scaled by sqrt(s_h), in row blocks (no n x k temporary of means).
    root = np.sqrt(scale_h)
    # Centred in place when z is ours and nothing below reads it again (the lonely rules read
    # z, later stages read x).
    reuse = not has_lonely and (z is not x or (ours and not design.stages))
    centred = z if reuse else np.empty_like(z)
    for start in range(0, len(z), ROW_BLOCK):
        rows, block = slice(start, start + ROW_BLOCK), psu_stratum[start : start + ROW_BLOCK]
        np.subtract(z[rows], means.take(block, axis=0), out=centred[rows])
        if not has_lonely:
            np.multiply(centred[rows], root.take(block)[:, None], out=centred[rows])
    if has_lonely:
        centred = _lonely(design, z, centred, psu_stratum, lonely, n_h, present)
        centred *= root.take(psu_stratum)[:, None]
    vcov = centred.T @ centred
    if has_lonely and design.lonely_psu == "average":
        n_present = int(present.sum())
        vcov = vcov * (n_present / max(n_present - int(lonely.sum()), 1))
    for stage in design.stages:
        vcov = vcov + stage_vcov(design, stage, x)
    return vcov


def stage_vcov(design: SurveyDesign, stage: Stage, x: np.ndarray) -> np.ndarray:
    """A later stage's share of the variance: within each unit of the stage above (a
    stratum here), the variance of its sampled units' totals, scaled by the unit's sampling
    fraction (``stage.scale``):

        sum_i f_i (1 - f_ij) m_i / (m_i - 1) sum_j (z_ij - zbar_i)(z_ij - zbar_i)'

    R's ``multistage`` (the recursion's ``* nPSUs/fpcs``); Särndal, Swensson and Wretman
    (1992), result 4.3.1, with the first stage's weights already in ``x``. A unit of the stage
    above with a single sampled unit contributes nothing under every ``lonely_psu`` rule but
    "fail" (an error) and "average" (R returns NaN: an error here), as in survey >= 4.2.
    """
    z = group_sums(x, stage.units)
    unit_stratum = np.empty(len(z), dtype=np.int64)
    unit_stratum[stage.units] = stage.strata
    n_strata = int(stage.strata.max()) + 1
    m = np.bincount(unit_stratum, minlength=n_strata).astype(float)
    f, above = np.zeros(n_strata), np.zeros(n_strata)
    f[stage.strata], above[stage.strata] = stage.fpc, stage.scale
    lonely = (m == 1) & ((1.0 - f) >= 1e-7)
    if lonely.any():
        _lonely_stage(design, stage, lonely)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where((m > 1) & ((1.0 - f) >= 1e-7), above * (1.0 - f) * m / (m - 1.0), 0.0)
    centred = z - (group_sums(z, unit_stratum, n_strata) / np.maximum(m, 1)[:, None])[unit_stratum]
    centred *= np.sqrt(scale)[unit_stratum][:, None]
    return centred.T @ centred


def _lonely_stage(design: SurveyDesign, stage: Stage, lonely: np.ndarray) -> None:
    """Refuse a later-stage unit with a single sampled unit where the rule cannot take it."""
    if design.lonely_psu not in ("fail", "average"):
        return
    rows = np.flatnonzero(lonely[stage.strata] & (True if design.domain is None else design.domain))
    if not len(rows):  # R's svyrecvar sees a domain's rows only
        return
    above, column = stage.columns
    value = design.data[above].iloc[rows[0]]
    raise InputError(
        f"a unit of {above} has only one sampled unit of {column}, so its within-unit variance "
        "is not defined (R: 'has only one PSU at stage'; lonely_psu='remove', 'certainty' or "
        "'adjust' count it as nothing; 'average' is not defined at later stages)",
        variable=above,
        value=value.item() if hasattr(value, "item") else value,
    )


def _psu_strata(design: SurveyDesign) -> np.ndarray:
    """The stratum of each PSU (PSUs are nested in strata)."""
    if not design.has_clusters:
        return design.strata
    out = np.empty(design.n_psu, dtype=np.int64)
    out[design.psu] = design.strata
    return out


def _lonely(design, z, centred, psu_stratum, lonely, n_h, present):
    """Centre the PSU totals of single-PSU strata as ``design.lonely_psu`` says."""
    rule = design.lonely_psu
    if rule == "fail":
        which = np.flatnonzero(lonely)[:5]
        column = design.columns.get("strata")
        if column:
            _, labels = pd.factorize(design.data[column], sort=True)
            value = [labels[h].item() if hasattr(labels[h], "item") else labels[h] for h in which]
        else:
            value = [int(h) for h in which]
        raise InputError(
            "a stratum has only one PSU, so its variance is not defined (choose lonely_psu="
            "'remove', 'certainty', 'adjust' or 'average' to decide how it counts)",
            variable=column or "strata",
            value=value[0] if len(value) == 1 else value,
        )
    in_lonely = lonely[psu_stratum]
    centred = centred.copy()
    if rule == "adjust":
        # survey >= 4.2: centre at the grand mean of PSU totals, colSums(x) / (number of
        # PSUs in the strata the analysis has rows in)
        grand = z.sum(axis=0) / n_h[present].sum()
        centred[in_lonely] = z[in_lonely] - grand
    else:  # remove, certainty: nothing; average: the other strata's variance scaled up
        centred[in_lonely] = 0.0
    return centred
