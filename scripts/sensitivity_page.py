"""Snakemake adapter: the weighting sensitivity page of one wave (see swsurvey.stages.sensitivity_sections)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.sensitivity_sections import write_sensitivity_page

with to_logfile(snakemake.log[0]), recorded(snakemake):
    write_sensitivity_page(
        results=snakemake.input.csv,
        extremes=snakemake.input.extremes,
        figure=snakemake.input.png,
        out_html=snakemake.output.html,
        wave=snakemake.wildcards.wave,
    )
