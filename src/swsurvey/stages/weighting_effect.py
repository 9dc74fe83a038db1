"""The main results weighted beside unweighted, so the effect of weighting is visible.

For each headline item (a variable and the level that is its result, e.g. any informal ICT
use = "Yes") and each domain, the long estimates file (:mod:`swsurvey.stages.describe`) already
holds the unweighted percentage and the raked one with its 95% interval and design effect.
This module puts them side by side with the shift weighting makes (weighted minus
unweighted, in percentage points). Nothing is re-estimated: every number is a cell of the
estimates file, so the table and the descriptive tables cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, write_text
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import BANNER, SUPPRESSED, weighted_how

log = get_logger("weighting_effect")
COLUMNS = [
    "wave", "table", "variable", "variable_label", "level", "domain", "base_n",
    "unweighted", "weighted", "ci_lower", "ci_upper", "ci_method", "variance", "shift", "deff", "small_base",
    "synthetic",
]


def weighting_effect(estimates: pd.DataFrame, items: Mapping[str, str]) -> pd.DataFrame:
    """One row per item x domain: unweighted %, weighted % with its CI, and the shift.

    ``items`` maps each headline variable to the level reported (``{"any_ict_use": "Yes"}``),
    in the order the rows should follow. A variable or level the estimates file lacks is an
    error naming it; a wave whose instrument did not ask the item keeps a row marked
    ``not asked`` (no numbers), never a zero.
    """
    rows = []
    for variable, level in items.items():
        cells = estimates[estimates["variable"] == variable]
        if cells.empty:
            raise InputError("no estimates for a main-results item (is it in a table?)", variable=variable)
        if "not_asked" in cells and cells["not_asked"].astype(bool).all():
            first = cells.iloc[0]
            rows.append({**first[["wave", "table", "variable", "variable_label", "synthetic"]].to_dict(),
                         "level": level, "domain": "not asked", "base_n": 0, "small_base": False})
            continue
        cells = cells[cells["level"] == level]
        if cells.empty:
            raise InputError("no estimates for this level of a main-results item", variable=variable, value=level)
        wide = cells.pivot_table(index="domain", columns="weighting", values="estimate", sort=False)
        weighted = cells[cells["weighting"] == "weighted"].set_index("domain")
        for domain in weighted.index:
            row = weighted.loc[domain]
            rows.append(
                {
                    "wave": row["wave"], "table": row["table"], "variable": variable,
                    "variable_label": row["variable_label"], "level": level, "domain": domain,
                    "base_n": int(row["base_n"]), "unweighted": wide.loc[domain, "unweighted"],
                    "weighted": row["estimate"], "ci_lower": row["ci_lower"], "ci_upper": row["ci_upper"],
                    "ci_method": row["ci_method"], "variance": row.get("variance", np.nan),
                    "shift": row["estimate"] - wide.loc[domain, "unweighted"],
                    "deff": row["deff"], "small_base": bool(row["small_base"]), "synthetic": bool(row["synthetic"]),
                }
            )
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def weighting_effect_markdown(table: pd.DataFrame, *, wave: str, synthetic: bool, min_n: int,
                              weighting: Mapping | None = None) -> str:
    """The table as Markdown: one row per item and domain, small bases suppressed (‡); the note
    says how the weighted percentages were weighted (the wave's ``weighting`` settings,
    :func:`swsurvey.study.weighting_words.weighted_how`)."""
    method = table["ci_method"].dropna().iloc[0] if table["ci_method"].notna().any() else ""
    if table["variance"].notna().any():
        method += f"; SEs by {table['variance'].dropna().iloc[0]}"
    lines = [f"> **{BANNER}**", ""] if synthetic else []
    lines += [
        f"# Main results weighted beside unweighted, wave {wave}",
        "",
        f"Percentages; the weighted ones are {weighted_how(weighting)}, with 95% intervals ({method}). "
        f"Shift = weighted − unweighted, in percentage points. {SUPPRESSED} = fewer than {min_n} "
        "respondents in the base.",
        "",
        "| Item | Level | Domain | n | Unweighted % | Weighted % (95% CI) | Shift | Design effect |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in table.itertuples(index=False):
        if row.domain == "not asked":
            lines.append(f"| {row.variable_label} | {row.level} | not asked in this wave | | | | | |")
        elif row.small_base:
            lines.append(f"| {row.variable_label} | {row.level} | {row.domain} | {row.base_n:,} | "
                         f"{SUPPRESSED} | {SUPPRESSED} | | |")
        else:
            lines.append(
                f"| {row.variable_label} | {row.level} | {row.domain} | {row.base_n:,} | {row.unweighted:.1f} | "
                f"{row.weighted:.1f} ({row.ci_lower:.1f}–{row.ci_upper:.1f}) | {row.shift:+.1f} | {row.deff:.2f} |"
            )
    return "\n".join(lines) + "\n"


def write_weighting_effect(
    estimates: str | Path, out_csv: str | Path, out_md: str | Path, *, wave: str, main_results: Mapping[str, str],
    min_n: int, method: str = "rake", stratum: str | None = "country",
) -> pd.DataFrame:
    """Read the wave's estimates file; write the table as CSV and Markdown (its note names the
    wave's weighting ``method`` and ``stratum``)."""
    frame = pd.read_csv(estimates, keep_default_na=False, na_values=[""])
    frame = frame[frame["wave"].astype(str) == str(wave)]
    table = weighting_effect(frame, main_results)
    synthetic = bool(table["synthetic"].astype(bool).any())
    log.info("wave %s: %d main results x domains = %d rows; largest shift %.1f points", wave, len(main_results),
             len(table), table["shift"].abs().max())
    with atomic_path(out_csv) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n")
    write_text(out_md, weighting_effect_markdown(table, wave=wave, synthetic=synthetic, min_n=min_n,
                                                 weighting={"method": method, "stratum": stratum}))
    return table
