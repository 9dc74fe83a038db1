"""Snakemake adapter: the report's description and captions with key numbers (see swsurvey.stages.report_text)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.report_text import TABLES, write_report_text

with to_logfile(snakemake.log[0]), recorded(snakemake):
    write_report_text(
        tables={key: list(snakemake.input[key]) for key in TABLES},
        published=list(snakemake.input.published),
        waves=snakemake.params.waves,
        description_template=snakemake.input.description,
        caption_templates=list(snakemake.input.captions),
        out_description=snakemake.output.description,
        out_captions=list(snakemake.output.captions),
        figures=snakemake.params.figures,
        changes=list(snakemake.input.changes),
        trend=list(snakemake.input.trend),
    )
