"""Snakemake adapter: one model of one wave, weighted and unweighted (see swsurvey.stages.models)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.models import infer_model

with to_logfile(snakemake.log[0]), recorded(snakemake):
    infer_model(
        data=snakemake.input.data,
        out_coefficients=snakemake.output.coefficients,
        out_terms=snakemake.output.terms,
        out_status=snakemake.output.status,
        wave=snakemake.wildcards.wave,
        model=snakemake.wildcards.model,
        spec=snakemake.params.spec,
        stratum=snakemake.params.stratum,
        variance=snakemake.params.variance,
        weighting=snakemake.params.weighting,
        targets=snakemake.input.targets,
        replicate_chunks=list(snakemake.input.replicates),
        replicate_layouts=list(snakemake.input.layouts),
    )
