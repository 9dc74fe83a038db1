"""The run's console: Snakemake's log records told as one line per job, and a summary.

Snakemake's logger plugin ``swsurvey`` (``src/snakemake_logger_plugin_swsurvey``, enabled by the
default workflow profile) hands every record of a run to a :class:`Console`, which returns the
lines to print:

- a line when a job starts and when it ends, with its rule, wildcards and, at its end, the
  seconds it took; a replicate chunk's end also counts its rule's chunks done;
- Snakemake's warnings, and any message it does not routinely print, as they come;
- at the end (:meth:`Console.finish`): the jobs run and the wall time, where the outputs and
  the report are, or that there was nothing to do; on a failure each failed job once, with
  its rule, wildcards, log and the error its log holds (:func:`swsurvey.io.logfile.error_lines`),
  and Snakemake's own errors.

A record is the ``__dict__`` of Snakemake's :class:`logging.LogRecord`: its ``msg``, ``levelno``,
``created`` and, for Snakemake's events, ``event`` and the event's fields (``jobid``,
``rule_name``, ``wildcards``, ``log``; ``stats``; ``job_id``; ``done`` and ``total``). Standard
library only: Snakemake imports the plugin in every process it starts, jobs included.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from swsurvey.io.logfile import error_lines

#: Where a run's outputs go, and how to build its HTML report (README: Quick start).
RESULTS = "results/"
REPORT_ARGS = "--workflow-profile workflow/profiles/default --report report.html"

#: Events whose content the job lines and the summary already tell.
_TOLD = {"resources_info", "job_started", "shellcmd", "group_info", "debug_dag", "rulegraph"}
#: Snakemake's routine messages, told by the summary or of no use to a reader of the run.
_ROUTINE = (
    "Assuming unrestricted shared filesystem usage",
    "Building DAG of jobs",
    "Using shell:",
    "Select jobs to execute",
    "Shutting down, this might take some time",
    "Conda environments: ignored",
    "Singularity containers: ignored",
    "host: ",
    "Elapsed time: ",
    "Exiting because a job execution failed",
    "WorkflowError:\nAt least one job did not complete successfully",
)
_NOTHING_TO_DO = "Nothing to be done"
_COMPLETE_LOG = "Complete log(s): "


def job_label(rule: str, wildcards: Mapping[str, Any] | None) -> str:
    """``weight_wave  wave=2017``: a job's rule and its wildcards."""
    values = "  ".join(f"{name}={value}" for name, value in (wildcards or {}).items())
    return f"{rule}  {values}" if values else rule


@dataclass
class _Job:
    rule: str
    wildcards: Mapping[str, Any]
    log: Sequence[str]
    started: float
    snakemake_error: list[str] = field(default_factory=list)


@dataclass
class Console:
    """What a run prints, record by record (:meth:`handle`) and at its end (:meth:`finish`)."""

    jobs: dict[int, _Job] = field(default_factory=dict)
    planned: dict[str, int] = field(default_factory=dict)
    total: int = 0
    started: int = 0
    finished: int = 0
    finished_by_rule: dict[str, int] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    first_record: float | None = None
    nothing_to_do: bool = False
    full_log: str | None = None
    command: str | None = None

    def handle(self, record: Mapping[str, Any]) -> list[str]:
        """The lines to print now for one of Snakemake's log records (often none)."""
        if self.first_record is None:
            self.first_record = record["created"]
        event = str(record.get("event") or "")
        message = "" if record.get("msg") is None else str(record["msg"])
        if event == "workflow_started":
            self.command = record.get("cmd")
        elif event == "run_info":
            self.planned = {rule: n for rule, n in record["stats"].items() if rule != "total"}
            self.total = record["stats"]["total"]
        elif event == "progress":
            self.total = record["total"]
        elif event == "job_info":
            return self._started(record)
        elif event == "job_finished":
            return self._finished(record)
        elif event == "job_error":
            return self._failed(record)
        elif event in _TOLD:
            pass
        elif message.startswith(_NOTHING_TO_DO):
            self.nothing_to_do = True
        elif message.startswith(_COMPLETE_LOG):
            self.full_log = message.removeprefix(_COMPLETE_LOG)
        elif message.startswith(_ROUTINE) or not message.strip():
            pass
        elif record["levelno"] >= logging.ERROR:
            self.errors.append(message)  # once, at the end
        else:
            return [message]
        return []

    def _counter(self, n: int) -> str:
        width = len(str(max(self.total, n)))
        return f"[{n:>{width}}/{max(self.total, n)}]"

    def _started(self, record: Mapping[str, Any]) -> list[str]:
        job = _Job(record["rule_name"], record.get("wildcards") or {}, record.get("log") or [], record["created"])
        self.jobs[record["jobid"]] = job
        self.started += 1
        return [f"{self._counter(self.started)} start {job_label(job.rule, job.wildcards)}"]

    def _ended(self, job: _Job, how: str, created: float) -> str:
        """``[ 5/44] done  weight_wave  wave=2017  1.2 s``: the jobs ended so far, and this one."""
        ended = self.finished + len(self.failed)
        return f"{self._counter(ended)} {how:<5} {job_label(job.rule, job.wildcards)}  {created - job.started:.1f} s"

    def _finished(self, record: Mapping[str, Any]) -> list[str]:
        job = self.jobs.get(record["job_id"])
        if job is None:  # a job Snakemake did not announce (not seen in a local run)
            return []
        self.finished += 1
        self.finished_by_rule[job.rule] = self.finished_by_rule.get(job.rule, 0) + 1
        line = self._ended(job, "done", record["created"])
        if "chunk" in job.wildcards:
            line += f"  (replicate chunks {self.finished_by_rule[job.rule]}/{self.planned.get(job.rule, '?')})"
        return [line]

    def _failed(self, record: Mapping[str, Any]) -> list[str]:
        jobid = record["jobid"]
        job = self.jobs.setdefault(jobid, _Job(record["rule_name"], {}, record.get("log") or [], record["created"]))
        # Snakemake reports the job's exception just before the job's error: it belongs to the job.
        if self.errors and self.errors[-1].startswith("RuleException"):
            job.snakemake_error = self.errors.pop().splitlines()
        self.failed.append(jobid)
        return [self._ended(job, "fail", record["created"]) + "  (the error is shown at the end)"]

    def finish(self, now: float) -> list[str]:
        """The run's last lines: a summary, or each error once, and where the full log is."""
        seconds = now - (self.first_record if self.first_record is not None else now)
        report = f"HTML report: {program_name(self.command)} {REPORT_ARGS}"
        lines = []
        if self.failed or self.errors:
            lines += self._error_lines()
            n_failed = len(self.failed)
            lines.append(f"Failed after {seconds:.1f} s: {self.finished} of {self.total} jobs done"
                         + (f", {n_failed} failed." if n_failed else "."))
        elif self.nothing_to_do:
            lines.append(f"Nothing to be done: the outputs in {RESULTS} are up to date. {report}")
        elif self.total:
            lines.append(f"Done: {self.finished} jobs in {seconds:.1f} s. Outputs in {RESULTS}; {report}")
        else:
            return []  # not a run (a report, a lint): Snakemake's messages were all there is
        if self.full_log:
            lines.append(f"Full log: {_relative(self.full_log)}")
        return lines

    def _error_lines(self) -> list[str]:
        lines = []
        for jobid in self.failed:
            job = self.jobs[jobid]
            logs = ", ".join(job.log) or "none"
            lines.append(f"Error in {job_label(job.rule, job.wildcards)} (log: {logs}):")
            shown = next((error for error in map(error_lines, job.log) if error), None)
            # flush left: an expected error is the one line ``swsurvey: error: ...``, as everywhere
            lines += shown or job.snakemake_error or ["(the log holds no error)"]
        lines += self.errors
        return lines


def _relative(path: str) -> str:
    """``path`` relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def program_name(command: str | None) -> str:
    """How the user called Snakemake (``.venv/bin/snakemake``), from the command Snakemake
    records, to repeat in the report's command; plain ``snakemake`` when it was another way."""
    first = (command or "").split(" ", 1)[0]
    return _relative(first) if os.path.basename(first) == "snakemake" else "snakemake"
