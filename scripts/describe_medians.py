"""Snakemake adapter: the numeric items' medians of one wave (see swsurvey.stages.describe_medians)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.describe_medians import describe_medians

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    describe_medians(
        data=snakemake.input.data,
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        wave=snakemake.wildcards.wave,
        targets=snakemake.input.targets,
        **job.params,
    )
