"""Running the real workflow in a copy of the repository, for the tests that run Snakemake
(tests/test_workflow.py, tests/test_new_wave.py): the copy, a run, the job counts of its log,
and the ``swsurvey`` command in the copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from testconfig import write_test_config

COPIED = ["Snakefile", "workflow", "scripts", "src", "envs", "data"]


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--workflow-profile", "workflow/profiles/default", "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def job_counts(text: str) -> dict[str, int]:
    """The first 'Job stats' table of a Snakemake run or dry run, as {rule: count}."""
    lines = text.splitlines()
    start = lines.index("Job stats:") + 3  # the title, the header and the dashes
    counts = {}
    for line in lines[start:]:
        rule, count = line.split()
        if rule == "total":
            return counts
        counts[rule] = int(count)
    raise AssertionError("no job stats")


def full_log(workdir: Path, proc: subprocess.CompletedProcess) -> str:
    """Snakemake's full log of a run (in .snakemake/log/), which the console's last line names."""
    (line,) = [line for line in proc.stderr.splitlines() if line.startswith("Full log: ")]
    return (workdir / line.removeprefix("Full log: ")).read_text()


def proc_ok(proc: subprocess.CompletedProcess) -> bool:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return True


def swsurvey(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "swsurvey.cli", *args], cwd=workdir, capture_output=True, text=True,
                          timeout=300)


def make_copy(repo_dir: Path, dest: Path, extra: tuple[str, ...] = ()) -> Path:
    """The workflow copied to ``dest`` with the tests' config.yaml (not the user's); ``extra``:
    more of the repository's folders or files to copy (e.g. ``tests/new_wave``)."""
    for name in (*COPIED, *extra):
        src = repo_dir / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    write_test_config(dest)
    return dest
