"""Snakemake adapter: the figure of the changes between waves (see swsurvey.study_figures)."""

from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded
from swsurvey.study_figures import draw_changes

with to_logfile(snakemake.log[0]), recorded(snakemake):
    draw_changes(snakemake.input.changes, snakemake.output.png, snakemake.output.svg)
