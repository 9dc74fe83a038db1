"""Snakemake adapter: rake one wave to its population margins (see swsurvey.weights)."""

from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded
from swsurvey.weights import weight_wave

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
