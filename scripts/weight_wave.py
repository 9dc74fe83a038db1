"""Snakemake adapter: rake one wave to its population margins (see swsurvey.stages.weighting)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.weighting import weight_wave

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    weight_wave(
        data=snakemake.input.data,
        targets=snakemake.input.targets,
        out_data=snakemake.output.data,
        out_diagnostics=snakemake.output.diagnostics,
        out_margins=snakemake.output.margins,
        wave=snakemake.wildcards.wave,
        **job.params,
    )
