"""The run's Workflow Run RO-Crate, on a real run (swsurvey.provenance.crate)."""

from __future__ import annotations

import json

from swsurvey.io.files import sha256_file
from swsurvey.provenance.crate import write_crate
from swsurvey.provenance.manifest import gather
from swsurvey.provenance.records import find_records

def test_rocrate_describes_the_run_the_jobs_and_the_files_by_reference(run_dir):
    records = find_records(run_dir / "results")
    path = write_crate(gather(records, root=run_dir), run_dir / "results/ro-crate")
    crate = json.loads(path.read_text())
    graph = {entity["@id"]: entity for entity in crate["@graph"]}
    root = graph["./"]
    conforms = {ref["@id"] for ref in root["conformsTo"]}
    assert {
        "https://w3id.org/ro/wfrun/process/0.6",
        "https://w3id.org/ro/wfrun/workflow/0.6",
        "https://w3id.org/ro/wfrun/provenance/0.6",
        "https://w3id.org/workflowhub/workflow-ro-crate/1.1",
    } <= conforms
    workflow = graph[root["mainEntity"]["@id"]]
    assert root["mainEntity"]["@id"] == "../../Snakefile"
    assert "ComputationalWorkflow" in workflow["@type"]
    assert graph[workflow["programmingLanguage"]["@id"]]["name"] == "Snakemake"
    run = graph["#run"]
    assert run["instrument"]["@id"] == "../../Snakefile" and run["startTime"] <= run["endTime"]
    objects = {ref["@id"] for ref in run["object"]}
    assert {"../../data/synthetic/socialwork_2017.sav", "../../config.yaml"} <= objects
    raw = graph["../../data/synthetic/socialwork_2017.sav"]
    assert raw["sha256"] == sha256_file(run_dir / "data/synthetic/socialwork_2017.sav")
    assert "../2017/describe/estimates.csv" in {ref["@id"] for ref in run["result"]}
    job = graph["#job-describe_wave-2017"]
    assert job["@type"] == "CreateAction" and job["instrument"]["@id"] == "#rule-describe_wave"
    assert {ref["@id"] for ref in job["result"]} == {"../2017/describe/estimates.csv"}
    assert graph["#control-describe_wave-2017"]["object"]["@id"] == "#job-describe_wave-2017"
    assert graph["../2017/provenance/describe_wave.json"]["about"]["@id"] == "#job-describe_wave-2017"
    assert not (run_dir / "results/ro-crate/2017").exists()  # nothing copied
    # the same records, in any order, give the same bytes
    first = path.read_bytes()
    assert write_crate(gather(records[::-1], root=run_dir), run_dir / "results/ro-crate").read_bytes() == first
