"""Estimates in domains: R's ``svyby``.

Each domain (a combination of the ``by`` variables' levels) is estimated on
``design.subset(mask)``: rows outside get zero weight and stay in the design, so strata,
PSUs and fpc are those of the whole sample and the variance is the correct domain variance
(Lumley 2010, sec. 2.3.1; never estimate a domain by dropping rows). With ``covmat=True``
the covariance across domains is the design covariance of all domains' influence values
taken together (what survey >= 4.2 does with influence functions), so contrasts between
domains get correct SEs even in stratified and clustered designs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.estimates import svymean
from swsurvey.survey.replicates import SvyRepDesign, combine
from swsurvey.survey.svystat import DF, SvrepStat, SvyStat
from swsurvey.survey.variables import variable_names
from swsurvey.survey.variance import design_vcov

__all__ = ["SvyBy", "svyby"]


@dataclass(frozen=True, eq=False)
class SvyBy:
    """Domain estimates: one result per domain, in R's order (the first ``by`` variable
    varying fastest), and the joint covariance when ``covmat=True`` was asked for."""

    by: tuple[str, ...]
    groups: pd.DataFrame
    results: tuple
    covmat: np.ndarray | None = None

    @property
    def labels(self) -> list[str]:
        """Domain labels as R's ``interaction``: levels joined by "."."""
        return [".".join(str(v) for v in row) for row in self.groups.itertuples(index=False)]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.results[0].names)

    @property
    def _order(self) -> np.ndarray:
        """R's order of the estimates (statistic by statistic, domains within) as positions
        in the domain-by-domain order the results are held in."""
        k = len(self.names)
        return np.arange(k * len(self.results)).reshape(-1, k).T.ravel()

    @property
    def estimates(self) -> np.ndarray:
        """Every domain's estimates in R's order of ``coef(svyby)``: the first statistic in
        every domain, then the next (``E:api00, H:api00, M:api00, E:api99, ...``)."""
        return np.concatenate([r.estimates for r in self.results])[self._order]

    @property
    def coef(self) -> pd.Series:
        """R's ``coef``: the estimates named as R names them (:attr:`vcov_names`)."""
        return pd.Series(self.estimates, index=self.vcov_names)

    @property
    def vcov_names(self) -> list[str]:
        """R's names of ``coef`` and ``vcov``: the domain labels, or ``label:statistic``."""
        if len(self.names) == 1:
            return self.labels
        return [f"{label}:{name}" for name in self.names for label in self.labels]

    @property
    def vcov(self) -> np.ndarray:
        """The joint covariance (``covmat=True``), else the block-diagonal one (R warns that
        only its diagonal is available), in R's order (:attr:`estimates`)."""
        if self.covmat is not None:
            out = self.covmat
        else:
            k = len(self.names)
            out = np.zeros((k * len(self.results),) * 2)
            for g, r in enumerate(self.results):
                out[g * k : (g + 1) * k, g * k : (g + 1) * k] = r.vcov
        order = self._order
        return out[np.ix_(order, order)]

    @property
    def se(self) -> np.ndarray:
        """Standard errors in R's order (:attr:`estimates`; R's ``SE`` as one vector)."""
        return np.concatenate([np.atleast_1d(r.se) for r in self.results])[self._order]

    def confint(self, level: float = 0.95, df: DF = None) -> np.ndarray:
        """Each domain's intervals as its estimator gives them (Wald for svymean, svytotal,
        svyratio, svyvar, as R's ``confint.svyby``; the estimator's own intervals for
        svyciprop and svyquantile, at the level they were computed), a k x 2 array in R's
        order (:attr:`estimates`)."""
        parts = [r.confint(level, df) if isinstance(r, SvyStat) else r.confint(level) for r in self.results]
        return np.vstack(parts)[self._order]

    @property
    def table(self) -> pd.DataFrame:
        """R's ``svyby`` data frame: group columns, estimates, ``se`` (``se.<name>`` for
        several, and for a ratio or quantile), ``DEff.<name>`` when design effects were
        computed (R's ``DEff`` alone for a single ratio), with R's column names."""
        names = list(self.names)
        single = len(names) == 1
        frame = self.groups.copy()
        est = np.vstack([r.estimates for r in self.results])
        se = np.sqrt(np.vstack([np.diag(r.vcov) for r in self.results]))
        for j, name in enumerate(names):
            frame[name] = est[:, j]
        # R names a lone SE "se.<name>" when the estimator's SE carries names (ratios,
        # quantiles), and svyciprop's "se.as.numeric(<name>)" (its variance is svymean's of it)
        named_se = getattr(self.results[0], "statistic", None) in ("ratio", "quantile")
        ciprop = hasattr(self.results[0], "ci_lower")
        for j, name in enumerate(names):
            label = f"se.as.numeric({name})" if ciprop else ("se" if single and not named_se else f"se.{name}")
            frame[label] = se[:, j]
        if all(getattr(r, "deff", None) is not None for r in self.results):
            deff = np.vstack([r.deff for r in self.results])
            ratio = getattr(self.results[0], "statistic", None) == "ratio"
            for j, name in enumerate(names):
                frame["DEff" if single and ratio else f"DEff.{name}"] = deff[:, j]
        return frame

    def to_frame(self, level: float = 0.95, df: DF = None) -> pd.DataFrame:
        """Long tidy frame: group columns, then each result's ``to_frame`` columns
        (name, estimate, se, ci_lower, ci_upper, ci_method, deff)."""
        parts = []
        for g, r in enumerate(self.results):
            part = r.to_frame(level, df) if isinstance(r, SvyStat) else r.to_frame()
            for col in reversed(self.by):
                part.insert(0, col, self.groups[col].iloc[g])
            parts.append(part)
        return pd.concat(parts, ignore_index=True)


def _by_codes(design: SurveyDesign, name: str, na_rm_by: bool) -> tuple[np.ndarray, list]:
    values = design.column(name)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, levels = values.cat.codes.to_numpy(dtype=np.int64), list(values.cat.categories)
    else:
        codes, uniques = pd.factorize(values, sort=True)
        codes, levels = codes.astype(np.int64), list(uniques)
    na = (codes < 0) & (design.weights != 0)
    if na.any() and not na_rm_by:
        raise InputError(
            "by variable has missing values (pass na_rm_by=True to leave those rows out of every domain)",
            variable=name,
            count=int(na.sum()),
        )
    return codes, levels


def svyby(
    design: SurveyDesign,
    variables,
    by: str | Sequence[str],
    fn: Callable = svymean,
    *,
    covmat: bool = False,
    na_rm_by: bool = False,
    **kw,
) -> SvyBy:
    """Apply ``fn`` (svymean, svytotal, svyratio, svyvar, svyciprop, svyquantile, ...) in
    every domain.

    R's ``svyby(~variables, ~by, design, FUN, ..., covmat=)``, called
    ``svyby(design, "~variables", "~by", fn, ...)`` (formula strings, or names or lists of
    names, for both): domains are the level
    combinations of ``by`` present among rows with non-zero weight, ordered as R orders
    ``interaction(by)`` (the first variable varying fastest); each is estimated on
    ``design.subset(mask)``. Extra keywords go to ``fn`` (e.g. ``deff=True``,
    ``na_rm=True``, ``denominator=`` for svyratio, ``method=`` for svyciprop, ``quantiles=``
    for svyquantile). ``covmat=True`` computes the joint covariance across domains from the
    influence values (``fn`` must accept ``influence=True``: svyciprop and svyquantile have
    none, and R gives no covariance across their domains either). Rows with a missing
    ``by`` value are an error unless ``na_rm_by=True`` (R's ``na.rm.by``), which leaves
    them out of every domain.
    On a replicate-weight design the joint covariance comes from the domains' replicate
    estimates (R's ``svyby`` on a ``svyrep.design``).
    """
    by_names = variable_names(by, "by variables")
    if not by_names:
        raise InputError("no by variables given")
    if covmat and "influence" not in inspect.signature(fn).parameters:
        raise InputError(
            "covmat=True needs an estimator that returns influence values (svymean, "
            "svytotal, svyratio, svyvar; svyciprop and svyquantile give no covariance "
            "across domains, as in R)",
            value=getattr(fn, "__name__", repr(fn)),
        )
    combined = np.zeros(design.n, dtype=np.int64)
    missing = np.zeros(design.n, dtype=bool)
    stride = 1
    level_lists = []
    for name in by_names:  # interaction(): the first factor varies fastest
        codes, levels = _by_codes(design, name, na_rm_by)
        missing |= codes < 0
        combined += np.where(codes < 0, 0, codes) * stride
        stride *= max(len(levels), 1)
        level_lists.append(levels)
    present = (design.weights != 0) & ~missing
    cells = np.unique(combined[present])
    if len(cells) == 0:
        raise InputError("no domain has rows with non-zero weight")
    results = []
    for cell in cells:
        sub = design.subset((combined == cell) & ~missing)
        if covmat:
            results.append(fn(sub, variables, influence=True, **kw))
        else:
            results.append(fn(sub, variables, **kw))
    rows = {}
    for k, name in enumerate(by_names):
        below = int(np.prod([max(len(level_lists[i]), 1) for i in range(k)]))
        idx = (cells // below) % max(len(level_lists[k]), 1)
        rows[name] = [level_lists[k][i] for i in idx]
    groups = pd.DataFrame(rows)
    joint = None
    if covmat:
        joint, results = (_replicate_joint if isinstance(design, SvyRepDesign) else _joint)(design, results)
    return SvyBy(by=tuple(by_names), groups=groups, results=tuple(results), covmat=joint)


def _joint(design: SurveyDesign, results: list) -> tuple[np.ndarray, list]:
    """The covariance of every domain's estimates from their influence values together (the
    design covariance of the bound influence values), and the results without them."""
    joint = design_vcov(design, np.hstack([r.influence for r in results]), overwrite=True)
    return (joint + joint.T) / 2.0, [_without_influence(r) for r in results]


def _replicate_joint(design: SvyRepDesign, results: list[SvrepStat]) -> tuple[np.ndarray, list]:
    """The covariance of every domain's estimates from their replicates (R's ``svyby`` with
    ``covmat=TRUE`` on a replicate design: ``svrVar`` of the bound replicates), and the
    results without them."""
    theta = np.concatenate([r.estimates for r in results])
    reps = np.hstack([r.replicates for r in results])
    joint = combine(theta, reps, design.scale, design.rscales, design.mse)
    return joint, [replace(r, replicates=None) for r in results]


def _without_influence(result):
    if isinstance(result, SvyStat) and result.influence is not None:
        return replace(result, influence=None)
    return result
