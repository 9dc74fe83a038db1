"""Snakemake adapter: the linear trend of the key estimates across waves (see swsurvey.stages.crosswave_trend)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.crosswave_trend import write_trend

with to_logfile(snakemake.log[0]), recorded(snakemake):
    write_trend(
        list(snakemake.input.estimates),  # one per wave, in config order (params.waves)
        snakemake.output.csv,
        snakemake.output.md,
        snakemake.output.html,
        main_results=snakemake.params.main_results,
        min_n=snakemake.params.min_n,
    )
