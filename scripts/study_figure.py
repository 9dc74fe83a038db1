"""Snakemake adapter: draw one study figure (see swsurvey.study_figures)."""

from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded
from swsurvey.study_figures import draw_figure

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_figure(
        snakemake.wildcards.figure,
        snakemake.input.table,
        snakemake.output.png,
        snakemake.output.svg,
        wave=snakemake.wildcards.wave,
        **snakemake.params.settings,
    )
