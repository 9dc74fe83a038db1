"""The workflow profiles: the SLURM profile is one Snakemake 9 accepts, with the SLURM executor
plugin installed (the cluster extra), and reruns follow content in it as in the default one.

No cluster is needed: a dry run parses every key of the profile (an unknown key, or a setting
the plugin does not have, stops it), and shows how the jobs would be submitted. CI runs the
workflow through a real SLURM cluster (.ci/slurm_check).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_workflow import make_copy, small_config

PROFILES = Path(__file__).resolve().parents[1] / "workflow" / "profiles"

needs_plugin = pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[cluster]')",
)


def profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def slurm_dry_run(workdir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--workflow-profile", "workflow/profiles/slurm", "--dry-run"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_slurm_profile_reruns_on_content_as_the_default_profile_does():
    slurm, default = profile("slurm"), profile("default")
    for key in ("rerun-triggers", "max-checksum-file-size"):
        assert slurm[key] == default[key], key
    assert slurm["executor"] == "slurm"
    assert {"mem_mb", "runtime"} <= set(slurm["default-resources"])


@needs_plugin
@pytest.mark.workflow
def test_snakemake_accepts_every_key_of_the_slurm_profile(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    small_config(workdir)
    proc = slurm_dry_run(workdir)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text
    assert "Using workflow specific profile workflow/profiles/slurm" in text
    # the small jobs go to SLURM together, as one group job
    assert text.count("Group job small_jobs") == 1, text


@needs_plugin
@pytest.mark.workflow
def test_a_key_snakemake_does_not_know_fails_the_dry_run(repo_dir, tmp_path):
    """The check above can fail: a misspelt key stops Snakemake, naming it."""
    workdir = make_copy(repo_dir, tmp_path)
    config = workdir / "workflow/profiles/slurm/config.yaml"
    config.write_text(config.read_text() + "slurm-status-comand: squeue\n")
    proc = slurm_dry_run(workdir)
    assert proc.returncode != 0
    assert "slurm-status-comand" in proc.stderr
