"""Weighting targets and their coding against the data: R's ``population`` tables of
``rake()``, ``postStratify()`` and ``calibrate()``.

Targets are tidy tables (:class:`Margin`; see :func:`as_margins`): marginal targets with
columns ``variable``, ``level``, ``total``; joint targets with one column per variable and a
``total`` (or R's ``Freq``) column. :func:`code_margins` checks them against the data before
any fitting: a level absent from the data or from the targets, a target that is not a
positive number, or margins whose totals disagree, is an :class:`~swsurvey.errors.InputError`
naming the variable and category. :mod:`swsurvey.survey.weighting` fits weights to them,
:mod:`swsurvey.survey.diagnostics` compares weights with them.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign

__all__ = [
    "TOTAL_COLUMNS",
    "CodedMargin",
    "Factor",
    "Margin",
    "WeightingWarning",
    "as_margins",
    "code_margin",
    "code_margins",
    "factor_values",
    "joint_targets",
    "marginal_targets",
]

#: Column names accepted for a target table's totals (R's data frames use ``Freq``).
TOTAL_COLUMNS = ("total", "Freq")

#: A margin whose variables' levels combine into at most this many cells (or the number of
#: rows, if more) finds each row's cell in a table of every cell, not by binary search.
LOOKUP_CELLS = 1 << 20


class WeightingWarning(UserWarning):
    """Raking or calibration stopped before meeting its convergence criterion."""



# Targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Margin:
    """Population totals over the cells of one or more variables.

    ``variables`` names the variables; ``levels`` holds one array per variable giving each
    cell's level; ``totals`` the cell totals. A one-variable margin is a marginal target,
    a several-variable one a joint target (raked as one variable over the cells).
    """

    variables: tuple[str, ...]
    levels: tuple[np.ndarray, ...]
    totals: np.ndarray

    @property
    def name(self) -> str:
        """R's label for the margin: the variable names joined by ``:``."""
        return ":".join(self.variables)

    @property
    def n_cells(self) -> int:
        return len(self.totals)

    def cell_label(self, i: int) -> str:
        return ":".join(str(level[i]) for level in self.levels)

    def table(self) -> pd.DataFrame:
        """The margin as a tidy table: one column per variable and ``total``."""
        frame = pd.DataFrame({v: lv for v, lv in zip(self.variables, self.levels)})
        frame["total"] = self.totals
        return frame

    @classmethod
    def from_table(cls, table: pd.DataFrame, variables: Sequence[str] | None = None,
                   total: str | None = None) -> Margin:
        """A margin from a table of cells: the variables' columns and a total column."""
        total = total or _total_column(table)
        if total not in table:
            raise InputError("target table has no total column", variable=total)
        variables = tuple(variables) if variables is not None else tuple(
            str(c) for c in table.columns if c != total
        )
        if not variables:
            raise InputError("target table has no variable columns besides its totals")
        for v in variables:
            if v not in table:
                raise InputError("variable not in the target table", variable=v)
        totals = pd.to_numeric(table[total], errors="coerce").to_numpy(dtype=float)
        levels = tuple(np.asarray(table[v].to_numpy(dtype=object)) for v in variables)
        return cls(variables=variables, levels=levels, totals=totals)


def _total_column(table: pd.DataFrame) -> str:
    for name in TOTAL_COLUMNS:
        if name in table:
            return name
    raise InputError(f"target table needs a total column ({' or '.join(TOTAL_COLUMNS)})")


def marginal_targets(table: pd.DataFrame, variable: str = "variable", level: str = "level",
                     total: str = "total") -> list[Margin]:
    """Marginal targets from a long table (one row per variable x level): one margin per
    variable, in the order the variables first appear."""
    for col in (variable, level, total):
        if col not in table:
            raise InputError("column missing from the marginal-targets table", variable=col)
    out = []
    names = pd.unique(table[variable].to_numpy(dtype=object))
    for name in names:
        rows = table[table[variable].to_numpy(dtype=object) == name]
        out.append(Margin(
            variables=(str(name),),
            levels=(np.asarray(rows[level].to_numpy(dtype=object)),),
            totals=pd.to_numeric(rows[total], errors="coerce").to_numpy(dtype=float),
        ))
    return out


def joint_targets(table: pd.DataFrame, variables: Sequence[str] | None = None,
                  total: str | None = None) -> Margin:
    """A joint target (e.g. country x gender cells) from a table with one column per
    variable and a total column (``total`` or R's ``Freq``)."""
    return Margin.from_table(table, variables, total)


def as_margins(spec) -> list[Margin]:
    """Normalise targets to a list of :class:`Margin`.

    Accepted: a :class:`Margin`; a long table with ``variable``/``level``/``total`` columns
    (marginal targets); a table of cells with variable columns and ``total`` or ``Freq``
    (one joint or marginal target); a Series indexed by level (its index name(s) are the
    variable(s)); a mapping ``{variable: {level: total}}`` or
    ``{(var1, var2): {(level1, level2): total}}``; or a list of any of these.
    """
    if isinstance(spec, Margin):
        return [spec]
    if isinstance(spec, pd.DataFrame):
        if {"variable", "level"} <= set(spec.columns):
            return marginal_targets(spec, total=_total_column(spec))
        return [Margin.from_table(spec)]
    if isinstance(spec, pd.Series):
        names = [n for n in spec.index.names]
        if any(n is None for n in names):
            raise InputError("a target Series needs its index named after the variable(s)")
        return [Margin.from_table(spec.rename("total").reset_index(), [str(n) for n in names], "total")]
    if isinstance(spec, Mapping):
        out = []
        for key, cells in spec.items():
            variables = tuple(key) if isinstance(key, tuple) else (str(key),)
            if isinstance(cells, pd.Series):
                cells = cells.to_dict()
            if not isinstance(cells, Mapping):
                raise InputError("targets must map each level to a total", variable=":".join(variables))
            keys = [k if isinstance(k, tuple) else (k,) for k in cells]
            if any(len(k) != len(variables) for k in keys):
                raise InputError("a target cell does not give one level per variable",
                                 variable=":".join(variables))
            levels = tuple(np.array([k[j] for k in keys], dtype=object) for j in range(len(variables)))
            totals = np.array([float(v) for v in cells.values()], dtype=float)
            out.append(Margin(variables, levels, totals))
        return out
    if isinstance(spec, Iterable) and not isinstance(spec, (str, bytes)):
        return [m for item in spec for m in as_margins(item)]
    raise InputError(f"cannot read targets from a {type(spec).__name__}")


# --------------------------------------------------------------------------------------------
# Coding the data and the targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Factor:
    """A variable coded as integers 0..k-1 with its levels (categories order, else sorted)."""

    name: str
    codes: np.ndarray
    levels: list

    @functools.cached_property
    def _lookup(self) -> dict:
        lookup: dict = {}
        for i, level in enumerate(self.levels):
            lookup.setdefault(_key(level), i)
        return lookup

    @functools.cached_property
    def _text(self) -> dict[str, int | None]:
        text: dict[str, int | None] = {}
        for i, level in enumerate(self.levels):
            s = str(level)
            text[s] = None if s in text else i  # ambiguous text matches nothing
        return text

    def level_index(self, value) -> int | None:
        """The index of a target's level: equal values first, then equal text (a target
        level "1" for integer codes 1, as tidy tables read from CSV give them)."""
        found = self._lookup.get(_key(value))
        return self._text.get(str(value)) if found is None else found


def _key(value):
    return value.item() if isinstance(value, np.generic) else value


def _factor(design: SurveyDesign, name: str, cache: dict[str, Factor] | None = None) -> Factor:
    if cache is not None and name in cache:
        return cache[name]
    out = factor_values(design.column(name), name)
    if cache is not None:
        cache[name] = out
    return out


def factor_values(values: pd.Series, name: str) -> Factor:
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.int64)
        levels = list(values.cat.categories)
    else:
        try:
            codes, uniques = pd.factorize(values, sort=True)
        except TypeError:
            codes, uniques = pd.factorize(values, sort=False)
        codes = np.asarray(codes, dtype=np.int64)
        levels = list(uniques)
    missing = int((codes < 0).sum())
    if missing:
        raise InputError("weighting variable has missing values", variable=name, count=missing)
    return Factor(name, codes, levels)


def _combine(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> tuple[np.ndarray, int]:
    """Mixed-radix cell codes of several factors, re-coded densely when the radix would
    overflow; returns the codes and their range."""
    out = np.zeros(len(codes[0]), dtype=np.int64)
    span = 1
    for c, k in zip(codes, sizes):
        if span * max(k, 1) > 2**62:
            out, uniques = pd.factorize(out)
            span = len(uniques)
        out = out * max(k, 1) + c
        span *= max(k, 1)
    return out, span


@dataclass(frozen=True, eq=False)
class CodedMargin:
    """A margin checked against the data: each row's cell (``n_cells`` for rows with zero
    weight, which belong to no cell) and the cells' totals."""

    margin: Margin
    factors: tuple[Factor, ...]
    cell_levels: tuple[np.ndarray, ...]  # per variable: each cell's level index
    codes: np.ndarray
    totals: np.ndarray
    labels: list[str]

    @property
    def n_cells(self) -> int:
        return len(self.totals)


def code_margin(design: SurveyDesign, margin: Margin, cache: dict, partial: bool = False) -> CodedMargin:
    name = margin.name
    if len(set(margin.variables)) != len(margin.variables):
        raise InputError("a margin names the same variable twice", variable=name)
    factors = tuple(_factor(design, v, cache) for v in margin.variables)
    totals = np.asarray(margin.totals, dtype=float)
    labels_all = [margin.cell_label(i) for i in range(margin.n_cells)]
    bad = ~np.isfinite(totals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("target total is missing or not finite", variable=name, value=labels_all[i])
    if (totals < 0).any():
        i = int(np.flatnonzero(totals < 0)[0])
        raise InputError(f"target total is negative ({totals[i]:g})", variable=name, value=labels_all[i])
    # map each target cell to level indices in the data
    index = np.empty((len(factors), margin.n_cells), dtype=np.int64)
    keep = np.ones(margin.n_cells, dtype=bool)
    for j, (factor, levels) in enumerate(zip(factors, margin.levels)):
        for i, value in enumerate(levels):
            found = factor.level_index(value)
            if found is None:
                if totals[i] == 0:  # R drops cells absent from both sample and population
                    keep[i] = False
                    index[j, i] = 0
                    continue
                raise InputError(
                    "target category does not occur in the data", variable=factor.name, value=value
                )
            index[j, i] = found
    index = index[:, keep]
    totals = totals[keep]
    labels = [lab for lab, k in zip(labels_all, keep) if k]
    sizes = [len(f.levels) for f in factors]
    cell_ids, _ = _combine(list(index), sizes)
    if len(np.unique(cell_ids)) != len(cell_ids):
        dup = pd.Series(cell_ids).duplicated().to_numpy()
        raise InputError("target cell is given twice", variable=name, value=labels[int(np.flatnonzero(dup)[0])])
    row_ids, span = _combine([f.codes for f in factors], sizes)
    if span <= max(len(row_ids), LOOKUP_CELLS):  # each row's cell from a table of every cell
        table = np.full(span, -1, dtype=np.int64)
        table[cell_ids] = np.arange(len(cell_ids))
        codes = table.take(row_ids)
        matched = codes >= 0
    else:
        order = np.argsort(cell_ids, kind="stable")
        sorted_ids = cell_ids[order]
        pos = np.searchsorted(sorted_ids, row_ids)
        pos = np.minimum(pos, len(sorted_ids) - 1) if len(sorted_ids) else pos
        matched = sorted_ids[pos] == row_ids if len(sorted_ids) else np.zeros(len(row_ids), dtype=bool)
        codes = np.where(matched, order[pos] if len(sorted_ids) else 0, -1)
    positive = design.weights > 0
    lacking = positive & ~matched
    if lacking.any():
        first = int(np.flatnonzero(lacking)[0])
        value = ":".join(str(f.levels[f.codes[first]]) for f in factors)
        raise InputError(
            "category occurs in the data (with positive weight) but has no target",
            variable=name, value=value, count=int(lacking.sum()),
        )
    k = len(totals)
    codes = np.where(positive, codes, k)
    sums = np.bincount(codes, weights=design.weights, minlength=k + 1)[:k]
    empty = (sums <= 0) & (totals > 0)
    if empty.any():
        if partial:
            warnings.warn(
                f"{name}: {int(empty.sum())} target cell(s) have no respondents with positive "
                f"weight and are ignored ({', '.join(np.array(labels)[empty][:5])})",
                WeightingWarning, stacklevel=3,
            )
        else:
            i = int(np.flatnonzero(empty)[0])
            raise InputError(
                "target category has no respondents with positive weight in the data",
                variable=name, value=labels[i],
            )
    zero_target = (totals == 0) & (sums > 0)
    if zero_target.any():
        i = int(np.flatnonzero(zero_target)[0])
        raise InputError(
            "target total is 0 for a category that has respondents with positive weight",
            variable=name, value=labels[i], count=int(((codes == i)).sum()),
        )
    drop = (sums <= 0)
    if drop.any():  # cells with no weight and a zero (or ignored) target: no cell at all
        remap = np.full(k + 1, -1, dtype=np.int64)
        kept = np.flatnonzero(~drop)
        remap[kept] = np.arange(len(kept))
        remap[k] = len(kept)
        codes = remap[codes]
        totals = totals[kept]
        index = index[:, kept]
        labels = [labels[i] for i in kept]
    return CodedMargin(margin, factors, tuple(index), codes, totals, labels)


def _check_consistent(coded: Sequence[CodedMargin], margin_tolerance: float) -> None:
    """Margins must agree where they overlap: equal grand totals, and equal totals over any
    variables two margins share (e.g. country totals of country x gender and country x age)."""
    for a, b in itertools.combinations(coded, 2):
        shared = [v for v in a.margin.variables if v in b.margin.variables]
        ta = _collapse(a, shared)
        tb = _collapse(b, shared)
        keys = sorted(set(ta) | set(tb))
        for key in keys:
            x, y = ta.get(key, 0.0), tb.get(key, 0.0)
            if abs(x - y) > margin_tolerance * max(abs(x), abs(y), 1e-300):
                if shared:
                    factors = [next(f for f in a.factors if f.name == v) for v in shared]
                    value = ":".join(str(f.levels[i]) for f, i in zip(factors, key))
                    where = f"over {':'.join(shared)}"
                else:
                    value, where = None, "in their grand totals"
                raise InputError(
                    f"margins {a.margin.name} and {b.margin.name} disagree {where}: "
                    f"{x:.10g} vs {y:.10g}",
                    variable=":".join(shared) if shared else f"{a.margin.name}, {b.margin.name}",
                    value=value,
                )


def _collapse(c: CodedMargin, shared: Sequence[str]) -> dict[tuple, float]:
    out: dict[tuple, float] = {}
    pos = [c.margin.variables.index(v) for v in shared]
    for i in range(c.n_cells):
        key = tuple(int(c.cell_levels[p][i]) for p in pos)
        out[key] = out.get(key, 0.0) + float(c.totals[i])
    return out


# --------------------------------------------------------------------------------------------
# Raking
# --------------------------------------------------------------------------------------------


def code_margins(design: SurveyDesign, margins, margin_tolerance: float, partial: bool = False) -> list[CodedMargin]:
    margins = as_margins(margins)
    if not margins:
        raise InputError("no targets were given")
    cache: dict[str, Factor] = {}
    coded = [code_margin(design, m, cache, partial) for m in margins]
    _check_consistent(coded, margin_tolerance)
    return coded
