"""Snakemake adapter: check one wave's raw export against its instrument (see swsurvey.export_check)."""

from swsurvey.export_check import check_export
from swsurvey.logging import to_logfile
from swsurvey.provenance import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake):
    check_export(
        raw=snakemake.input.raw,
        instrument=snakemake.input.instrument,
        out_report=snakemake.output.report,
        encoding=snakemake.params.encoding,
    )
