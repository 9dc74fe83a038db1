"""Snakemake adapter: the descriptive tables of one wave (see swsurvey.stages.describe)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.describe import describe_wave

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    describe_wave(
        data=snakemake.input.data,
        out_estimates=snakemake.output.estimates,
        wave=snakemake.wildcards.wave,
        replicate_chunks=list(snakemake.input.replicates),
        targets=snakemake.input.targets,
        **job.params,
    )
