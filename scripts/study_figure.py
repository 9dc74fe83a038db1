"""Snakemake adapter: draw one study figure (see swsurvey.stages.study_figures)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.study_figures import draw_figure

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_figure(
        snakemake.wildcards.figure,
        snakemake.input.table,
        snakemake.output.png,
        snakemake.output.svg,
        wave=snakemake.wildcards.wave,
        pooled=snakemake.params.pooled,
        **snakemake.params.settings,
    )
