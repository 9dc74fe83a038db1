"""Snakemake adapter: the descriptive tables of one wave (see swsurvey.describe)."""

from swsurvey.describe import describe_wave
from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    describe_wave(
        data=snakemake.input.data,
        out_estimates=snakemake.output.estimates,
        wave=snakemake.wildcards.wave,
        replicate_chunks=list(snakemake.input.replicates),
        **job.params,
    )
