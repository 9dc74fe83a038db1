"""The descriptive stage: every table's percentages by country and pooled, in one long file.

For each table, variable, level, domain (a country, or a pooled set of countries) and
weighting (the raked weights, or none), one row: the respondents in the cell and in its
base, the percentage, its linearization SE (:func:`swsurvey.survey.svymean`, Lumley 2010, sec. 2.3), a 95%
confidence interval, and the design
effect against simple random sampling with replacement (R's ``deff="replace"``). Domains are
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

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.logging import get_logger
from swsurvey.outputs import atomic_path, read_stage
from swsurvey.survey import svyciprop, svydesign, svymean

log = get_logger("describe")

COLUMNS = [
    "table", "variable", "variable_label", "level", "domain", "weighting", "n", "base_n",
    "estimate", "se", "ci_lower", "ci_upper", "ci_method", "deff", "small_base", "not_asked",
]
#: The missing reason of a question the respondent was not shown (the recode specifications'
#: ``missing.not_asked``); a variable with no other value was not asked in the wave.
NOT_ASKED = "not asked"
#: The level written on a not-asked variable's rows.
NOT_ASKED_LEVEL = "not asked in this wave"


def not_asked_in_wave(data: pd.DataFrame, variable: str) -> bool:
    """Whether no respondent of the wave was asked the variable's question."""
    reasons = data.get(f"{variable}__missing")
    return bool(data[variable].isna().all() and reasons is not None and (reasons.astype(str) == NOT_ASKED).all())


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
) -> pd.DataFrame:
    """The long-format estimates of every table (see the module docstring)."""
    designs = {
        "weighted": svydesign(data, weights=weight, strata=stratum),
        "unweighted": svydesign(data, strata=stratum),
    }
    masks = domains(data[stratum], pooled)
    rows = []
    for table, variables in tables.items():
        for variable in variables:
            if variable not in data:
                raise InputError("table names a variable the cleaned data lack", variable=variable, value=table)
            values = data[variable]
            if not isinstance(values.dtype, pd.CategoricalDtype):
                raise InputError("only categorical analysis variables can be tabulated", variable=variable)
            if not_asked_in_wave(data, variable):
                for domain, weighting in [(d, w) for d in masks for w in designs]:
                    rows.append((table, variable, labels.get(variable, variable), NOT_ASKED_LEVEL, domain, weighting, 0, 0,
                                 np.nan, np.nan, np.nan, np.nan, "", np.nan, False, True))
                continue
            answered = values.notna().to_numpy()
            counts_by_level = {level: (values == level).to_numpy() for level in values.cat.categories}
            for domain, mask in masks.items():
                base = mask & answered
                base_n = int(base.sum())
                if base_n == 0:
                    continue
                for weighting, design in designs.items():
                    sub = design.subset(base)
                    stat = svymean(sub, variable, deff="replace")
                    for level, estimate, se, deff in zip(values.cat.categories, stat.estimates, stat.se, stat.deff):
                        in_level = counts_by_level[level]
                        ci = _korn_graubard(sub, in_level)
                        rows.append(
                            (
                                table, variable, labels.get(variable, variable), str(level), domain, weighting,
                                int((in_level & base).sum()), base_n, 100 * estimate, 100 * se,
                                100 * ci.ci_lower, 100 * ci.ci_upper, ci.ci_method, deff, base_n < min_n, False,
                            )
                        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _korn_graubard(design, indicator: np.ndarray):
    """The Korn-Graubard (beta) interval of a domain proportion: it stays within 0-100%,
    unlike a Wald interval, and R's svyciprop(method="beta") computes it the same way. At a
    proportion of exactly 0 or 1 it is undefined (NaN), as in R."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return svyciprop(design, indicator.astype(float), method="beta")


def describe_wave(
    data: str | Path,
    out_estimates: str | Path,
    *,
    wave: str,
    tables: Mapping[str, Sequence[str]],
    stratum: str,
    pooled: Mapping[str, Sequence[str]],
    min_n: int,
) -> None:
    """Describe one weighted wave: the long estimates CSV (formats: :mod:`swsurvey.formats`)."""
    table, provenance = read_stage(data, "weight", "weighting stage")
    frame = table.to_pandas()
    estimates = describe(
        frame, tables, labels=provenance.get("labels", {}), stratum=stratum, weight="weight", pooled=pooled, min_n=min_n
    )
    synthetic = bool(provenance.get("synthetic"))
    estimates.insert(0, "wave", wave)
    estimates["synthetic"] = synthetic
    log.info("wave %s: %d estimates in %d tables", wave, len(estimates), len(tables))
    with atomic_path(out_estimates) as tmp_csv:
        estimates.to_csv(tmp_csv, index=False, float_format="%.10g")
