"""Snakemake adapter: one chunk of replicate estimates of the tables (see swsurvey.replicate_tables)."""

from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded
from swsurvey.replicate_tables import replicate_chunk

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    replicate_chunk(
        data=snakemake.input.data,
        out=snakemake.output.chunk,
        chunk=int(snakemake.wildcards.chunk),
        **job.params,
    )
