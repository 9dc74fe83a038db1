"""The study's weighting stage: raking within country to population margins.

Each wave's cleaned respondents are raked, with country as the stratum, to joint
country x gender and country x age-group population totals read from the wave's targets
file (:func:`swsurvey.survey.weighting.rake`, Deming-Stephan iterative proportional
fitting; Lumley 2010, sec. 7.3), then optionally trimmed and raked again so that the
margins still hold (:func:`swsurvey.survey.weighting.weight`: a weight once trimmed stays at
its bound, as in R's ``trimWeights(strict = TRUE)`` of survey 4.5, and the others are raked
to what the trimmed ones leave of the targets). The bounds (``weighting.trim``) are weights
or, the usual practice, multiples of the median raked weight of the respondent's stratum.
The diagnostics give the margin errors of the final weights, never those of the raking
before the trimming.

Respondents who did not state a raking variable (prefer not to say, unanswered) keep their
place: within each country they form a level "Not stated" whose target is their own share
of the sample, and the stated levels share the rest of the country's population in the
proportions of the targets file. This is deterministic (no imputation draw), leaves the
unknowns' weight where the data put it, and is the usual treatment of unknowns in raking
when the population has no such category. Levels of the cleaned variable that the
population does not distinguish are mapped onto a target level by the configured
``level_map`` (e.g. "Prefer to self-describe" counted with "Non-binary / gender diverse").
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
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
from swsurvey.survey.design import SurveyDesign, svydesign
from swsurvey.survey.diagnostics import margin_table, weight_summary
from swsurvey.survey.replicates import SvyRepDesign
from swsurvey.survey.targets import WeightingWarning, joint_targets
from swsurvey.survey.variance import PostStratification
from swsurvey.survey.weighting import MARGIN_TOLERANCE, RakingRecord, TrimBounds, rake, weight

log = get_logger("weight")

#: Keys of the ``weighting.trim`` setting.
TRIM_KEYS = ("lower", "upper", "relative_to")

#: Columns a targets file must have (one row per stratum x variable x level): each figure
#: says where it comes from and what date it refers to.
TARGET_COLUMNS = ("variable", "level", "population_count", "source", "date")

#: Largest relative difference allowed between the weights of the raking rebuilt for the
#: SEs (:func:`calibration_of`) and the weights the weighting stage wrote.
WEIGHT_AGREEMENT = 1e-12


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


def margin_targets(
    population: pd.DataFrame, raking: pd.Series, stratum: pd.Series, variable: str, unknown: str
) -> pd.DataFrame:
    """Joint stratum x variable totals: the population's, with the not-stated share kept.

    Within each stratum, "not stated" gets its unweighted sample share of the stratum's
    population total; the stated levels share the remainder as the population does. A
    level with no respondent in a stratum cannot be raked to: it is left out (with a
    warning naming the cell) and the stratum's other levels share its population.
    """
    pop = population[population["variable"] == variable]
    rows = []
    for stratum_level, group in pop.groupby("stratum", sort=False, observed=True):
        in_stratum = (stratum == stratum_level).to_numpy()
        if not in_stratum.any():
            raise InputError("stratum in the targets has no respondent", variable=stratum.name, value=stratum_level)
        total = float(group["population_count"].sum())
        answers = raking[in_stratum]
        unknown_share = float((answers == unknown).mean())
        present = group["level"].isin(set(answers.unique()))
        for level in group.loc[~present, "level"]:
            log.warning(
                "%s %s: no respondent has %s %r; its population is shared by the other levels",
                stratum.name, stratum_level, variable, level,
            )
        kept = group[present]
        stated = total * (1.0 - unknown_share)
        scale = stated / float(kept["population_count"].sum()) if len(kept) else 0.0
        for level, count in zip(kept["level"], kept["population_count"]):
            rows.append((stratum_level, level, float(count) * scale))
        if unknown_share > 0:
            rows.append((stratum_level, unknown, total * unknown_share))
    return pd.DataFrame(rows, columns=[stratum.name, raking.name, "total"])


def read_targets(path: str | Path, stratum: str, variables: Sequence[str]) -> pd.DataFrame:
    """A targets file as a tidy frame (``stratum``, variable, level, population_count)."""
    path = Path(path)
    frame = pd.read_csv(path, dtype={stratum: str, "variable": str, "level": str})
    missing = [c for c in (stratum, *TARGET_COLUMNS) if c not in frame.columns]
    if missing:
        raise InputError("targets file lacks a column", file=path, variable=missing[0])
    absent = [v for v in variables if v not in set(frame["variable"])]
    if absent:
        raise InputError("targets file has no rows for a raking variable", file=path, variable=absent[0])
    bad = frame["population_count"].isna() | (frame["population_count"] < 0)
    if bad.any():
        raise InputError("population counts must be present and not negative", file=path, count=int(bad.sum()))
    for column in ("source", "date"):
        blank = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if blank.any():
            raise InputError("every figure needs its source and date", file=path, variable=column, count=int(blank.sum()))
    return frame.rename(columns={stratum: "stratum"})


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


def raking_design(data: pd.DataFrame, population: pd.DataFrame, *, stratum: str, variables: Sequence[str],
                  level_map: Mapping[str, Mapping[str, str]], unknown: str) -> tuple[SurveyDesign, list]:
    """The design the weighting stage rakes, and its margins: every respondent with base
    weight 1 and ``stratum`` as strata (R's ``svydesign(ids=~1, strata=, weights=)``), the
    raking variables mapped onto the target levels (:func:`raking_levels`), and the joint
    stratum x variable targets (:func:`margin_targets`) that R's ``rake()`` takes."""
    frame = pd.DataFrame({stratum: data[stratum].astype("object")})
    margins = []
    for var in variables:
        target_levels = list(dict.fromkeys(population.loc[population["variable"] == var, "level"]))
        column = f"{var}__raking"
        frame[column] = raking_levels(data[var], level_map.get(var, {}), target_levels, unknown)
        frame[column] = frame[column].rename(column)
        table = margin_targets(population, frame[column].rename(column), frame[stratum].rename(stratum), var, unknown)
        margins.append(joint_targets(table, [stratum, column], "total"))
    frame["base_weight"] = 1.0
    return svydesign(frame, weights="base_weight", strata=stratum), margins


def raked_design(data: pd.DataFrame, population: pd.DataFrame, **settings) -> SurveyDesign:
    """The weighting stage's raked (and trimmed) design, carrying its calibration: R's
    ``rake(svydesign(ids=~1, strata=~country, weights=~1), margins, targets)``, then, with
    ``trim``, the trimming and raking again of :func:`weight_respondents`, whose keyword
    ``settings`` it takes.

    Its weights are the weighting stage's ``weight`` column; its calibration record is what
    the variance engine applies to influence values, so linearization SEs include the
    calibration (a raking margin's share within its stratum has SE 0), as on R's raked design.
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
    data, targets file and ``weighting`` settings (the config's: ``stratum``, ``variables``,
    ``level_map``, ``unknown_level``, ``epsilon``, ``maxit``, ``trim``; :func:`raked_design`),
    checked to give the data's ``weight_column`` (to :data:`WEIGHT_AGREEMENT` relative): the
    record the variance engine applies (R's ``postStrata`` of a raked design). A difference
    is an :class:`InputError`: the weights were not made from these targets and settings."""
    population = read_targets(targets, weighting["stratum"], weighting["variables"])
    with _quiet():
        design = raked_design(data, population, **_raking_settings(weighting), trim=weighting.get("trim"))
    check_weights(design.weights, data, weight_column, targets)
    return design.calibration


@dataclasses.dataclass(frozen=True, eq=False)
class ReplicateRaking:
    """The weighting stage's raking, to be repeated in every replicate of a replicate design
    (:meth:`apply`): the design it starts from (every respondent with base weight 1 and the
    stratum as strata, :func:`raking_design`), its margins, the raking's ``epsilon`` and
    ``maxit``, and the targets file (for messages)."""

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
    (:class:`ReplicateRaking`). Trimmed weights (``weighting.trim``) are an
    :class:`InputError`: trimming is not repeated in the replicates (R's ``trimWeights`` of a
    replicate design is not implemented here); ``weighting.variance: fixed`` holds the
    weights fixed in the replicates instead."""
    if weighting.get("trim") is not None:
        raise InputError("the replicates cannot repeat a raking with trimming (weighting.trim): set "
                         "weighting.variance: fixed to hold the trimmed weights fixed in the replicates",
                         variable="weighting.variance")
    population = read_targets(targets, weighting["stratum"], weighting["variables"])
    settings = _raking_settings(weighting)
    with _quiet():
        design, margins = raking_design(data, population, **{k: settings[k] for k in
                                                             ("stratum", "variables", "level_map", "unknown")})
    return ReplicateRaking(design=design, margins=tuple(margins), epsilon=settings["epsilon"],
                           maxit=settings["maxit"], targets=targets)


def _raking_settings(weighting: Mapping) -> dict:
    """The ``weighting`` settings as :func:`raked_design`'s keywords (without ``trim``)."""
    return dict(stratum=weighting["stratum"], variables=weighting["variables"],
                level_map=weighting.get("level_map") or {}, unknown=weighting["unknown_level"],
                epsilon=weighting["epsilon"], maxit=weighting["maxit"])


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
            f"the raking rebuilt from the targets file and the weighting settings gives other weights than the "
            f"weighting stage wrote (largest relative difference {worst:.3g}, allowed {WEIGHT_AGREEMENT:g}): the "
            "weights were not made with these targets and settings, so their calibration cannot be carried to the "
            "SEs (rerun the weighting stage, or set weighting.variance: fixed)",
            file=targets, variable=weight_column,
        )


def _rake_and_trim(data, population, *, stratum, variables, level_map, unknown, epsilon, maxit, trim):
    """The raking design and margins (:func:`raking_design`), the trimming bounds, and the
    final design and report of :func:`~swsurvey.survey.weighting.weight`."""
    design, margins = raking_design(data, population, stratum=stratum, variables=variables, level_map=level_map,
                                    unknown=unknown)
    bounds = trim_bounds(trim, stratum)
    final, report = weight(design, margins, trim=bounds, epsilon=epsilon, maxit=maxit)
    return design, margins, bounds, final, report


def weight_respondents(
    data: pd.DataFrame,
    population: pd.DataFrame,
    *,
    stratum: str,
    variables: Sequence[str],
    level_map: Mapping[str, Mapping[str, str]],
    unknown: str,
    epsilon: float,
    maxit: int,
    trim: Mapping | None,
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Raked (and trimmed) weights, a diagnostics table and a margins table.

    Pure: a cleaned data frame and the targets in, arrays and frames out. The diagnostics'
    raking sweeps, convergence and margin errors describe the final weights (with ``trim``,
    after trimming and raking again; see :func:`trim_bounds` for the setting), ``trimmed``
    counts the weights held at a bound per stratum; with ``trim`` the table also gives each
    stratum's bounds as weights (``trim_lower``, ``trim_upper``), the rounds of trimming and
    raking again (``trim_rounds``) and whether every margin cell of the stratum is within
    :data:`~swsurvey.survey.MARGIN_TOLERANCE` of its target (``margins_hold``;
    "All": every stratum's). The margin errors are the largest over every cell.
    """
    design, margins, bounds, final, report = _rake_and_trim(
        data, population, stratum=stratum, variables=variables, level_map=level_map, unknown=unknown,
        epsilon=epsilon, maxit=maxit, trim=trim,
    )
    frame = design.data
    summary = weight_summary(final, by=stratum).reset_index().rename(columns={"index": stratum})
    overall = weight_summary(final).to_frame().T.assign(**{stratum: "All"})
    diagnostics = pd.concat([summary, overall], ignore_index=True)
    achieved = report.achieved
    rows = diagnostics[stratum]
    diagnostics = diagnostics.assign(
        iterations=achieved.iterations,
        converged=achieved.converged,
        max_abs_margin_error=achieved.max_abs_error,
        max_rel_margin_error=achieved.max_rel_error,
        trimmed=_by_stratum(report.held, frame[stratum], rows, report.trimmed),
    )
    if bounds is not None:
        same = {name: float(b[0]) if (b == b[0]).all() else np.nan
                for name, b in (("lower", report.lower), ("upper", report.upper))}
        cells = margin_table(design, final, margins, by=stratum)
        hold = (cells["rel_error"].abs() <= MARGIN_TOLERANCE).groupby(cells[stratum]).all()
        diagnostics = diagnostics.assign(
            trim_lower=_by_stratum(report.lower, frame[stratum], rows, same["lower"]),
            trim_upper=_by_stratum(report.upper, frame[stratum], rows, same["upper"]),
            trim_rounds=report.rounds,
            margins_hold=rows.map({**hold.to_dict(), "All": report.margins_hold}).astype(bool),
        )
        log.info(
            "%d weights trimmed (held at a bound) in %d rounds of trimming and raking again; the "
            "margins %s (largest relative error %.3g)",
            report.trimmed, report.rounds, "hold" if report.margins_hold else "DO NOT HOLD", achieved.max_rel_error,
        )
    return final.weights, diagnostics, report.margins


def weight_wave(
    data: str | Path,
    targets: str | Path,
    out_data: str | Path,
    out_diagnostics: str | Path,
    out_margins: str | Path,
    *,
    wave: str,
    stratum: str,
    variables: Sequence[str],
    level_map: Mapping[str, Mapping[str, str]],
    unknown: str,
    epsilon: float,
    maxit: int,
    trim: Mapping | None = None,
) -> None:
    """Weight one wave: the cleaned data with a ``weight`` column, diagnostics and margins.

    All three outputs are written together or not at all.
    """
    table, provenance = read_stage(data, "clean", "cleaning stage")
    cleaned = table.to_pandas()
    population = read_targets(targets, stratum, variables)
    weights, diagnostics, margins = weight_respondents(
        cleaned,
        population,
        stratum=stratum,
        variables=variables,
        level_map=level_map,
        unknown=unknown,
        epsilon=epsilon,
        maxit=maxit,
        trim=trim,
    )
    synthetic = bool(provenance.get("synthetic"))
    for frame in (diagnostics, margins):
        frame.insert(0, "wave", wave)
        frame["synthetic"] = synthetic
    log.info(
        "wave %s: %d respondents raked to %s within %s; Kish effective n %.1f",
        wave,
        len(weights),
        " and ".join(variables),
        stratum,
        float(diagnostics["kish_neff"].iloc[-1]),
    )
    out = with_provenance(
        table.append_column("weight", pa.array(weights, type=pa.float64())),
        {**provenance, "stage": "weight", "targets": Path(targets).name},
    )
    with atomic_path(out_data) as tmp_data, atomic_path(out_diagnostics) as tmp_diag, atomic_path(
        out_margins
    ) as tmp_margins:
        pq.write_table(out, tmp_data)
        diagnostics.to_csv(tmp_diag, index=False, float_format="%.10g")
        margins.to_csv(tmp_margins, index=False, float_format="%.10g")
