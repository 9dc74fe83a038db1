"""Snakemake adapter: one chunk of the tests' and models' replicate estimates (see swsurvey.stages.infer_replicates)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.infer_replicates import infer_replicate_chunk

with to_logfile(snakemake.log[0]), recorded(snakemake):
    infer_replicate_chunk(
        data=snakemake.input.data,
        out=snakemake.output.chunk,
        out_layout=snakemake.output.layout,
        chunk=int(snakemake.wildcards.chunk),
        # "items" is a reserved name for Snakemake params
        items=snakemake.params.tested_items,
        models=snakemake.params.models,
        stratum=snakemake.params.stratum,
        variance=snakemake.params.variance,
        weighting=snakemake.params.weighting,
        targets=snakemake.input.targets,
    )
