"""Job records: what each job read and wrote, with which code, settings and software
(swsurvey.provenance.records), on real files and a real Snakemake job."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from recorded_run import snakemake_object

from swsurvey.io.files import sha256_file, with_provenance
from swsurvey.provenance.code import code_hash
from swsurvey.provenance.records import (
    RECORD_FORMAT,
    find_records,
    find_seeds,
    job_record,
    read_record,
    recorded,
    utc_now,
)
from swsurvey.provenance.settings import CONFIG_KEYS


def write_table(path: Path, *, synthetic: bool, rows: int = 3) -> Path:
    """A small Parquet file carrying the pipeline's own metadata, as every stage writes."""
    table = pa.table({"x": list(range(rows))})
    pq.write_table(with_provenance(table, {"stage": "weight", "synthetic": synthetic}), path)
    return path


# -- the record ---------------------------------------------------------------------------


def test_job_record_lists_real_files_with_hashes_rows_and_synthetic_flag(tmp_path):
    data = write_table(tmp_path / "in.parquet", synthetic=True, rows=5)
    out = tmp_path / "out.csv"
    out.write_text('a,b\n1,"two\nlines"\n3,x\n', encoding="utf-8")
    script = tmp_path / "script.py"
    script.write_text("pass\n")
    started = utc_now()
    record = job_record(
        rule="describe_wave",
        wildcards={"wave": "2017"},
        inputs={"data": str(data)},
        outputs={"estimates": "out.csv"},
        code=[script],
        params={"min_n": 10, "nested": {"bootstrap_seed": 7}, "seed": 3},
        config_keys={"min_n": ("describe", "min_n")},
        input_config_keys={"data": ("waves", "2017", "raw")},
        config={"describe": {"min_n": 10}},
        started=started,
        ended=started,
        root=tmp_path,
    )
    assert record["format"] == RECORD_FORMAT
    assert record["wave"] == "2017"
    assert record["inputs"] == [
        {
            "name": "data",
            "path": "in.parquet",
            "sha256": sha256_file(data),
            "size": data.stat().st_size,
            "rows": 5,
            "stage": "weight",
            "synthetic": True,
        }
    ]
    assert record["outputs"][0]["rows"] == 2  # a quoted newline does not start a row
    assert record["rows"] == {"in": {"in.parquet": 5}, "out": {"out.csv": 2}}
    assert record["synthetic"] is True
    assert record["seeds"] == {"nested.bootstrap_seed": 7, "seed": 3}
    assert record["config_keys"] == {"min_n": ["describe", "min_n"]}  # as given: none is guessed
    assert record["input_config_keys"] == {"data": ["waves", "2017", "raw"]}
    assert record["code"]["files"] == [{"path": "script.py", "sha256": sha256_file(script)}]
    assert record["code"]["sha256"] == code_hash([script], root=tmp_path)
    assert record["started"].endswith("Z") and "T" in record["started"]
    assert record["software"]["packages"]["pandas"] is not None
    assert record["software"]["snakemake"] == record["software"]["packages"]["snakemake"]
    assert set(record["software"]["packages"]) >= {"pyreadstat", "pyyaml", "jsonschema", "swsurvey"}
    json.dumps(record, allow_nan=False)  # the record is plain JSON


def test_params_hash_does_not_depend_on_key_order(tmp_path):
    def params_hash(params):
        now = utc_now()
        record = job_record(
            rule="r", inputs={}, outputs={}, code=[], params=params, started=now, ended=now, root=tmp_path
        )
        return record["params_sha256"]

    assert params_hash({"a": 1, "b": {"x": 1, "y": 2}}) == params_hash({"b": {"y": 2, "x": 1}, "a": 1})
    assert params_hash({"a": 1}) != params_hash({"a": 2})


def test_seeds_are_found_at_any_depth():
    assert find_seeds({"settings": {"models": [{"Seed": 1}]}, "scale": 1.0}) == {"settings.models.0.Seed": 1}


# -- recording a job ---------------------------------------------------------------------


def test_recorded_writes_the_record_after_the_work_from_a_real_snakemake_object(tmp_path):
    data = write_table(tmp_path / "in.parquet", synthetic=False)
    script = tmp_path / "scripts" / "copy_rule.py"
    script.parent.mkdir()
    script.write_text("pass\n")
    smk = snakemake_object(
        "copy_rule",
        input={"data": str(data), "code": [str(script)]},
        output={"data": str(tmp_path / "out.parquet"), "provenance": str(tmp_path / "prov" / "copy_rule.json")},
        params={"seed": 5, "min_n": 10, CONFIG_KEYS: {"params": {"seed": ["seed"], "min_n": ["describe", "min_n"]},
                                                      "input": {"data": ["waves", "w1", "raw"]}}},
        wildcards={"wave": "w1"},
        config={"describe": {"min_n": 10}, "seed": 5},
    )
    with recorded(smk, root=tmp_path) as job:
        assert job.params == {"seed": 5, "min_n": 10}  # the settings to work with
        assert not (tmp_path / "prov" / "copy_rule.json").exists()
        shutil.copy(data, tmp_path / "out.parquet")
        job.notes["rows_dropped"] = 0
    record = read_record(tmp_path / "prov" / "copy_rule.json")
    assert record["rule"] == "copy_rule"
    assert record["wildcards"] == {"wave": "w1"}
    assert [e["path"] for e in record["inputs"]] == ["in.parquet"]  # the code is not data
    assert [e["path"] for e in record["outputs"]] == ["out.parquet"]  # nor the record itself
    assert record["code"]["files"] == [{"path": "scripts/copy_rule.py", "sha256": sha256_file(script)}]
    assert record["params"] == {"seed": 5, "min_n": 10}
    assert record["config_keys"] == {"seed": ["seed"], "min_n": ["describe", "min_n"]}
    assert record["input_config_keys"] == {"data": ["waves", "w1", "raw"]}
    assert record["seeds"] == {"seed": 5}
    assert record["notes"] == {"rows_dropped": 0}
    assert record["synthetic"] is False
    assert record["started"] <= record["ended"]


def test_recorded_takes_the_script_named_after_the_rule_when_there_is_no_code_input(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "describe_wave.py").write_text("from swsurvey.stages.describe import describe_wave\n")
    smk = snakemake_object(
        "describe_wave",
        input={},
        output={"provenance": str(tmp_path / "p.json")},
        scriptdir=tmp_path / "scripts",
    )
    with recorded(smk, root=tmp_path):
        pass
    paths = [e["path"] for e in read_record(tmp_path / "p.json")["code"]["files"]]
    assert "scripts/describe_wave.py" in paths
    assert any(p.endswith("src/swsurvey/stages/describe.py") for p in paths)


def test_a_failed_job_leaves_no_record(tmp_path):
    smk = snakemake_object("r", input={}, output={"provenance": str(tmp_path / "p.json")})
    with pytest.raises(RuntimeError, match="boom"), recorded(smk, root=tmp_path):
        raise RuntimeError("boom")
    assert not (tmp_path / "p.json").exists()


def test_a_rule_without_a_provenance_output_is_refused_before_the_work(tmp_path):
    smk = snakemake_object("r", input={}, output={"data": str(tmp_path / "x")})
    ran = []
    with pytest.raises(ValueError, match="provenance"), recorded(smk, root=tmp_path):
        ran.append(True)
    assert not ran


SNAKEFILE = """
from swsurvey.provenance.code import code_files

configfile: "config.yaml"

rule all:
    input:
        "results/x/table.csv",

rule copy_table:
    input:
        table="data/table.csv",
        code=code_files("scripts/copy_table.py"),
    output:
        table="results/{name}/table.csv",
        provenance="results/{name}/provenance/copy_table.json",
    params:
        seed=config["seed"],
        config_keys={"params": {"seed": ["seed"]}, "input": {}},
    log:
        "logs/{name}.log",
    script:
        "scripts/copy_table.py"
"""

SCRIPT = """
import shutil

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake) as job:
    shutil.copy(snakemake.input.table, snakemake.output.table)
    job.notes["copied"] = True
"""


@pytest.mark.workflow
def test_recorded_works_in_a_real_snakemake_job(tmp_path):
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    (tmp_path / "config.yaml").write_text("seed: 3\n")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "copy_table.py").write_text(SCRIPT)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv").write_text("a\n1\n2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    record = read_record(tmp_path / "results/x/provenance/copy_table.json")
    assert record["rule"] == "copy_table" and record["wildcards"] == {"name": "x"}
    assert [(e["name"], e["path"], e["rows"]) for e in record["inputs"]] == [("table", "data/table.csv", 2)]
    assert [e["path"] for e in record["outputs"]] == ["results/x/table.csv"]
    code = [e["path"] for e in record["code"]["files"]]
    assert "scripts/copy_table.py" in code
    assert any(p.endswith("swsurvey/provenance/records.py") for p in code)
    assert record["seeds"] == {"seed": 3} and record["config_keys"] == {"seed": ["seed"]}
    assert record["config"]["file_sha256"] == sha256_file(tmp_path / "config.yaml")
    assert record["notes"] == {"copied": True}


# -- a real run --------------------------------------------------------------------------


def test_the_run_writes_one_record_per_job(run_dir):
    records = [read_record(p) for p in find_records(run_dir / "results")]
    assert sorted(r["rule"] for r in records) == ["clean_wave", "describe_wave", "import_wave", "weight_wave"]
    weight = next(r for r in records if r["rule"] == "weight_wave")
    assert weight["config_keys"]["unknown"] == ["waves", "2017", "weighting", "unknown_level"]
    assert weight["config_keys"]["trim"] == ["waves", "2017", "weighting", "trim"]
    assert weight["input_config_keys"] == {"targets": ["waves", "2017", "targets"]}
    assert "config_keys" not in weight["params"]
    # the package the job imported (this test's, installed from the repository), whose modules
    # are the same bytes as the run's copy that the record hashes
    imported = weight["code"]["imported"]
    hashed = {e["path"]: e["sha256"] for e in weight["code"]["files"]}
    assert "src/swsurvey/stages/weighting.py" in [e["path"] for e in imported["files"]]
    assert all(hashed[e["path"]] == e["sha256"] for e in imported["files"])
    assert imported["package"].endswith("src/swsurvey")
    assert (
        weight["rows"]["in"]["results/2017/clean/responses.parquet"]
        == weight["rows"]["out"]["results/2017/weight/responses.parquet"]
    )
    assert "src/swsurvey/stages/weighting.py" in [e["path"] for e in weight["code"]["files"]]
