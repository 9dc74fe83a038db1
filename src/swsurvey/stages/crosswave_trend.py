"""Trends across three waves or more: a design-based test of linear trend of each key estimate.

For each headline item (config ``describe.main_results``: a variable and the level reported),
each domain (the countries and the pooled sets) and each weighting, over the waves that asked
the item, the linear contrast of the waves' percentages on the waves' years,
:func:`swsurvey.survey.trend.linear_trend` (R's ``svycontrast`` of ``svyby(~y, ~wave, svymean)``
on the waves stacked as independent samples, strata nested in wave): the slope in percentage
points per year with its SE, Wald 95% interval, z and two-sided p. Each wave's SE is its own
design's, from its estimates file, as :mod:`swsurvey.stages.crosswave` reads it; nothing here
re-reads the microdata.

A trend needs three waves that asked the item (two give a change, which the changes table
reports): a row with fewer says so ("asked in 2 waves: 2021, 2024"). The year of a wave is the
year its id starts with (:func:`swsurvey.study.wave_year.wave_id_year`); when a wave id names no
year, every wave's time is its place in config's order (0, 1, 2, ...), and the table says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.document import Banner
from swsurvey.io.files import atomic_path, write_text
from swsurvey.io.html_document import html_page
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import BANNER, SUPPRESSED
from swsurvey.stages.crosswave import item_cells, read_estimates
from swsurvey.stages.study_sections import trend_tables
from swsurvey.study.wave_year import wave_id_year
from swsurvey.survey.trend import linear_trend

log = get_logger("crosswave_trend")
#: The level a trend is called significant at: the log counts them, and the trend figure draws
#: such a line solid (the p values themselves are in the trend table).
TREND_LEVEL = 0.05
#: Waves that must have asked an item for its trend to be estimated.
MIN_WAVES = 3
METHOD = ("Linear trend: least-squares slope of the waves' estimates on the year (contrast with centred years "
          "c = t - mean(t)), Wald 95%, normal, independent samples: Var(L) = sum c² SE²")
#: The time a wave's estimates are placed at: its year, or its place when an id names no year.
BY_YEAR = "year the wave id starts with"
BY_PLACE = "place of the wave in config's order (0, 1, 2, ...): a wave id names no year"
COLUMNS = [
    "variable", "variable_label", "level", "domain", "weighting", "n_waves", "waves", "times", "time_basis",
    "slope", "se", "ci_lower", "ci_upper", "z", "p_value", "contrast", "contrast_se", "method", "status",
    "small_base", "synthetic",
]
#: The columns each wave adds (``<column>_<wave>``), after :data:`COLUMNS`.
PER_WAVE = ("estimate", "se", "ci_lower", "ci_upper", "base_n", "small_base")


def wave_times(waves: Sequence[str]) -> tuple[dict[str, float], str]:
    """Each wave's time (its year, or its place when any id names no year) and which it is."""
    years = {wave: wave_id_year(wave) for wave in waves}
    if all(year is not None for year in years.values()):
        return {wave: float(year) for wave, year in years.items()}, BY_YEAR
    return {wave: float(i) for i, wave in enumerate(waves)}, BY_PLACE


def _wave_of(estimates: pd.DataFrame) -> str:
    if estimates.empty:
        raise InputError("an estimates file has no rows", variable="wave")
    return str(estimates["wave"].iloc[0])


def trends(estimates: Sequence[pd.DataFrame], items: Mapping[str, str]) -> pd.DataFrame:
    """One row per item x domain x weighting: the linear trend over the waves that asked it."""
    waves = [_wave_of(e) for e in estimates]
    if len(waves) < MIN_WAVES:
        raise InputError(f"a trend across waves needs at least {MIN_WAVES} waves", value=len(waves))
    times, basis = wave_times(waves)
    synthetic = any(bool(e["synthetic"].astype(bool).any()) for e in estimates)
    rows = []
    for variable, level in items.items():
        cells = {wave: item_cells(e, variable, level) for wave, e in zip(waves, estimates)}
        asked = [wave for wave in waves if cells[wave][1]]
        label = next(iter(pd.concat(estimates).loc[lambda t: t["variable"] == variable, "variable_label"]))
        keys = list(dict.fromkeys(k for wave in asked for k in cells[wave][0].index))
        for domain, weighting in keys:
            # the waves with an estimate of the cell (a domain a wave lacks, or an empty base, has none)
            present = [wave for wave in asked if (domain, weighting) in cells[wave][0].index
                       and np.isfinite(cells[wave][0].loc[(domain, weighting), ["estimate", "se"]].astype(float)).all()]
            row = {"variable": variable, "variable_label": label, "level": level, "domain": domain,
                   "weighting": weighting, "n_waves": len(present), "waves": "; ".join(present),
                   "times": "; ".join(f"{times[w]:g}" for w in present), "time_basis": basis, "method": METHOD,
                   "synthetic": synthetic}
            for wave in present:
                cell = cells[wave][0].loc[(domain, weighting)]
                for column in PER_WAVE:
                    row[f"{column}_{wave}"] = bool(cell[column]) if column == "small_base" else cell[column]
            row["small_base"] = any(bool(row[f"small_base_{w}"]) for w in present)
            if len(present) < MIN_WAVES or len({times[w] for w in present}) < 2:
                row["status"] = (f"asked in {len(asked)} wave{'s' if len(asked) != 1 else ''}: {', '.join(asked)}"
                                 if len(asked) < MIN_WAVES else
                                 f"estimated in {len(present)} waves: {', '.join(present)}"
                                 if len(present) < MIN_WAVES else "the waves share one year")
            else:
                trend = linear_trend([row[f"estimate_{w}"] for w in present], [row[f"se_{w}"] for w in present],
                                     [times[w] for w in present])
                row.update(slope=trend.slope, se=trend.se, ci_lower=trend.ci_lower, ci_upper=trend.ci_upper,
                           z=trend.z, p_value=trend.p_value, contrast=trend.contrast, contrast_se=trend.contrast_se,
                           status="estimated")
            rows.append(row)
    per_wave = [f"{column}_{wave}" for wave in waves for column in PER_WAVE]
    return pd.DataFrame(rows).reindex(columns=COLUMNS + per_wave)


def table_waves(table: pd.DataFrame) -> list[str]:
    """The waves of a trend table, in its columns' order (config's)."""
    return [c[len("estimate_"):] for c in table.columns if c.startswith("estimate_")]


def trend_markdown(table: pd.DataFrame, min_n: int) -> str:
    """The weighted trends as Markdown: each wave's % and the slope (points per year, 95% CI, p)."""
    waves = table_waves(table)
    synthetic = bool(table["synthetic"].astype(bool).any())
    lines = [f"> **{BANNER}**", ""] if synthetic else []
    basis = str(table["time_basis"].iloc[0]) if len(table) else BY_YEAR
    lines += ["# Trends across waves", "",
              f"Weighted percentages of each wave and the linear trend in percentage points per year with its 95% "
              f"interval ({METHOD}); a wave's time is the {basis}. A trend needs {MIN_WAVES} waves that asked the "
              f"item. {SUPPRESSED} = fewer than {min_n} respondents in a wave's base; p not adjusted for "
              "multiplicity.", "",
              "| Item | Domain | " + " | ".join(f"{w} %" for w in waves) + " | Slope, points/year (95% CI) | p |",
              "|---|---|" + "---:|" * len(waves) + "---:|---:|"]
    for row in table[table["weighting"] == "weighted"].to_dict("records"):
        small = bool(row["small_base"])
        values = ["" if pd.isna(row[f"estimate_{w}"]) else SUPPRESSED if small else f"{row[f'estimate_{w}']:.1f}"
                  for w in waves]
        if row["status"] != "estimated":
            slope, p = str(row["status"]), ""
        elif small:
            slope, p = SUPPRESSED, ""
        else:
            slope = f"{row['slope']:+.2f} ({row['ci_lower']:+.2f} to {row['ci_upper']:+.2f})"
            p = f"{row['p_value']:.3g}"
        lines.append(f"| {row['variable_label']}: {row['level']} | {row['domain']} | " + " | ".join(values)
                     + f" | {slope} | {p} |")
    lines.append("")
    return "\n".join(lines)


def write_trend(
    estimates: Sequence[str | Path], out_csv: str | Path, out_md: str | Path, out_html: str | Path, *,
    main_results: Mapping[str, str], min_n: int,
) -> pd.DataFrame:
    """Read each wave's estimates file (in wave order); write the trends as CSV, Markdown and the
    page the Snakemake report shows (the study report's table,
    :func:`swsurvey.stages.study_sections.trend_tables`)."""
    table = trends([read_estimates(path) for path in estimates], main_results)
    estimated = table[(table["status"] == "estimated") & (table["weighting"] == "weighted")]
    log.info("%d waves: %d rows; weighted trends estimated for %d cells (%d with p < %g)", len(estimates),
             len(table), len(estimated), int((estimated["p_value"] < TREND_LEVEL).sum()), TREND_LEVEL)
    with atomic_path(out_csv) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")
    write_text(out_md, trend_markdown(table, min_n))
    banner = [Banner(BANNER)] if bool(table["synthetic"].astype(bool).any()) else []
    write_text(out_html, html_page("Trends across waves", [*banner, *trend_tables(table)]))
    return table


def read_trend(path: str | Path) -> pd.DataFrame:
    """results/crosswave/trend.csv as the figure and the report read it (waves and times as text)."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"waves": str, "times": str})


def trend_points(table: pd.DataFrame) -> pd.DataFrame:
    """The trend table's per-wave cells in long form (one row per item x domain x weighting x
    wave, with the wave's time), for the figure."""
    waves = table_waves(table)
    out = []
    for row in table.to_dict("records"):
        times = dict(zip(str(row["waves"]).split("; "), (float(t) for t in str(row["times"]).split("; "))))
        for wave in waves:
            if wave in times and not pd.isna(row[f"estimate_{wave}"]):
                out.append({key: row[key] for key in ("variable", "variable_label", "level", "domain", "weighting",
                                                      "status", "p_value", "slope")}
                           | {"wave": wave, "time": times[wave], "time_basis": row["time_basis"],
                              **{c: row[f"{c}_{wave}"] for c in PER_WAVE}})
    columns = ["variable", "variable_label", "level", "domain", "weighting", "status", "p_value", "slope", "wave",
               "time", "time_basis", *PER_WAVE]
    points = pd.DataFrame(out, columns=columns)
    points["small_base"] = points["small_base"].map(lambda v: str(v).strip().lower() == "true" if isinstance(v, str)
                                                    else bool(v)).astype(bool)
    return points.astype({"time": float, "estimate": float})

