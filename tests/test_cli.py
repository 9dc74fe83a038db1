"""The provenance commands of the ``swsurvey`` CLI, on a real run of the synthetic wave."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from recorded_run import build_run

from swsurvey.cli import main


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return build_run(tmp_path_factory.mktemp("run"))


@pytest.fixture
def run(pristine, tmp_path, monkeypatch) -> Path:
    """A copy of the run, as the working directory (the commands' defaults are relative)."""
    copy = Path(shutil.copytree(pristine, tmp_path / "run"))
    monkeypatch.chdir(copy)
    return copy


def test_audit_says_no_findings_and_exits_0_on_an_untouched_run(run, capsys):
    assert main(["audit"]) == 0
    assert capsys.readouterr().out == "no findings\n"


def test_audit_prints_each_finding_and_exits_1(run, capsys):
    (run / "results/2017/weight/margins.csv").unlink()
    (run / "results/2017/notes.txt").write_text("mine")
    assert main(["audit", "--manifest", "results/manifest.json"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("results/2017/notes.txt: unexpected:")
    assert out[1].startswith("results/2017/weight/margins.csv: missing:")


def test_audit_without_a_manifest_is_an_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["audit"]) == 1
    assert "no manifest" in capsys.readouterr().err


def test_explain_prints_the_lineage_and_names_a_wrong_value(run, capsys):
    args = ["explain", "--wave", "2017", "--table", "2. Informal ICT use", "--variable", "any_ict_use"]
    assert main([*args, "--level", "Yes", "--domain", "Canada", "--weighting", "unweighted"]) == 0
    out = capsys.readouterr().out
    assert "domain Canada, unweighted" in out and "raw: data/synthetic/socialwork_2017.sav" in out
    assert main([*args, "--level", "Yes", "--domain", "Mars"]) == 1
    assert "value 'Mars'" in capsys.readouterr().err


def test_explain_takes_the_compact_id_the_study_report_shows(run, capsys):
    # the run's only table is "2. Informal ICT use", so it is T1 there
    assert main(["explain", "2017/T1/any_ict_use/Yes/Canada/unweighted"]) == 0
    by_id = capsys.readouterr().out
    assert main(["explain", "--wave", "2017", "--table", "2. Informal ICT use", "--variable", "any_ict_use",
                 "--level", "Yes", "--domain", "Canada", "--weighting", "unweighted"]) == 0
    assert by_id == capsys.readouterr().out and "domain Canada, unweighted" in by_id
    assert main(["explain", "--wave", "2017", "--table", "2. Informal ICT use"]) == 1
    assert "missing: --variable, --level, --domain" in capsys.readouterr().err


def test_manifest_and_rocrate_commands_write_from_the_records_found(run, capsys):
    (run / "results/manifest.json").unlink()
    assert main(["manifest"]) == 0
    manifest = json.loads((run / "results/manifest.json").read_text())
    assert "results/2017/describe/estimates.csv" in manifest["outputs"]
    assert (run / "results/manifest.md").is_file() and (run / "results/manifest.html").is_file()
    assert main(["rocrate"]) == 0
    crate = json.loads((run / "results/ro-crate/ro-crate-metadata.json").read_text())
    assert any(entity["@id"] == "#run" for entity in crate["@graph"])
    # the crate and the summaries are not outputs the audit should miss
    assert main(["audit"]) == 0
