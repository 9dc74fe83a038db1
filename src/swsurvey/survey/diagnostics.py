"""Weight diagnostics: summaries of a set of weights and achieved vs target margins.

- :func:`weight_summary`: n, sum, mean, standard deviation (n - 1 denominator), minimum,
  quartiles (R's default type-7 quantiles), maximum, and Kish's (1965, sec. 11.7)
  design effect due to unequal weighting n sum(w^2) / (sum w)^2 and effective sample size
  (sum w)^2 / sum(w^2) -- overall or by domain, vectorised over domains.
- :func:`margin_table`: for every target cell, the unweighted count, the weighted totals
  before and after weighting and the target, as totals and as shares (overall or within
  domains such as countries).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.targets import code_margins, factor_values
from swsurvey.survey.variables import variable_names

__all__ = ["SUMMARY_FIELDS", "margin_table", "weight_summary"]

#: The statistics of :func:`weight_summary`, named as in the R reference ("weights summaries").
SUMMARY_FIELDS = (
    "n", "sum", "mean", "sd", "min", "q1_type7", "median", "q3_type7", "max", "kish_deff", "kish_neff",
)


def weight_summary(weights, by=None) -> pd.Series | pd.DataFrame:
    """Summary of weights: :data:`SUMMARY_FIELDS` (R's ``summary()``, ``sd()``, Kish).

    ``weights`` is a :class:`SurveyDesign` (its analysis weights, restricted to its domain
    if it has one) or an array of weights. Without ``by`` the result is a Series of the
    statistics; with ``by`` (a column of the design's data, or an array of group labels
    aligned with the weights) a DataFrame with one row per group (in level order). The
    quartiles are R's type-7 quantiles, ``(1 - h) x[lo] + h x[hi]``; ``sd`` is NaN for a
    single weight (R's NA). Missing or negative weights are an :class:`InputError`.
    """
    if isinstance(by, str) and by.lstrip().startswith("~"):  # R's by=~country
        by = _one_by(by)
    if isinstance(weights, SurveyDesign):
        design = weights
        w = design.weights
        keep = np.ones(design.n, dtype=bool) if design.domain is None else design.domain
        groups = design.column(by) if isinstance(by, str) else by
    else:
        design = None
        w = np.asarray(weights.to_numpy(dtype=float) if isinstance(weights, pd.Series) else weights, dtype=float)
        keep = np.ones(len(w), dtype=bool)
        groups = by
        if isinstance(by, str):
            raise InputError("weight_summary(by=<column name>) needs a design, not bare weights", variable=by)
    w = np.asarray(w, dtype=float).ravel()
    if not np.isfinite(w).all():
        raise InputError("weights are missing or not finite", count=int((~np.isfinite(w)).sum()))
    if (w < 0).any():
        raise InputError("weights are negative", value=float(w[w < 0][0]), count=int((w < 0).sum()))
    if groups is None:
        w = w[keep]
        if len(w) == 0:
            raise InputError("no weights to summarise")
        table = _summaries(w, np.zeros(len(w), dtype=np.int64), 1)
        return pd.Series(table[0], index=list(SUMMARY_FIELDS), name="weights")
    labels = groups if isinstance(groups, pd.Series) else pd.Series(np.asarray(groups))
    if len(labels) != len(w):
        raise InputError(f"by has {len(labels)} values, the weights {len(w)}")
    name = str(by) if isinstance(by, str) else (labels.name or "group")
    factor = factor_values(labels.reset_index(drop=True), name)
    codes = factor.codes[keep]
    table = _summaries(w[keep], codes, len(factor.levels))
    counts = np.bincount(codes, minlength=len(factor.levels))
    frame = pd.DataFrame(table, columns=list(SUMMARY_FIELDS),
                         index=pd.Index(factor.levels, name=name))
    return frame[counts > 0]


def _summaries(w: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """The summary statistics per group, vectorised (no loop over groups)."""
    n = np.bincount(groups, minlength=n_groups).astype(float)
    total = np.bincount(groups, weights=w, minlength=n_groups)
    squares = np.bincount(groups, weights=w * w, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        dev = w - mean[groups]
        ss = np.bincount(groups, weights=dev * dev, minlength=n_groups)
        sd = np.where(n > 1, np.sqrt(ss / (n - 1)), np.nan)
        kish_deff = n * squares / total**2
        kish_neff = total**2 / squares
    order = np.lexsort((w, groups))
    x = w[order]
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    size = n.astype(np.int64)
    quantiles = [_type7(x, start, size, p) for p in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return np.column_stack([
        n, total, mean, sd, quantiles[0], quantiles[1], quantiles[2], quantiles[3], quantiles[4],
        kish_deff, kish_neff,
    ])


def _type7(x: np.ndarray, start: np.ndarray, size: np.ndarray, p: float) -> np.ndarray:
    """R's ``quantile(type=7)`` within sorted groups: index 1 + (n - 1) p."""
    out = np.full(len(size), np.nan)
    has = size > 0
    index = (size[has] - 1) * p
    lo = np.floor(index).astype(np.int64)
    hi = np.ceil(index).astype(np.int64)
    qs = x[start[has] + lo]
    xhi = x[start[has] + hi]
    h = index - lo
    move = (index > lo) & (xhi != qs)
    qs = np.where(move, (1 - h) * qs + h * xhi, qs)
    out[has] = qs
    return out


def _one_by(by: str) -> str:
    """A ``by`` given as R's formula (``"~country"``) or a name: one variable."""
    names = variable_names(by, "by variable")
    if len(names) != 1:
        raise InputError("by takes one variable", value=by)
    return names[0]


def margin_table(design_before: SurveyDesign, design_after: SurveyDesign, targets, by: str | None = None,
                 margin_tolerance: float = 1e-6) -> pd.DataFrame:
    """Target vs unweighted vs weighted margins, per margin and cell (and domain).

    One row per target cell (joint cells labelled ``level1:level2``), with columns
    ``margin``, ``level``, ``n`` (respondents with positive weight), ``before`` (weighted by
    ``design_before``), ``after`` (weighted by ``design_after``), ``target``, each also as a
    share of its margin (``n_share``...), and ``error = after - target`` with
    ``rel_error = error / target``. With ``by`` (a column, e.g. country) the table is per
    domain and the shares are within the domain; a margin that includes ``by`` gives each
    cell in its own domain with its target, a margin that does not gives every cell in
    every domain with no target (NaN). The two designs must have the same rows; the targets
    are checked against the data as :func:`~swsurvey.survey.weighting.rake` checks them
    (:func:`~swsurvey.survey.targets.code_margins`).
    """
    if design_before.n != design_after.n:
        raise InputError(f"the designs have {design_before.n} and {design_after.n} rows")
    coded = code_margins(design_before, targets, margin_tolerance)
    by = _one_by(by) if by is not None else None
    if by is not None:
        dom = factor_values(design_before.column(by), by)
        n_dom, dom_codes, dom_levels = len(dom.levels), dom.codes, dom.levels
    else:
        n_dom, dom_codes, dom_levels = 1, np.zeros(design_before.n, dtype=np.int64), [None]
    positive = design_before.weights > 0
    present = np.bincount(dom_codes[positive], minlength=n_dom) > 0
    frames = []
    for c in coded:
        k = c.n_cells
        codes = np.where(positive, c.codes, k)
        key = codes * n_dom + dom_codes
        size = (k + 1) * n_dom
        n = np.bincount(key, minlength=size).reshape(k + 1, n_dom)[:k]
        before = np.bincount(key, weights=design_before.weights, minlength=size).reshape(k + 1, n_dom)[:k]
        after = np.bincount(key, weights=design_after.weights, minlength=size).reshape(k + 1, n_dom)[:k]
        target = np.full((k, n_dom), np.nan)
        include = np.ones((k, n_dom), dtype=bool)
        if by is not None and by in c.margin.variables:
            cell_dom = c.cell_levels[c.margin.variables.index(by)]
            include[:] = False
            include[np.arange(k), cell_dom] = True
            target[np.arange(k), cell_dom] = c.totals
        elif by is None:
            target[:, 0] = c.totals
        include &= present[None, :]
        cell, d = np.nonzero(include)
        frame = pd.DataFrame({
            "margin": c.margin.name,
            "level": np.array(c.labels, dtype=object)[cell],
            "n": n[cell, d],
            "before": before[cell, d],
            "after": after[cell, d],
            "target": target[cell, d],
        })
        if by is not None:
            frame.insert(0, by, np.array(dom_levels, dtype=object)[d])
            frame["_domain"] = d
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    if by is not None:
        table = table.sort_values("_domain", kind="stable", ignore_index=True)
    group = ["margin"] + ([by] if by is not None else [])
    for col in ("n", "before", "after", "target"):
        sums = table.groupby(group, sort=False)[col].transform("sum", min_count=1)
        table[f"{col}_share"] = table[col] / sums
    table["error"] = table["after"] - table["target"]
    table["rel_error"] = table["error"] / table["target"]
    order = ["margin", "level"] if by is None else [by, "margin", "level"]
    columns = order + ["n", "n_share", "before", "before_share", "after", "after_share",
                       "target", "target_share", "error", "rel_error"]
    return table[columns]
