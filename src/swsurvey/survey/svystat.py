"""Design-based estimates and their Wald intervals: R's ``svystat`` result (:class:`SvyStat`)
and, from a replicate-weight design, ``svrepstat`` (:class:`SvrepStat`).

Intervals follow R's ``confint.svystat``: normal quantiles by default (``df=Inf``), t
quantiles on the design's degrees of freedom with ``df="design"`` (Lumley 2010, sec. 2.3).
Results of :func:`~swsurvey.survey.estimates.svymean`, ``svytotal``, ``svyratio``, ``svyvar``
and of :func:`~swsurvey.survey.replicates.with_replicates`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.distributions import qnorm, qt

__all__ = [
    "DF",
    "NamedEstimates",
    "SvrepStat",
    "SvyStat",
    "check_level",
    "describe_df",
    "quantile",
    "resolve_df",
]

DF = int | float | str | None


# -- confidence-interval helpers -----------------------------------------------------------


def resolve_df(df: DF, design_df: int) -> float:
    """Degrees of freedom for a Wald interval: None or inf = normal quantiles (R's confint
    default ``df=Inf``), "design" = the design's degrees of freedom, a number = that."""
    if df is None:
        return math.inf
    if isinstance(df, str):
        if df != "design":
            raise InputError("df must be None, 'design' or a positive number", value=df)
        df = design_df
    df = float(df)
    if not df > 0:
        raise InputError("degrees of freedom must be positive", value=df)
    return df


def quantile(p: float | np.ndarray, df: float) -> np.ndarray:
    """R's ``qt(p, df)``; with ``df = inf`` exactly ``qnorm(p)``."""
    if math.isinf(df):
        return qnorm(p)
    return qt(p, df)


def check_level(level: float | None, computed: float) -> None:
    """For results whose intervals are computed with the estimate (svyciprop, svyquantile):
    ``level`` must be None or the level they were computed at (ask the estimator again for
    another level)."""
    if level is not None and not math.isclose(level, computed, rel_tol=0, abs_tol=1e-12):
        raise InputError(
            f"the intervals were computed at level {computed:g}; estimate again with that level "
            "(svyciprop(level=), svyquantile(alpha=)) for another",
            value=level,
        )


def describe_df(df: float, design_df: int | None = None) -> str:
    """How an interval's quantiles were taken, for tables ("t on 12 design df")."""
    if math.isinf(df):
        return "normal quantiles"
    label = f"{df:g}"
    if design_df is not None and df == design_df:
        return f"t on {label} design df"
    return f"t on {label} df"


# -- the result types --------------------------------------------------------------------------


class NamedEstimates:
    """Look-ups by R's names of the estimates, shared by the results that have ``names``,
    ``estimates``, ``se`` and ``deff`` (None when not computed).

    Every estimator's result has one interface, R's: ``coef`` (the estimates as a Series
    named as R names them), ``se``, ``vcov``, ``confint(level=)`` (a k x 2 array, rows in
    ``coef``'s order) and ``to_frame()`` (one row per estimate)."""

    @property
    def coef(self) -> pd.Series:
        """R's ``coef``: the estimates, named as R names them."""
        return pd.Series(np.asarray(self.estimates, dtype=float), index=list(self.names))

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, name: str) -> float:
        """The estimate called ``name``."""
        try:
            return float(self.estimates[self.names.index(name)])
        except ValueError:
            raise InputError("no estimate of that name", value=name) from None

    def as_dict(self, what: str = "estimates") -> dict[str, float]:
        """``{name: value}`` for "estimates", "se" or "deff"."""
        values = {"estimates": self.estimates, "se": self.se, "deff": self.deff}[what]
        if values is None:
            raise InputError("no design effects were computed (pass deff=True)")
        return {n: float(v) for n, v in zip(self.names, values, strict=True)}


@dataclass(frozen=True, eq=False)
class SvyStat(NamedEstimates):
    """Estimates with their design-based covariance (R's ``svystat``).

    ``names`` are R's names of the estimates, ``estimates`` their values, ``vcov`` their
    covariance matrix, ``statistic`` one of "mean", "total", "ratio", "variance", ``df`` the
    design degrees of freedom of the design they were computed on (R's ``degf``),
    ``deff`` the design effects when asked for, ``influence`` (only when asked for) the
    n x k weighted influence values whose design covariance is ``vcov``.
    """

    names: tuple[str, ...]
    estimates: np.ndarray
    vcov: np.ndarray
    statistic: str
    df: int
    deff: np.ndarray | None = None
    influence: np.ndarray | None = field(default=None, repr=False)

    @property
    def se(self) -> np.ndarray:
        """Standard errors: square roots of the covariance's diagonal (R's ``SE``)."""
        return np.sqrt(np.diag(self.vcov))

    def confint(self, level: float = 0.95, df: DF = None) -> np.ndarray:
        """Wald intervals, a k x 2 array (R's ``confint.svystat``).

        ``df=None`` uses normal quantiles as R's default (``df=Inf``); ``df="design"`` t
        quantiles on the design degrees of freedom (R's ``confint(m, df=degf(design))``);
        a number, t quantiles on that many degrees of freedom.
        """
        dof = resolve_df(df, self.df)
        a = (1.0 - level) / 2.0
        fac = quantile(np.array([a, 1.0 - a]), dof)
        return self.estimates[:, None] + np.outer(self.se, fac)

    def ci_method(self, df: DF = None) -> str:
        return f"Wald, {describe_df(resolve_df(df, self.df), self.df)}"

    def to_frame(self, level: float = 0.95, df: DF = None) -> pd.DataFrame:
        """One row per estimate: name, estimate, se, ci_lower, ci_upper, ci_method, deff."""
        ci = self.confint(level, df)
        return pd.DataFrame(
            {
                "name": list(self.names),
                "estimate": self.estimates,
                "se": self.se,
                "ci_lower": ci[:, 0],
                "ci_upper": ci[:, 1],
                "ci_method": self.ci_method(df),
                "deff": self.deff if self.deff is not None else np.full(len(self.names), np.nan),
            }
        )


@dataclass(frozen=True, eq=False)
class SvrepStat(SvyStat):
    """:class:`SvyStat` from a replicate design (R's ``svrepstat``): ``variance`` names the
    method, ``replicates`` (kept when asked for) holds the replicate estimates (R's
    ``return.replicates``); ``to_frame`` adds a ``variance`` column."""

    variance: str = ""
    replicates: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self, level: float = 0.95, df: DF = None) -> pd.DataFrame:
        frame = super().to_frame(level, df)
        frame["variance"] = self.variance
        return frame
