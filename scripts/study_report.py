"""Snakemake adapter: the study report as HTML and DOCX (see swsurvey.stages.study_report)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.study_report import WAVE_TABLES, write_study_report

with to_logfile(snakemake.log[0]), recorded(snakemake):
    write_study_report(
        waves=list(snakemake.params.waves),
        inputs={key: list(snakemake.input[key]) for key in WAVE_TABLES},
        codebooks=list(snakemake.input.codebooks),
        figures=list(snakemake.input.figures),
        weighting_figures=list(snakemake.input.weighting_figures),
        published=list(snakemake.input.published),
        changes=list(snakemake.input.changes),
        changes_figure=list(snakemake.input.changes_figure),
        trend=list(snakemake.input.trend),
        trend_figure=list(snakemake.input.trend_figure),
        figure_settings=snakemake.params.figures,
        models=snakemake.params.models,
        main_results=snakemake.params.main_results,
        min_n=snakemake.params.min_n,
        weighting=snakemake.params.weighting,
        wave_weighting={wave: setting["weighting"] for wave, setting in snakemake.params.waves.items()},
        out_html=snakemake.output.html,
        out_docx=snakemake.output.docx,
        sensitivity=list(snakemake.input.sensitivity),
        sensitivity_extremes=list(snakemake.input.sensitivity_extremes),
        sensitivity_figures=list(snakemake.input.sensitivity_figures),
    )
