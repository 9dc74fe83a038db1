"""Snakemake adapter: the figure of the trends across waves (see swsurvey.stages.study_figures)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.study_figures import draw_trend

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_trend(
        snakemake.input.trend,
        snakemake.output.png,
        snakemake.output.svg,
        pooled=snakemake.params.pooled,
    )
