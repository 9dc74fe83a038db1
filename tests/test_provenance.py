"""Provenance records, the run's manifest and its RO-Crate, on real files.

``build_run`` is a small real run outside Snakemake: a copy of the scripts, the package and the
specifications in a temporary folder, the real adapter scripts run on the stored synthetic wave
(import, clean, weight, describe), each inside ``provenance.recorded`` with the same
``snakemake`` object Snakemake gives a script, then the manifest. The audit and lineage tests
use it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from testconfig import base_config

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file, with_provenance
from swsurvey.provenance.audit import current_config
from swsurvey.provenance.crate import write_crate
from swsurvey.provenance.manifest import build_manifest, manifest_html, manifest_markdown, write_manifest
from swsurvey.provenance.records import (
    CONFIG_KEYS,
    NAMES,
    RECORD_FORMAT,
    code_files,
    code_hash,
    config_value,
    find_records,
    find_seeds,
    git_state,
    job_record,
    read_record,
    recorded,
    utc_now,
)

REPO = Path(__file__).resolve().parents[1]
WAVE = "2017"
#: A small part of the study's tables keeps the run quick.
TABLES = {"2. Informal ICT use": ["any_ict_use", "freq_text"]}
COPIED = ["scripts", "src/swsurvey", "workflow/instruments", "workflow/recode", "workflow/schemas", "data/synthetic"]


def _namedlist(cls, items):
    """A Snakemake Namedlist built as Snakemake builds a job's: lists keep one name."""
    namedlist = cls()
    for name, value in items.items():
        if isinstance(value, list):
            start = len(namedlist)
            namedlist.extend(value)
            namedlist._set_name(name, start, end=len(namedlist))
        else:
            namedlist.append(value)
            namedlist._add_name(name)
    return namedlist


#: The variance keys the import and cleaning rules take (a wave without supplied replicate weights).
NO_SUPPLIED_WEIGHTS = {"columns": None, "type": None, "combined_weights": True, "full_sample_weight": None}


def snakemake_object(rule, *, input, output, params=None, wildcards=None, config=None, scriptdir="scripts"):
    """The object Snakemake pickles into a script's preamble (snakemake.iocontainers.Snakemake)."""
    from snakemake.iocontainers import InputFiles, Log, OutputFiles, Params, ResourceList, Snakemake, Wildcards

    wildcards = wildcards or {}
    log = Log(toclone=[f"logs/{'/'.join(wildcards.values())}/{rule}.log"])
    return Snakemake(
        _namedlist(InputFiles, input),
        _namedlist(OutputFiles, output),
        _namedlist(Params, params or {}),
        _namedlist(Wildcards, wildcards),
        1,
        ResourceList(),
        log,
        config or {},
        rule,
        None,
        os.path.abspath(scriptdir),
    )


def run_script(rule, config, *, input, output, settings=None, inputs=None):
    """Run scripts/<rule>.py as Snakemake would, recorded; the cwd is the run's folder. As the
    rules do, ``settings`` are the params by their config key paths, and ``inputs`` the input
    files named by config; both go into the params' config keys."""
    script = f"scripts/{rule}.py"
    settings, inputs = settings or {}, inputs or {}
    params = {name: config_value(config, keys) for name, keys in settings.items()}
    params[CONFIG_KEYS] = {"params": settings, "input": inputs}
    smk = snakemake_object(
        rule,
        input={**input, **{name: config_value(config, keys) for name, keys in inputs.items()},
               "code": [str(p) for p in code_files(script, package_root="src/swsurvey")]},
        output={**output, "provenance": f"results/{WAVE}/provenance/{rule}.json"},
        params=params,
        wildcards={"wave": WAVE},
        config=config,
    )
    with recorded(smk):
        runpy.run_path(script, init_globals={"snakemake": smk})


#: The keys of the wave's variance setting the import and cleaning take, by their key paths.
SUPPLIED_WEIGHTS = {key: ["waves", WAVE, "variance", key] for key in NO_SUPPLIED_WEIGHTS}
#: The privacy settings the import takes, one parameter each.
PRIVACY_KEYS = ("drop_instrument_pii", "drop_unlisted_strings", "keep_strings", "drop", "pseudonymise",
                "pseudonym_key_file")


def build_run(root: Path, before=None) -> Path:
    """A real run of import, cleaning, weighting and description of the synthetic 2017 wave;
    ``before(root)`` is called once the run's files are copied, before any job."""
    for name in COPIED:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    if before is not None:
        before(root)
    config = base_config()
    config["describe"]["tables"] = TABLES
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    out = f"results/{WAVE}"
    wave = ["waves", WAVE]
    with contextlib.chdir(root):
        # as the workflow resolves it: the schema's defaults filled in (the wave's variance setting)
        resolved = current_config(Path("config.yaml"), Path("workflow/schemas/config.schema.yaml"))
        variance = {key: resolved["waves"][WAVE]["variance"][key] for key in NO_SUPPLIED_WEIGHTS}
        assert variance == NO_SUPPLIED_WEIGHTS
        run_script(
            "import_wave",
            resolved,
            input={},
            inputs={"raw": [*wave, "raw"], "instrument": [*wave, "instrument"]},
            output={
                "data": f"{out}/import/responses.parquet",
                "codebook_json": f"{out}/import/codebook.json",
                "codebook_md": f"{out}/import/codebook.md",
            },
            settings={"sha256": [*wave, "sha256"], "encoding": [*wave, "encoding"], **SUPPLIED_WEIGHTS,
                      **{key: ["privacy", key] for key in PRIVACY_KEYS}},
        )
        run_script(
            "clean_wave",
            resolved,
            input={
                "data": f"{out}/import/responses.parquet",
                "recode_schema": "src/swsurvey/study/recode.schema.yaml",
            },
            inputs={"instrument": [*wave, "instrument"], "recode": [*wave, "recode"]},
            output={
                "data": f"{out}/clean/responses.parquet",
                "codebook_json": f"{out}/clean/codebook.json",
                "codebook_md": f"{out}/clean/codebook.md",
                "flow_csv": f"{out}/clean/exclusion_flow.csv",
                "flow_md": f"{out}/clean/exclusion_flow.md",
            },
            settings={"date_precision": ["privacy", "date_precision"], **SUPPLIED_WEIGHTS},
        )
        run_script(
            "weight_wave",
            resolved,
            input={"data": f"{out}/clean/responses.parquet"},
            inputs={"targets": [*wave, "targets"]},
            output={
                "data": f"{out}/weight/responses.parquet",
                "diagnostics": f"{out}/weight/diagnostics.csv",
                "margins": f"{out}/weight/margins.csv",
            },
            settings={
                "stratum": ["weighting", "stratum"],
                "variables": ["weighting", "variables"],
                "level_map": ["weighting", "level_map"],
                "unknown": ["weighting", "unknown_level"],
                "epsilon": ["weighting", "epsilon"],
                "maxit": ["weighting", "maxit"],
                "trim": ["weighting", "trim"],
            },
        )
        run_script(
            "describe_wave",
            resolved,
            input={"data": f"{out}/weight/responses.parquet", "replicates": []},
            output={"estimates": f"{out}/describe/estimates.csv"},
            settings={
                "tables": ["describe", "tables"],
                "pooled": ["describe", "pooled"],
                "min_n": ["describe", "min_n"],
                "stratum": ["weighting", "stratum"],
                "variance": [*wave, "variance"],
            },
        )
        write_manifest(
            build_manifest(find_records("results")),
            "results/manifest.json",
            out_md="results/manifest.md",
            out_html="results/manifest.html",
        )
    return root


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return build_run(tmp_path_factory.mktemp("run"))


def write_table(path: Path, *, synthetic: bool, rows: int = 3) -> Path:
    """A small Parquet file carrying the pipeline's own metadata, as every stage writes."""
    table = pa.table({"x": list(range(rows))})
    pq.write_table(with_provenance(table, {"stage": "weight", "synthetic": synthetic}), path)
    return path


# -- code_files and code_hash -------------------------------------------------------------


def test_code_files_of_describe_wave_include_describe_and_the_survey_modules_it_imports(repo_dir):
    files = [p.as_posix() for p in code_files("scripts/describe_wave.py", root=repo_dir)]
    for expected in [
        "scripts/describe_wave.py",
        "src/swsurvey/__init__.py",
        "src/swsurvey/stages/describe.py",
        "src/swsurvey/errors.py",
        "src/swsurvey/io/logfile.py",
        "src/swsurvey/io/files.py",
        "src/swsurvey/survey/__init__.py",
        "src/swsurvey/survey/design.py",
        "src/swsurvey/survey/ciprop.py",
        "src/swsurvey/survey/estimates.py",
        "src/swsurvey/survey/variance.py",
    ]:
        assert expected in files
    # modules describe never imports stay out, so editing them does not rerun describe_wave
    assert "src/swsurvey/stages/importing.py" not in files
    assert "src/swsurvey/cli.py" not in files
    assert files == sorted(files)
    assert all(not Path(f).is_absolute() for f in files)


def test_code_files_follow_relative_lazy_and_package_imports(tmp_path):
    pkg = tmp_path / "src" / "mypkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .sub.c import g  # imported only when f runs\n")
    (pkg / "sub" / "__init__.py").write_text("from ..d import VALUE\n")
    (pkg / "sub" / "c.py").write_text("import os\n")
    (pkg / "d.py").write_text("VALUE = 1\n")
    (pkg / "unused.py").write_text("")
    (tmp_path / "run.py").write_text("import json\nfrom mypkg.a import something\n")
    files = [p.as_posix() for p in code_files("run.py", package_root=pkg, root=tmp_path)]
    assert files == [
        "run.py",
        "src/mypkg/__init__.py",
        "src/mypkg/a.py",
        "src/mypkg/b.py",
        "src/mypkg/d.py",
        "src/mypkg/sub/__init__.py",
        "src/mypkg/sub/c.py",
    ]


def test_code_hash_changes_with_content_and_name_but_not_with_a_touch(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("print('a')\n")
    before = code_hash([script], root=tmp_path)
    os.utime(script, (1, 1))
    assert code_hash([script], root=tmp_path) == before
    script.write_text("print('b')\n")
    changed = code_hash([script], root=tmp_path)
    assert changed != before
    script.rename(tmp_path / "renamed.py")
    assert code_hash([tmp_path / "renamed.py"], root=tmp_path) != changed


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


def test_config_value_follows_a_key_path_and_gives_a_mapping_s_names():
    config = {"infer": {"models": {"b": {"family": "x"}, "a": {}}}, "weighting": {"trim": None}}
    assert config_value(config, ["infer", "models", "b", "family"]) == "x"
    assert config_value(config, ["infer", "models", NAMES]) == ["a", "b"]  # whatever the order
    assert config_value(config, ["weighting", "trim"]) is None
    assert repr(config_value(config, ["weighting", "maxit"])) == "<missing>"


def test_git_state_is_unknown_outside_a_checkout_and_a_commit_inside(tmp_path, repo_dir):
    assert git_state(tmp_path) == {"commit": "unknown", "dirty": "unknown"}
    if shutil.which("git") and (repo_dir / ".git").exists():
        state = git_state(repo_dir)
        assert len(state["commit"]) == 40 and isinstance(state["dirty"], bool)


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
from swsurvey.provenance.records import code_files

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


# -- the manifest ------------------------------------------------------------------------


def test_the_run_writes_one_record_per_job(run_dir):
    records = [read_record(p) for p in find_records(run_dir / "results")]
    assert sorted(r["rule"] for r in records) == ["clean_wave", "describe_wave", "import_wave", "weight_wave"]
    weight = next(r for r in records if r["rule"] == "weight_wave")
    assert weight["config_keys"]["unknown"] == ["weighting", "unknown_level"]
    assert weight["config_keys"]["trim"] == ["weighting", "trim"]
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


# -- the RO-Crate ------------------------------------------------------------------------


def test_rocrate_describes_the_run_the_jobs_and_the_files_by_reference(run_dir):
    records = find_records(run_dir / "results")
    path = write_crate(records, run_dir / "results/ro-crate", root=run_dir)
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
    assert write_crate(records[::-1], run_dir / "results/ro-crate", root=run_dir).read_bytes() == first
