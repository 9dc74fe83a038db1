"""Snakemake adapter: the figure of the changes between waves (see swsurvey.stages.study_figures)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.study_figures import draw_changes

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_changes(
        snakemake.input.changes,
        snakemake.output.png,
        snakemake.output.svg,
        pooled=snakemake.params.pooled,
    )
