"""The audit of a finished run, on a real run (import to describe) copied for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from recorded_run import build_run

from swsurvey.errors import InputError
from swsurvey.provenance.audit import Finding, audit

ESTIMATES = "results/2017/describe/estimates.csv"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return build_run(tmp_path_factory.mktemp("run"))


@pytest.fixture
def run(pristine, tmp_path) -> Path:
    """A copy of the run each test may tamper with."""
    return Path(shutil.copytree(pristine, tmp_path / "run", symlinks=True))


def problems(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.path, f.problem) for f in findings}


def test_an_untouched_run_has_no_findings(run):
    assert audit(run / "results/manifest.json", run) == []


def test_a_modified_output_is_named(run):
    with open(run / ESTIMATES, "a", encoding="utf-8") as handle:
        handle.write("2017,x,y,z,1,2\n")
    findings = audit(run / "results/manifest.json", run)
    assert problems(findings) == {(ESTIMATES, "modified")}
    assert "describe_wave" in findings[0].detail and "results/2017/provenance/describe_wave.json" in findings[0].detail
    assert str(findings[0]).startswith(f"{ESTIMATES}: modified: SHA-256 is ")


def test_a_modified_raw_file_is_named(run):
    targets = run / "data/synthetic/population_margins_2017.csv"
    targets.write_text(targets.read_text().replace("\n", "\r\n"))
    assert problems(audit(run / "results/manifest.json", run)) == {
        ("data/synthetic/population_margins_2017.csv", "modified")
    }


def test_a_deleted_output_is_missing(run):
    (run / "results/2017/weight/margins.csv").unlink()
    findings = audit(run / "results/manifest.json", run)
    assert problems(findings) == {("results/2017/weight/margins.csv", "missing")}
    assert "weight_wave" in findings[0].detail


def test_a_deleted_record_is_missing_and_its_checks_are_skipped(run):
    (run / "results/2017/provenance/clean_wave.json").unlink()
    assert problems(audit(run / "results/manifest.json", run)) == {
        ("results/2017/provenance/clean_wave.json", "missing")
    }


def test_a_file_no_record_lists_is_unexpected(run):
    (run / "results/2017/describe/extra.csv").write_text("a\n1\n")
    (run / "results/.snakemake").mkdir()
    (run / "results/.snakemake/state").write_text("not an output")
    (run / "results/ro-crate").mkdir()
    (run / "results/ro-crate/ro-crate-metadata.json").write_text("{}")
    assert problems(audit(run / "results/manifest.json", run)) == {("results/2017/describe/extra.csv", "unexpected")}


def test_a_changed_code_file_flags_the_outputs_of_every_rule_that_ran_it(run):
    describe = run / "src/swsurvey/stages/describe.py"
    describe.write_text(describe.read_text() + "\n# an edit\n")
    findings = audit(run / "results/manifest.json", run)
    assert problems(findings) == {(ESTIMATES, "code changed")}
    assert "src/swsurvey/stages/describe.py" in findings[0].detail

    errors = run / "src/swsurvey/errors.py"  # every stage imports it
    errors.write_text(errors.read_text() + "\n")
    changed = {f.path for f in audit(run / "results/manifest.json", run) if f.problem == "code changed"}
    assert {ESTIMATES, "results/2017/import/responses.parquet", "results/2017/weight/margins.csv"} <= changed


def test_a_changed_setting_flags_the_outputs_of_the_rules_that_use_it(run):
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["describe"]["min_n"] = 30
    (run / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    findings = audit(run / "results/manifest.json", run)
    assert problems(findings) == {(ESTIMATES, "settings changed")}
    assert "min_n (describe.min_n): 10 then, 30 now" in findings[0].detail


def edit_config(run: Path, edit) -> None:
    config = yaml.safe_load((run / "config.yaml").read_text())
    edit(config)
    (run / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


WEIGHTS = {f"results/2017/weight/{name}" for name in ("responses.parquet", "diagnostics.csv", "margins.csv")}


def test_a_setting_flags_the_outputs_of_the_rules_that_take_it_and_what_is_made_from_them(run):
    """weighting.maxit and waves.<wave>.variance.chunk are both 100: each is traced to its own
    key, so each names its own rule's outputs (the estimates are made from the weights). A
    top-level weighting key reaches the rules through each wave's weighting (the wave's keys
    merged over the top level's), the key path they take."""
    edit_config(run, lambda config: config["weighting"].update(maxit=50))
    findings = audit(run / "results/manifest.json", run)
    # the estimates take the weighting settings too: their SEs rebuild the raking's calibration
    assert problems(findings) == {(path, "settings changed") for path in WEIGHTS} | {(ESTIMATES, "settings changed")}
    assert "maxit (waves.2017.weighting.maxit): 100 then, 50 now" in findings[-1].detail
    assert "rule describe_wave used settings" in findings[0].detail
    assert "weighting (waves.2017.weighting)" in findings[0].detail

    edit_config(run, lambda config: config["weighting"].update(maxit=100))
    edit_config(run, lambda config: config["waves"]["2017"].update(variance={"chunk": 50}))
    findings = audit(run / "results/manifest.json", run)
    assert problems(findings) == {(ESTIMATES, "settings changed")}
    assert "variance (waves.2017.variance)" in findings[0].detail and "maxit" not in findings[0].detail


def test_a_config_named_input_moved_to_another_file_is_a_changed_setting(run):
    (run / "data/targets.csv").write_bytes((run / "data/synthetic/population_margins_2017.csv").read_bytes())
    edit_config(run, lambda config: config["waves"]["2017"].update(targets="data/targets.csv"))
    findings = audit(run / "results/manifest.json", run)
    assert problems(findings) == {(path, "settings changed") for path in WEIGHTS} | {(ESTIMATES, "settings changed")}
    assert ("input targets (waves.2017.targets): \"data/synthetic/population_margins_2017.csv\" then, "
            "\"data/targets.csv\" now") in findings[-1].detail


def test_config_that_reaches_no_output_flags_nothing(run):
    """Another wave and another model reach none of this run's outputs (they add jobs of their
    own); nor does trimming stay null by being written out."""

    def edit(config):
        config["waves"]["2023"] = {**config["waves"]["2017"], "published": None}
        config["infer"]["models"]["training"] = {"formula": 'I(training == "Yes") ~ country', "family": "quasibinomial"}
        config["weighting"]["trim"] = None

    edit_config(run, edit)
    assert audit(run / "results/manifest.json", run) == []


def test_inspecting_a_file_as_the_readme_suggests_flags_nothing(run):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "swsurvey.cli", "inspect", "data/synthetic/socialwork_2017.sav"],
                          cwd=run, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert list((run / "results/inspect").iterdir())
    assert audit(run / "results/manifest.json", run) == []


def test_code_imported_from_another_checkout_is_named(tmp_path):
    """The jobs import the package the environment has (here this repository's, installed
    editable), not the run's copy: when the two differ, the code that ran is not the code the
    records hash."""

    def edit_the_run_s_copy(root: Path) -> None:
        weights = root / "src/swsurvey/stages/weighting.py"
        weights.write_text(weights.read_text() + "\n# the run's checkout differs from the installed one\n")

    run = build_run(tmp_path / "run", before=edit_the_run_s_copy)
    findings = audit(run / "results/manifest.json", run)
    # describe_wave imports stages/weighting too (it rebuilds the raking's calibration)
    assert problems(findings) == {(path, "code changed") for path in WEIGHTS} | {(ESTIMATES, "code changed")}
    detail = next(f.detail for f in findings if f.problem == "code changed")
    assert "imported the swsurvey package from" in detail and "src/swsurvey/stages/weighting.py" in detail


def test_a_setting_the_rule_does_not_use_flags_nothing(run):
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["infer"]["items"] = ["any_ict_use"]
    (run / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert audit(run / "results/manifest.json", run) == []


def test_a_setting_left_out_of_the_config_is_compared_with_its_schema_default(run):
    """The workflow fills in the schema's defaults, so the audit compares against them too."""
    schema = yaml.safe_load((run / "workflow/schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert schema["properties"]["weighting"]["properties"]["maxit"]["default"] == config["weighting"]["maxit"]
    del config["weighting"]["maxit"]
    (run / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert audit(run / "results/manifest.json", run) == []


def test_no_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no manifest"):
        audit(tmp_path / "results/manifest.json", tmp_path)
