"""Snakemake adapter: the main results weighted beside unweighted (see swsurvey.stages.weighting_effect)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.weighting_effect import write_weighting_effect

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    write_weighting_effect(
        estimates=snakemake.input.estimates,
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        wave=snakemake.wildcards.wave,
        **job.params,
    )
