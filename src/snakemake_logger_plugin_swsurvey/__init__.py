"""Snakemake logger plugin ``swsurvey``: the pipeline's quiet console.

Snakemake finds it by its module name (``snakemake_logger_plugin_<name>``) among the installed
packages; the default workflow profile turns it on (``logger: [swsurvey]``). It prints a line
per job as the job starts and ends, and a summary, with each error once at the end; all the
telling is :class:`swsurvey.io.console.Console`'s. Snakemake's own log file
(``.snakemake/log/``) still gets the full log.

It steps aside, and Snakemake prints its usual output, for a dry run (whose listing of the jobs
and their reasons is what a dry run is for), with ``--verbose`` or ``--debug-dag``, and with
``--logger-swsurvey-full``.

No ``from __future__ import annotations`` here: Snakemake reads the settings' field types to
make their command-line options.
"""

import sys
import time
from dataclasses import dataclass, field
from logging import LogRecord

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    """The plugin's one option, ``--logger-swsurvey-full``."""

    full: bool = field(
        default=False,
        metadata={"help": "Print Snakemake's full output (every job's details) instead of one line per job."},
    )


class LogHandler(LogHandlerBase):
    """Hands Snakemake's records to the console and writes the lines it returns to stderr."""

    def __post_init__(self) -> None:
        options = self.common_settings
        self.full = bool(
            options.dryrun or options.verbose or options.debug_dag or (self.settings is not None and self.settings.full)
        )
        self.console = None
        self.closed = False
        if not self.full:
            # Imported here: Snakemake imports this module in every job's process too.
            from swsurvey.io.console import Console

            self.console = Console()

    def emit(self, record: LogRecord) -> None:
        if self.console is None:
            return
        try:
            self._write(self.console.handle(record.__dict__))
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        if self.console is not None and not self.closed:
            self.closed = True  # Snakemake closes its handlers, and logging closes them again at exit
            self._write(self.console.finish(time.time()))
        super().close()

    @staticmethod
    def _write(lines: list) -> None:
        for line in lines:
            sys.stderr.write(line + "\n")
        if lines:
            sys.stderr.flush()

    # The interface's other questions have the same answers whatever the run: it writes to no
    # file (Snakemake's own log file is kept), and filters and formats every record itself.
    writes_to_file = False
    has_filter = True
    has_formatter = True
    needs_rulegraph = False

    @property
    def writes_to_stream(self) -> bool:
        # When it does not, Snakemake keeps its own console handler.
        return not self.full
