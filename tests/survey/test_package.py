"""The survey package's shape: importing it is light, its public names resolve lazily, and the
rest of the project imports each survey name from the module that defines it (so the
workflow's static reading of imports sees exactly the modules a job uses)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import swsurvey.survey

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "scipy", "statsmodels", "numpy")


def test_importing_the_package_imports_nothing_heavy():
    code = (
        "import sys, json, swsurvey.survey; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m.startswith('swsurvey.survey.'))))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    assert loaded == []


def test_an_estimator_module_imports_neither_scipy_stats_nor_statsmodels():
    modules = ["estimates", "by", "ciprop", "chisq", "glm", "olr", "weighting", "replicates"]
    code = (
        "import sys, json, importlib; "
        f"[importlib.import_module('swsurvey.survey.' + m) for m in {modules!r}]; "
        "print(json.dumps(sorted(m for m in sys.modules if m == 'scipy.stats' or m.split('.')[0] == 'statsmodels')))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    assert loaded == []


@pytest.mark.parametrize("name", swsurvey.survey.__all__)
def test_every_public_name_resolves_to_its_defining_module(name):
    value = getattr(swsurvey.survey, name)
    module = swsurvey.survey._MODULES[name]
    defined_in = getattr(value, "__module__", None)
    if defined_in is not None and not isinstance(value, (int, float, str, tuple)):
        assert defined_in == f"swsurvey.survey.{module}"
    assert name in dir(swsurvey.survey)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        swsurvey.survey.no_such_name  # noqa: B018


def _project_sources() -> list[Path]:
    package = REPO / "src" / "swsurvey"
    files = [p for p in package.glob("*.py")]
    files += [p for p in package.rglob("*.py") if "survey" not in p.relative_to(package).parts[:1] and p.parent != package]
    for folder in ("scripts", "bench"):
        files += sorted((REPO / folder).glob("*.py"))
    return sorted(set(files))


def test_no_module_outside_the_survey_package_imports_from_its_root():
    offenders = []
    for path in _project_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "swsurvey.survey":
                modules = [a.name for a in node.names if a.name in swsurvey.survey._MODULES]
                if modules:
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: {', '.join(modules)}")
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "swsurvey":
                if any(a.name == "survey" for a in node.names):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: from swsurvey import survey")
            elif isinstance(node, ast.Import) and any(a.name == "swsurvey.survey" for a in node.names):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: import swsurvey.survey")
    assert _project_sources(), "no sources found"
    assert not offenders, "import survey names from their defining module:\n" + "\n".join(offenders)
