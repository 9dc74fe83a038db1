"""Snakemake adapter: draw the weighting stage's margins figure (see swsurvey.stages.figures)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.figures import draw_weighting_figure

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_weighting_figure(
        margins=snakemake.input.margins,
        out_png=snakemake.output.png,
        out_svg=snakemake.output.svg,
        wave=snakemake.wildcards.wave,
        method=snakemake.params.method,
        stratum=snakemake.params.stratum,
    )
