"""The weighting sensitivity panel as report blocks (:mod:`swsurvey.io.document`): the sentence
naming what moved, the headline estimates by scheme side by side, the tests by scheme, the
extreme weights and the figure; the same blocks make the wave's report page
(:func:`write_sensitivity_page`) and its section of the study report
(:mod:`swsurvey.stages.study_report`). Pure over the panel's tables
(:mod:`swsurvey.stages.sensitivity`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from swsurvey.io.document import Banner, Block, Cell, Figure, Paragraph, Row, Table, text_cell
from swsurvey.io.files import write_text
from swsurvey.io.html_document import html_page
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import BANNER, SUPPRESSED
from swsurvey.io.tables import methods_text
from swsurvey.stages.sensitivity_flags import MAIN, moved_sentence
from swsurvey.stages.study_sections import fmt_p, is_true, read_table

log = get_logger("sensitivity")

#: The mark of a result whose conclusion moves.
MOVED_MARK = "†"


def _schemes(results: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(results["scheme"], results["scheme_label"])))


def estimates_table(wave: str, results: pd.DataFrame) -> Table:
    """Each headline percentage by domain (rows, grouped by item) under every scheme (columns),
    with its 95% interval; moved ones marked."""
    schemes = _schemes(results)
    estimates = results[results["kind"] == "estimate"]
    by = {(r["scheme"], r["item"], r["domain"]): r for _, r in estimates.iterrows()}
    rows = []
    for _, r in estimates[estimates["scheme"] == MAIN].iterrows():
        group = f"{r['item_label']}: {r['level']} [{r['item']}]"
        if is_true(r["not_asked"]):
            rows.append(Row(str(r["domain"]), tuple([text_cell("not asked")] + [()] * len(schemes)), group=group))
            continue
        cells: list[Cell] = [text_cell(f"{int(r['n']):,}")]
        for scheme, _ in schemes:
            s = by.get((scheme, r["item"], r["domain"]))
            if s is None or is_true(s["small_base"]):
                cells.append(text_cell(SUPPRESSED))
            else:
                mark = f" {MOVED_MARK}" if is_true(s["moved"]) else ""
                cells.append(text_cell(f"{s['estimate']:.1f} ({s['ci_lower']:.1f}–{s['ci_upper']:.1f}){mark}"))
        rows.append(Row(str(r["domain"]), tuple(cells), group=group))
    variances = "; ".join(f"{label}: {v}" for label, v in dict.fromkeys(zip(results["scheme_label"],
                                                                            results["variance"])))
    methods = methods_text(estimates.loc[estimates["ci_method"].notna() & (estimates["ci_method"] != ""),
                                         "ci_method"])
    return Table(key=f"sensitivity-{wave}", title=f"Headline results under each weighting scheme, wave {wave}",
                 stub="Domain", columns=("n", *(f"{label} % (95% CI)" for _, label in schemes)), rows=tuple(rows),
                 note=(f"{MOVED_MARK} = outside the main weighting's 95% interval. Intervals: {methods}. SEs: "
                       f"{variances}. {SUPPRESSED} = fewer respondents in the base than the minimum, suppressed. "
                       f"Source: results/{wave}/describe/sensitivity.csv."))


def tests_table(wave: str, results: pd.DataFrame) -> Table:
    """Each country test and model term's p under every scheme; a change of significance at 5%
    marked."""
    schemes = _schemes(results)
    tests = results[results["kind"] != "estimate"]
    by = {(r["scheme"], r["kind"], r["item"], r["level"]): r for _, r in tests.iterrows()}
    rows = []
    for _, r in tests[tests["scheme"] == MAIN].iterrows():
        cells = []
        for scheme, _ in schemes:
            s = by.get((scheme, r["kind"], r["item"], r["level"]))
            text = "" if s is None else fmt_p(s["p"])
            cells.append(text_cell(text + (f" {MOVED_MARK}" if s is not None and is_true(s["moved"]) else "")))
        if r["kind"] == "country_test":
            rows.append(Row(str(r["item_label"]), tuple(cells), group="Differences between countries (Holm p)"))
        else:
            rows.append(Row(str(r["level"]), tuple(cells), group=f"Model {r['item']}: term tests (p)"))
    return Table(key=f"sensitivity-tests-{wave}", title=f"Tests under each weighting scheme, wave {wave}",
                 stub="Test", columns=tuple(f"{label} p" for _, label in schemes), rows=tuple(rows),
                 note=(f"Country tests: Rao-Scott F, Holm-adjusted over the items; model terms: Wald F "
                       f"(regTermTest). {MOVED_MARK} = significant at 5% under one scheme and not the other. "
                       f"Source: results/{wave}/describe/sensitivity.csv."))


def extremes_paragraph(extremes: pd.DataFrame) -> list[Paragraph]:
    """One line per scheme: each country's extreme cell, largest weight and Kish deff."""
    return [Paragraph(f"Extreme weights, {label}: " + "; ".join(group["text"]) + ".")
            for label, group in extremes.groupby("scheme_label", sort=False)]


def sensitivity_blocks(wave: str, results: pd.DataFrame, extremes: pd.DataFrame, figure: Path | None) -> list[Block]:
    """The panel's blocks: the sentence of what moved, the two tables, the extreme weights and
    the figure."""
    blocks: list[Block] = [Paragraph(moved_sentence(results)), estimates_table(wave, results),
                           tests_table(wave, results), *extremes_paragraph(extremes)]
    if figure is not None:
        blocks.append(Figure(figure, f"Headline results by domain under each weighting scheme, with 95% intervals; "
                                     f"the main weighting's interval shaded, a moved estimate ringed. Wave {wave}."))
    return blocks


def write_sensitivity_page(results: str | Path, extremes: str | Path, figure: str | Path, out_html: str | Path, *,
                           wave: str) -> None:
    """The wave's weighting sensitivity page (HTML) from the panel's tables and figure."""
    table = read_table(results)
    synthetic = table["synthetic"].map(str).eq("True").any()
    banner: list[Block] = [Banner(f"{BANNER} (wave {wave})")] if synthetic else []
    blocks = sensitivity_blocks(str(wave), table, read_table(extremes), Path(figure))
    write_text(out_html, html_page(f"Weighting sensitivity, wave {wave}", [*banner, *blocks]))
    log.info("weighting sensitivity page of wave %s", wave)
