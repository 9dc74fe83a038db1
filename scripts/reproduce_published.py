"""Snakemake adapter: the published figures beside the pipeline's (see swsurvey.stages.published)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.published import reproduce_wave

with to_logfile(snakemake.log[0]), recorded(snakemake):
    reproduce_wave(
        estimates=snakemake.input.estimates,
        published=snakemake.input.published,
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        out_html=snakemake.output.html,
        wave=snakemake.wildcards.wave,
    )
