"""Snakemake adapter: check one wave's raw export against its instrument (see swsurvey.stages.export_check)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.export_check import check_export

with to_logfile(snakemake.log[0]), recorded(snakemake):
    check_export(
        raw=snakemake.input.raw,
        instrument=snakemake.input.instrument,
        out_report=snakemake.output.report,
        encoding=snakemake.params.encoding,
    )
