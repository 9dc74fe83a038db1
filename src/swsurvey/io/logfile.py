"""Logging set-up shared by every entry script: everything goes to the job's log file.

The log's lines have one format (:data:`LINE_FORMAT`), so the run's console
(:mod:`swsurvey.io.console`) can read a failed job's error back out of it
(:func:`error_lines`).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from swsurvey.errors import InputError

LOGGER_NAME = "swsurvey"
#: Every line a record starts in a job's log; a record's further lines (a traceback) follow it.
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<name>[\w.]+): (?P<message>.*)$")


def get_logger(name: str | None = None) -> logging.Logger:
    """The package logger, or a child of it (``swsurvey.<name>``)."""
    return logging.getLogger(LOGGER_NAME if not name else f"{LOGGER_NAME}.{name}")


@contextlib.contextmanager
def to_logfile(path: str | Path) -> Iterator[logging.Logger]:
    """Send the package's log records, Python's warnings, and any exception that ends the
    block, to ``path``.

    Warnings of the package (such as a synthetic raw file) also go to standard error as they
    happen. An expected error (:class:`~swsurvey.errors.InputError`: bad input or settings) is
    one record in the log, its message saying what to do, and the job exits with status 1
    without a Python traceback; the console shows it once, at the end of the run, as
    ``swsurvey: error: ...`` (:func:`error_lines`). Any other exception is a bug: its
    traceback goes to the log and it is re-raised. Either way the job fails, so Snakemake
    treats its outputs as it treats a failed job's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = get_logger()
    warnings_logger = logging.getLogger("py.warnings")
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter(LINE_FORMAT))
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    stderr.setLevel(logging.WARNING)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.addHandler(stderr)
    # A library's warning (e.g. a design effect that is not defined) belongs to the job's log.
    logging.captureWarnings(True)
    warnings_logger.addHandler(handler)
    warnings_logger.propagate = False
    try:
        yield logger
    except InputError as exc:
        logger.removeHandler(stderr)
        logger.error("%s", exc)
        raise SystemExit(1) from None
    except BaseException as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        handler.stream.write(traceback.format_exc())
        raise
    finally:
        logging.captureWarnings(False)
        warnings_logger.removeHandler(handler)
        warnings_logger.propagate = True
        logger.removeHandler(handler)
        logger.removeHandler(stderr)
        logger.setLevel(old_level)
        handler.close()


def error_lines(path: str | Path, limit: int = 12) -> list[str]:
    """A failed job's error as its log holds it, for the console: the first ERROR record of
    the package (``swsurvey: error: <message>``) and the last of the lines that follow it (a
    bug's traceback), ``limit`` lines at most; none if the log is missing or has no such record."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for i, line in enumerate(lines):
        record = _RECORD.match(line)
        if record and record["level"] == "ERROR" and record["name"].split(".")[0] == LOGGER_NAME:
            rest = []
            for following in lines[i + 1 :]:
                if _RECORD.match(following):
                    break
                rest.append(following)
            # a traceback's end names the exception: keep the end of what follows
            return [f"{LOGGER_NAME}: error: {record['message']}", *rest[len(rest) - limit + 1 :]]
    return []
