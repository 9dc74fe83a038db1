"""The logger plugin swsurvey (src/snakemake_logger_plugin_swsurvey), in real Snakemake runs of a
tiny workflow in a temporary folder: a failed job's error once at the end with its log and a
non-zero exit; Snakemake's own output for a dry run and with --logger-swsurvey-full; and light
imports, since Snakemake imports the plugin in every process it starts, jobs included."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from test_workflow_reading import HEAVY

pytestmark = pytest.mark.workflow

PROFILE = Path(__file__).resolve().parents[1] / "workflow/profiles/default/config.yaml"

SNAKEFILE = """
rule all:
    input:
        expand("out/{sample}.txt", sample=["a", "b", "bad"]),


rule make:
    output:
        "out/{sample}.txt",
    log:
        "logs/{sample}.log",
    script:
        "job.py"
"""

# A job as the pipeline's scripts are: its log through to_logfile, an expected error an InputError.
SCRIPT = """
from swsurvey.errors import InputError
from swsurvey.io.logfile import to_logfile

with to_logfile(snakemake.log[0]):
    if snakemake.wildcards.sample == "bad":
        raise InputError("a code the instrument does not define", file="data/raw/x.sav", variable="Q9", value=8,
                         count=7)
    open(snakemake.output[0], "w").write("ok\\n")
"""


def tiny_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "Snakefile").write_text(textwrap.dedent(SNAKEFILE))
    (tmp_path / "job.py").write_text(textwrap.dedent(SCRIPT))
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", "--logger", "swsurvey", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_the_default_profile_turns_the_console_on():
    assert yaml.safe_load(PROFILE.read_text())["logger"] == ["swsurvey"]


def test_a_failed_job_s_error_is_shown_once_at_the_end_with_its_log_and_the_run_fails(tmp_path):
    proc = tiny_run(tmp_path, "--keep-going")  # the other jobs run on, and end before the error is shown
    assert proc.returncode != 0
    lines = proc.stderr.splitlines()
    message = "swsurvey: error: data/raw/x.sav, variable Q9, value 8, 7 rows: a code the instrument does not define"
    assert lines.count(message) == 1, lines
    assert proc.stderr.count("logs/bad.log") == 1, lines
    error = lines.index("Error in make  sample=bad (log: logs/bad.log):")
    assert lines[error + 1] == message
    # after every job line: the error, then how the run ended, then where the full log is
    assert not any("] start " in line or "] done " in line for line in lines[error:]), lines
    assert lines[error + 2] == "Failed after " + lines[error + 2].split()[2] + " s: 2 of 4 jobs done, 1 failed."
    assert lines[-1].startswith("Full log: .snakemake/log/") and (tmp_path / lines[-1][10:]).is_file()
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(lines) <= 2 * 4 + 10, lines


def test_a_dry_run_and_the_full_option_print_snakemake_s_own_output(tmp_path):
    dry = tiny_run(tmp_path, "--dry-run")
    assert dry.returncode == 0 and "Job stats:" in dry.stdout + dry.stderr and "rule make:" in dry.stdout
    full = tiny_run(tmp_path, "--logger-swsurvey-full", "out/a.txt")
    assert full.returncode == 0
    assert "rule make:" in full.stderr and "wildcards: sample=a" in full.stderr and "] start " not in full.stderr


def test_the_plugin_and_its_console_import_nothing_heavy():
    code = ("import sys, snakemake_logger_plugin_swsurvey, swsurvey.io.console\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert "snakemake_logger_plugin_swsurvey" in loaded and not loaded & HEAVY, sorted(loaded & HEAVY)
