"""Changes between waves: the key estimates of each wave against the wave before, by country.

The waves are independent samples (a new cross-section of social workers each time, not a
panel), so the difference of two percentages has variance var1 + var2, the sum of each
wave's design-based (linearization) variance from its own estimates file. The 95% interval
is the Wald interval d ± 1.96·SE on the normal distribution, and the p value is the two-sided
Wald test of no change. Each wave's estimates carry their own weights and design, so
nothing here re-reads the microdata: every number is two cells of the waves' estimates files.

An item a wave did not ask is reported as such ("not asked in 2017"), never as a change from
or to zero; a cell on a small base in either wave is flagged and suppressed in the Markdown.
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
from swsurvey.stages.study_sections import changes_tables
from swsurvey.survey.distributions import pnorm, qnorm

log = get_logger("crosswave")
METHOD = "Wald 95%, normal, independent samples: SE = sqrt(SE1² + SE2²)"
COLUMNS = [
    "from_wave", "to_wave", "variable", "variable_label", "level", "domain", "weighting",
    "base_n_from", "base_n_to", "estimate_from", "estimate_to", "change", "se", "ci_lower", "ci_upper",
    "p_value", "method", "variance_from", "variance_to", "status", "small_base", "synthetic",
]


def item_cells(estimates: pd.DataFrame, variable: str, level: str) -> tuple[pd.DataFrame, bool]:
    """A wave's cells of one item's level, indexed by (domain, weighting); and whether it was asked
    (also read by :mod:`swsurvey.stages.crosswave_trend`)."""
    rows = estimates[estimates["variable"] == variable]
    if rows.empty:
        raise InputError("no estimates for a cross-wave item (is it in a table?)", variable=variable,
                         value=str(estimates["wave"].iloc[0]) if len(estimates) else None)
    if "not_asked" in rows and rows["not_asked"].astype(bool).all():
        return rows.iloc[:0].set_index(["domain", "weighting"]), False
    rows = rows[rows["level"] == level]
    if rows.empty:
        raise InputError("no estimates for this level of a cross-wave item", variable=variable, value=level)
    return rows.set_index(["domain", "weighting"]), True


def change_between(before: pd.DataFrame, after: pd.DataFrame, items: Mapping[str, str]) -> pd.DataFrame:
    """One row per item x domain x weighting: the change from ``before`` to ``after`` (points)."""
    from_wave, to_wave = str(before["wave"].iloc[0]), str(after["wave"].iloc[0])
    synthetic = bool(before["synthetic"].astype(bool).any() or after["synthetic"].astype(bool).any())
    z = qnorm(0.975)
    rows = []
    for variable, level in items.items():
        (first, asked_first), (second, asked_second) = (item_cells(before, variable, level),
                                                        item_cells(after, variable, level))
        label = next(iter(pd.concat([before, after]).loc[lambda t: t["variable"] == variable, "variable_label"]))
        base = {"from_wave": from_wave, "to_wave": to_wave, "variable": variable, "variable_label": label,
                "level": level, "method": METHOD, "synthetic": synthetic}
        if not (asked_first and asked_second):
            lacking = " and ".join(w for w, asked in ((from_wave, asked_first), (to_wave, asked_second)) if not asked)
            keys = (second if asked_second else first).index
            for domain, weighting in keys:
                rows.append({**base, "domain": domain, "weighting": weighting, "status": f"not asked in {lacking}",
                             "small_base": False})
            continue
        for key in [k for k in second.index if k in first.index]:
            a, b = first.loc[key], second.loc[key]
            change = b["estimate"] - a["estimate"]
            se = float(np.hypot(a["se"], b["se"]))
            p = float(2 * pnorm(abs(change) / se, lower_tail=False)) if se > 0 else np.nan
            rows.append({
                **base, "domain": key[0], "weighting": key[1], "base_n_from": int(a["base_n"]),
                "base_n_to": int(b["base_n"]), "estimate_from": a["estimate"], "estimate_to": b["estimate"],
                "change": change, "se": se, "ci_lower": change - z * se, "ci_upper": change + z * se, "p_value": p,
                "variance_from": a.get("variance", np.nan), "variance_to": b.get("variance", np.nan),
                "status": "estimated", "small_base": bool(a["small_base"] or b["small_base"]),
            })
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def changes(estimates: Sequence[pd.DataFrame], items: Mapping[str, str]) -> pd.DataFrame:
    """Every wave against the wave before it (in the order given)."""
    if len(estimates) < 2:
        raise InputError("changes between waves need at least two waves", value=len(estimates))
    return pd.concat([change_between(a, b, items) for a, b in zip(estimates, estimates[1:])], ignore_index=True)


def changes_markdown(table: pd.DataFrame, min_n: int) -> str:
    """The weighted changes as Markdown, one section per pair of waves."""
    synthetic = bool(table["synthetic"].astype(bool).any())
    lines = [f"> **{BANNER}**", ""] if synthetic else []
    lines += ["# Changes between waves", "",
              f"Weighted percentages of each wave and the change in percentage points with its 95% interval "
              f"({METHOD}). {SUPPRESSED} = fewer than {min_n} respondents in a wave's base.", ""]
    weighted = table[table["weighting"] == "weighted"]
    for (a, b), part in weighted.groupby(["from_wave", "to_wave"], sort=False):
        lines += [f"## {a} to {b}", ""]
        estimated = part[part["status"] == "estimated"]
        if len(estimated) and estimated["variance_from"].notna().any():
            lines += [f"Each wave's SEs: {a} by {estimated['variance_from'].iloc[0]}; "
                      f"{b} by {estimated['variance_to'].iloc[0]}.", ""]
        lines += [f"| Item | Domain | {a} % | {b} % | Change (95% CI) | p |", "|---|---|---:|---:|---:|---:|"]
        for row in part.itertuples(index=False):
            item = f"{row.variable_label}: {row.level}"
            if row.status != "estimated":
                lines.append(f"| {item} | {row.domain} | | | {row.status} | |")
            elif row.small_base:
                lines.append(f"| {item} | {row.domain} | {SUPPRESSED} | {SUPPRESSED} | {SUPPRESSED} | |")
            else:
                lines.append(
                    f"| {item} | {row.domain} | {row.estimate_from:.1f} | {row.estimate_to:.1f} | "
                    f"{row.change:+.1f} ({row.ci_lower:+.1f} to {row.ci_upper:+.1f}) | {row.p_value:.3g} |"
                )
        lines.append("")
    return "\n".join(lines)


def read_estimates(path: str | Path) -> pd.DataFrame:
    """A wave's estimates file as the cross-wave stages read it (waves as text)."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"wave": str})


def write_changes(
    estimates: Sequence[str | Path], out_csv: str | Path, out_md: str | Path, out_html: str | Path, *,
    main_results: Mapping[str, str], min_n: int,
) -> pd.DataFrame:
    """Read each wave's estimates file (in wave order); write the changes as CSV, Markdown and the
    page the Snakemake report shows (the study report's tables,
    :func:`swsurvey.stages.study_sections.changes_tables`)."""
    frames = [read_estimates(path) for path in estimates]
    table = changes(frames, main_results)
    estimated = table[(table["status"] == "estimated") & (table["weighting"] == "weighted")]
    log.info("%d waves: %d rows; weighted changes estimated for %d cells", len(frames), len(table), len(estimated))
    with atomic_path(out_csv) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")
    write_text(out_md, changes_markdown(table, min_n))
    banner = [Banner(BANNER)] if bool(table["synthetic"].astype(bool).any()) else []
    write_text(out_html, html_page("Changes between waves", [*banner, *changes_tables(table)]))
    return table
