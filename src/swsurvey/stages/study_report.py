"""The study report of a run: one HTML page to e-mail (``results/report/study.html``) and the
same as a Word document (``study.docx``), reading top to bottom like a paper's results section.

The SYNTHETIC DATA banner when any wave is synthetic, the title, the methods as this run did
them; then per wave the sample and its exclusions, the weighting (targets beside the achieved
margins, design effect and effective n), the study's tables by country (the numeric items'
medians after study table 1), the figures, the models as regression tables, the tests between
countries and the published-figure check; then the changes between waves and, with three
waves or more, the trends across them. :mod:`swsurvey.stages.study_sections` makes each part from its
table; this module reads the files, numbers the tables and writes both formats, all or none.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from swsurvey.io.document import Banner, Block, Figure, Heading, Paragraph, Table
from swsurvey.io.docx import docx_bytes
from swsurvey.io.files import atomic_path
from swsurvey.io.html_document import html_page
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import BANNER
from swsurvey.stages.crosswave_trend import read_trend
from swsurvey.stages.model_terms import codebook_variables
from swsurvey.stages.sensitivity_sections import sensitivity_blocks
from swsurvey.stages.study_sections import (
    TRACE_NOTE,
    changes_tables,
    country_tests_table,
    descriptive_tables,
    diagnostics_table,
    flow_table,
    margins_table,
    medians_table,
    methods_paragraph,
    model_table,
    published_table,
    read_table,
    trend_tables,
)

log = get_logger("study_report")

TITLE = "The #socialwork survey: study report"
#: The packages whose versions the methods name (those that compute or write the results).
SOFTWARE = ("swsurvey", "numpy", "pandas", "scipy", "statsmodels", "pyreadstat", "matplotlib", "great-tables",
            "python-docx")
#: What each kind of figure shows (swsurvey.stages.study_figures.FIGURES); the settings follow.
FIGURE_CAPTIONS = {
    "any_use_by_country": "Informal ICT use with clients by country and pooled: weighted % with 95% intervals.",
    "frequency_by_channel": "How often each channel is used with clients (weighted %), as diverging stacked bars.",
    "purposes_heatmap": "Purposes of informal ICT use by country (weighted % of users).",
    "exclusion_flow": "Responses excluded at each cleaning step, by country, with the number remaining.",
    "odds_ratios": "Odds ratios with 95% design-based intervals, weighted (filled) beside unweighted (open), log scale.",
    "weighting_shift": "What weighting changes in the main results: weighted minus unweighted percentage, with the "
                       "weighted 95% interval less the unweighted percentage.",
}




def software_versions() -> dict[str, str]:
    """Python and the packages of :data:`SOFTWARE` that are installed, with their versions."""
    versions = {"Python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def figure_caption(name: str, settings: Mapping, wave: str) -> str:
    words = FIGURE_CAPTIONS.get(name, name.replace("_", " ").capitalize() + ".")
    shown = "; ".join(f"{key}: {value}" for key, value in settings.items())
    return f"{words} Wave {wave}" + (f" ({shown})." if shown else ".")


def numbered(blocks: Sequence[Block]) -> list[Block]:
    """The blocks with every table's title numbered in order (Table 1, Table 2, ...)."""
    out, k = [], 0
    for block in blocks:
        if isinstance(block, Table):
            k += 1
            block = dataclasses.replace(block, title=f"Table {k}. {block.title}")
        out.append(block)
    return out


def wave_blocks(wave: str, *, tables: Mapping[str, pd.DataFrame], codebook: Mapping, figures: Mapping[str, Path],
                figure_settings: Mapping[str, Mapping], weighting_figure: Path | None, published: pd.DataFrame | None,
                models: Mapping[str, Mapping], main_results: Mapping[str, str], min_n: int,
                sensitivity: tuple[pd.DataFrame, pd.DataFrame, Path | None] | None = None,
                weighting: Mapping | None = None) -> list[Block]:
    """One wave's part of the report, from its result tables (keys as :func:`write_study_report` reads them);
    with ``sensitivity`` (the panel's table, its extreme weights and its figure), the weighting sensitivity;
    ``weighting`` the wave's weighting settings, which the notes name."""
    variables = codebook_variables(codebook)
    blocks: list[Block] = [Heading(f"Wave {wave}", 1), Heading("Sample", 2), flow_table(wave, tables["flow"]),
                           Heading("Weighting", 2), diagnostics_table(wave, tables["diagnostics"]),
                           margins_table(wave, tables["margins"], variables, weighting)]
    if weighting_figure is not None:
        blocks.append(Figure(weighting_figure, f"Target, unweighted and weighted margins of each raking cell. "
                                               f"Wave {wave}."))
    blocks.append(Heading("The study's tables by country", 2))
    study_tables = descriptive_tables(tables["estimates"], wave=wave, main_results=main_results, min_n=min_n,
                                      weighting=weighting)
    # the numeric items' medians belong with study table 1, the sample's characteristics
    medians = [medians_table(wave, tables["medians"], min_n, weighting)] if len(tables["medians"]) else []
    blocks += [*study_tables[:1], *medians, *study_tables[1:]]
    if figures:
        blocks.append(Heading("Figures", 2))
        blocks += [Figure(path, figure_caption(name, figure_settings.get(name) or {}, wave))
                   for name, path in figures.items()]
    blocks.append(Heading("Models", 2))
    blocks += [model_table(wave, model, tables["coefficients"], tables["status"], variables, spec)
               for model, spec in models.items()]
    blocks += [Heading("Differences between countries", 2), country_tests_table(wave, tables["tests"], variables)]
    if sensitivity is not None:
        blocks += [Heading("Weighting sensitivity", 2), *sensitivity_blocks(wave, *sensitivity)]
    if published is not None:
        blocks += [Heading("Published figures reproduced", 2), published_table(wave, published)]
    return blocks


#: The per-wave result tables the report reads, by their input name.
WAVE_TABLES = ("flow", "margins", "diagnostics", "estimates", "medians", "coefficients", "status", "tests")


def study_blocks(*, waves: Sequence[str], tables: Mapping[str, Sequence[pd.DataFrame]], codebooks: Sequence[Mapping],
                 figures: Sequence[str | Path], weighting_figures: Sequence[str | Path],
                 published: Mapping[str, pd.DataFrame], changes: pd.DataFrame | None, changes_figure: Path | None,
                 figure_settings: Mapping[str, Mapping], models: Mapping[str, Mapping],
                 main_results: Mapping[str, str], min_n: int, weighting: Mapping,
                 versions: Mapping[str, str],
                 sensitivity: Mapping[str, tuple[pd.DataFrame, pd.DataFrame, Path | None]] | None = None,
                 wave_weighting: Mapping[str, Mapping] | None = None,
                 trend: pd.DataFrame | None = None, trend_figure: Path | None = None) -> list[Block]:
    """The whole report as blocks, tables numbered. ``tables[key][i]`` is wave ``waves[i]``'s;
    ``sensitivity`` gives a wave's weighting sensitivity panel (table, extreme weights, figure);
    ``wave_weighting`` each wave's weighting settings (else ``weighting``); ``trend`` and
    ``trend_figure`` the trends across three waves or more (None: no such section)."""
    synthetic = [w for i, w in enumerate(waves) if tables["estimates"][i]["synthetic"].map(str).eq("True").any()]
    blocks: list[Block] = []
    if synthetic:
        blocks.append(Banner(f"{BANNER} (wave{'s' if len(synthetic) > 1 else ''} {', '.join(synthetic)})"))
    variables = codebook_variables(codebooks[-1])
    blocks += [
        Paragraph(f"Results of waves {', '.join(waves)} as this run computed them: the sample, the weighting, the "
                  "study's tables by country, figures, models, tests between countries"
                  + (", the published figures reproduced" if published else "")
                  + ((", the changes between waves and the trends across them" if trend is not None
                      else " and the changes between waves") if changes is not None else "") + ". " + TRACE_NOTE
                  + " Every other number's id names its row in its result table (each table's note gives the form, "
                  "e.g. 2017/coefficients/<model>/<term>/<weighting>); swsurvey explain traces it the same way."),
        Heading("Methods", 1),
        methods_paragraph({w: tables["estimates"][i] for i, w in enumerate(waves)},
                          {w: tables["diagnostics"][i] for i, w in enumerate(waves)},
                          {w: tables["margins"][i] for i, w in enumerate(waves)}, weighting, variables, versions,
                          wave_weighting),
    ]
    for i, wave in enumerate(waves):
        mine = {Path(p).stem: Path(p) for p in figures if Path(p).parts[-3] == wave}
        blocks += wave_blocks(
            wave, tables={key: tables[key][i] for key in WAVE_TABLES}, codebook=codebooks[i],
            figures={name: mine[name] for name in figure_settings if name in mine},
            figure_settings=figure_settings,
            weighting_figure=next((Path(p) for p in weighting_figures if Path(p).parts[-3] == wave), None),
            published=published.get(wave), models=models, main_results=main_results, min_n=min_n,
            sensitivity=(sensitivity or {}).get(wave),
            weighting=(wave_weighting or {}).get(wave) or weighting)
    if changes is not None:
        blocks += [Heading("Changes between waves", 1), *changes_tables(changes)]
        if changes_figure is not None:
            blocks.append(Figure(changes_figure, "Changes in the main results between waves (weighted, percentage "
                                                 "points, with 95% intervals)."))
    if trend is not None:
        blocks += [Heading("Trends across waves", 1), *trend_tables(trend)]
        if trend_figure is not None:
            blocks.append(Figure(trend_figure, "The main results across waves (weighted %, with 95% intervals), a "
                                               "line per country and pooled, solid where its linear trend has "
                                               "p < 0.05 and dashed where not (each p in the trend table)."))
    return numbered(blocks)


def write_study_report(*, waves: Sequence[str], inputs: Mapping[str, Sequence[str]], codebooks: Sequence[str],
                       figures: Sequence[str], weighting_figures: Sequence[str], published: Sequence[str],
                       changes: Sequence[str], changes_figure: Sequence[str], figure_settings: Mapping[str, Mapping], models: Mapping[str, Mapping],
                       main_results: Mapping[str, str], min_n: int, weighting: Mapping,
                       out_html: str | Path, out_docx: str | Path, sensitivity: Sequence[str] = (),
                       sensitivity_extremes: Sequence[str] = (),
                       sensitivity_figures: Sequence[str] = (),
                       wave_weighting: Mapping[str, Mapping] | None = None,
                       trend: Sequence[str] = (), trend_figure: Sequence[str] = ()) -> list[Block]:
    """Read every wave's results and write the report as HTML and DOCX, both or neither.

    ``inputs`` maps each key of :data:`WAVE_TABLES` to one CSV per wave (in ``waves`` order);
    ``published`` lists the reproduction tables of the waves that have one; ``changes`` and
    ``changes_figure`` the cross-wave table and its PNG when there are two waves or more (else empty);
    ``sensitivity``, ``sensitivity_extremes`` and ``sensitivity_figures`` each wave's weighting sensitivity
    table, extreme weights and figure (PNG), in ``waves`` order (empty: no such section); ``trend``
    and ``trend_figure`` the trend table and its PNG when there are three waves or more (else empty)."""
    waves = [str(w) for w in waves]
    panels = {wave: (read_table(table), read_table(extremes), Path(figure) if figure else None)
              for wave, table, extremes, figure in zip(waves, sensitivity, sensitivity_extremes,
                                                        [*sensitivity_figures, *[None] * len(sensitivity)])}
    tables = {key: [read_table(p) for p in inputs[key]] for key in WAVE_TABLES}
    by_wave = {str(t["wave"].iloc[0]): t for t in map(read_table, published)}
    blocks = study_blocks(
        waves=waves, tables=tables, codebooks=[json.loads(Path(p).read_text(encoding="utf-8")) for p in codebooks],
        figures=figures, weighting_figures=weighting_figures, published=by_wave,
        changes=read_table(changes[0]) if changes else None,
        changes_figure=Path(changes_figure[0]) if changes_figure else None,
        figure_settings=figure_settings, models=models, main_results=main_results, min_n=min_n,
        weighting=weighting, versions=software_versions(), sensitivity=panels, wave_weighting=wave_weighting,
        trend=read_trend(trend[0]) if trend else None, trend_figure=Path(trend_figure[0]) if trend_figure else None)
    page = html_page(TITLE, blocks)
    document = docx_bytes(TITLE, blocks)
    with atomic_path(out_html) as html_tmp, atomic_path(out_docx) as docx_tmp:
        html_tmp.write_text(page, encoding="utf-8", newline="\n")
        docx_tmp.write_bytes(document)
    log.info("study report: %d tables, %d figures, waves %s", sum(isinstance(b, Table) for b in blocks),
             sum(isinstance(b, Figure) for b in blocks), ", ".join(waves))
    return blocks
