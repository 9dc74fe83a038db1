"""Snakemake adapter: one chunk of replicate estimates of the tables (see swsurvey.stages.describe_replicates)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.describe_replicates import replicate_chunk

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    replicate_chunk(
        data=snakemake.input.data,
        out=snakemake.output.chunk,
        chunk=int(snakemake.wildcards.chunk),
        targets=snakemake.input.targets,
        **job.params,
    )
