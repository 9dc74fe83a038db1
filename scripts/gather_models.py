"""Snakemake adapter: the models' tables of one wave gathered into one of each kind (see swsurvey.stages.gather_models)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.gather_models import gather_models

with to_logfile(snakemake.log[0]), recorded(snakemake):
    gather_models(
        coefficients=list(snakemake.input.coefficients),
        terms=list(snakemake.input.terms),
        status=list(snakemake.input.status),
        out_coefficients=snakemake.output.coefficients,
        out_terms=snakemake.output.terms,
        out_status=snakemake.output.status,
    )
