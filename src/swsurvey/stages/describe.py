"""The descriptive stage: every table's percentages by country and pooled, in one long file.

For each table, variable, level, domain (a country, or a pooled set of countries) and
weighting (the raked weights, or none), one row: the respondents in the cell and in its
base, the percentage, its linearization SE (:func:`swsurvey.survey.svymean`, Lumley 2010, sec. 2.3), a 95%
confidence interval, and the design
effect against simple random sampling with replacement (R's ``deff="replace"``), and the base
in words where the recode specification states it (``base``). Domains are
estimated on the full design (zero weights outside the domain), with country as strata.
The interval of a percentage is Korn and Graubard's (1998) beta interval on the design
degrees of freedom (R's ``svyciprop(method="beta")``), which stays within 0-100%. A cell
whose base has fewer respondents than ``min_n`` is flagged (``small_base``); the
published formats suppress it. A variable the wave's instrument did not ask (every value
missing for the reason "not asked", as a harmonising recode specification declares it) gets
one row per domain and weighting flagged ``not_asked``, with no numbers: never a zero. Every
table and figure of the study is drawn from this file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, read_stage
from swsurvey.io.logfile import get_logger
from swsurvey.stages.designs import (
    analysis_setting,
    calibrated,
    design_of,
    linearization_calibration,
    linearization_label,
    weighted_calibration,
    weighting_columns,
    weights_kind,
)
from swsurvey.stages.not_asked import NOT_ASKED_LEVEL, not_asked_in_wave
from swsurvey.stages.weighting import design_columns
from swsurvey.survey.ciprop import SvyCiProp, korn_graubard
from swsurvey.survey.estimates import svymean
from swsurvey.survey.modelframe import design_rows

log = get_logger("describe")

COLUMNS = [
    "table", "variable", "variable_label", "level", "domain", "weighting", "n", "base_n",
    "estimate", "se", "ci_lower", "ci_upper", "ci_method", "deff", "small_base", "not_asked",
]
#: A weighted proportion whose variance is below this fraction of p(1 - p) is one the raking
#: fixes (zero up to rounding: a real one's is at least 1/n of it); its interval is the estimate.
CALIBRATED_ZERO = 1e-12


def domains(countries: pd.Series, pooled: Mapping[str, Sequence[str]]) -> dict[str, np.ndarray]:
    """Each country present, then each pooled set of countries, as boolean row masks."""
    out = {str(c): (countries == c).to_numpy() for c in countries.cat.categories if (countries == c).any()}
    for name, members in pooled.items():
        unknown = sorted(set(members) - set(countries.cat.categories))
        if unknown:
            raise InputError("pooled domain names a country not in the data", variable=name, value=unknown[0])
        out[name] = countries.isin(members).to_numpy()
    return out


def describe(
    data: pd.DataFrame,
    tables: Mapping[str, Sequence[str]],
    *,
    labels: Mapping[str, str],
    stratum: str,
    weight: str,
    pooled: Mapping[str, Sequence[str]],
    min_n: int,
    calibration: tuple | None = None,
    design: Mapping | None = None,
) -> pd.DataFrame:
    """The long-format estimates of every table (see the module docstring). The designs are
    the ``design`` setting's (:func:`swsurvey.stages.designs.analysis_setting`; without,
    ``stratum`` as strata). The weighted design carries ``calibration`` when given (the
    weighting's, whose SEs then include it:
    :func:`swsurvey.stages.designs.weighted_calibration`); without, the weights are held
    fixed."""
    masks = domains(data[stratum], pooled)
    asked = {}
    for table, variables in tables.items():
        for variable in variables:
            if variable not in data:
                raise InputError("table names a variable the cleaned data lack", variable=variable, value=table)
            if not isinstance(data[variable].dtype, pd.CategoricalDtype):
                raise InputError("only categorical analysis variables can be tabulated", variable=variable)
            asked[variable] = not not_asked_in_wave(data, variable)
    tabulated = [variable for variable, is_asked in asked.items() if is_asked]
    columns = design_columns(design) if design is not None else []
    needed = data[list(dict.fromkeys([stratum, weight, *tabulated, *columns]))]
    whole = _designs(needed, weight, stratum, calibration, design)  # built first: it checks the weights and strata
    strata = stratum if design is None else design.get("strata")
    cells = {}
    for domain, mask in masks.items():
        # A calibrated design keeps every row (its record is over all of them, and R's
        # subset of a calibrated design keeps them: the beta interval's n counts them).
        rows, domain_mask = (None, mask) if calibration or not strata else _domain_strata(data[strata], mask)
        frame = needed if rows is None else needed.iloc[rows].reset_index(drop=True)
        designs = whole if rows is None else _designs(frame, weight, stratum, design=design)
        for variable in tabulated:
            cells[variable, domain] = _domain_cells(frame[variable], domain_mask, designs)
    rows_out = []
    for table, variables in tables.items():
        for variable in variables:
            label = labels.get(variable, variable)
            if not asked[variable]:
                for domain, weighting in [(d, w) for d in masks for w in ("weighted", "unweighted")]:
                    rows_out.append((table, variable, label, NOT_ASKED_LEVEL, domain, weighting, 0, 0,
                                     np.nan, np.nan, np.nan, np.nan, "", np.nan, False, True))
                continue
            for domain in masks:
                for weighting, level, n, base_n, estimate, se, lower, upper, method, deff in cells[variable, domain]:
                    rows_out.append((table, variable, label, level, domain, weighting, n, base_n, estimate, se,
                                     lower, upper, method, deff, base_n < min_n, False))
    return pd.DataFrame(rows_out, columns=COLUMNS)


def _designs(frame: pd.DataFrame, weight: str, stratum: str, calibration: tuple | None = None,
             design: Mapping | None = None) -> dict:
    """The weighted and the unweighted design of ``frame`` (the ``design`` setting's, or
    country, ``stratum``, as strata); the weighted one carrying ``calibration`` when given."""
    return {
        "weighted": calibrated(design_of(frame, weight, stratum, design), calibration),
        "unweighted": design_of(frame, None, stratum, design),
    }


def _domain_strata(strata: pd.Series, mask: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """The rows of the strata a domain touches, and the domain's mask on them.

    A domain's estimates use the full design, but rows of a stratum with no row in the
    domain add nothing to them: their influence values are zero, their stratum's variance
    term is zero, and they have no weight in the domain (so no degrees of freedom or rows).
    Estimating on the strata the domain touches gives the same numbers on fewer rows.
    """
    codes = strata.cat.codes.to_numpy() if isinstance(strata.dtype, pd.CategoricalDtype) else pd.factorize(strata)[0]
    keep = np.isin(codes, np.unique(codes[mask]))
    if keep.all():
        return None, mask
    rows = np.flatnonzero(keep)
    return rows, mask[rows]


def _domain_cells(values: pd.Series, mask: np.ndarray, designs: dict) -> list[tuple]:
    """One domain's rows of one variable: per weighting and level, the counts and estimates.

    Each level's 95% interval is Korn and Graubard's (R's ``svyciprop(method="beta")``) from
    the level's proportion and variance in the one svymean of all levels, not from a
    svyciprop per level, which would estimate them again.
    """
    answered = values.notna().to_numpy()
    base = mask & answered
    base_n = int(base.sum())
    if base_n == 0:
        return []
    codes = values.cat.codes.to_numpy()
    n_level = np.bincount(codes[base], minlength=len(values.cat.categories))
    out = []
    for weighting, design in designs.items():
        sub = design.subset(base)
        stat = svymean(sub, values.name, deff="replace")
        p, v = np.asarray(stat.estimates, float), np.diag(stat.vcov)
        rows, df = np.full(len(p), float(design_rows(sub).sum())), np.full(len(p), float(stat.df))
        lower, upper = korn_graubard(p, v, rows, df)
        # A margin the raking fixes (calibrated SEs) has variance zero up to rounding, where
        # the beta interval is undefined (R's is a point elsewhere, or NaN): the interval is
        # the estimate itself.
        spread = p * (1 - p)
        fixed_by_raking = (spread > 0) & (v <= CALIBRATED_ZERO * spread)
        lower, upper = np.where(fixed_by_raking, p, lower), np.where(fixed_by_raking, p, upper)
        method = SvyCiProp(name=values.name, estimate=np.nan, se=np.nan, ci_lower=np.nan, ci_upper=np.nan,
                           level=0.95, method="beta", df=stat.df, design_df=stat.df).ci_method
        for row in zip(values.cat.categories, n_level, p, stat.se, lower, upper, stat.deff, strict=True):
            level, n, estimate, se, lo, hi, deff = row
            out.append((weighting, str(level), int(n), base_n, 100 * estimate, 100 * se, 100 * lo, 100 * hi, method, deff))
    return out


def describe_wave(
    data: str | Path,
    out_estimates: str | Path,
    *,
    wave: str,
    tables: Mapping[str, Sequence[str]],
    stratum: str,
    pooled: Mapping[str, Sequence[str]],
    min_n: int,
    variance: Mapping | None = None,
    replicate_chunks: Sequence[str | Path] = (),
    weighting: Mapping | None = None,
    targets: str | Path | None = None,
) -> None:
    """Describe one weighted wave: the long estimates CSV (formats: :mod:`swsurvey.io.tables`).

    The weighted linearization SEs include the raking's calibration, rebuilt from the
    ``targets`` file and the ``weighting`` settings, when ``weighting.variance`` is
    calibrated (:func:`swsurvey.stages.designs.weighted_calibration`), and hold the weights
    fixed otherwise (``fixed``, or no ``weighting`` given). With a replicate ``variance``
    method the weighted rows' SEs, intervals and design effects come from the gathered
    ``replicate_chunks`` (:mod:`swsurvey.stages.describe_replicates`), each replicate raked
    again when ``weighting.variance`` is calibrated (the design effects' linearization SEs
    then hold the weights fixed); every row names its variance method."""
    # Only the columns the tables use (a variable and its missing reasons), not the whole file.
    wanted = [stratum, "weight"] + [f"{v}{suffix}" for vs in tables.values() for v in vs for suffix in ("", "__missing")]
    wanted = list(dict.fromkeys(wanted + weighting_columns(weighting)))
    if variance and variance["method"] != "linearization":
        from swsurvey.stages.describe_replicates import data_columns

        wanted += data_columns(data, variance)  # replicate weights supplied in the data, if any
    table, provenance = read_stage(data, "weight", "weighting stage", columns=wanted)
    frame = table.to_pandas()
    calibration = weighted_calibration(frame, targets, weighting, variance)
    design = analysis_setting(weighting, stratum)
    estimates = describe(
        frame, tables, labels=provenance.get("labels", {}), stratum=stratum, weight="weight", pooled=pooled,
        min_n=min_n, calibration=linearization_calibration(calibration), design=design,
    )
    if variance and variance["method"] != "linearization":
        from swsurvey.stages.describe_replicates import replicate_variance

        estimates = replicate_variance(frame, estimates, replicate_chunks, tables=tables, stratum=stratum,
                                       pooled=pooled, variance=variance, raking=calibration, design=design)
    else:
        weighted = linearization_label(stratum, weights_kind(calibration), design)
        estimates["variance"] = np.where(estimates["weighting"].eq("weighted"), weighted,
                                         linearization_label(stratum, design=design))
    # The base of a variable whose recode states one (a flag derived from several questions),
    # for the tables' note; empty for the others, whose base is the respondents with a value.
    estimates["base"] = estimates["variable"].map(provenance.get("bases", {})).fillna("")
    synthetic = bool(provenance.get("synthetic"))
    estimates.insert(0, "wave", wave)
    estimates["synthetic"] = synthetic
    log.info("wave %s: %d estimates in %d tables", wave, len(estimates), len(tables))
    with atomic_path(out_estimates) as tmp_csv:
        estimates.to_csv(tmp_csv, index=False, float_format="%.10g")
