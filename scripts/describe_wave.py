"""Snakemake adapter: the descriptive tables of one wave (see swsurvey.describe)."""

from swsurvey.describe import describe_wave
from swsurvey.logging import to_logfile

with to_logfile(snakemake.log[0]):
    describe_wave(
        data=snakemake.input.data,
        out_estimates=snakemake.output.estimates,
        wave=snakemake.wildcards.wave,
        **snakemake.params,
    )
