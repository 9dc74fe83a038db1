"""Reading the workflow imports nothing heavy: every read of it (each run, and each job on a
cluster) pays for what workflow/rules/common.smk imports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = {"numpy", "pandas", "pyarrow", "scipy", "statsmodels", "matplotlib", "seaborn", "pyreadstat"}


def workflow_imports() -> list[str]:
    """The package's modules the workflow's rules import when they are read."""
    modules = []
    for smk in sorted((REPO / "workflow/rules").glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        modules += re.findall(r"^\s*from (swsurvey(?:\.\w+)*) import", text, re.M)
        modules += [f"swsurvey.{name}" for name in re.findall(r"^\s*from swsurvey import (\w+)", text, re.M)]
    return sorted(set(modules) - {"swsurvey"})


def test_the_workflow_reads_only_light_modules():
    modules = workflow_imports()
    assert "swsurvey.plan" in modules and "swsurvey.study.variance_setting" in modules
    assert {"swsurvey.provenance.code", "swsurvey.provenance.settings"} <= set(modules)
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=REPO).stdout.split())
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_each_figure_has_a_source_table_and_a_drawing():
    from swsurvey.plan import FIGURE_SOURCES
    from swsurvey.stages.study_figures import FIGURES

    assert list(FIGURES) == list(FIGURE_SOURCES)
    assert {source for _, source in FIGURES.values()} <= {"estimates", "flow", "coefficients", "weighting_effect"}
