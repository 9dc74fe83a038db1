"""Snakemake adapter: changes of the key estimates between waves (see swsurvey.crosswave)."""

from swsurvey.crosswave import write_changes
from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake):
    write_changes(
        list(snakemake.input.estimates),  # one per wave, in config order (params.waves)
        snakemake.output.csv,
        snakemake.output.md,
        main_results=snakemake.params.main_results,
        min_n=snakemake.params.min_n,
    )
