"""The survey design object: weights, optional strata, clusters at each stage, fpc, calibration.

Follows R's ``svydesign`` (survey package): ``ids`` are the primary sampling units (PSUs),
nested within strata, and for a multistage design the units of each later stage, nested in
the stage above; ``fpc`` is, per stage, the population number of units in the stratum (a
value above 1) or the sampling fraction (a value of at most 1), and must be constant within
a stratum (a later stage's strata are the units of the stage above). Domains are estimated
by giving the rows outside the domain zero weight (:meth:`SurveyDesign.subset`), never by
dropping them, so the design's strata, PSUs and degrees of freedom stay those of the whole
sample (Lumley 2010, sec. 2.3).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.variables import variable_names

#: How a stratum with a single PSU enters the variance (R's options(survey.lonely.psu)).
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")


class Adjustment(Protocol):
    """A calibration the weights went through, as the variance engine applies it to influence
    values (R's ``postStrata``): :mod:`swsurvey.survey.variance` and
    :mod:`swsurvey.survey.weighting` make them."""

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The influence values ``x`` (n x k) as residuals of the calibration."""


@dataclass(frozen=True, eq=False)
class Stage:
    """A later stage (2, 3, ...) of a multistage design, as its variance needs it.

    Arrays aligned with the data's rows: ``strata`` (the unit of the stage above, whose
    sample of units this stage draws), ``units`` (this stage's sampling units, integer codes
    numbered across the sample), ``fpc`` (the sampling fraction n/N of units in the
    stratum) and ``scale`` (the product of the sampling fractions of the stages above: the
    within-unit variance of a unit drawn with probability f counts f times, R's
    ``multistage``). ``columns`` names the ids of the stage above and of this one.
    """

    strata: np.ndarray
    units: np.ndarray
    fpc: np.ndarray
    scale: np.ndarray
    columns: tuple[str, str]


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A survey design over ``data`` (rows are respondents).

    Attributes are arrays aligned with ``data``'s rows: ``weights`` (current analysis
    weights, zero outside a domain), ``strata`` and ``psu`` (integer codes, PSUs numbered
    across the whole sample), ``fpc`` (per row: the sampling fraction of its stratum, 0 when
    sampled with replacement). ``calibration`` lists the adjustments weighting made, which
    the variance engine applies to influence values (R's ``postStrata``). ``in_sample`` marks
    the rows with non-zero weight before any subsetting, which define degrees of freedom.
    ``stages`` holds the stages after the first of a multistage design with fpc (empty for
    a one-stage design, and for a multistage one without fpc, whose variance is the first
    stage's, with replacement, as in R).
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray
    psu: np.ndarray
    fpc: np.ndarray
    lonely_psu: str = "fail"
    calibration: tuple[Adjustment, ...] = ()
    domain: np.ndarray | None = None
    columns: dict[str, str | Sequence[str] | None] = field(default_factory=dict)
    stages: tuple[Stage, ...] = ()

    # -- shape ------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def n_strata(self) -> int:
        return int(self.strata.max()) + 1 if self.n else 0

    @property
    def n_psu(self) -> int:
        return int(self.psu.max()) + 1 if self.n else 0

    @property
    def has_clusters(self) -> bool:
        return self.n_psu != self.n

    def degf(self, rows: np.ndarray | None = None) -> int:
        """Design degrees of freedom: PSUs minus strata, counted on rows with non-zero weight
        (or on ``rows``, a boolean mask).

        R's ``degf()``; for a domain (a subset) it counts the rows in the domain, as R does.
        Counted with bincount, not by sorting: it runs on every estimate.
        """
        inset = self.weights != 0 if rows is None else rows
        psu = np.count_nonzero(np.bincount(self.psu[inset], minlength=self.n_psu))
        strata = np.count_nonzero(np.bincount(self.strata[inset], minlength=self.n_strata))
        return int(psu - strata)

    # -- derived designs ----------------------------------------------------------------------

    def subset(self, mask) -> SurveyDesign:
        """The design restricted to a domain: zero weight outside it, every row kept.

        Matches R's ``subset(design, ...)`` for linearization designs (``subset.survey.design``
        keeps every PSU, so strata, PSUs and degrees of freedom stay the sample's). ``mask`` is
        a boolean mask of the rows, or an expression over the design's variables
        (:func:`evaluate`, R's ``subset(design, stype == "E")``). Missing values in the mask
        count as outside the domain.
        """
        mask = as_mask(evaluate(self.data, mask) if isinstance(mask, str) else mask, self.n)
        if not mask.any():
            raise InputError("the domain is empty: no row of the design is in it")
        weights = np.where(mask, self.weights, 0.0)
        domain = mask if self.domain is None else (mask & self.domain)
        return dataclasses.replace(self, weights=weights, domain=domain)

    def update(self, **columns) -> SurveyDesign:
        """The design with new or replaced variables, R's ``update(design, name = expr)``:
        each keyword is a column (an array or Series aligned with the rows, a scalar, or an
        expression string over the design's variables, :func:`evaluate`). The design
        information (weights, strata, PSUs, fpc, calibration) is unchanged, as in R."""
        return dataclasses.replace(self, data=updated_data(self.data, columns))

    def with_weights(
        self, weights: np.ndarray, adjustment: Adjustment | None = None
    ) -> SurveyDesign:
        """A new design with new weights (from weighting), recording the adjustment made."""
        weights = np.asarray(weights, dtype=float)
        if weights.shape != self.weights.shape:
            raise InputError(f"weights have {weights.shape[0]} rows, the design {self.n}")
        calibration = self.calibration + ((adjustment,) if adjustment is not None else ())
        return dataclasses.replace(self, weights=weights, calibration=calibration)

    def column(self, name: str) -> pd.Series:
        """A variable of the design's data, with an error naming it if absent."""
        try:
            return self.data[name]
        except KeyError:
            raise InputError("not a variable of the design's data", variable=name) from None


def held_weights(w: np.ndarray) -> np.ndarray:
    """The weights as R's design holds them, ``1 / (1 / w)``: R stores a linearization
    design's sampling probabilities and takes the weights back as their reciprocal (as does
    ``as.svrepdesign``'s full-sample weight), so a weight can move by one unit in the last
    place. That decides on which side of ``p`` a weighted CDF lands when a cumulative share
    equals ``p`` exactly (equal weights in a domain): :func:`swsurvey.survey.quantile.svyquantile`.
    Zero weights stay zero."""
    w = np.asarray(w, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(w != 0, 1.0 / (1.0 / w), 0.0)


def _backquoted(expression: str, columns) -> str:
    """``expression`` with the data's names that pandas cannot read bare (``sch.wide``) in
    backquotes, and R's ``!`` as pandas' ``~``, leaving quoted strings alone."""
    names = sorted((str(c) for c in columns if not str(c).isidentifier()), key=len, reverse=True)
    out = []
    pattern = r"""("[^"]*"|'[^']*')"""
    for k, piece in enumerate(re.split(pattern, expression)):
        if k % 2:
            out.append(piece)
            continue
        piece = re.sub(r"!(?!=)", "~", piece)
        for name in names:
            piece = re.sub(rf"(?<![A-Za-z0-9._`]){re.escape(name)}(?![A-Za-z0-9._`])", f"`{name}`", piece)
        out.append(piece)
    return "".join(out)


def evaluate(data: pd.DataFrame, expression: str) -> pd.Series:
    """An R-style expression over the data's variables, as R's ``subset`` and ``update``
    evaluate theirs: ``stype == "E"``, ``api00 > 600 & sch.wide == "Yes"``,
    ``!(stype == "H")``, ``api00 - api99`` (pandas' ``DataFrame.eval``; dotted names such as
    ``sch.wide`` are read as R reads them). An expression that does not evaluate is an
    :class:`InputError` naming it."""
    try:
        value = data.eval(_backquoted(expression, data.columns), engine="python")
    except Exception as err:  # pandas raises many kinds; one clear error names the expression
        raise InputError(f"the expression does not evaluate on the design's variables ({err})",
                         value=expression) from None
    if np.isscalar(value):
        value = pd.Series(value, index=data.index)
    return value


def updated_data(data: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """``data`` with the ``columns`` of :meth:`SurveyDesign.update` added or replaced, in
    order (a later column may use an earlier one)."""
    out = data.copy()
    for name, value in columns.items():
        if isinstance(value, str):
            value = evaluate(out, value)
        if isinstance(value, pd.Series):
            value = value.array  # by position, keeping the dtype (a Categorical stays one)
        if not np.isscalar(value) and len(value) != len(out):
            raise InputError(f"the new variable has {len(value)} values, the design {len(out)} rows", variable=name)
        out[name] = value
    return out


def subset(design, condition):
    """R's ``subset(design, condition)``: the design restricted to a domain, every row and
    PSU kept (zero weight outside), for linearization and replicate designs alike
    (:meth:`SurveyDesign.subset`, :meth:`~swsurvey.survey.replicates.SvyRepDesign.subset`).
    ``condition`` is a boolean mask or an expression (:func:`evaluate`)."""
    return design.subset(condition)


def update(design, **columns):
    """R's ``update(design, name = expr, ...)``: new or replaced variables in the design's
    data, its design information unchanged (:meth:`SurveyDesign.update`)."""
    return design.update(**columns)


def as_mask(mask: np.ndarray | pd.Series, n: int) -> np.ndarray:
    """A domain as a boolean mask of the design's ``n`` rows (missing values: outside)."""
    if isinstance(mask, pd.Series):
        mask = mask.to_numpy(dtype=object)
    arr = np.asarray(mask)
    if arr.dtype == object:
        arr = np.array([bool(v) if v is not None and v == v and v is not pd.NA else False for v in arr])
    arr = arr.astype(bool)
    if arr.shape != (n,):
        raise InputError(f"domain mask has shape {arr.shape}, the design has {n} rows")
    return arr


def _codes(values: pd.Series, name: str) -> np.ndarray:
    if values.isna().any():
        raise InputError(
            "design variable has missing values", variable=name, count=int(values.isna().sum())
        )
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.int64)


def _names(value: str | Sequence[str] | None, what: str) -> list[str]:
    """A design argument as a list of column names, one per stage (R's ``~a + b``)."""
    return variable_names(value, what)


def _one(value: str | Sequence[str] | None, what: str) -> str | None:
    """A design argument that names one column (R's ``weights=~pw``, ``strata=~stype``)."""
    names = variable_names(value, what)
    if len(names) > 1:
        raise InputError(f"{what} takes one variable (make their combination a column with update())",
                         variable=", ".join(names))
    return names[0] if names else None


def svydesign(
    data: pd.DataFrame,
    ids: str | Sequence[str] | None = None,
    strata: str | None = None,
    fpc: str | Sequence[str] | None = None,
    nest: bool = False,
    weights: str | None = None,
    lonely_psu: str = "fail",
) -> SurveyDesign:
    """Build a design like R's ``svydesign(ids=, strata=, fpc=, data=, nest=, weights=)``,
    the data first and then R's arguments in R's order.

    Every design variable is given as R gives it, a formula string (``ids="~dnum + snum"``,
    ``strata="~stype"``, ``weights="~pw"``, ``fpc="~fpc1 + fpc2"``; ``ids="~1"`` or ``"~0"``:
    no clusters), or as a name or list of names. ``weights`` names a column of sampling weights; ``ids`` the cluster column of each stage
    (a name, or a list of names for a multistage design, R's ``ids=~psu+ssu``; each row its
    own PSU when omitted, R's ``ids=~1``); ``strata`` the first-stage strata. PSUs must be
    nested in strata (each PSU value in one stratum) unless ``nest=True``, which numbers
    them within strata, as R's ``nest=``. ``fpc`` gives one column per stage: the population
    number of units in the stage's stratum (every value at least 1, some above 1) or the
    sampling fraction (every value at most 1), as R decides (R's all-ones fpc is an error;
    here it is a census). Without ``weights``, the weights come from the fpc, the product
    over stages of N/n, as R's ``weights(fpc)``; without either, they are all 1.

    The variance of a multistage design with ``fpc`` adds each later stage's within-unit
    variance (:class:`Stage`); without ``fpc`` it uses the first stage only, sampled with
    replacement, as R does. ``lonely_psu`` says how a stratum with a single PSU enters the
    variance, as R's ``options(survey.lonely.psu=)``: "fail" (R's default: an error naming
    the stratum), "remove" or "certainty" (contributes nothing), "adjust" (centred at the
    grand mean of PSU totals), "average" (the average variance of the other strata).
    Negative or missing weights, missing design variables and fpc values that vary within
    a stratum or are smaller than the sample are errors naming the column.
    """
    if lonely_psu not in LONELY_PSU:
        raise InputError(f"lonely_psu must be one of {', '.join(LONELY_PSU)}", value=lonely_psu)
    data = data.reset_index(drop=True)
    n = len(data)
    if n == 0:
        raise InputError("the design has no rows")
    id_cols, fpc_cols = _names(ids, "ids"), _names(fpc, "fpc")
    weights, strata = _one(weights, "weights"), _one(strata, "strata")
    ids = (id_cols[0] if len(id_cols) == 1 else id_cols) if id_cols else None
    fpc = (fpc_cols[0] if len(fpc_cols) == 1 else fpc_cols) if fpc_cols else None
    for col in ([weights] if weights else []) + ([strata] if strata else []) + id_cols + fpc_cols:
        if col not in data:
            kind = "weight column" if col == weights else "design column"
            raise InputError(f"{kind} not in the data", variable=col)
    if fpc_cols and len(fpc_cols) != max(len(id_cols), 1):
        raise InputError(
            f"fpc gives {len(fpc_cols)} stage(s), ids {max(len(id_cols), 1)}: one fpc column per stage",
            variable=", ".join(fpc_cols),
        )
    stratum = _codes(data[strata], strata) if strata else np.zeros(n, dtype=np.int64)
    clusters = _stage_clusters(data, id_cols, stratum, nested_check=bool(strata) and not nest, strata=strata)
    fractions, ratios = ([], [])
    if fpc_cols:
        fractions, ratios = _fpc_stages(data, fpc_cols, [stratum, *clusters[:-1]], clusters)
    w = _weights(data, weights) if weights is not None else _fpc_weights(ratios, fpc_cols, n)
    return SurveyDesign(
        data=data,
        weights=w,
        strata=stratum,
        psu=clusters[0],
        fpc=fractions[0] if fractions else np.zeros(n),
        lonely_psu=lonely_psu,
        columns={"weights": weights, "strata": strata, "ids": ids, "fpc": fpc},
        stages=_later_stages(clusters, fractions, id_cols),
    )


def _weights(data: pd.DataFrame, weights: str) -> np.ndarray:
    """The sampling weights column, checked: finite, not negative, not all zero."""
    w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w)
    if bad.any():
        raise InputError("weights are missing or not finite", variable=weights, count=int(bad.sum()))
    if (w < 0).any():
        raise InputError(
            "weights are negative", variable=weights, value=float(w[w < 0][0]), count=int((w < 0).sum())
        )
    if not (w > 0).any():
        raise InputError("every weight is zero", variable=weights)
    return w


def _fpc_weights(ratios: list[np.ndarray], fpc_cols: list[str], n: int) -> np.ndarray:
    """Weights from the fpc, as R's ``1/apply(1/weights(fpc, final=FALSE), 1, prod)``: the
    product over stages of N/n (all 1 without fpc, R's equal-probability default)."""
    if not ratios:
        return np.ones(n)
    prob = np.ones(n)
    for ratio, col in zip(ratios, fpc_cols):
        if not np.isfinite(ratio).all():
            raise InputError(
                "weights not given and the fpc (a sampling fraction of 0) cannot give them", variable=col
            )
        prob = prob * (1.0 / ratio)
    return 1.0 / prob


def _stage_clusters(
    data: pd.DataFrame, id_cols: list[str], stratum: np.ndarray, nested_check: bool, strata: str | None
) -> list[np.ndarray]:
    """Integer codes of each stage's sampling units, numbered across the sample and nested in
    the stage above (R's ``interaction`` of the ids of stages 1..k, within strata)."""
    n = len(stratum)
    if not id_cols:
        return [np.arange(n, dtype=np.int64)]
    codes = [_codes(data[col], col) for col in id_cols]
    if nested_check:
        _check_nested(data, id_cols[0], codes[0], stratum, strata)
    out = []
    for k in range(1, len(codes) + 1):
        keys = pd.MultiIndex.from_arrays([stratum, *codes[:k]])
        cluster, _ = pd.factorize(keys, sort=True)
        out.append(cluster.astype(np.int64))
    return out


def _check_nested(
    data: pd.DataFrame, column: str, psu: np.ndarray, stratum: np.ndarray, strata: str | None
) -> None:
    """R's ``check.strata``: a PSU value found in two strata is an error unless ``nest=True``."""
    first = np.full(int(psu.max()) + 1, -1, dtype=np.int64)
    first[psu[::-1]] = stratum[::-1]
    crossing = np.flatnonzero(first[psu] != stratum)
    if len(crossing):
        value = data[column].iloc[crossing[0]]
        raise InputError(
            f"PSUs are not nested in strata ({strata}): a PSU is in more than one stratum "
            "(nest=True numbers PSUs within strata, as R's nest=TRUE)",
            variable=column,
            value=value.item() if hasattr(value, "item") else value,
        )


def _fpc_stages(
    data: pd.DataFrame, fpc_cols: list[str], strata: list[np.ndarray], clusters: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per stage and row, the sampling fraction n/N of units in the stage's stratum and the
    weight factor N/n (R's ``as.fpc``: sizes if any value is above 1, else fractions)."""
    values = []
    for col in fpc_cols:
        v = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(v).all():
            raise InputError("fpc has missing values", variable=col, count=int((~np.isfinite(v)).sum()))
        values.append(v)
    is_size = any((v > 1).any() for v in values)
    for v, col in zip(values, fpc_cols):
        wrong = (v < 1) if is_size else (v < 0)
        if wrong.any():
            message = "fpc mixes population sizes (> 1) with sampling fractions (< 1)"
            raise InputError(message if is_size else "fpc is negative", variable=col, value=float(v[wrong][0]), count=int(wrong.sum()))
    out = [_stage_fraction(v, col, s, c, is_size) for v, col, s, c in zip(values, fpc_cols, strata, clusters)]
    return [f for f, _ in out], [r for _, r in out]


def _stage_fraction(
    values: np.ndarray, fpc: str, stratum: np.ndarray, psu: np.ndarray, is_size: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One stage's sampling fraction and weight factor per row (R's fpc conventions)."""
    frame = pd.DataFrame({"stratum": stratum, "psu": psu, "fpc": values})
    per = frame.groupby("stratum").agg(lo=("fpc", "min"), hi=("fpc", "max"), n=("psu", "nunique"))
    varying = per[per["lo"] != per["hi"]]
    if len(varying):
        raise InputError("fpc varies within a stratum", variable=fpc, count=len(varying))
    population = per["lo"].to_numpy()
    sampled = per["n"].to_numpy()
    if is_size and (population < sampled).any():
        raise InputError("fpc (population PSUs) is smaller than the PSUs sampled", variable=fpc)
    if is_size:
        fraction, ratio = sampled / population, population / sampled
    else:
        with np.errstate(divide="ignore"):
            fraction, ratio = population, (sampled / population) / sampled
    return fraction[stratum], ratio[stratum]


def _later_stages(
    clusters: list[np.ndarray], fractions: list[np.ndarray], id_cols: list[str]
) -> tuple[Stage, ...]:
    """Stages 2, 3, ... as the variance uses them: only with an fpc at every stage (without
    one R takes the first stage only, with replacement)."""
    if len(clusters) < 2 or not fractions:
        return ()
    stages, above = [], fractions[0]
    for k in range(1, len(clusters)):
        stages.append(
            Stage(
                strata=clusters[k - 1],
                units=clusters[k],
                fpc=fractions[k],
                scale=above,
                columns=(id_cols[k - 1], id_cols[k]),
            )
        )
        above = above * fractions[k]
    return tuple(stages)
