"""Logging set-up shared by every entry script: everything goes to the job's log file."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

from swsurvey.errors import InputError

LOGGER_NAME = "swsurvey"


def get_logger(name: str | None = None) -> logging.Logger:
    """The package logger, or a child of it (``swsurvey.<name>``)."""
    return logging.getLogger(LOGGER_NAME if not name else f"{LOGGER_NAME}.{name}")


@contextlib.contextmanager
def to_logfile(path: str | Path) -> Iterator[logging.Logger]:
    """Send the package's log records, and any exception that ends the block, to ``path``.

    An expected error (:class:`~swsurvey.errors.InputError`: bad input or settings) is one
    message, ``swsurvey: error: ...``, once on standard error and once in the log, and the
    job exits with status 1 without a Python traceback: the message says what to do. Any
    other exception is a bug: its traceback goes to the log and it is re-raised. Either way
    the job fails, so Snakemake treats its outputs as it treats a failed job's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = get_logger()
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    stderr.setLevel(logging.WARNING)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.addHandler(stderr)
    try:
        yield logger
    except InputError as exc:
        logger.removeHandler(stderr)
        logger.error("%s", exc)
        print(f"swsurvey: error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except BaseException as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        handler.stream.write(traceback.format_exc())
        raise
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(stderr)
        logger.setLevel(old_level)
        handler.close()
