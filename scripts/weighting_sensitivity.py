"""Snakemake adapter: the headline results under each weighting scheme (see swsurvey.stages.sensitivity)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.sensitivity import write_sensitivity

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    write_sensitivity(
        data=snakemake.input.data,
        targets=snakemake.input.targets,
        out_csv=snakemake.output.csv,
        out_extremes=snakemake.output.extremes,
        out_md=snakemake.output.md,
        wave=snakemake.wildcards.wave,
        **job.params,
    )
