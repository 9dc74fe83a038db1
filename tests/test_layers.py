"""The package's layers, as import-linter checks them (contracts in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from test_workflow_reading import workflow_imports

REPO = Path(__file__).resolve().parents[1]


def contracts() -> dict[str, dict]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["name"]: contract for contract in config["contracts"]}


def test_import_linter_keeps_every_contract():
    linter = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(linter)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in proc.stdout


def test_the_contracts_cover_every_module():
    """A new module cannot slip past a contract: the survey statistics' contract forbids every
    other module of the package (but the error type), and the light-reading contract covers every
    module the workflow's rules import."""
    (survey,) = [c for c in contracts().values() if c["source_modules"] == ["swsurvey.survey"]]
    modules = {f"swsurvey.{p.stem}" for p in (REPO / "src/swsurvey").glob("*.py") if p.stem != "__init__"}
    assert set(survey["forbidden_modules"]) == modules - {"swsurvey.errors"}
    (reading,) = [c for c in contracts().values() if "numpy" in c["forbidden_modules"]]
    assert set(reading["source_modules"]) >= set(workflow_imports())
