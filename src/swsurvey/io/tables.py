"""The published formats of the descriptive tables: Markdown, HTML and an Excel workbook.

All three are drawn from the long estimates file (:mod:`swsurvey.stages.describe`) and show the same
thing: per table, the weighted percentage and its 95% confidence interval for each variable
(by its label) and level (by its value label, never a code) in each domain, with cells whose
base is below the minimum suppressed (‡). The workbook has one sheet per table, plus the long
file itself for anyone who wants the SEs, design effects and unweighted figures. Bytes are
the same on a rerun (the workbook's creation date is fixed).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.io.files import atomic_path
from swsurvey.io.table_text import BANNER, NOT_ASKED_TEXT, SUPPRESSED, markdown_banner, markdown_cell, weighted_how

#: Fixed workbook creation date: a rerun must give the same bytes.
WORKBOOK_DATE = dt.datetime(2000, 1, 1)

#: How the study weights when no weighting settings are given (the notes' default words).
STUDY_WEIGHTING = weighted_how(None)


def cell_text(row: pd.Series) -> str:
    """'12.3 (10.1–14.6)', the estimate alone when its interval is undefined, ‡, or — (not asked)."""
    if bool(row.get("not_asked", False)):
        return NOT_ASKED_TEXT
    if row["small_base"]:
        return SUPPRESSED
    if np.isnan(row["ci_lower"]):
        return f"{row['estimate']:.1f}"
    return f"{row['estimate']:.1f} ({row['ci_lower']:.1f}–{row['ci_upper']:.1f})"


def wide_tables(estimates: pd.DataFrame, weighting: str = "weighted") -> dict[str, pd.DataFrame]:
    """Each table as a wide frame: rows (variable label, level), one column per domain."""
    part = estimates[estimates["weighting"] == weighting].copy()
    part["cell"] = part.apply(cell_text, axis=1)
    out = {}
    for table, rows in part.groupby("table", sort=False):
        domains = list(dict.fromkeys(rows["domain"]))
        wide = rows.pivot_table(
            index=["variable_label", "level"], columns="domain", values="cell", aggfunc="first", sort=False
        )
        # The long file's order, which is the instrument's: a pivot orders each index level on its
        # own, so a level name shared by two variables ("Other") would move up to its first use.
        order = pd.MultiIndex.from_tuples(list(dict.fromkeys(zip(rows["variable_label"], rows["level"]))),
                                          names=["variable_label", "level"])
        wide = wide.reindex(index=order, columns=domains)
        out[table] = wide.fillna("").rename_axis(index=["Variable", "Level"], columns=None)
    return out


#: The degrees of freedom in an interval method's name ("..., 2568 design df").
_DF = re.compile(r"(?<![\d,])(\d+)(?= (?:design|replicate) df)")


def methods_text(methods: pd.Series) -> str:
    """The interval methods of a table's cells in one phrase: each method once, and where they
    differ only in their degrees of freedom, the range those span ("beta (Korn-Graubard),
    99 to 4,186 design df"), not the first cell's."""
    found: dict[str, list[int]] = {}
    for method in dict.fromkeys(methods.dropna().astype(str)):
        match = _DF.search(method)
        stem = _DF.sub("{df}", method) if match else method
        found.setdefault(stem, []).extend([int(match.group(1))] if match else [])
    parts = []
    for stem, dfs in found.items():
        if not dfs:
            parts.append(stem)
        elif min(dfs) == max(dfs):
            parts.append(stem.replace("{df}", f"{dfs[0]:,}"))
        else:
            parts.append(stem.replace("{df}", f"{min(dfs):,} to {max(dfs):,}"))
    return "; ".join(parts)


def note(estimates: pd.DataFrame, min_n: int, how: str = STUDY_WEIGHTING) -> str:
    """The tables' note: the CI and variance methods, the suppression and the bases; ``how`` the
    weighted percentages were weighted (:func:`swsurvey.io.table_text.weighted_how`)."""
    weighted = estimates[estimates["weighting"] == "weighted"]
    method = methods_text(weighted["ci_method"]) if len(weighted) else ""
    if "variance" in weighted and len(weighted):
        method = f"{method}; variance: {weighted['variance'].iloc[0]}"
    return (
        f"Weighted percentages ({how}) with 95% confidence intervals ({method}); "
        f"{SUPPRESSED} = fewer than {min_n} respondents in the base, suppressed. A percentage's "
        "base is the respondents with a value (missing values are left out, whatever their reason)"
        + bases_text(estimates) + "." + fixed_margins_text(weighted) + " Unweighted "
        "figures, SEs and design effects are in the long estimates file."
    )


def fixed_margins_text(weighted: pd.DataFrame) -> str:
    """A sentence for the percentages whose interval is the estimate itself: the margins the
    weighting fixes, which have no sampling error once the SEs include the weighting's
    calibration (nothing when there are none)."""
    if not {"ci_lower", "ci_upper", "estimate"} <= set(weighted.columns):
        return ""
    point = weighted["ci_lower"].eq(weighted["estimate"]) & weighted["ci_upper"].eq(weighted["estimate"])
    labels = list(dict.fromkeys(weighted.loc[point, "variable_label"].astype(str)))
    if not labels:
        return ""
    return (f" An interval that is the percentage itself ({', '.join(labels)}, in some domains) is a margin the "
            "weighting fixes: with the SEs calibrated to the weighting, it has no sampling error.")


def bases_text(estimates: pd.DataFrame) -> str:
    """'; for "<label>", <base>' for each variable whose recode states its base, in table order."""
    if "base" not in estimates:
        return ""
    stated = estimates[estimates["base"].fillna("").astype(str) != ""]
    pairs = dict.fromkeys(zip(stated["variable_label"], stated["base"]))
    return "".join(f'; for "{label}", {base}' for label, base in pairs)


def tables_markdown(estimates: pd.DataFrame, *, wave: str, synthetic: bool, min_n: int,
                    how: str = STUDY_WEIGHTING) -> str:
    lines = [f"> **{BANNER}**", ""] if synthetic else []
    lines += [f"# Descriptive tables, wave {wave}", "", note(estimates, min_n, how), ""]
    for table, wide in wide_tables(estimates).items():
        lines += [f"## {table}", "", "| Variable | Level | " + " | ".join(wide.columns) + " |"]
        lines += ["|---|---|" + "---:|" * len(wide.columns)]
        for (label, level), values in wide.iterrows():
            lines.append(f"| {label} | {level} | " + " | ".join(values) + " |")
        lines.append("")
    return "\n".join(lines)


def tables_html(estimates: pd.DataFrame, *, wave: str, synthetic: bool, min_n: int,
                how: str = STUDY_WEIGHTING) -> str:
    """A self-contained HTML page, one <table> per table, ready to paste into a manuscript."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Descriptive tables, wave {esc(wave)}</title>",
        "<style>body{font-family:sans-serif;max-width:72em;margin:2em auto}"
        "table{border-collapse:collapse;margin:1em 0}th,td{padding:.2em .6em;border-bottom:1px solid #ccc}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}.banner{background:#b00;color:#fff;"
        "padding:.5em 1em;font-weight:bold}</style></head><body>",
    ]
    if synthetic:
        parts.append(f'<p class="banner">{esc(BANNER)}</p>')
    parts += [f"<h1>Descriptive tables, wave {esc(wave)}</h1>", f"<p>{esc(note(estimates, min_n, how))}</p>"]
    for table, wide in wide_tables(estimates).items():
        parts.append(f"<table><caption>{esc(table)}</caption><thead><tr><th>Variable</th><th>Level</th>")
        parts += [f"<th>{esc(c)}</th>" for c in wide.columns]
        parts.append("</tr></thead><tbody>")
        for (label, level), values in wide.iterrows():
            cells = "".join(f'<td class="n">{esc(v)}</td>' for v in values)
            parts.append(f"<tr><td>{esc(label)}</td><td>{esc(level)}</td>{cells}</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# -- the medians of the numeric items (swsurvey.stages.describe_medians) ------------------------


def quantile_text(x: float) -> str:
    """A quantile as the tables show it: a whole number without decimals, else one decimal; NA
    for an interval end beyond the data (R's NA)."""
    if pd.isna(x):
        return "NA"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def median_text(rows: pd.DataFrame) -> str:
    """One domain's cell: 'median (95% CI); IQR q1–q3', ‡ (small base) or — (not asked)."""
    first = rows.iloc[0]
    if bool(first["not_asked"]):
        return NOT_ASKED_TEXT
    if bool(first["small_base"]):
        return SUPPRESSED
    by = rows.set_index("statistic")
    med = by.loc["median"]
    return (f"{quantile_text(med['estimate'])} ({quantile_text(med['ci_lower'])}–{quantile_text(med['ci_upper'])}); "
            f"IQR {quantile_text(by.loc['lower quartile', 'estimate'])}–{quantile_text(by.loc['upper quartile', 'estimate'])}")


def medians_note(table: pd.DataFrame, min_n: int, how: str = STUDY_WEIGHTING) -> str:
    """What the table shows and how, from the table's own methods and variance labels; ``how``
    the weighted medians were weighted (:func:`swsurvey.io.table_text.weighted_how`)."""
    shown = table[~table["not_asked"].astype(bool) & (table["ci_method"].fillna("") != "")]
    methods = methods_text(shown["ci_method"])
    variance = "; ".join(dict.fromkeys(shown.loc[shown["weighting"] == "weighted", "variance"].astype(str)))
    return (f"Weighted ({how}) and unweighted medians of the numeric items with 95% confidence "
            f"intervals ({methods}; R's svyquantile; variance of the weighted rows: {variance}), and the "
            f"interquartile range (IQR: the lower to the upper quartile, of the row's weighting). NA = an interval "
            f"end beyond the data (its CDF interval leaves 0-1). A median's base is the respondents with a value; "
            f"{SUPPRESSED} = fewer than {min_n}, suppressed; {NOT_ASKED_TEXT} = not asked in this wave.")


def medians_markdown(table: pd.DataFrame, *, wave: str, synthetic: bool, min_n: int,
                     how: str = STUDY_WEIGHTING) -> str:
    """The Markdown table: one row per variable and weighting, one column per domain."""
    domains_ = list(dict.fromkeys(table["domain"]))
    lines = [markdown_banner(synthetic).rstrip("\n"), ""] if synthetic else []
    if table.empty:
        return "\n".join([*lines, f"# Medians of the numeric items, wave {wave}", "",
                           "No numeric items are configured (describe.numeric is empty)."]) + "\n"
    lines += [f"# Medians of the numeric items, wave {wave}", "", medians_note(table, min_n, how), "",
              "| Variable | Weighting | " + " | ".join(map(markdown_cell, domains_)) + " |",
              "|---|---|" + "---:|" * len(domains_)]
    for (label, weighting), rows in table.groupby(["variable_label", "weighting"], sort=False):
        cells = [median_text(rows[rows["domain"] == d]) if (rows["domain"] == d).any() else "" for d in domains_]
        lines.append(f"| {markdown_cell(label)} | {weighting} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# -- the workbook --------------------------------------------------------------------------------


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique. A title too long for a
    tab is cut at a word's end; the full title is the sheet's first cell."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()
    if len(name) > 31:
        name = name[:31].rsplit(" ", 1)[0].rstrip(" ,;:-") or name[:31]
    name = name or "Table"
    base, k = name, 2
    while name in used:
        suffix = f" ({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name)
    return name


#: The numbers of one domain's cell in the workbook: (column of the long estimates, header,
#: Excel number format). Each is a number in its own cell, so it can be computed with.
WORKBOOK_NUMBERS = (
    ("estimate", "%", "0.0"),
    ("ci_lower", "95% CI low", "0.0"),
    ("ci_upper", "95% CI high", "0.0"),
    ("se", "SE", "0.00"),
    ("base_n", "n", "#,##0"),
)


def tables_excel(estimates: pd.DataFrame, path: str | Path, *, wave: str, synthetic: bool, min_n: int,
                 how: str = STUDY_WEIGHTING) -> None:
    """One sheet per table, then the long estimates, with numbers as numbers.

    A table's sheet: its title, the banner (synthetic data), the note, then one row per
    variable and level and, under each domain's name, five numeric cells (the weighted %,
    its 95% interval's ends, its SE and the base n) with Excel number formats. A suppressed
    cell (base under ``min_n``) shows only ‡, a question the wave did not ask only —. Headers
    are bold and frozen, with the variable and level columns."""
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        book = writer.book
        book.set_properties({"title": f"Descriptive tables, wave {wave}", "created": WORKBOOK_DATE})
        bold = book.add_format({"bold": True})
        red = book.add_format({"bold": True, "font_color": "#B00000"})
        head = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
        group = book.add_format({"bold": True, "align": "center", "bottom": 1})
        numbers = {column: book.add_format({"num_format": fmt}) for column, _, fmt in WORKBOOK_NUMBERS}
        marker = book.add_format({"align": "right"})
        used: set[str] = set()
        text = note(estimates, min_n, how)
        weighted = estimates[estimates["weighting"] == "weighted"]
        for table, rows in weighted.groupby("table", sort=False):
            sheet = book.add_worksheet(_sheet_name(table, used))
            sheet.write(0, 0, table, bold)
            row = 1
            if synthetic:
                sheet.write(row, 0, BANNER, red)
                row += 1
            sheet.write(row, 0, text)
            top = row + 2
            domains = list(dict.fromkeys(rows["domain"]))
            width = len(WORKBOOK_NUMBERS)
            sheet.write(top, 0, "Variable", head)
            sheet.write(top, 1, "Level", head)
            for k, domain in enumerate(domains):
                first = 2 + k * width
                sheet.merge_range(top, first, top, first + width - 1, domain, group)
                for j, (_, header, _) in enumerate(WORKBOOK_NUMBERS):
                    sheet.write(top + 1, first + j, header, head)
            sheet.write(top + 1, 0, "", head)
            sheet.write(top + 1, 1, "", head)
            cells = {(c["variable_label"], c["level"], c["domain"]): c for c in rows.to_dict("records")}
            lines = list(dict.fromkeys(zip(rows["variable_label"], rows["level"])))
            for i, (label, level) in enumerate(lines):
                r = top + 2 + i
                sheet.write(r, 0, label)
                sheet.write(r, 1, level)
                for k, domain in enumerate(domains):
                    cell = cells.get((label, level, domain))
                    if cell is None:
                        continue
                    first = 2 + k * width
                    if bool(cell.get("not_asked", False)):
                        sheet.write_string(r, first, NOT_ASKED_TEXT, marker)
                        continue
                    if bool(cell["small_base"]):
                        sheet.write_string(r, first, SUPPRESSED, marker)
                        continue
                    for j, (column, _, _) in enumerate(WORKBOOK_NUMBERS):
                        value = cell.get(column)
                        if value is not None and not pd.isna(value):
                            sheet.write_number(r, first + j, float(value), numbers[column])
            sheet.freeze_panes(top + 2, 2)
            sheet.set_column(0, 0, 40)
            sheet.set_column(1, 1, 28)
            sheet.set_column(2, 1 + width * len(domains), 9)
        name = _sheet_name("Estimates (long)", used)
        estimates.to_excel(writer, sheet_name=name, index=False)
        writer.sheets[name].freeze_panes(1, 0)


def format_tables(
    estimates: str | Path, out_md: str | Path, out_html: str | Path, out_xlsx: str | Path, *, wave: str, min_n: int,
    method: str = "rake", stratum: str | None = "country",
) -> None:
    """Write the three published formats of one wave's tables, all or none; the note says how
    the wave was weighted (its weighting ``method`` and ``stratum``, :func:`weighted_how`)."""
    how = weighted_how({"method": method, "stratum": stratum})
    est = pd.read_csv(estimates, keep_default_na=False, na_values=[""])
    synthetic = bool(est["synthetic"].all()) if "synthetic" in est else False
    with atomic_path(out_md) as md, atomic_path(out_html) as page, atomic_path(out_xlsx) as xlsx:
        md.write_text(tables_markdown(est, wave=wave, synthetic=synthetic, min_n=min_n, how=how), encoding="utf-8")
        page.write_text(tables_html(est, wave=wave, synthetic=synthetic, min_n=min_n, how=how), encoding="utf-8")
        tables_excel(est, xlsx, wave=wave, synthetic=synthetic, min_n=min_n, how=how)
