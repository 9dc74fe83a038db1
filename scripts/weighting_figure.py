"""Snakemake adapter: draw the weighting stage's margins figure (see swsurvey.figures)."""

from swsurvey.figures import draw_weighting_figure
from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_weighting_figure(
        margins=snakemake.input.margins,
        out_png=snakemake.output.png,
        out_svg=snakemake.output.svg,
        wave=snakemake.wildcards.wave,
    )
