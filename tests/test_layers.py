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
    other module and subpackage of the package (but the error type), every module but three is in a
    layer, and the light-reading contract covers every module the workflow's rules import."""
    (survey,) = [c for c in contracts().values() if c.get("source_modules") == ["swsurvey.survey"]]
    package = REPO / "src/swsurvey"
    modules = {f"swsurvey.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    modules |= {f"swsurvey.{p.parent.name}" for p in package.glob("*/__init__.py")}
    assert set(survey["forbidden_modules"]) == modules - {"swsurvey.errors", "swsurvey.survey"}
    (layers,) = [c for c in contracts().values() if c["type"] == "layers"]
    layered = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    # Outside the layers (pyproject.toml says why): the error type, and what the workflow reads.
    assert layered == modules - {"swsurvey.errors", "swsurvey.plan", "swsurvey.preflight"}
    (reading,) = [c for c in contracts().values() if c["name"].startswith("Reading the workflow")]
    assert set(reading["source_modules"]) >= set(workflow_imports())


#: Tests of a whole subpackage rather than one module (tests/<package>/test_<name>.py).
PACKAGE_TESTS = {
    "survey": {"package", "properties", "reference_coverage", "olr_replicates", "calling_convention"},
}


def test_the_tests_mirror_the_package():
    """The test of src/swsurvey/<package>/<module>.py is tests/<package>/test_<module>.py: every
    test file in a package's folder is named for a module of that package (or is one of the
    package's few whole-package tests), so a module's tests are found by its path."""
    strays = []
    for test in sorted((REPO / "tests").glob("*/test_*.py")):
        package, name = test.parent.name, test.stem.removeprefix("test_")
        if not (REPO / "src/swsurvey" / package / f"{name}.py").is_file() and name not in PACKAGE_TESTS.get(package, ()):
            strays.append(test.relative_to(REPO).as_posix())
    assert not strays, strays
