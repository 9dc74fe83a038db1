"""Snakemake adapter: the models' tables of one wave gathered into one of each kind (see swsurvey.infer)."""

from swsurvey.infer import gather_models
from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake):
    gather_models(
        coefficients=list(snakemake.input.coefficients),
        terms=list(snakemake.input.terms),
        status=list(snakemake.input.status),
        out_coefficients=snakemake.output.coefficients,
        out_terms=snakemake.output.terms,
        out_status=snakemake.output.status,
    )
