"""The check of a raw export against its instrument, as a job of its own before the import.

A Snakemake job deletes its outputs when it starts. Checking the export in the import job
itself would cost the last good import whenever an export is refused; checked here first,
a refused export stops the run with every earlier output untouched (the import, and all
made from it, wait for this check). The checks are :mod:`swsurvey.study.contract`'s; the import
runs them again on what it reads, so the library's ``import_wave`` is safe on its own.
"""

from __future__ import annotations

from pathlib import Path

from swsurvey.io.files import write_json
from swsurvey.io.logfile import get_logger
from swsurvey.io.spss import read_columns, read_metadata
from swsurvey.io.spss_header import read_header
from swsurvey.study.contract import check_dictionary, check_values, dictionary_warnings, expects_number
from swsurvey.study.instrument import load_instrument

log = get_logger("check_export")

#: What the check covers, in the order it is made (written into its report).
CHECKS = (
    "every non-personal variable of the instrument is in the export",
    "variables the instrument codes are numeric, not text",
    "the export's value labels say what the instrument's say",
    "the export has rows",
    "coded variables hold only the instrument's codes and its user-missing codes",
    "variables with a range stay in it",
)


def check_export(raw: str | Path, instrument: str | Path, out_report: str | Path, *,
                 encoding: str | None = None) -> dict:
    """Check ``raw`` against ``instrument``; write and return the report, or raise
    :class:`~swsurvey.errors.InputError` naming the raw file, the variable, the value and
    the number of rows. Only the variables the instrument codes are read."""
    raw, contract = Path(raw), load_instrument(instrument)
    header = read_header(raw)
    meta = read_metadata(raw, header, encoding)
    check_dictionary(meta.variables, contract, file=raw)
    present = set(meta.names)
    coded = [v.name for v in contract.variables if v.name in present and expects_number(v)]
    columns, rows = read_columns(meta, coded)
    check_values(columns, rows, contract, file=raw)
    warnings = dictionary_warnings(meta.variables, contract, file_format=header.format)
    for warning in warnings:
        log.warning("%s: %s", raw.name, warning)
    report = {
        "file": raw.name,  # its SHA-256 is in the job's provenance record
        "format": header.format,
        "encoding": meta.encoding if encoding is None else f"{encoding} (config; declared {meta.encoding})",
        "rows": rows,
        "instrument": contract.path.name,
        "variables_checked": len(coded),
        "checks": list(CHECKS),
        "result": "passed",
        "warnings": warnings,
    }
    write_json(out_report, report)
    log.info("%s: %s rows, %d coded variables: the export follows %s", raw.name, f"{rows:,}", len(coded),
             contract.path.name)
    return report
