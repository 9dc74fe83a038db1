"""The Snakemake report's tables of one wave as pages the report shows in place (rendered
HTML; the report only offers a CSV or Markdown file as a download): the exclusion flow, the
weight diagnostics and margins, the estimates, what weighting changes, the country tests, the
models and both codebooks. Each page is the study report's table of the same result
(:mod:`swsurvey.stages.study_sections`), every number with its ``swsurvey explain`` id; a
codebook is its Markdown rendered. The CSV and Markdown files stay where they are, for
anyone who computes with them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path

from swsurvey.io.document import Banner, Block, Table
from swsurvey.io.files import atomic_path
from swsurvey.io.html_document import html_page, markdown_page
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import BANNER
from swsurvey.stages.model_terms import codebook_variables
from swsurvey.stages.study_sections import (
    country_tests_table,
    descriptive_tables,
    diagnostics_table,
    flow_table,
    margins_table,
    medians_table,
    model_table,
    read_table,
    weighting_effect_table,
)

log = get_logger("report_pages")

#: The result tables a wave's pages are made from (input names of rule report_pages).
TABLES = ("flow", "diagnostics", "margins", "estimates", "medians", "effect", "tests", "coefficients", "status")
#: The pages, by output name of rule report_pages: each a table page or a codebook.
PAGES = ("exclusion_flow", "diagnostics", "margins", "estimates", "medians", "weighting_effect", "country_tests",
         "coefficients", "import_codebook", "clean_codebook")


def table_pages(wave: str, tables: Mapping, codebook: Mapping, models: Mapping[str, Mapping],
                main_results: Mapping[str, str], min_n: int,
                weighting: Mapping | None = None) -> dict[str, tuple[str, list[Table]]]:
    """Each table page of the wave: its title and its tables (pure: frames in, blocks out);
    ``weighting`` the wave's weighting settings, which the notes name."""
    variables = codebook_variables(codebook)
    estimates = tables["estimates"]
    numbers = {str(t): k for k, t in enumerate(dict.fromkeys(estimates["table"]), 1)}
    return {
        "exclusion_flow": (f"Exclusion flow, wave {wave}", [flow_table(wave, tables["flow"])]),
        "diagnostics": (f"Weight diagnostics, wave {wave}", [diagnostics_table(wave, tables["diagnostics"])]),
        "margins": (f"Raking margins, wave {wave}", [margins_table(wave, tables["margins"], variables, weighting)]),
        "estimates": (f"The study's tables, weighted and unweighted, wave {wave}",
                      descriptive_tables(estimates, wave=wave, main_results=main_results, min_n=min_n,
                                         weighting=weighting)),
        "medians": (f"Medians of the numeric items, wave {wave}", [medians_table(wave, tables["medians"], min_n, weighting)]),
        "weighting_effect": (f"What weighting changes, wave {wave}",
                             [weighting_effect_table(wave, tables["effect"], numbers)]),
        "country_tests": (f"Differences between countries, wave {wave}",
                          [country_tests_table(wave, tables["tests"], variables)]),
        "coefficients": (f"Models, wave {wave}",
                         [model_table(wave, model, tables["coefficients"], tables["status"], variables, spec)
                          for model, spec in models.items()]),
    }


def write_report_pages(wave: str, *, inputs: Mapping[str, str], codebook: str, import_codebook: str,
                       clean_codebook: str, models: Mapping[str, Mapping], main_results: Mapping[str, str],
                       min_n: int, outputs: Mapping[str, str], weighting: Mapping | None = None) -> None:
    """Write every page of :data:`PAGES` for one wave, all or none. ``inputs`` maps each name of
    :data:`TABLES` to its CSV; ``outputs`` each name of :data:`PAGES` to its HTML file."""
    wave = str(wave)
    tables = {name: read_table(inputs[name]) for name in TABLES}
    synthetic = tables["estimates"]["synthetic"].map(str).eq("True").any()
    banner: list[Block] = [Banner(f"{BANNER} (wave {wave})")] if synthetic else []
    pages = {name: html_page(title, [*banner, *blocks])
             for name, (title, blocks) in table_pages(
                 wave, tables, json.loads(Path(codebook).read_text(encoding="utf-8")), models, main_results,
                 min_n, weighting).items()}
    for name, source, what in (("import_codebook", import_codebook, "Raw codebook"),
                               ("clean_codebook", clean_codebook, "Analysis codebook")):
        pages[name] = markdown_page(f"{what}, wave {wave}", Path(source).read_text(encoding="utf-8"))
    with contextlib.ExitStack() as stack:
        for name in PAGES:
            stack.enter_context(atomic_path(outputs[name])).write_text(pages[name], encoding="utf-8", newline="\n")
    log.info("report pages of wave %s: %s", wave, ", ".join(PAGES))
