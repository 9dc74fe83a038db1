"""The conda environment pins the same versions as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml


def _pins(specs, sep):
    out = {}
    for spec in specs:
        if not isinstance(spec, str):
            continue
        match = re.fullmatch(rf"([A-Za-z0-9_.-]+)\s*{re.escape(sep)}\s*([0-9][^\s,;]*)", spec)
        if match:
            out[match.group(1).lower()] = match.group(2)
    return out


def test_conda_env_matches_pinned_python_dependencies(repo_dir):
    project = tomllib.loads((repo_dir / "pyproject.toml").read_text())["project"]
    pip_pins = _pins(project["dependencies"], "==")
    assert len(pip_pins) == len(project["dependencies"]), "every runtime dependency is pinned"
    env = yaml.safe_load((repo_dir / "envs/swsurvey.yaml").read_text())
    conda_pins = _pins(env["dependencies"], "=")
    # Snakemake drives the jobs from outside their environment, so the job env lacks it and
    # pygments, which only Snakemake's --report uses.
    expected = {k: v for k, v in pip_pins.items() if k not in {"snakemake", "pygments"}}
    assert {k: v for k, v in conda_pins.items() if k != "python"} == expected
