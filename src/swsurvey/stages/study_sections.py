"""The sections of the study report, each a pure function from a result table to report
blocks (:mod:`swsurvey.io.document`): the exclusion flow, the weighting, the descriptive tables,
the models, the country tests, the published-figure check and the changes between waves, and
the methods paragraph. :mod:`swsurvey.stages.study_report` reads the files and puts them in order.

Every number carries the id ``swsurvey explain`` takes: a descriptive estimate its cell's
(:func:`swsurvey.io.explain_ids.cell_id`), any other its row's in its result table
(:func:`swsurvey.io.explain_ids.row_id`). Percentages are shown as the published tables show
them (:func:`swsurvey.io.tables.cell_text`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from swsurvey.io.document import Cell, Paragraph, Row, Table, Value, text_cell
from swsurvey.io.explain_ids import CROSSWAVE, PATTERN, ROW_TABLES, cell_id, row_id
from swsurvey.io.table_text import NOT_ASKED_TEXT, weighted_how
from swsurvey.io.tables import SUPPRESSED, bases_text, cell_text, methods_text, quantile_text
from swsurvey.stages.model_terms import formula_parts, response_label, term_labels, variable_label

#: How the report tells a reader to trace a descriptive cell (the DOCX cannot hold tooltips).
TRACE_NOTE = (f"Trace any percentage to the raw file with: swsurvey explain '{PATTERN}', where <table> is "
              "the table's number in its wave (T1 to T4 for the study's tables 1 to 4), <variable> the name "
              "in brackets after the variable's label, <level> and <domain> as shown (a '/' in them written "
              "%2F); in the HTML report, the id is each number's tooltip.")


def read_table(path: str | Path) -> pd.DataFrame:
    """A result table as the sections read it: empty cells are missing, "NA" is text, waves are text."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"wave": str, "from_wave": str,
                                                                            "to_wave": str})


def row_note(table: str, wave: str = "<wave>") -> str:
    """How to trace a number of one of the result tables (the DOCX has no tooltips)."""
    columns = "/".join(f"<{c}>" for c in ROW_TABLES[table][1])
    return f"Trace a row's numbers with: swsurvey explain '{wave}/{table}/{columns}' (the id is each number's tooltip in the HTML)."


def traced(text: str, ident: str) -> Cell:
    """A cell of one number and the id that traces it (empty text: an empty cell)."""
    return (Value(text, ident),) if text != "" else ()


def fmt_p(p: float) -> str:
    if pd.isna(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_signed(x: float) -> str:
    """'+1.2' or '-0.5', and '0.0' for what rounds to zero (never '-0.0')."""
    text = f"{x:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def fmt_int(x: float) -> str:
    return "" if pd.isna(x) else f"{int(x):,}"


def is_true(value: object) -> bool:
    """A flag of a result table read as text ("True", "False")."""
    return str(value).strip().lower() == "true"


# -- the sample ------------------------------------------------------------------------------


def flow_table(wave: str, flow: pd.DataFrame) -> Table:
    """Responses remaining after each cleaning step, by country, with those each step excluded."""
    columns = [c for c in flow.columns if f"{c} excluded" in flow.columns]
    rows = []
    for _, step in flow.iterrows():
        cells = []
        ident = row_id(wave, "exclusion_flow", step["step"])
        for column in columns:
            lines = [Value(fmt_int(step[column]), ident)]
            excluded = step[f"{column} excluded"]
            if pd.notna(excluded) and excluded > 0:
                lines.append(Value(f"−{int(excluded):,}", ident))
            cells.append(tuple(lines))
        rows.append(Row(str(step["description"]), tuple(cells)))
    return Table(
        key=f"flow-{wave}", title=f"Sample and exclusions, wave {wave}", stub="Step", columns=tuple(columns),
        rows=tuple(rows),
        note=("Responses remaining after each step, by country; beneath (−), the responses that step excluded. "
              f"Source: results/{wave}/clean/exclusion_flow.csv. {row_note('exclusion_flow', wave)}"),
    )


# -- the weighting ---------------------------------------------------------------------------


def margin_label(margin: str, variables: Mapping[str, dict]) -> str:
    """'Country × Gender' for the raking margin ``country:gender__raking``."""
    names = margin.split("__")[0].split(":")
    return " × ".join(variable_label(variables, name) for name in names)


def within_stratum(margins: pd.DataFrame, column: str, stratified: bool = True) -> pd.Series:
    """A margin's column as % of its stratum's total (the first part of a level, ``Canada:Woman``):
    raking is within the stratum, so that is what the targets say; of the margin's total when
    the weighting has no stratum (``stratified`` False: a level such as ``Woman:Under 30`` is
    a joint cell, not a stratum's)."""
    if not stratified:
        return 100 * margins[column] / margins.groupby("margin")[column].transform("sum")
    stratum = margins["level"].astype(str).str.split(":").str[0]
    totals = margins.groupby([margins["margin"], stratum])[column].transform("sum")
    return 100 * margins[column] / totals


def margins_table(wave: str, margins: pd.DataFrame, variables: Mapping[str, dict],
                  weighting: Mapping | None = None) -> Table:
    """Each margin's cells: the sample's n, and the sample's, the target's and the final
    weights' share of the cell within its stratum (country), in %; the note says how the
    wave was weighted (``weighting``, :func:`weighted_how`)."""
    stratified = (weighting or {}).get("stratum", "country") is not None
    shares = {column: within_stratum(margins, column, stratified) for column in ("before", "target", "after")}
    how = "raking is within country" if weighted_how(weighting) == weighted_how(None) else weighted_how(weighting)
    rows = []
    for i, cell in margins.iterrows():
        ident = row_id(wave, "margins", cell["margin"], cell["level"])
        rows.append(Row(
            str(cell["level"]).replace(":", ": "),
            (traced(fmt_int(cell["n"]), ident),
             *(traced(f"{shares[c][i]:.1f}", ident) for c in ("before", "target", "after"))),
            group=margin_label(str(cell["margin"]), variables),
        ))
    worst = margins["rel_error"].abs().max()
    return Table(
        key=f"margins-{wave}", title=f"Weighting targets and achieved margins, wave {wave}", stub="Cell",
        columns=("n", "Sample %", "Target %", "Weighted %"), rows=tuple(rows),
        note=(f"Shares of each cell within its country ({how}), in %. The largest relative difference between a weighted margin and its "
              f"target is {worst:.1e}. Source: results/{wave}/weight/margins.csv. {row_note('margins', wave)}"),
    )


def stratum_column(diagnostics: pd.DataFrame) -> str:
    """The weight diagnostics' stratum column, the one before ``n``: the weighting's stratum
    (``country``), or ``stratum`` when the weighting has none (its one row "All")."""
    if "n" not in diagnostics.columns:
        return "country"
    return str(diagnostics.columns[diagnostics.columns.get_loc("n") - 1])


def diagnostics_table(wave: str, diagnostics: pd.DataFrame) -> Table:
    """The weights by stratum (country) and overall: range, Kish design effect and effective n."""
    rows = []
    by = stratum_column(diagnostics)
    for _, d in diagnostics.iterrows():
        ident = row_id(wave, "diagnostics", d[by])
        rows.append(Row(str(d[by]), (
            traced(fmt_int(d["n"]), ident), traced(f"{d['min']:,.2f} to {d['max']:,.2f}", ident),
            traced(f"{d['kish_deff']:.2f}", ident), traced(f"{d['kish_neff']:,.0f}", ident),
            text_cell("yes" if is_true(d["converged"]) else "NO"),
        )))
    return Table(
        key=f"weights-{wave}", title=f"Weights, design effect and effective sample size, wave {wave}",
        stub=by.replace("_", " ").capitalize(), columns=("n", "Weights (min to max)", "Kish deff", "Effective n",
                                                         "Converged"),
        rows=tuple(rows),
        note=("Kish design effect of the weights, 1 + CV², and effective n = n / deff (the overall row's deff "
              f"includes the differences between countries' weights). Source: results/{wave}/weight/diagnostics.csv. "
              + row_note("diagnostics", wave)),
    )


# -- the descriptive tables ------------------------------------------------------------------


#: A table's own number at the start of its name ("2. Informal ICT use").
_NUMBERED = re.compile(r"^\d+\.\s*")


def _estimate_value(row: pd.Series, wave: str, number: int, text: str) -> Value:
    traceable = not is_true(row.get("not_asked", False))
    ident = cell_id(wave, number, row["variable"], row["level"], row["domain"], row["weighting"]) if traceable else ""
    return Value(text, ident)


def descriptive_tables(estimates: pd.DataFrame, *, wave: str, main_results: Mapping[str, str],
                       min_n: int, weighting: Mapping | None = None) -> list[Table]:
    """Each of the wave's tables: weighted % (95% CI) by domain, and for the main results
    (``describe.main_results``) the unweighted % beneath; every number with its explain id;
    the note says how the percentages were weighted (``weighting``, :func:`weighted_how`)."""
    est = estimates.copy()
    for flag in ("small_base", "not_asked"):
        if flag in est:
            est[flag] = est[flag].map(is_true)
    out = []
    for number, (table, rows) in enumerate(est.groupby("table", sort=False), 1):
        domains = list(dict.fromkeys(rows["domain"]))
        by_cell = {(r["variable"], r["level"], r["domain"], r["weighting"]): r for _, r in rows.iterrows()}
        lines = []
        for variable, level, label in dict.fromkeys(zip(rows["variable"], rows["level"], rows["variable_label"])):
            cells: list[Cell] = []
            for domain in domains:
                weighted = by_cell.get((variable, level, domain, "weighted"))
                if weighted is None:
                    cells.append(())
                    continue
                cell = [_estimate_value(weighted, wave, number, cell_text(weighted))]
                unweighted = by_cell.get((variable, level, domain, "unweighted"))
                shown = not weighted["small_base"] and not weighted.get("not_asked", False)
                if main_results.get(variable) == level and unweighted is not None and shown:
                    cell.append(_estimate_value(unweighted, wave, number, f"unw. {unweighted['estimate']:.1f}"))
                cells.append(tuple(cell))
            lines.append(Row(str(level), tuple(cells), group=f"{label} [{variable}]"))
        weighted = rows[rows["weighting"] == "weighted"]
        variance = "; ".join(dict.fromkeys(weighted["variance"].astype(str))) if "variance" in weighted else ""
        note = (f"Weighted percentages ({weighted_how(weighting)}) with 95% confidence intervals "
                f"({methods_text(weighted['ci_method'])}; variance: {variance}); {SUPPRESSED} = fewer than {min_n} "
                f"respondents in the base, suppressed; — = not asked in this wave. For the main results, the "
                f"unweighted percentage is beneath (unw.). A percentage's base is the respondents with a value"
                f"{bases_text(rows)}. {TRACE_NOTE}")
        name = _NUMBERED.sub("", str(table))
        out.append(Table(key=f"t-{wave}-{number}", title=f"{name} (study table {number}), wave {wave}", stub="",
                         columns=tuple(domains), rows=tuple(lines), note=note))
    return out


def medians_table(wave: str, medians: pd.DataFrame, min_n: int, weighting: Mapping | None = None) -> Table:
    """The numeric items (``describe.numeric``) by domain: the weighted median (95% Woodruff CI)
    and interquartile range, and the unweighted median beneath; every number with its row's id."""
    table = medians.copy()
    for flag in ("small_base", "not_asked"):
        table[flag] = table[flag].map(is_true)
    domains = list(dict.fromkeys(table["domain"]))
    by = {(r["variable"], r["domain"], r["weighting"], r["statistic"]): r for _, r in table.iterrows()}
    rows = []
    for variable, label in dict.fromkeys(zip(table["variable"], table["variable_label"])):
        cells: list[Cell] = []
        for domain in domains:
            first = next((r for key, r in by.items() if key[:3] == (variable, domain, "weighted")), None)
            if first is None:
                cells.append(())
            elif first["not_asked"]:
                cells.append(text_cell(NOT_ASKED_TEXT))
            elif first["small_base"]:
                cells.append(text_cell(SUPPRESSED))
            else:
                def ident(weighting: str, statistic: str, domain: str = domain) -> str:
                    return row_id(wave, "medians", variable, domain, weighting, statistic)

                med, q1, q3 = (by[variable, domain, "weighted", s] for s in ("median", "lower quartile",
                                                                              "upper quartile"))
                cell = [Value(f"{quantile_text(med['estimate'])} ({quantile_text(med['ci_lower'])}–"
                              f"{quantile_text(med['ci_upper'])})", ident("weighted", "median")),
                        Value(f"IQR {quantile_text(q1['estimate'])}–{quantile_text(q3['estimate'])}",
                              ident("weighted", "lower quartile"))]
                unweighted = by.get((variable, domain, "unweighted", "median"))
                if unweighted is not None and not unweighted["small_base"]:
                    cell.append(Value(f"unw. {quantile_text(unweighted['estimate'])}", ident("unweighted", "median")))
                cells.append(tuple(cell))
        rows.append(Row(f"{label} [{variable}]", tuple(cells)))
    shown = table[~table["not_asked"] & table["ci_method"].notna()]
    weighted = shown[shown["weighting"] == "weighted"]
    variance = "; ".join(dict.fromkeys(weighted["variance"].astype(str)))
    note = (f"Weighted medians ({weighted_how(weighting)}) with 95% confidence intervals ({methods_text(shown['ci_method'])}: "
            f"R's svyquantile with its default quantile rule; variance: {variance}), the interquartile range (IQR, "
            f"the weighted quartiles) beneath, and the unweighted median (unw.). A median's base is the respondents "
            f"with a value; {SUPPRESSED} = fewer than {min_n}, suppressed; {NOT_ASKED_TEXT} = not asked in this "
            f"wave; NA = an interval end beyond the data. Source: results/{wave}/describe/medians.csv. "
            + row_note("medians", wave))
    return Table(key=f"medians-{wave}", title=f"Medians of the numeric items (study table 1, continued), wave {wave}",
                 stub="", columns=tuple(domains), rows=tuple(rows), note=note)


# -- the models and tests --------------------------------------------------------------------


def _ratio_text(row: pd.Series, ratio: bool) -> str:
    if ratio and pd.notna(row.get("odds_ratio")):
        return f"{row['odds_ratio']:.2f} ({row['or_lower']:.2f}–{row['or_upper']:.2f})"
    if pd.isna(row["estimate"]):
        return ""
    return f"{row['estimate']:.2f} ({row['ci_lower']:.2f}–{row['ci_upper']:.2f})"


PREDICTORS, CUT_POINTS = "Predictors", "Cut-points (logit scale)"


def model_table(wave: str, model: str, coefficients: pd.DataFrame, status: pd.DataFrame,
                variables: Mapping[str, dict], spec: Mapping) -> Table | Paragraph:
    """A model as a regression table: odds ratios (or coefficients) with 95% CIs and p,
    weighted beside unweighted, terms in words; a paragraph instead when no fit succeeded."""
    coefs = coefficients[coefficients["model"] == model]
    fits = status[status["model"] == model].set_index("weighting")
    formula = str(fits["formula"].iloc[0]) if len(fits) else str(spec.get("formula", ""))
    response, _ = formula_parts(formula)
    if coefs.empty:
        errors = "; ".join(str(e) for e in fits.get("error", pd.Series(dtype=str)).dropna() if str(e))
        return Paragraph(f"Model {model} ({response_label(response, variables)}): not estimated. {errors}".strip())
    terms = list(dict.fromkeys(zip(coefs["term"], coefs["kind"])))
    labels = term_labels(terms, formula, variables, spec.get("reference") or {}, spec.get("domain") or {})
    ratio = bool(coefs.loc[coefs["kind"] == "coefficient", "odds_ratio"].notna().any())
    by = {(r["term"], r["weighting"]): r for _, r in coefs.iterrows()}
    weightings = [w for w in ("weighted", "unweighted") if w in set(coefs["weighting"])]
    rows = []
    for term, kind in terms:
        cells: list[Cell] = []
        for weighting in weightings:
            row = by.get((term, weighting))
            if row is None:
                cells += [(), ()]
                continue
            ident = row_id(wave, "coefficients", model, term, weighting)
            cells += [traced(_ratio_text(row, ratio and kind == "coefficient"), ident), traced(fmt_p(row["p"]), ident)]
        rows.append(Row(labels[term], tuple(cells), group=CUT_POINTS if kind == "cut-point" else PREDICTORS))
    head = "OR (95% CI)" if ratio else "Estimate (95% CI)"
    columns = tuple(f"{w.capitalize()} {h}" for w in weightings for h in (head, "p"))
    family = str(fits["family"].iloc[0]) if len(fits) else str(spec.get("family", ""))
    used = ", ".join(f"{w} n = {fmt_int(fits.loc[w, 'n_used'])}" for w in weightings if w in fits.index)
    problems = "; ".join(f"{w}: {fits.loc[w, k]}" for w in weightings if w in fits.index
                         for k in ("separation", "error", "notes") if k in fits and pd.notna(fits.loc[w, k])
                         and str(fits.loc[w, k]))
    variance = "; ".join(dict.fromkeys(coefs.loc[coefs["weighting"] == "weighted", "variance"].astype(str)))
    note = (f"{family} model of {response_label(response, variables)} ({used}); "
            f"{'odds ratios' if ratio else 'coefficients'} with 95% CIs ({methods_text(coefs['ci_method'])}) and "
            f"p; variance of the weighted fit: {variance}."
            + (f" Notes: {problems}." if problems else "")
            + f" Source: results/{wave}/infer/coefficients.csv (model {model}). "
            + row_note("coefficients", wave).replace("<model>", model)
            + " (<term> as coefficients.csv names it, e.g. the variable's name and the level glued together).")
    return Table(key=f"model-{wave}-{model}", title=f"Model {model}: {response_label(response, variables)}, wave {wave}",
                 stub="Term", columns=columns, rows=tuple(rows), note=note)


def country_tests_table(wave: str, tests: pd.DataFrame, variables: Mapping[str, dict]) -> Table:
    """Each key item by country: the Rao-Scott F, p and Holm p, weighted and unweighted."""
    weightings = [w for w in ("weighted", "unweighted") if w in set(tests["weighting"])]
    by = {(r["item"], r["weighting"]): r for _, r in tests.iterrows()}
    rows = []
    for item in dict.fromkeys(tests["item"]):
        cells: list[Cell] = []
        for weighting in weightings:
            r = by.get((item, weighting))
            ident = row_id(wave, "country_tests", item, weighting)
            cells += [traced("" if r is None else f"{r['statistic']:.2f} ({r['ndf']:.2f}, {r['ddf']:.0f})", ident),
                      traced("" if r is None else fmt_p(r["p_value"]), ident),
                      traced("" if r is None else fmt_p(r["p_holm"]), ident)]
        rows.append(Row(variable_label(variables, item), tuple(cells)))
    columns = tuple(f"{w.capitalize()} {h}" for w in weightings for h in ("F (df)", "p", "Holm p"))
    methods = "; ".join(dict.fromkeys(tests["method"].astype(str)))
    return Table(key=f"tests-{wave}", title=f"Differences between countries, wave {wave}", stub="Item",
                 columns=columns, rows=tuple(rows),
                 note=(f"{methods} (design-based F with its numerator and denominator df); Holm-adjusted p over "
                       f"the items. Source: results/{wave}/infer/country_tests.csv. "
                       + row_note("country_tests", wave).replace("<item>", "<item's name>")))


def published_table(wave: str, published: pd.DataFrame) -> Table:
    """Each published figure beside the pipeline's (unweighted, on the same base)."""
    rows = []
    for _, r in published.iterrows():
        ident = row_id(wave, "published", r["figure"])
        rows.append(Row(str(r["label"]), (
            traced(f"{r['published_pct']:g}", ident), traced(f"{r['reproduced_pct']:.1f}", ident),
            traced(fmt_signed(r["difference"]), ident), traced(fmt_int(r["base_n"]), ident),
            text_cell(str(r["published_base"])))))
    worst = published["difference"].abs().max()
    return Table(key=f"published-{wave}", title=f"Published figures reproduced, wave {wave}", stub="Figure",
                 columns=("Published %", "Reproduced %", "Difference", "Base n", "Published base"), rows=tuple(rows),
                 text_columns=(4,),
                 note=(f"Unweighted percentages on the published base; the largest difference is {worst:.1f} points. "
                       f"Source: results/{wave}/describe/published.csv. {row_note('published', wave)}"))


def changes_tables(changes: pd.DataFrame) -> list[Table]:
    """Per pair of waves: each main result's weighted % in both waves and the change (95% CI, p)."""
    out = []
    weighted = changes[changes["weighting"] == "weighted"]
    for (first, second), rows in weighted.groupby(["from_wave", "to_wave"], sort=False):
        lines = []
        for _, r in rows.iterrows():
            estimated = r["status"] == "estimated" and not is_true(r["small_base"])
            change = (f"{fmt_signed(r['change'])} ({fmt_signed(r['ci_lower'])} to {fmt_signed(r['ci_upper'])})" if estimated
                      else str(r["status"]) if r["status"] != "estimated" else SUPPRESSED)
            ident = row_id(CROSSWAVE, "changes", first, second, r["variable"], r["level"], r["domain"], "weighted")
            lines.append(Row(str(r["domain"]), (
                traced("" if pd.isna(r["estimate_from"]) else f"{r['estimate_from']:.1f}", ident),
                traced("" if pd.isna(r["estimate_to"]) else f"{r['estimate_to']:.1f}", ident),
                traced(change, ident), traced(fmt_p(r["p_value"]) if estimated else "", ident)),
                group=f"{r['variable_label']}: {r['level']}"))
        out.append(Table(
            key=f"changes-{first}-{second}", title=f"Changes from wave {first} to wave {second}", stub="Domain",
            columns=(f"{first} %", f"{second} %", "Change, points (95% CI)", "p"), rows=tuple(lines),
            note=(f"Weighted percentages; {'; '.join(dict.fromkeys(rows['method'].astype(str)))}; p not adjusted for "
                  "multiplicity. Unweighted changes are in results/crosswave/changes.csv. "
                  + row_note("changes", CROSSWAVE))))
    return out


def trend_tables(trend: pd.DataFrame) -> list[Table]:
    """Each main result's weighted % in every wave and its linear trend across the waves
    (points per year, 95% CI, p), one table (results/crosswave/trend.csv)."""
    waves = [c[len("estimate_"):] for c in trend.columns if c.startswith("estimate_")]
    lines = []
    for _, r in trend[trend["weighting"] == "weighted"].iterrows():
        small = is_true(r["small_base"])
        estimated = r["status"] == "estimated" and not small
        ident = row_id(CROSSWAVE, "trend", r["variable"], r["level"], r["domain"], "weighted")
        slope = (f"{r['slope']:+.2f} ({r['ci_lower']:+.2f} to {r['ci_upper']:+.2f})" if estimated
                 else str(r["status"]) if r["status"] != "estimated" else SUPPRESSED)
        values = tuple(traced("" if pd.isna(r[f"estimate_{w}"]) else SUPPRESSED if small
                              else f"{r[f'estimate_{w}']:.1f}", ident) for w in waves)
        lines.append(Row(str(r["domain"]), (*values, traced(slope, ident),
                                            traced(fmt_p(r["p_value"]) if estimated else "", ident)),
                         group=f"{r['variable_label']}: {r['level']}"))
    basis = str(trend["time_basis"].iloc[0]) if len(trend) else ""
    return [Table(
        key="trend", title=f"Trends across waves {', '.join(waves)}", stub="Domain",
        columns=(*(f"{w} %" for w in waves), "Slope, points per year (95% CI)", "p"), rows=tuple(lines),
        note=(f"Weighted percentages; {'; '.join(dict.fromkeys(trend['method'].astype(str)))}; a wave's time is the "
              f"{basis}; p not adjusted for multiplicity. A trend needs three waves that asked the item. Unweighted "
              "trends are in results/crosswave/trend.csv. " + row_note("trend", CROSSWAVE)))]


# -- the methods -----------------------------------------------------------------------------


def weighting_words(weighting: Mapping, variables: Mapping[str, dict], margins: str, trimmed: int) -> str:
    """How a wave was weighted, in words, from its weighting settings: the method (raked,
    post-stratified, calibrated, or the base weights unchanged), within what, to which margins
    (``margins``, their labels), how, and the trimming (``trimmed`` weights held)."""
    method = weighting.get("method", "rake")
    base = (weighting.get("design") or {}).get("weights")
    weights = f"base weights ({base})" if base else "weights"
    stratum = weighting.get("stratum", "country")
    within = f" within {variable_label(variables, stratum).lower()}" if stratum else ""
    trim = (f"trimmed: {weighting['trim']}, {trimmed} weights" if weighting.get("trim") else "no trimming")
    if method == "none":
        return f"no weighting to population margins: the weights are the base weights ({base or 'all 1'})"
    if method == "poststratify":
        return f"{weights} post-stratified{within} to the population cells {margins} (R's postStratify; {trim})"
    if method in ("linear", "logit"):
        bounds = {k: v for k, v in (weighting.get("bounds") or {}).items() if v is not None}
        limits = f", g-weights between {bounds.get('lower', '-inf')} and {bounds.get('upper', 'inf')}" if bounds else ""
        kind = "linear calibration (GREG)" if method == "linear" else "bounded logit calibration"
        return (f"{weights} calibrated{within} to the population margins {margins} ({kind}{limits}; convergence "
                f"tolerance {weighting.get('epsilon')}, at most {weighting.get('maxit')} iterations)")
    return (f"{weights} raked{within} to the population margins {margins} (iterative proportional fitting, "
            f"convergence tolerance {weighting.get('epsilon')}, at most {weighting.get('maxit')} sweeps; {trim})")


def methods_paragraph(estimates: Mapping[str, pd.DataFrame], diagnostics: Mapping[str, pd.DataFrame],
                      margins: Mapping[str, pd.DataFrame], weighting: Mapping, variables: Mapping[str, dict],
                      versions: Mapping[str, str], wave_weighting: Mapping[str, Mapping] | None = None) -> Paragraph:
    """What this run did, in words, from its own tables: the weighting (each wave's own,
    ``wave_weighting``, where given, else ``weighting``: :func:`weighting_words`), the variance
    and CI methods with the range of design df they span, and the software."""
    parts = []
    for wave, est in estimates.items():
        weighted = est[est["weighting"] == "weighted"]
        variance = "; ".join(dict.fromkeys(weighted["variance"].astype(str)))
        diag = diagnostics[wave]
        by = stratum_column(diag)
        countries = diag[diag[by] != "All"] if (diag[by] != "All").any() else diag
        trimmed = int(pd.to_numeric(countries.get("trimmed", pd.Series([0])), errors="coerce").fillna(0).sum())
        raked = ", ".join(margin_label(m, variables) for m in dict.fromkeys(margins[wave]["margin"].astype(str)))
        words = weighting_words((wave_weighting or {}).get(wave) or weighting, variables, raked, trimmed)
        parts.append(
            f"Wave {wave}: {len(est[est['weighting'] == 'weighted'].drop_duplicates(['variable', 'level', 'domain'])):,} "
            f"weighted percentages; {words}; "
            f"Kish design effect of the weights {countries['kish_deff'].min():.2f} to {countries['kish_deff'].max():.2f} "
            f"by country; variance by {variance}; 95% intervals for percentages: {methods_text(weighted['ci_method'])}.")
    software = ", ".join(f"{name} {version}" for name, version in versions.items())
    return Paragraph(
        "Methods (generated from this run). " + " ".join(parts)
        + " Percentages with a base under the minimum are suppressed; country differences are Rao-Scott "
        "second-order F tests with Holm-adjusted p; models are design-based (quasi)binomial or proportional-odds "
        f"regressions with Wald 95% intervals. Software: {software}.")


def weighting_effect_table(wave: str, effect: pd.DataFrame, table_numbers: Mapping[str, int]) -> Table:
    """Each main result by domain: unweighted %, weighted % (95% CI), the shift weighting makes
    (weighted minus unweighted, points) and the design effect; ``table_numbers`` gives each
    table's place in the wave's estimates file, for the estimates' explain ids."""
    rows = []
    shown = effect[effect["domain"] != "not asked"] if "domain" in effect else effect
    for _, r in shown.iterrows():
        small = is_true(r.get("small_base", False))
        number = table_numbers.get(str(r["table"]))

        def ident(weighting: str, r: pd.Series = r, number: int | None = number) -> str:
            return "" if number is None else cell_id(wave, number, r["variable"], r["level"], r["domain"], weighting)

        if small:
            cells: tuple[Cell, ...] = (text_cell(SUPPRESSED), text_cell(SUPPRESSED), (), (), traced(fmt_int(r["base_n"]), ""))
        else:
            ci = "" if pd.isna(r["ci_lower"]) else f" ({r['ci_lower']:.1f}–{r['ci_upper']:.1f})"
            cells = (traced(f"{r['unweighted']:.1f}", ident("unweighted")),
                     traced(f"{r['weighted']:.1f}{ci}", ident("weighted")),
                     traced("" if pd.isna(r["shift"]) else fmt_signed(r["shift"]), ident("weighted")),
                     traced("" if pd.isna(r["deff"]) else f"{r['deff']:.2f}", ident("weighted")),
                     traced(fmt_int(r["base_n"]), ""))
        rows.append(Row(str(r["domain"]), cells, group=f"{r['variable_label']}: {r['level']} [{r['variable']}]"))
    methods = methods_text(shown["ci_method"]) if len(shown) else ""
    return Table(key=f"effect-{wave}", title=f"What weighting changes in the main results, wave {wave}", stub="Domain",
                 columns=("Unweighted %", "Weighted % (95% CI)", "Shift (points)", "Design effect", "n"),
                 rows=tuple(rows),
                 note=(f"Weighted minus unweighted percentage of each main result (describe.main_results); intervals: "
                       f"{methods}; {SUPPRESSED} = fewer respondents in the base than the minimum, suppressed. "
                       f"Source: results/{wave}/describe/weighting_effect.csv. {TRACE_NOTE}"))
