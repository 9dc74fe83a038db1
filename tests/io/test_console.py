"""The run's console, fed log records of the shapes Snakemake 9 makes (its job_info, job_finished,
job_error, run_info, progress and plain messages), as the logger plugin hands them over."""

from __future__ import annotations

import logging

import pytest

from swsurvey.errors import InputError
from swsurvey.io.console import Console, job_label, program_name
from swsurvey.io.logfile import to_logfile


def record(msg, created, level=logging.INFO, **extra) -> dict:
    """A LogRecord as Snakemake's logger makes it (``extra`` fields on the record), as a dict."""
    made = logging.makeLogRecord({"msg": msg, "levelno": level, "levelname": logging.getLevelName(level), **extra})
    made.created = created
    return made.__dict__


def job_info(jobid, rule, created, log=(), **wildcards) -> dict:
    return record(f" Rule: {rule}, Jobid: {jobid}", created, event="job_info", jobid=jobid, rule_msg=None,
                  rule_name=rule, local=True, input=["in.csv"], output=["out.csv"], log=list(log), benchmark=None,
                  wildcards=wildcards, reason="Missing output files: out.csv", resources={}, priority=0, threads=1,
                  indent=False, is_checkpoint=False, printshellcmd=True, is_handover=False, shellcmd=None)


def job_finished(jobid, rule, created) -> dict:
    return record(f"Finished jobid: {jobid} (Rule: {rule})", created, event="job_finished", job_id=jobid)


def run_info(created, **stats) -> dict:
    return record("Job stats:\n...", created, event="run_info", stats={**stats, "total": sum(stats.values())})


def job_error(jobid, rule, created, log) -> dict:
    return record(f"Error in rule {rule}, jobid: {jobid}", created, level=logging.ERROR, event="job_error",
                  rule_name=rule, rule_msg=None, jobid=jobid, input=[], output=[], log=list(log), conda_env=None,
                  container_img=None, aux={}, indent=False, shellcmd=None)


def feed(console: Console, *records: dict) -> list[str]:
    return [line for r in records for line in console.handle(r)]


def test_a_job_is_a_line_as_it_starts_and_one_as_it_ends_with_its_seconds():
    console = Console()
    lines = feed(
        console,
        record("Building DAG of jobs...", 0.0),
        run_info(0.1, weight_wave=2, all=1),
        record("Execute 2 jobs...", 0.2, event="job_started", jobs=[3, 4]),
        job_info(3, "weight_wave", 0.2, log=["logs/2017/weight.log"], wave="2017"),
        record("Shell command: None", 0.2, event="shellcmd", shellcmd=None, indent=False),
        job_info(4, "weight_wave", 0.3, wave="2021"),
        job_finished(4, "weight_wave", 1.5),
        record(None, 1.5, event="progress", done=1, total=3),
        job_finished(3, "weight_wave", 2.5),
    )
    assert lines == [
        "[1/3] start weight_wave  wave=2017",
        "[2/3] start weight_wave  wave=2021",
        "[1/3] done  weight_wave  wave=2021  1.2 s",
        "[2/3] done  weight_wave  wave=2017  2.3 s",
    ]


def test_the_counter_is_as_wide_as_the_total():
    console = Console()
    lines = feed(console, run_info(0.0, study_figure=12, all=1), job_info(1, "study_figure", 0.0, figure="flow"))
    assert lines == ["[ 1/13] start study_figure  figure=flow"]


def test_a_replicate_chunk_counts_its_rule_s_chunks():
    console = Console()
    lines = feed(
        console,
        run_info(0.0, describe_replicates=10, describe_wave=1),
        job_info(1, "describe_replicates", 0.0, wave="2017", chunk="0"),
        job_info(2, "describe_replicates", 0.0, wave="2017", chunk="1"),
        job_finished(2, "describe_replicates", 4.0),
        job_finished(1, "describe_replicates", 5.0),
    )
    assert lines[2].endswith("wave=2017  chunk=1  4.0 s  (replicate chunks 1/10)")
    assert lines[3].endswith("(replicate chunks 2/10)")


def test_the_summary_says_the_jobs_the_time_where_the_outputs_and_the_report_are():
    console = Console()
    feed(
        console,
        record("Workflow has started!", 10.0, event="workflow_started", cmd=".venv/bin/snakemake --cores 2"),
        run_info(10.0, manifest=1),
        job_info(1, "manifest", 11.0),
        job_finished(1, "manifest", 12.0),
        record("Complete log(s): .snakemake/log/run.snakemake.log", 12.0),
        record("Elapsed time: 0:00:02", 12.0),
    )
    assert console.finish(now=14.5) == [
        "Done: 1 jobs in 4.5 s. Outputs in results/; HTML report: .venv/bin/snakemake "
        "--workflow-profile workflow/profiles/default --report report.html",
        "Full log: .snakemake/log/run.snakemake.log",
    ]


def test_a_run_with_nothing_to_do_says_so():
    console = Console()
    lines = feed(console, record("Building DAG of jobs...", 0.0),
                 record("Nothing to be done (all requested files are present and up to date).", 0.5))
    assert lines == []
    (summary,) = console.finish(now=0.9)
    assert summary.startswith("Nothing to be done: the outputs in results/ are up to date.")


def test_warnings_and_unknown_messages_pass_through_and_routine_ones_do_not():
    console = Console()
    lines = feed(
        console,
        record("Assuming unrestricted shared filesystem usage.", 0.0),
        record("Provided cores: 2", 0.0, event="resources_info", cores=2),
        record("Select jobs to execute...", 0.0),
        record("Warning: the rule x has no output", 0.0, level=logging.WARNING),
        record("Report created: report.html.", 0.0),
    )
    assert lines == ["Warning: the rule x has no output", "Report created: report.html."]
    assert console.finish(now=1.0) == []  # not a run: no summary


def test_a_failed_job_ends_in_a_line_and_its_error_is_shown_once_at_the_end(tmp_path):
    log = tmp_path / "check_export.log"
    with pytest.raises(SystemExit), to_logfile(log):
        raise InputError("a code the instrument does not define", file="data/raw/x.sav", variable="Q9", value=8,
                         count=7)
    console = Console()
    rule_exception = "RuleException:\nCalledProcessError in file workflow/rules/import.smk, line 12:\nCommand ..."
    lines = feed(
        console,
        run_info(0.0, check_export=2),
        job_info(1, "check_export", 0.0, log=[str(log)], wave="2017"),
        job_info(2, "check_export", 0.0, wave="2021"),
        record(rule_exception, 1.0, level=logging.ERROR, event="error", exception="RuleException"),
        job_error(1, "check_export", 1.0, log=[str(log)]),
        job_finished(2, "check_export", 1.5),
        record("Exiting because a job execution failed. Look above for error messages", 2.0, level=logging.ERROR),
        record("WorkflowError:\nAt least one job did not complete successfully.", 2.0, level=logging.ERROR,
               event="error", exception="WorkflowError"),
    )
    assert lines[2] == "[1/2] fail  check_export  wave=2017  1.0 s  (the error is shown at the end)"
    assert lines[3] == "[2/2] done  check_export  wave=2021  1.5 s"
    assert len(lines) == 4  # nothing of the error yet
    assert console.finish(now=2.0) == [
        f"Error in check_export  wave=2017 (log: {log}):",
        "swsurvey: error: data/raw/x.sav, variable Q9, value 8, 7 rows: a code the instrument does not define",
        "Failed after 2.0 s: 1 of 2 jobs done, 1 failed.",
    ]


def test_a_failed_job_whose_log_holds_no_error_shows_snakemake_s_and_other_errors_come_after(tmp_path):
    console = Console()
    feed(
        console,
        job_info(5, "report_text", 0.0, log=[str(tmp_path / "missing.log")]),
        record("RuleException:\nMissingOutputException: results/report/x.rst", 1.0, level=logging.ERROR,
               event="error", exception="RuleException"),
        job_error(5, "report_text", 1.0, log=[str(tmp_path / "missing.log")]),
        record("MissingInputException in rule all:\nresults/y.csv", 1.0, level=logging.ERROR, event="error"),
    )
    assert console.finish(now=1.0)[:4] == [
        f"Error in report_text (log: {tmp_path / 'missing.log'}):",
        "RuleException:",
        "MissingOutputException: results/report/x.rst",
        "MissingInputException in rule all:\nresults/y.csv",
    ]


def test_a_job_s_label_is_its_rule_and_wildcards():
    assert job_label("infer_model", {"wave": "2017", "model": "weekly_use"}) == "infer_model  wave=2017  model=weekly_use"
    assert job_label("manifest", {}) == "manifest"


def test_the_report_command_repeats_how_snakemake_was_called():
    assert program_name("/usr/bin/python3 -m snakemake --cores 2") == "snakemake"
    assert program_name("snakemake --cores 2") == "snakemake"
    assert program_name(None) == "snakemake"
