"""A refused run loses nothing and says why once: real Snakemake runs on an export in data/raw/.

The wave's export is the stored synthetic 2017 wave copied to data/raw/, with its checksum in
the test's own config; the run builds the import and cleaning. Then the export is replaced by
a hostile one, or its checksum or path is wrong, and each run must stop with one message
naming the raw file (or the config key), exit non-zero, and leave every earlier output as it
was, byte for byte.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from exports import set_values, write_export
from test_workflow import make_copy, snakemake

pytestmark = pytest.mark.workflow

TARGET = "results/2017/clean/responses.parquet"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_config(workdir: Path, **wave) -> None:
    """The test's own config: one wave on data/raw/export.sav, every other key the schema's default."""
    setting = {
        "raw": "data/raw/export.sav",
        "sha256": sha256(workdir / "data/raw/export.sav"),
        "instrument": "workflow/instruments/socialwork_2017.yaml",
        "recode": "workflow/recode/socialwork_2017.yaml",
        "targets": "data/synthetic/population_margins_2017.csv",
        **wave,
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump({"waves": {"2017": setting}}, sort_keys=False))


def snapshot(workdir: Path) -> dict[str, str]:
    return {str(p.relative_to(workdir)): sha256(p) for p in (workdir / "results").rglob("*") if p.is_file()}


@pytest.fixture
def good_run(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    (workdir / "data/raw").mkdir()
    shutil.copy(workdir / "data/synthetic/socialwork_2017.sav", workdir / "data/raw/export.sav")
    write_config(workdir)
    snakemake(workdir, TARGET)
    return workdir


def one_message(proc, *needles: str) -> str:
    """The run failed with our message once, and no Python traceback."""
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0, text
    assert "Traceback" not in text, text
    ours = [line for line in text.splitlines() if line.startswith("swsurvey: error:")]
    assert len(ours) == 1, text
    for needle in needles:
        assert needle in ours[0], ours[0]
    return ours[0]


def test_a_refused_export_keeps_the_last_good_outputs_and_is_refused_again(good_run):
    workdir = good_run
    before = snapshot(workdir)
    write_export(workdir / "data/raw/export.sav", set_values("Q9", 7, 8.0))
    write_config(workdir)  # the user records the new file's checksum
    raw_bytes = (workdir / "data/raw/export.sav").read_bytes()
    for _ in range(2):  # refused on every run, never "Nothing to be done"
        proc = snakemake(workdir, TARGET, check=False)
        one_message(proc, "data/raw/export.sav", "variable Q9", "value 8", "7 rows")
    after = snapshot(workdir)
    check = {"results/2017/import/export_check.json", "results/2017/provenance/check_export.json"}
    # the check's own report of the last good export goes with it; nothing else changes
    assert {k: v for k, v in before.items() if k not in check} == after
    assert (workdir / "data/raw/export.sav").read_bytes() == raw_bytes


def test_a_changed_raw_file_stops_the_run_when_the_workflow_is_read(good_run):
    workdir = good_run
    before = snapshot(workdir)
    write_export(workdir / "data/raw/export.sav", set_values("Q9", 1, 2.0))  # checksum in config unchanged
    proc = snakemake(workdir, TARGET, check=False)
    line = one_message(proc, "wave 2017", "waves.2017.sha256", "data/raw/export.sav")
    assert sha256(workdir / "data/raw/export.sav") in line  # the value to set, if it is the right file
    assert "Building DAG" not in proc.stdout + proc.stderr  # stopped before Snakemake planned a job
    assert snapshot(workdir) == before


def test_a_raw_path_that_does_not_exist_stops_a_clone_that_has_results(good_run):
    workdir = good_run
    before = snapshot(workdir)
    write_config(workdir, raw="data/raw/moved.sav", sha256=None)
    proc = snakemake(workdir, TARGET, check=False)
    one_message(proc, "wave 2017", "waves.2017.raw", "data/raw/moved.sav", "does not exist")
    assert snapshot(workdir) == before


def test_an_unknown_config_key_is_named_with_the_allowed_keys_in_one_short_message(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["weigthing"] = config.pop("weighting")
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    proc = snakemake(workdir, "--dry-run", check=False)
    line = one_message(proc, "'weigthing'", "allowed keys: waves, privacy, weighting, describe")
    assert len((proc.stdout + proc.stderr).splitlines()) < 30, proc.stdout + proc.stderr
    assert "$schema" not in proc.stdout + proc.stderr and line


def test_a_bad_value_names_its_key_and_what_the_key_is_for(repo_dir, tmp_path):
    workdir = make_copy(repo_dir, tmp_path)
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["describe"]["min_n"] = "ten"
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    proc = snakemake(workdir, "--dry-run", check=False)
    one_message(proc, "describe.min_n", "'ten'")
