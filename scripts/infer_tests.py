"""Snakemake adapter: the country tests of one wave (see swsurvey.infer)."""

from swsurvey.infer import infer_tests
from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake):
    infer_tests(
        data=snakemake.input.data,
        out_tests=snakemake.output.tests,
        wave=snakemake.wildcards.wave,
        # "items" is a reserved name for Snakemake params
        items=snakemake.params.tested_items,
        stratum=snakemake.params.stratum,
        variance=snakemake.params.variance,
        replicate_chunks=list(snakemake.input.replicates),
        replicate_layouts=list(snakemake.input.layouts),
    )
