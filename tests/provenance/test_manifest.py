"""The run's manifest and its summaries, on a real run (swsurvey.provenance.manifest)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file
from swsurvey.provenance.manifest import build_manifest, manifest_html, manifest_markdown
from swsurvey.provenance.records import find_records

def test_manifest_lists_every_output_and_the_files_no_job_made(run_dir):
    manifest = json.loads((run_dir / "results/manifest.json").read_text())
    estimates = manifest["outputs"]["results/2017/describe/estimates.csv"]
    assert estimates["rule"] == "describe_wave" and estimates["wave"] == "2017"
    assert estimates["sha256"] == sha256_file(run_dir / "results/2017/describe/estimates.csv")
    assert estimates["record"] == "results/2017/provenance/describe_wave.json"
    raw = manifest["inputs"]["data/synthetic/socialwork_2017.sav"]
    assert raw["made_by"] is None and raw["used_by"] == ["results/2017/provenance/import_wave.json"]
    assert raw["sha256"] == yaml.safe_load((run_dir / "config.yaml").read_text())["waves"]["2017"]["sha256"]
    assert manifest["inputs"]["results/2017/clean/responses.parquet"]["made_by"] == "clean_wave"
    assert manifest["synthetic"] == {"2017": True}
    assert manifest["config"]["file_sha256"] == sha256_file(run_dir / "config.yaml")
    assert set(manifest["code_sha256"]) == {
        f"{r}[wave=2017]" for r in ["import_wave", "clean_wave", "weight_wave", "describe_wave"]
    }


def test_manifest_summaries_carry_the_banner_header_and_outputs(run_dir):
    manifest = json.loads((run_dir / "results/manifest.json").read_text())
    markdown = manifest_markdown(manifest)
    assert markdown.startswith("> **SYNTHETIC DATA")
    assert "| results/2017/describe/estimates.csv | describe_wave | 2017 |" in markdown
    assert "Git commit" in markdown and "pandas 3.1.1" in markdown
    page = manifest_html(manifest)
    assert 'class="banner"' in page and "results/2017/weight/responses.parquet" in page
    assert (run_dir / "results/manifest.md").read_text() == markdown


def test_manifest_refuses_two_records_of_one_output(run_dir, tmp_path):
    records = find_records(run_dir / "results")
    copy = tmp_path / "provenance" / "again.json"
    copy.parent.mkdir()
    shutil.copy(records[0], copy)
    with pytest.raises(InputError, match="made by two jobs"):
        build_manifest([*records, copy], root=run_dir)
