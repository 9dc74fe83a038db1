"""The survey design object: weights, optional strata, first-stage clusters, fpc, calibration.

Follows R's ``svydesign`` (survey package) for one-stage designs: ``ids`` are the primary
sampling units (PSUs), taken as nested within strata; ``fpc`` is the population number of
PSUs in the stratum (a value above 1) or the sampling fraction (a value of at most 1), and
must be constant within a stratum. Domains are estimated by giving the rows outside the
domain zero weight (:meth:`SurveyDesign.subset`), never by dropping them, so the design's
strata, PSUs and degrees of freedom stay those of the whole sample (Lumley 2010, sec. 2.3).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from swsurvey.errors import InputError

#: How a stratum with a single PSU enters the variance (R's options(survey.lonely.psu)).
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")


class Adjustment(Protocol):
    """A calibration the weights went through, as the variance engine applies it to influence
    values (R's ``postStrata``): :mod:`swsurvey.survey.variance` and
    :mod:`swsurvey.survey.weighting` make them."""

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The influence values ``x`` (n x k) as residuals of the calibration."""


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A one-stage survey design over ``data`` (rows are respondents).

    Attributes are arrays aligned with ``data``'s rows: ``weights`` (current analysis
    weights, zero outside a domain), ``strata`` and ``psu`` (integer codes, PSUs numbered
    across the whole sample), ``fpc`` (per row: the sampling fraction of its stratum, 0 when
    sampled with replacement). ``calibration`` lists the adjustments weighting made, which
    the variance engine applies to influence values (R's ``postStrata``). ``in_sample`` marks
    the rows with non-zero weight before any subsetting, which define degrees of freedom.
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray
    psu: np.ndarray
    fpc: np.ndarray
    lonely_psu: str = "fail"
    calibration: tuple[Adjustment, ...] = ()
    domain: np.ndarray | None = None
    columns: dict[str, str | None] = field(default_factory=dict)

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

    def subset(self, mask: np.ndarray | pd.Series) -> SurveyDesign:
        """The design restricted to a domain: zero weight outside it, every row kept.

        Matches R's ``subset(design, ...)`` for linearization designs. Missing values in the
        mask count as outside the domain.
        """
        mask = as_mask(mask, self.n)
        if not mask.any():
            raise InputError("the domain is empty: no row of the design is in it")
        weights = np.where(mask, self.weights, 0.0)
        domain = mask if self.domain is None else (mask & self.domain)
        return dataclasses.replace(self, weights=weights, domain=domain)

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


def svydesign(
    data: pd.DataFrame,
    weights: str | None = None,
    strata: str | None = None,
    ids: str | None = None,
    fpc: str | None = None,
    lonely_psu: str = "fail",
) -> SurveyDesign:
    """Build a design like R's ``svydesign(ids=, strata=, weights=, fpc=, data=)``.

    ``weights`` names a column of sampling weights (all 1 when omitted); ``ids`` the PSU
    column (each row its own PSU when omitted, R's ``ids=~1``), nested within ``strata``.
    ``lonely_psu`` says how a stratum with a single PSU enters the variance, as R's
    ``options(survey.lonely.psu=)``: "fail" (R's default: an error naming the stratum),
    "remove" or "certainty" (contributes nothing), "adjust" (centred at the grand mean of PSU
    totals), "average" (the average variance of the other strata).
    Negative or missing weights, missing design variables and fpc values that vary within
    a stratum or are smaller than the sample are errors naming the column.
    """
    if lonely_psu not in LONELY_PSU:
        raise InputError(f"lonely_psu must be one of {', '.join(LONELY_PSU)}", value=lonely_psu)
    data = data.reset_index(drop=True)
    n = len(data)
    if n == 0:
        raise InputError("the design has no rows")
    if weights is None:
        w = np.ones(n)
    else:
        if weights not in data:
            raise InputError("weight column not in the data", variable=weights)
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
    for col in (strata, ids, fpc):
        if col is not None and col not in data:
            raise InputError("design column not in the data", variable=col)
    stratum = _codes(data[strata], strata) if strata else np.zeros(n, dtype=np.int64)
    if ids:
        pairs = pd.MultiIndex.from_arrays([stratum, _codes(data[ids], ids)])
        psu, _ = pd.factorize(pairs, sort=True)
        psu = psu.astype(np.int64)
    else:
        psu = np.arange(n, dtype=np.int64)
    fraction = _fpc_fraction(data, fpc, stratum, psu) if fpc else np.zeros(n)
    return SurveyDesign(
        data=data,
        weights=w,
        strata=stratum,
        psu=psu,
        fpc=fraction,
        lonely_psu=lonely_psu,
        columns={"weights": weights, "strata": strata, "ids": ids, "fpc": fpc},
    )


def _fpc_fraction(data: pd.DataFrame, fpc: str, stratum: np.ndarray, psu: np.ndarray) -> np.ndarray:
    """Per row, the sampling fraction of PSUs in its stratum (R's fpc conventions)."""
    values = pd.to_numeric(data[fpc], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise InputError("fpc has missing values", variable=fpc, count=int((~np.isfinite(values)).sum()))
    frame = pd.DataFrame({"stratum": stratum, "psu": psu, "fpc": values})
    per = frame.groupby("stratum").agg(lo=("fpc", "min"), hi=("fpc", "max"), n=("psu", "nunique"))
    varying = per[per["lo"] != per["hi"]]
    if len(varying):
        raise InputError("fpc varies within a stratum", variable=fpc, count=len(varying))
    population = per["lo"].to_numpy()
    is_size = population > 1
    if (is_size & (population < per["n"].to_numpy())).any():
        raise InputError("fpc (population PSUs) is smaller than the PSUs sampled", variable=fpc)
    fraction = np.where(is_size, per["n"].to_numpy() / np.where(is_size, population, 1.0), population)
    return fraction[stratum]
