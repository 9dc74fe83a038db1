"""Snakemake adapter: the country tests of one wave (see swsurvey.stages.country_tests)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.country_tests import infer_tests

with to_logfile(snakemake.log[0]), recorded(snakemake):
    infer_tests(
        data=snakemake.input.data,
        out_tests=snakemake.output.tests,
        wave=snakemake.wildcards.wave,
        # "items" is a reserved name for Snakemake params
        items=snakemake.params.tested_items,
        stratum=snakemake.params.stratum,
        variance=snakemake.params.variance,
        weighting=snakemake.params.weighting,
        targets=snakemake.input.targets,
        replicate_chunks=list(snakemake.input.replicates),
        replicate_layouts=list(snakemake.input.layouts),
    )
