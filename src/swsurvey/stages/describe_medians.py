"""Medians and quartiles of the numeric items, by country and pooled, with 95% intervals.

For each numeric analysis variable (``describe.numeric``: years of practice, age), domain
(a country, or a pooled set of countries, as the categorical tables) and weighting (the
raked weights, or none), one row per quantile (the median and both quartiles): the
respondents with a value in the domain (``n``), the weighted quantile, R's SE and a 95%
interval. The quantile is R's ``svyquantile(~x, design, c(0.25, 0.5, 0.75), ci=TRUE)`` of
survey >= 4.1 (:func:`swsurvey.survey.quantile.svyquantile`): R's default quantile rule
(``qrule="math"``, the inverse of the weighted CDF) and Woodruff's (1952) interval (the
Wald interval of the CDF at the quantile, mapped back through the rule; Lumley 2010, sec.
2.4.2), on the design degrees of freedom. The design is the one the categorical tables use
(:mod:`swsurvey.stages.designs`): linearization with country as strata carrying the
weighting's calibration (or the weights held fixed), or the wave's replicate design (the CDF's
variance over the replicates, each raked again when the weighting says so); the unweighted
rows are linearization with all weights 1. Domains are estimated on the full design (R's
``subset``), missing values left out (R's ``na.rm=TRUE``: a quantile's base is the
respondents with a value). A domain with fewer respondents than ``min_n`` is flagged
(``small_base``) and suppressed in the Markdown. A variable the wave lacks (not in its data,
e.g. age from a year of birth that only the 2021 questionnaire asks, or every value missing
for the reason "not asked") gets one row per domain and weighting flagged ``not_asked``, with
no numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, read_stage
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import weighted_how
from swsurvey.io.tables import medians_markdown
from swsurvey.stages.describe import domains
from swsurvey.stages.designs import (
    WEIGHTINGS,
    analysis_setting,
    replicate_label,
    replicated,
    variance_label,
    weighted_calibration,
    weighting_columns,
    weighting_design,
)
from swsurvey.stages.not_asked import NOT_ASKED_LEVEL, not_asked_in_wave
from swsurvey.survey.quantile import SvrepQuantile, svyquantile
from swsurvey.survey.svystat import describe_df

log = get_logger("medians")

#: The quantiles given, by name: the median and the quartiles.
QUANTILES = {"lower quartile": 0.25, "median": 0.5, "upper quartile": 0.75}
#: R's default quantile rule and interval type.
QRULE, INTERVAL = "math", "mean"
COLUMNS = [
    "wave", "variable", "variable_label", "domain", "weighting", "statistic", "quantile", "n", "estimate", "se",
    "ci_lower", "ci_upper", "ci_method", "variance", "small_base", "not_asked", "synthetic",
]


def ci_method(result) -> str:
    """The interval's name, as the tables name theirs: Woodruff's, the quantile rule and the df
    (a replicate design's named "replicate df", as the categorical tables name them)."""
    df = describe_df(result.df, result.design_df)
    if isinstance(result, SvrepQuantile):
        df = df.replace(" design df", " replicate df")
    return f"Woodruff (CDF interval), qrule {result.qrule}, {df}"


def domain_quantiles(design, variable: str, base: np.ndarray) -> tuple[pd.DataFrame, str]:
    """The quantiles of :data:`QUANTILES` of ``variable`` in the rows ``base`` (a domain's
    respondents with a value) of ``design``, and the interval's name: R's
    ``svyquantile(~variable, subset(design, base), c(0.25, 0.5, 0.75), ci=TRUE)``."""
    result = svyquantile(design.subset(base), variable, list(QUANTILES.values()), qrule=QRULE,
                         interval_type=INTERVAL)
    frame = pd.DataFrame({"statistic": list(QUANTILES), "quantile": list(QUANTILES.values()),
                          "estimate": result.estimates, "se": result.se, "ci_lower": result.ci[:, 0],
                          "ci_upper": result.ci[:, 1]})
    return frame, ci_method(result)


def is_numeric_item(data: pd.DataFrame, variable: str, source: str | Path | None = None) -> bool:
    """Whether the wave has the item: False for a variable not in the data or not asked in the
    wave; an error (naming ``source``, the data's file) for one that is there but not numeric."""
    if variable not in data:
        return False
    if not pd.api.types.is_numeric_dtype(data[variable]) or pd.api.types.is_bool_dtype(data[variable]):
        raise InputError("describe.numeric names a variable that is not numeric", file=source, variable=variable,
                         value=str(data[variable].dtype))
    return not not_asked_in_wave(data, variable)


def medians(
    data: pd.DataFrame,
    numeric: Sequence[str],
    *,
    labels: Mapping[str, str],
    stratum: str,
    weight: str,
    pooled: Mapping[str, Sequence[str]],
    min_n: int,
    variance: Mapping | None = None,
    calibration=None,
    design: Mapping | None = None,
) -> pd.DataFrame:
    """The quantile rows of every numeric item (see the module docstring; without the
    ``wave`` and ``synthetic`` columns). ``calibration`` is
    :func:`swsurvey.stages.designs.weighted_calibration`'s (None: the weights held fixed);
    ``design`` the wave's design setting (:func:`swsurvey.stages.designs.analysis_setting`;
    None: ``stratum`` as strata), as the categorical tables use it."""
    masks = domains(data[stratum], pooled)
    asked = {variable: is_numeric_item(data, variable) for variable in numeric}
    designs, labels_ = {}, {}
    if any(asked.values()):
        for weighting in WEIGHTINGS:
            designs[weighting] = weighting_design(data, stratum, weight, weighting, variance, calibration,
                                                  design=design)
            labels_[weighting] = (replicate_label(designs[weighting]) if replicated(variance, weighting)
                                  else variance_label(data, stratum, weight, weighting, None, calibration, design))
    rows = []
    for variable in numeric:
        answered = data[variable].notna().to_numpy() if asked[variable] else None
        for domain, mask in masks.items():
            for weighting in WEIGHTINGS:
                row = {"variable": variable, "variable_label": labels.get(variable, variable), "domain": domain,
                       "weighting": weighting}
                if not asked[variable]:
                    rows.append({**row, "statistic": NOT_ASKED_LEVEL, "quantile": np.nan, "n": 0,
                                 "ci_method": "", "variance": "", "small_base": False, "not_asked": True})
                    continue
                base = mask & answered
                n, label = int(base.sum()), labels_[weighting]
                if n == 0:
                    rows += [{**row, "statistic": name, "quantile": p, "n": 0, "ci_method": "", "variance": label,
                              "small_base": True, "not_asked": False} for name, p in QUANTILES.items()]
                    continue
                frame, method = domain_quantiles(designs[weighting], variable, base)
                rows += [{**row, **q, "n": n, "ci_method": method, "variance": label, "small_base": n < min_n,
                          "not_asked": False} for q in frame.to_dict("records")]
    return pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("wave", "synthetic")])


def describe_medians(
    data: str | Path,
    out_csv: str | Path,
    out_md: str | Path,
    *,
    wave: str,
    numeric: Sequence[str],
    stratum: str,
    pooled: Mapping[str, Sequence[str]],
    min_n: int,
    variance: Mapping | None = None,
    weighting: Mapping | None = None,
    targets: str | Path | None = None,
) -> pd.DataFrame:
    """The medians of one weighted wave: ``medians.csv`` (long, every number) and its Markdown.

    The weighted design is the categorical tables' (:func:`swsurvey.stages.describe.describe_wave`):
    the weighting's calibration rebuilt from the ``targets`` file and the ``weighting``
    settings when ``weighting.variance`` is calibrated, or the wave's replicate ``variance``
    method; every row names its variance method and interval."""
    wanted = [stratum, "weight"] + [f"{v}{suffix}" for v in numeric for suffix in ("", "__missing")]
    wanted = list(dict.fromkeys(wanted + weighting_columns(weighting)))
    if variance and variance["method"] != "linearization":
        from swsurvey.stages.describe_replicates import data_columns

        wanted += data_columns(data, variance)  # replicate weights supplied in the data, if any
    table, provenance = read_stage(data, "weight", "weighting stage", columns=wanted)
    frame = table.to_pandas()
    for variable in numeric:
        is_numeric_item(frame, variable, data)  # a categorical item is an error naming the file
    lacking = [v for v in numeric if v not in frame]
    if lacking:
        log.info("wave %s: not in the data, shown as not asked: %s", wave, ", ".join(lacking))
    calibration = weighted_calibration(frame, targets, weighting, variance)
    out = medians(frame, numeric, labels=provenance.get("labels", {}), stratum=stratum, weight="weight",
                  pooled=pooled, min_n=min_n, variance=variance, calibration=calibration,
                  design=analysis_setting(weighting, stratum))
    synthetic = bool(provenance.get("synthetic"))
    out.insert(0, "wave", wave)
    out["synthetic"] = synthetic
    out = out[COLUMNS]
    log.info("wave %s: %d quantiles of %d numeric items", wave, int((~out["not_asked"]).sum()), len(numeric))
    with atomic_path(out_csv) as tmp_csv, atomic_path(out_md) as tmp_md:
        out.to_csv(tmp_csv, index=False, float_format="%.10g")
        tmp_md.write_text(medians_markdown(out, wave=wave, synthetic=synthetic, min_n=min_n,
                                           how=weighted_how(weighting)), encoding="utf-8")
    return out
