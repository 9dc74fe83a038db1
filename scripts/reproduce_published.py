"""Snakemake adapter: the published figures beside the pipeline's (see swsurvey.reproduce)."""

from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded
from swsurvey.reproduce import reproduce_wave

with to_logfile(snakemake.log[0]), recorded(snakemake):
    reproduce_wave(
        estimates=snakemake.input.estimates,
        published=snakemake.input.published,
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        wave=snakemake.wildcards.wave,
    )
