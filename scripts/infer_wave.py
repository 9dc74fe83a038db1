"""Snakemake adapter: country tests and models of one wave (see swsurvey.infer)."""

from swsurvey.infer import infer_wave
from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake):
    infer_wave(
        data=snakemake.input.data,
        out_tests=snakemake.output.tests,
        out_coefficients=snakemake.output.coefficients,
        out_terms=snakemake.output.terms,
        out_status=snakemake.output.status,
        wave=snakemake.wildcards.wave,
        # "items" is a reserved name for Snakemake params
        items=snakemake.params.tested_items,
        models=snakemake.params.models,
        stratum=snakemake.params.stratum,
        variance=snakemake.params.variance,
    )
