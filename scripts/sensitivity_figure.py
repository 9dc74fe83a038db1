"""Snakemake adapter: draw the weighting sensitivity figure (see swsurvey.stages.sensitivity_figure)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.sensitivity_figure import draw_sensitivity_figure

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_sensitivity_figure(
        results=snakemake.input.csv,
        out_png=snakemake.output.png,
        out_svg=snakemake.output.svg,
        wave=snakemake.wildcards.wave,
    )
