"""Rule manifest's outputs in one go: the manifest and the crate (swsurvey.provenance.run_outputs)."""

from __future__ import annotations

import contextlib
import json

from swsurvey.provenance.records import find_records
from swsurvey.provenance.run_outputs import write_run_provenance


def test_the_manifest_and_the_crate_are_written_from_one_gathering(run_dir, tmp_path):
    out = tmp_path / "out"
    with contextlib.chdir(run_dir):
        manifest = write_run_provenance(
            find_records("results"),
            out_json=out / "manifest.json",
            out_md=out / "manifest.md",
            out_html=out / "manifest.html",
            out_crate=out / "ro-crate/ro-crate-metadata.json",
        )
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert (out / "manifest.md").is_file() and (out / "manifest.html").is_file()
    graph = {e["@id"]: e for e in json.loads((out / "ro-crate/ro-crate-metadata.json").read_text())["@graph"]}
    assert {ref["@id"] for ref in graph["#engine-run"]["object"]} == {
        f"#control-{rule}-2017" for rule in ["import_wave", "clean_wave", "weight_wave", "describe_wave"]
    }
