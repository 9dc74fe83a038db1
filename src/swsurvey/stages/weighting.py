"""The study's weighting stage: each wave's weights, as its ``weighting`` settings say.

The design (``weighting.design``: base weights from a column of the export or all 1, strata,
the clusters and fpc of one or more stages; R's ``svydesign``) is weighted to population
margins read from the wave's targets file, within the levels of ``weighting.stratum`` (e.g.
country) or the whole sample, by the ``weighting.method``: raking (R's ``rake()``,
Deming-Stephan iterative proportional fitting; Lumley 2010, sec. 7.3), post-stratification
(R's ``postStratify()``, Holt and Smith 1979), linear (GREG) or bounded logit calibration
(R's ``calibrate()``, Deville and Särndal 1992), or none (the base weights). A margin is a
variable or several (a joint margin of their cells, R's ``~gender+age_group`` interaction).
By default each wave is raked within country to country x gender and country x age-group
totals. After raking or post-stratification the weights may be trimmed and weighted again
so that the margins still hold (:func:`swsurvey.survey.weighting.weight`: a weight once
trimmed stays at its bound, as in R's ``trimWeights(strict = TRUE)`` of survey 4.5, and the
others are raked to what the trimmed ones leave of the targets). The bounds
(``weighting.trim``) are weights or, the usual practice, multiples of the median weight of
the respondent's stratum. Calibration bounds its g-weights instead (``weighting.bounds``).
The diagnostics give the margin errors of the final weights, never those before trimming.

Respondents who did not state a margin variable (prefer not to say, unanswered) keep their
place: within each stratum they form a level "Not stated" whose target is their own
(base-weighted) share of the sample, and the stated levels share the rest of the stratum's
population in the proportions of the targets file. This is deterministic (no imputation
draw), leaves the unknowns' weight where the data put it, and is the usual treatment of
unknowns in raking when the population has no such category. A joint margin's cell is not
stated when any of its variables is. Levels of the cleaned variable that the population does
not distinguish are mapped onto a target level by the configured ``level_map`` (e.g.
"Prefer to self-describe" counted with "Non-binary / gender diverse").
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, read_stage, with_provenance
from swsurvey.io.logfile import get_logger
from swsurvey.study.targets_format import JOINT, TARGET_COLUMNS, TOTAL_NAMES
from swsurvey.survey.design import SurveyDesign, svydesign
from swsurvey.survey.diagnostics import margin_table, weight_summary
from swsurvey.survey.replicates import SvyRepDesign
from swsurvey.survey.targets import WeightingWarning, joint_targets
from swsurvey.survey.variance import PostStratification
from swsurvey.survey.weighting import (
    MARGIN_TOLERANCE,
    RakeReport,
    RakingRecord,
    TrimBounds,
    WeightingReport,
    calibrate,
    poststratify,
    rake,
    weight,
    weighting_report,
)

log = get_logger("weight")

#: Keys of the ``weighting.trim`` setting.
TRIM_KEYS = ("lower", "upper", "relative_to")

#: ``weighting.method``: R's ``rake()``, ``postStratify()``, ``calibrate(calfun="linear")``
#: (GREG), ``calibrate(calfun="logit")`` (bounded logit), or no weighting (the base weights).
METHODS = ("rake", "poststratify", "linear", "logit", "none")

#: Largest relative difference allowed between the weights of the raking rebuilt for the
#: SEs (:func:`calibration_of`) and the weights the weighting stage wrote.
WEIGHT_AGREEMENT = 1e-12

#: Keys of the ``weighting.design`` setting: the base weight column (null: every base weight
#: 1), the strata, the clusters of each stage and the fpc of each stage (R's ``svydesign``).
DESIGN_KEYS = ("weights", "strata", "ids", "fpc")


def raking_levels(
    values: pd.Series, level_map: Mapping[str, str], target_levels: Sequence[str], unknown: str
) -> pd.Categorical:
    """The raking variable: cleaned levels mapped onto the target levels, missing as ``unknown``.

    A level that is neither a target level nor mapped onto one is an :class:`InputError`
    naming it, never silently dropped.
    """
    # Level by level, not row by row: each level's target, then every row's by its code.
    levels = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    categories = [*target_levels, unknown]
    position = {level: i for i, level in enumerate(categories)}
    mapped = [level_map.get(level, level) for level in levels.cat.categories]
    codes = levels.cat.codes.to_numpy()
    rows_per_level = np.bincount(codes[codes >= 0], minlength=len(mapped))
    stray = sorted({m for m, rows in zip(mapped, rows_per_level) if rows and m not in position})
    if stray:
        raise InputError(
            "level has no population target (add it to the targets file or to weighting.level_map)",
            variable=str(values.name),
            value=stray[0],
            count=int(sum(rows for m, rows in zip(mapped, rows_per_level) if m in stray)),
        )
    # the extra last entry is where code -1 (missing) looks: the unknown level
    lookup = np.array([position.get(m, -1) for m in mapped] + [position[unknown]], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], categories=categories)

def margin_spec(margins: Sequence) -> list[tuple[str, ...]]:
    """The ``weighting.margins`` setting as one tuple of variables per margin: a name is a
    one-way margin, a list of names (or a name ``a:b``) a joint margin of those variables."""
    spec = []
    for margin in margins:
        variables = tuple(margin.split(JOINT)) if isinstance(margin, str) else tuple(margin)
        if not variables or not all(isinstance(v, str) and v for v in variables):
            raise InputError("a margin is a variable or a list of variables", variable="weighting.margins",
                             value=margin)
        spec.append(variables)
    return spec


def margin_name(variables: Sequence[str]) -> str:
    """A margin's name in a targets file: its variables joined by ``:`` (R's ``gender:age_group``)."""
    return JOINT.join(variables)


def margin_targets(
    population: pd.DataFrame, raking: pd.Series, stratum: pd.Series | None, variable: str, unknown: str,
    base: np.ndarray | None = None,
) -> pd.DataFrame:
    """Joint stratum x variable totals: the population's, with the not-stated share kept.

    Within each stratum (the whole sample when ``stratum`` is None), "not stated" gets its
    sample share of the stratum's population total (weighted by the ``base`` weights when
    given); the stated levels share the remainder as the population does. A level with no
    respondent in a stratum cannot be raked to: it is left out (with a warning naming the
    cell) and the stratum's other levels share its population.
    """
    pop = population[population["variable"] == variable]
    groups = pop.groupby("stratum", sort=False, observed=True) if stratum is not None else [(None, pop)]
    rows = []
    for stratum_level, group in groups:
        if stratum is None:
            in_stratum = np.ones(len(raking), dtype=bool)
        else:
            in_stratum = (stratum == stratum_level).to_numpy()
            if not in_stratum.any():
                raise InputError("stratum in the targets has no respondent", variable=stratum.name,
                                 value=stratum_level)
        where = "the whole sample" if stratum is None else f"{stratum.name} {stratum_level}"
        total = float(group["population_count"].sum())
        answers = raking[in_stratum]
        if base is None:
            unknown_share = float((answers == unknown).mean())
        else:
            within = base[in_stratum]
            unknown_share = float(within[(answers == unknown).to_numpy()].sum() / within.sum())
        present = group["level"].isin(set(answers.unique()))
        for level in group.loc[~present, "level"]:
            log.warning("%s: no respondent has %s %r; its population is shared by the other levels",
                        where, variable, level)
        kept = group[present]
        stated = total * (1.0 - unknown_share)
        scale = stated / float(kept["population_count"].sum()) if len(kept) else 0.0
        cell = () if stratum is None else (stratum_level,)
        for level, count in zip(kept["level"], kept["population_count"]):
            rows.append((*cell, level, float(count) * scale))
        if unknown_share > 0:
            rows.append((*cell, unknown, total * unknown_share))
    return pd.DataFrame(rows, columns=[*([] if stratum is None else [stratum.name]), raking.name, "total"])


def read_targets(path: str | Path, stratum: str | None, margins: Sequence) -> pd.DataFrame:
    """A targets file's rows of the ``margins`` as a tidy frame (``stratum``, variable, level,
    population_count, ...); the file may hold other margins too (e.g. a joint one besides its
    one-way ones), which are left out.

    The long form: the ``stratum`` column (none when the margins are the whole sample's),
    ``variable``, ``level``, the total (``population_count``, or ``total``), ``source`` and
    ``date``; a joint margin's rows name it ``gender:age_group`` with levels such as
    ``Woman:Under 30`` (R's interaction naming). A missing column, a margin with no rows, a
    joint level that does not give one level per variable, or a total that is missing or
    negative is an :class:`InputError` naming the file, the variable and the level."""
    path = Path(path)
    strata = [] if stratum is None else [stratum]
    frame = pd.read_csv(path, dtype={**{s: str for s in strata}, "variable": str, "level": str})
    totals = [name for name in TOTAL_NAMES if name in frame.columns]
    if len(totals) > 1:
        raise InputError(f"targets file has two total columns ({' and '.join(totals)}): keep one", file=path,
                         variable=totals[-1])
    frame = frame.rename(columns={totals[0]: "population_count"}) if totals else frame
    missing = [c for c in (*strata, *TARGET_COLUMNS, "population_count") if c not in frame.columns]
    if missing:
        what = " or ".join(TOTAL_NAMES) if missing[0] == "population_count" else missing[0]
        raise InputError("targets file lacks a column", file=path, variable=what)
    names = [margin_name(variables) for variables in margin_spec(margins)]
    for variables, name in zip(margin_spec(margins), names):
        rows = frame[frame["variable"] == name]
        if rows.empty:
            raise InputError("targets file has no rows for a margin (weighting.margins; a joint margin's "
                             f"rows are named {name!r})", file=path, variable=name)
        parts = rows["level"].astype(str).str.split(JOINT).str.len()
        wrong = rows.loc[parts != len(variables), "level"]
        if len(wrong):
            raise InputError(f"a level of this margin must give one level of each of its {len(variables)} "
                             f"variables, joined by {JOINT!r} (e.g. Woman:Under 30)", file=path, variable=name,
                             value=wrong.iloc[0])
    frame = frame[frame["variable"].isin(names)]  # the file may hold other margins too
    bad = frame["population_count"].isna() | (frame["population_count"] < 0)
    if bad.any():
        first = frame[bad].iloc[0]
        raise InputError("population counts must be present and not negative", file=path,
                         variable=first["variable"], value=first["level"], count=int(bad.sum()))
    for column in ("source", "date"):
        blank = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if blank.any():
            raise InputError("every figure needs its source and date", file=path, variable=column, count=int(blank.sum()))
    return frame.rename(columns={stratum: "stratum"}) if stratum is not None else frame


def trim_bounds(trim: Mapping | None, stratum: str) -> TrimBounds | None:
    """The ``weighting.trim`` setting as trimming bounds (None: no trimming).

    ``lower`` and ``upper`` (either may be null: no bound) are multiples of the median raked
    weight of the respondent's stratum with ``relative_to: median`` (the default), or
    weights with ``relative_to: null``. Relative bounds must keep the median inside them
    (lower at most 1, upper at least 1): numbers outside that are almost always weights
    given without ``relative_to: null``. Bad values are an :class:`InputError` naming the
    setting and the value.
    """
    if trim is None:
        return None
    unknown = sorted(set(trim) - set(TRIM_KEYS))
    if unknown:
        raise InputError("unknown key of weighting.trim", variable=f"weighting.trim.{unknown[0]}")
    relative_to = trim.get("relative_to", "median")
    if relative_to not in ("median", None):
        raise InputError('must be "median" or null (bounds that are weights)',
                         variable="weighting.trim.relative_to", value=relative_to)
    lower, upper = trim.get("lower"), trim.get("upper")
    if lower is None and upper is None:
        raise InputError("sets no bound: give lower, upper or both", variable="weighting.trim", value=dict(trim))
    for key, bound in (("lower", lower), ("upper", upper)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))
                                  or not np.isfinite(bound) or bound < 0):
            raise InputError("must be a number of at least 0, or null", variable=f"weighting.trim.{key}", value=bound)
    if lower is not None and upper is not None and lower > upper:
        raise InputError(f"the lower bound {lower} is above the upper bound {upper}",
                         variable="weighting.trim", value=dict(trim))
    if relative_to == "median":
        for key, bound, wrong in (("lower", lower, lower is not None and lower > 1),
                                  ("upper", upper, upper is not None and upper < 1)):
            if wrong:
                raise InputError(
                    "is a multiple of the median weight (relative_to: median) and would trim the "
                    "median weight itself; for bounds that are weights set relative_to: null",
                    variable=f"weighting.trim.{key}", value=bound,
                )
    return TrimBounds(
        lower=0.0 if lower is None else float(lower),
        upper=np.inf if upper is None else float(upper),
        relative_to=relative_to,
        by=stratum,
    )


def _by_stratum(values: np.ndarray, stratum: pd.Series, rows: pd.Series, overall) -> pd.Series:
    """One value per diagnostics row: ``values`` (one per respondent, the same within a
    stratum) summed or taken per stratum, and ``overall`` for the row "All"."""
    per = pd.Series(values).groupby(stratum.to_numpy(), sort=False)
    table = per.sum() if values.dtype == bool else per.first()
    return rows.map({**table.to_dict(), "All": overall})

def design_setting(design: Mapping | None, stratum: str | None) -> dict:
    """The ``weighting.design`` setting with its defaults: no base weights, ``stratum`` as the
    strata, every respondent its own cluster, no fpc."""
    given = dict(design or {})
    unknown = sorted(set(given) - set(DESIGN_KEYS))
    if unknown:
        raise InputError("unknown key of weighting.design", variable=f"weighting.design.{unknown[0]}")
    setting = {"weights": None, "strata": stratum, "ids": [], "fpc": [], **given}
    for key in ("ids", "fpc"):
        setting[key] = [setting[key]] if isinstance(setting[key], str) else list(setting[key] or [])
    if setting["fpc"] and len(setting["fpc"]) != max(len(setting["ids"]), 1):
        raise InputError("give one fpc column per stage (per ids column)", variable="weighting.design.fpc",
                         value=setting["fpc"])
    return setting


def design_columns(design: Mapping) -> list[str]:
    """The data columns a design setting (:func:`design_setting`) names."""
    named = [design.get("weights"), design.get("strata"), *design.get("ids", []), *design.get("fpc", [])]
    return list(dict.fromkeys(c for c in named if c))


def base_weights(data: pd.DataFrame, design: Mapping) -> np.ndarray | None:
    """The design's base weights (its ``weights`` column), or None (every base weight 1)."""
    name = design.get("weights")
    if name is None:
        return None
    if name not in data.columns:
        raise InputError("base weight column (weighting.design.weights) not in the data", variable=name)
    values = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        raise InputError("base weights must be present and positive", variable=name,
                         value=data[name].iloc[int(np.argmax(bad))], count=int(bad.sum()))
    return values


def analysis_design(frame: pd.DataFrame, weights: str | None, design: Mapping):
    """R's ``svydesign(ids=~psu+ssu, strata=~s, fpc=~N1+N2, weights=, data=)`` of the
    ``design`` setting (:func:`design_setting`), with the ``weights`` column given."""
    return svydesign(frame, weights=weights, strata=design.get("strata"), ids=list(design.get("ids") or []) or None,
                     fpc=list(design.get("fpc") or []) or None)


def _joint_values(data: pd.DataFrame, variables: Sequence[str], level_map: Mapping) -> pd.Series:
    """A joint margin's cells as one variable: the variables' (mapped) levels joined by ``:``,
    missing when any of them is (not stated)."""
    parts = []
    for var in variables:
        if var not in data.columns:
            raise InputError("margin variable not in the data", variable=var)
        values = data[var].astype("object")
        mapping = level_map.get(var, {})
        parts.append(values.map(lambda v, m=mapping: m.get(v, v)))
    stated = np.logical_and.reduce([p.notna().to_numpy() for p in parts])
    joined = parts[0].astype(str)
    for part in parts[1:]:
        joined = joined + JOINT + part.astype(str)
    return pd.Series(np.where(stated, joined, None), index=data.index, name=margin_name(variables), dtype="object")


def raking_design(data: pd.DataFrame, population: pd.DataFrame, *, stratum: str | None, margins: Sequence,
                  level_map: Mapping[str, Mapping[str, str]], unknown: str,
                  design: Mapping | None = None) -> tuple[SurveyDesign, list]:
    """The design the weighting stage weights, and its margins: the ``design`` setting
    (:func:`design_setting`: base weights or 1, strata, clusters and fpc; R's
    ``svydesign(ids=, strata=, fpc=, weights=)``), the margin variables mapped onto the
    target levels (:func:`raking_levels`; a joint margin's cells as one variable,
    :func:`_joint_values`), and the joint stratum x margin targets (:func:`margin_targets`)
    that R's ``rake()``, ``postStratify()`` and ``calibrate()`` take."""
    setting = design_setting(design, stratum)
    base = base_weights(data, setting)
    frame = pd.DataFrame({stratum: data[stratum].astype("object")}) if stratum is not None else pd.DataFrame(
        index=data.index)
    strata = frame[stratum].rename(stratum) if stratum is not None else None
    targets = []
    for variables in margin_spec(margins):
        name = margin_name(variables)
        target_levels = list(dict.fromkeys(population.loc[population["variable"] == name, "level"]))
        column = f"{name}__raking"
        if len(variables) == 1:
            frame[column] = raking_levels(data[name], level_map.get(name, {}), target_levels, unknown)
        else:
            frame[column] = raking_levels(_joint_values(data, variables, level_map), {}, target_levels, unknown)
        table = margin_targets(population, frame[column].rename(column), strata, name, unknown, base)
        targets.append(joint_targets(table, [*([] if stratum is None else [stratum]), column], "total"))
    for column in design_columns(setting):
        if column not in frame.columns:
            if column not in data.columns:
                raise InputError("design variable (weighting.design) not in the data", variable=column)
            frame[column] = data[column].to_numpy()
    frame["base_weight"] = 1.0 if base is None else base
    return analysis_design(frame, "base_weight", setting), targets


def calibration_bounds(bounds: Mapping | None, method: str) -> tuple[float, float]:
    """The ``weighting.bounds`` setting as R's ``calibrate(bounds=c(lower, upper))`` on the
    g-weights (final over base weight): none for unbounded linear calibration; logit
    calibration needs both, with lower < 1 < upper."""
    given = dict(bounds or {})
    unknown = sorted(set(given) - {"lower", "upper"})
    if unknown:
        raise InputError("unknown key of weighting.bounds", variable=f"weighting.bounds.{unknown[0]}")
    lower = -math.inf if given.get("lower") is None else float(given["lower"])
    upper = math.inf if given.get("upper") is None else float(given["upper"])
    if method == "logit" and not (math.isfinite(lower) and math.isfinite(upper) and lower < 1 < upper):
        raise InputError("logit calibration needs bounds with lower < 1 < upper (g-weights, final over base "
                         "weight)", variable="weighting.bounds", value=dict(given))
    if lower > upper:
        raise InputError("the lower bound is above the upper bound", variable="weighting.bounds", value=dict(given))
    return lower, upper


def _fit_report(design: SurveyDesign, final: SurveyDesign, margins: list, iterations: int,
                converged: bool) -> WeightingReport:
    """A :class:`~swsurvey.survey.weighting.WeightingReport` of weights made without raking
    (post-stratification, calibration, none): the fit of the final weights to the margins."""
    table = margin_table(design, final, margins)
    error = (table["after"] - table["target"]).abs()
    relative = table["rel_error"].abs()
    worst = int(np.argmax(relative.to_numpy()))
    achieved = RakeReport(iterations=iterations, converged=converged, delta=float("nan"), tolerance=float("nan"),
                          max_abs_error=float(error.max()), max_rel_error=float(relative.max()),
                          worst=(str(table["margin"].iloc[worst]), str(table["level"].iloc[worst])))
    return WeightingReport(rake=achieved, achieved=achieved, margins_hold=bool(relative.max() <= MARGIN_TOLERANCE),
                           held=np.zeros(design.n, dtype=bool), rounds=0, lower=None, upper=None,
                           before=weight_summary(design), after=weight_summary(final), margins=table)


def fit_weights(design: SurveyDesign, margins: list, *, method: str, trim: TrimBounds | None, epsilon: float,
                maxit: int, bounds: Mapping | None = None) -> tuple[SurveyDesign, WeightingReport]:
    """The weighting ``method`` applied to ``design`` and its ``margins``, then ``trim``:

    - ``rake``: R's ``rake()`` (:func:`~swsurvey.survey.weighting.weight`: with ``trim``,
      trimmed and raked again until the margins hold within the bounds);
    - ``poststratify``: R's ``postStratify()`` on the one margin's cells (stratum x variable,
      or stratum x a joint margin); with ``trim``, trimmed and post-stratified again as the
      raking is (post-stratifying is raking to one margin), so the cells keep their totals;
    - ``linear`` and ``logit``: R's ``calibrate(design, margins, calfun=, bounds=)`` (GREG,
      Deville and Särndal 1992) with ``bounds`` on the g-weights; trimming is refused: the
      bounds are how calibration keeps the weights in a range while the margins hold
      (trimming afterwards would move the margins off their targets);
    - ``none``: the base weights, unchanged (the margins table says how far they are from
      the targets); trimming is refused.
    """
    if method not in METHODS:
        raise InputError(f"must be one of {', '.join(METHODS)}", variable="weighting.method", value=method)
    if not margins:
        raise InputError("no margins to weight to", variable="weighting.margins")
    if method == "rake" or (method == "poststratify" and trim is not None):
        if method == "poststratify" and len(margins) != 1:
            raise InputError("post-stratification takes one margin (a variable, or a list of variables for their "
                             "cells)", variable="weighting.margins", value=[m.name for m in margins])
        return weight(design, margins, trim=trim, epsilon=epsilon, maxit=maxit)
    if trim is not None:
        raise InputError(f"trimming follows rake or poststratify, not {method}: "
                         + ("bound the g-weights with weighting.bounds instead" if method != "none"
                            else "there is no weighting to trim"), variable="weighting.trim")
    if method == "poststratify":
        if len(margins) != 1:
            raise InputError("post-stratification takes one margin (a variable, or a list of variables for their "
                             "cells)", variable="weighting.margins", value=[m.name for m in margins])
        final = poststratify(design, list(margins[0].variables), margins[0])
        return final, _fit_report(design, final, margins, 1, True)
    if method == "none":
        return design, _fit_report(design, design, margins, 0, True)
    final = calibrate(design, population=list(margins), calfun=method, bounds=calibration_bounds(bounds, method),
                      epsilon=epsilon, maxit=maxit)
    report = weighting_report(final)
    return final, _fit_report(design, final, margins, report.iterations, report.converged)


def raked_design(data: pd.DataFrame, population: pd.DataFrame, **settings) -> SurveyDesign:
    """The weighting stage's weighted (and trimmed) design, carrying its calibration: with
    ``method: rake``, R's ``rake(svydesign(...), margins, targets)``, then, with ``trim``,
    the trimming and raking again of :func:`weight_respondents`, whose keyword ``settings``
    it takes; with ``poststratify``, ``linear`` or ``logit``, R's ``postStratify()`` or
    ``calibrate()`` of the same design (:func:`fit_weights`); with ``none`` the design of the
    base weights, which carries nothing.

    Its weights are the weighting stage's ``weight`` column; its calibration record is what
    the variance engine applies to influence values, so linearization SEs include the
    calibration (a margin's share within its stratum has SE 0), as on R's calibrated design.
    With trimming, the record is R's raking record of the margins with the final weights as
    the weights it sweeps with: the trimmed weights are raked again until the margins hold,
    so the final design is calibrated to the same margins, and a margin keeps SE 0 (R's
    ``trimWeights`` after ``rake`` keeps the first raking's record unchanged, whose weights
    are those before trimming, which gives a margin that still holds a small positive SE).
    When the bounds leave the margins off their targets (the diagnostics' ``margins_hold``),
    the final weights are not calibrated to them, and the record is R's: the first raking's.
    The design's data are the raking frame; :func:`swsurvey.stages.designs.calibrated` puts
    the calibration on a design of the analysis data.
    """
    _, _, _, final, report = _rake_and_trim(data, population, **settings)
    if not report.held.any() or not report.margins_hold:
        return final
    records = [r for r in final.calibration if isinstance(r, RakingRecord)]
    record = RakingRecord(margins=tuple(PostStratification(m.groups, final.weights) for m in records[-1].margins),
                          report=report.achieved)
    return dataclasses.replace(final, calibration=(record,))


def calibration_of(data: pd.DataFrame, targets: str | Path, weighting: Mapping, weight_column: str = "weight") -> tuple:
    """The calibration the weighting stage's weights went through, rebuilt from the same
    data, targets file and ``weighting`` settings (the wave's: ``design``, ``method``,
    ``stratum``, ``margins``, ``bounds``, ``level_map``, ``unknown_level``, ``epsilon``,
    ``maxit``, ``trim``; :func:`raked_design`), checked to give the data's ``weight_column``
    (to :data:`WEIGHT_AGREEMENT` relative): the record the variance engine applies (R's
    ``postStrata`` of a raked or post-stratified design, the ``greg_calibration`` of a
    calibrated one; nothing with ``method: none``). A difference is an :class:`InputError`:
    the weights were not made from these targets and settings."""
    settings = weighting_settings(weighting)
    population = read_targets(targets, settings["stratum"], settings["margins"])
    with _quiet():
        design = raked_design(data, population, **settings)
    check_weights(design.weights, data, weight_column, targets)
    return design.calibration


@dataclasses.dataclass(frozen=True, eq=False)
class ReplicateRaking:
    """The weighting stage's raking, to be repeated in every replicate of a replicate design
    (:meth:`apply`): the design it starts from (the design setting's base weights, strata and
    clusters, :func:`raking_design`), its margins, the raking's ``epsilon`` and ``maxit``,
    and the targets file (for messages)."""

    design: SurveyDesign
    margins: tuple
    epsilon: float
    maxit: int
    targets: str | Path

    def apply(self, convert, data: pd.DataFrame, weight_column: str) -> SvyRepDesign:
        """R's ``rake(as.svrepdesign(design, ...), margins, targets)``: ``convert`` (R's
        ``as.svrepdesign`` with the wave's options) makes the replicate design of the design
        before raking, which :func:`swsurvey.survey.weighting.rake` rakes with every replicate
        raked again to the same margins; its full-sample weights are checked to be ``data``'s
        ``weight_column`` (:func:`check_weights`), and its data are ``data``."""
        with _quiet():
            raked = rake(convert(self.design), list(self.margins), epsilon=self.epsilon, maxit=self.maxit)
        check_weights(raked.weights, data, weight_column, self.targets)
        return dataclasses.replace(raked, data=data.reset_index(drop=True))


def replicate_raking(data: pd.DataFrame, targets: str | Path, weighting: Mapping) -> ReplicateRaking:
    """The weighting stage's raking, rebuilt from the same data, targets file and ``weighting``
    settings as :func:`calibration_of`, to be repeated in every replicate
    (:class:`ReplicateRaking`). Only raking is repeated in replicates: another
    ``weighting.method`` (post-stratification, calibration) and trimmed weights
    (``weighting.trim``) are an :class:`InputError` (R's ``postStratify``/``calibrate``/
    ``trimWeights`` of a replicate design are not implemented here);
    ``weighting.variance: fixed`` holds the weights fixed in the replicates instead."""
    settings = weighting_settings(weighting)
    if settings["method"] != "rake":
        raise InputError(f"the replicates repeat only raking, not weighting.method {settings['method']}: set "
                         "weighting.variance: fixed to hold the weights fixed in the replicates",
                         variable="weighting.variance")
    if settings["trim"] is not None:
        raise InputError("the replicates cannot repeat a raking with trimming (weighting.trim): set "
                         "weighting.variance: fixed to hold the trimmed weights fixed in the replicates",
                         variable="weighting.variance")
    population = read_targets(targets, settings["stratum"], settings["margins"])
    with _quiet():
        design, margins = raking_design(data, population, **{k: settings[k] for k in
                                                             ("stratum", "margins", "level_map", "unknown", "design")})
    return ReplicateRaking(design=design, margins=tuple(margins), epsilon=settings["epsilon"],
                           maxit=settings["maxit"], targets=targets)


def weighting_settings(weighting: Mapping) -> dict:
    """The ``weighting`` settings (the config's, with its key names) as
    :func:`weight_respondents`' keywords."""
    return dict(stratum=weighting["stratum"], margins=weighting["margins"],
                level_map=weighting.get("level_map") or {}, unknown=weighting["unknown_level"],
                epsilon=weighting["epsilon"], maxit=weighting["maxit"], trim=weighting.get("trim"),
                method=weighting.get("method", "rake"), design=weighting.get("design"),
                bounds=weighting.get("bounds"))


@contextlib.contextmanager
def _quiet():
    """The raking's warnings are the weighting stage's to give (and its log has them): where
    the raking is only repeated, the check of the weights says whether anything differs."""
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WeightingWarning)
            yield
    finally:
        log.setLevel(level)


def check_weights(weights: np.ndarray, data: pd.DataFrame, weight_column: str, targets: str | Path) -> None:
    """The rebuilt raking's ``weights`` against the data's ``weight_column``: a relative
    difference above :data:`WEIGHT_AGREEMENT` is an :class:`InputError` (the weights were not
    made with these targets and settings)."""
    if weight_column not in data.columns:
        raise InputError("no weight column in the data", variable=weight_column)
    given = data[weight_column].to_numpy(dtype=float)
    worst = float(np.max(np.abs(weights - given) / np.maximum(np.abs(given), 1e-300)))
    if not worst <= WEIGHT_AGREEMENT:
        raise InputError(
            f"the weighting rebuilt from the targets file and the weighting settings gives other weights than the "
            f"weighting stage wrote (largest relative difference {worst:.3g}, allowed {WEIGHT_AGREEMENT:g}): the "
            "weights were not made with these targets and settings, so their calibration cannot be carried to the "
            "SEs (rerun the weighting stage, or set weighting.variance: fixed)",
            file=targets, variable=weight_column,
        )


def _rake_and_trim(data, population, *, stratum, margins, level_map, unknown, epsilon, maxit, trim, method="rake",
                   design=None, bounds=None):
    """The design and margins (:func:`raking_design`), the trimming bounds, and the final
    design and report of :func:`fit_weights`."""
    start, targets = raking_design(data, population, stratum=stratum, margins=margins, level_map=level_map,
                                   unknown=unknown, design=design)
    trimming = trim_bounds(trim, stratum)
    final, report = fit_weights(start, targets, method=method, trim=trimming, epsilon=epsilon, maxit=maxit,
                                bounds=bounds)
    return start, targets, trimming, final, report


def weight_respondents(
    data: pd.DataFrame,
    population: pd.DataFrame,
    *,
    stratum: str | None,
    margins: Sequence,
    level_map: Mapping[str, Mapping[str, str]],
    unknown: str,
    epsilon: float,
    maxit: int,
    trim: Mapping | None,
    method: str = "rake",
    design: Mapping | None = None,
    bounds: Mapping | None = None,
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Weights (raked, post-stratified, calibrated, or the base weights; then trimmed), a
    diagnostics table and a margins table.

    Pure: a cleaned data frame and the targets in, arrays and frames out. ``design`` is the
    ``weighting.design`` setting (:func:`design_setting`), ``method`` and ``bounds`` say how
    the weights are fitted to ``margins`` within ``stratum`` (:func:`fit_weights`). The
    diagnostics' iterations (raking sweeps, calibration's Newton steps, 1 for
    post-stratification, 0 for none), convergence and margin errors describe the final
    weights (with ``trim``, after trimming and raking again; see :func:`trim_bounds` for the
    setting), ``trimmed`` counts the weights held at a bound per stratum; with ``trim`` the
    table also gives each stratum's bounds as weights (``trim_lower``, ``trim_upper``), the
    rounds of trimming and raking again (``trim_rounds``) and whether every margin cell of the
    stratum is within :data:`~swsurvey.survey.MARGIN_TOLERANCE` of its target
    (``margins_hold``; "All": every stratum's). The margin errors are the largest over every
    cell. Without a ``stratum`` the diagnostics have the row "All" only.
    """
    start, targets, bounds_, final, report = _rake_and_trim(
        data, population, stratum=stratum, margins=margins, level_map=level_map, unknown=unknown,
        epsilon=epsilon, maxit=maxit, trim=trim, method=method, design=design, bounds=bounds,
    )
    frame = start.data
    by = stratum if stratum is not None else "stratum"
    overall = weight_summary(final).to_frame().T.assign(**{by: "All"})
    if stratum is not None:
        summary = weight_summary(final, by=stratum).reset_index().rename(columns={"index": stratum})
        diagnostics = pd.concat([summary, overall], ignore_index=True)
        groups = frame[stratum]
    else:
        diagnostics = overall.reset_index(drop=True)[[by, *overall.columns.drop(by)]]
        groups = pd.Series("All", index=frame.index)
    achieved = report.achieved
    rows = diagnostics[by]
    diagnostics = diagnostics.assign(
        iterations=achieved.iterations,
        converged=achieved.converged,
        max_abs_margin_error=achieved.max_abs_error,
        max_rel_margin_error=achieved.max_rel_error,
        trimmed=_by_stratum(report.held, groups, rows, report.trimmed),
    )
    if bounds_ is not None:
        same = {name: float(b[0]) if (b == b[0]).all() else np.nan
                for name, b in (("lower", report.lower), ("upper", report.upper))}
        cells = margin_table(start, final, targets, by=stratum)
        hold = ((cells["rel_error"].abs() <= MARGIN_TOLERANCE).groupby(cells[stratum]).all() if stratum is not None
                else pd.Series({"All": report.margins_hold}))
        diagnostics = diagnostics.assign(
            trim_lower=_by_stratum(report.lower, groups, rows, same["lower"]),
            trim_upper=_by_stratum(report.upper, groups, rows, same["upper"]),
            trim_rounds=report.rounds,
            margins_hold=rows.map({**hold.to_dict(), "All": report.margins_hold}).astype(bool),
        )
        log.info(
            "%d weights trimmed (held at a bound) in %d rounds of trimming and weighting again; the "
            "margins %s (largest relative error %.3g)",
            report.trimmed, report.rounds, "hold" if report.margins_hold else "DO NOT HOLD", achieved.max_rel_error,
        )
    return final.weights, diagnostics, report.margins


def method_text(weighting: Mapping) -> str:
    """What the weighting did, in words: "raked within country to gender and age_group",
    "post-stratified on gender x age_group", "calibrated (logit, g-weights bounded 0.5 to 3)
    within country to ...", "not weighted (base weights)"."""
    method = weighting.get("method", "rake")
    margins = " and ".join(" x ".join(m) for m in margin_spec(weighting["margins"]))
    within = f" within {weighting['stratum']}" if weighting.get("stratum") else ""
    if method == "none":
        base = (weighting.get("design") or {}).get("weights")
        return f"not weighted (the base weights{f', {base}' if base else ', all 1'})"
    if method == "poststratify":
        return f"post-stratified{within} on {margins}"
    if method in ("linear", "logit"):
        bounds = dict(weighting.get("bounds") or {})
        limits = (f", g-weights bounded {bounds.get('lower')} to {bounds.get('upper')}"
                  if any(v is not None for v in bounds.values()) else "")
        return f"calibrated ({'linear, GREG' if method == 'linear' else 'bounded logit'}{limits}){within} to {margins}"
    return f"raked{within} to {margins}"


def weight_wave(
    data: str | Path,
    targets: str | Path,
    out_data: str | Path,
    out_diagnostics: str | Path,
    out_margins: str | Path,
    *,
    wave: str,
    stratum: str | None,
    margins: Sequence,
    level_map: Mapping[str, Mapping[str, str]],
    unknown: str,
    epsilon: float,
    maxit: int,
    trim: Mapping | None = None,
    method: str = "rake",
    design: Mapping | None = None,
    bounds: Mapping | None = None,
) -> None:
    """Weight one wave: the cleaned data with a ``weight`` column, diagnostics and margins.

    All three outputs are written together or not at all. With ``method: none`` the
    ``weight`` column is the base weight (``design.weights``, or 1).
    """
    table, provenance = read_stage(data, "clean", "cleaning stage")
    cleaned = table.to_pandas()
    population = read_targets(targets, stratum, margins)
    try:
        weights, diagnostics, margin_cells = weight_respondents(
            cleaned, population, stratum=stratum, margins=margins, level_map=level_map, unknown=unknown,
            epsilon=epsilon, maxit=maxit, trim=trim, method=method, design=design, bounds=bounds,
        )
    except InputError as error:
        if error.file is not None:
            raise
        raise InputError(str(error), file=targets) from error
    synthetic = bool(provenance.get("synthetic"))
    for frame in (diagnostics, margin_cells):
        frame.insert(0, "wave", wave)
        frame["synthetic"] = synthetic
    settings = {"method": method, "margins": margins, "stratum": stratum, "design": design, "bounds": bounds}
    log.info("wave %s: %d respondents %s; Kish effective n %.1f", wave, len(weights), method_text(settings),
             float(diagnostics["kish_neff"].iloc[-1]))
    out = with_provenance(
        table.append_column("weight", pa.array(weights, type=pa.float64())),
        {**provenance, "stage": "weight", "targets": Path(targets).name},
    )
    with atomic_path(out_data) as tmp_data, atomic_path(out_diagnostics) as tmp_diag, atomic_path(
        out_margins
    ) as tmp_margins:
        pq.write_table(out, tmp_data)
        diagnostics.to_csv(tmp_diag, index=False, float_format="%.10g")
        margin_cells.to_csv(tmp_margins, index=False, float_format="%.10g")
