"""What the workflow checks when it is read (swsurvey.preflight), as units: the words of a
config problem, the raw files' checks and their checksum cache."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
import yaml
from testconfig import base_config

from swsurvey.errors import InputError
from swsurvey.preflight import (
    cached_sha256,
    check_config,
    check_config_once,
    check_raw_files,
    config_problem,
)
from swsurvey.provenance.settings import resolve_wave_settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())


def test_a_valid_config_has_no_problem(schema):
    assert config_problem(base_config(), schema) is None


def test_an_unknown_key_is_named_with_the_keys_allowed_where_it_stands(schema):
    config = base_config()
    config["weigthing"] = config.pop("weighting")
    problem = config_problem(config, schema)
    assert problem.startswith("unknown config key 'weigthing' at the top level; allowed keys: waves, privacy, ")
    config = base_config()
    config["weighting"]["trim"] = {"lower": 0.2, "uppr": 5}
    problem = config_problem(config, schema)
    assert "'uppr' under weighting.trim" in problem and "allowed keys: lower, upper, relative_to" in problem
    assert len(problem) < 300


def test_a_bad_value_names_the_key_and_what_it_is_for(schema):
    config = base_config()
    config["waves"]["2017"]["sha256"] = "abc"
    problem = config_problem(config, schema)
    assert problem.startswith("config key waves.2017.sha256: 'abc' does not match")
    assert "SHA-256 the raw file must have" in problem


def test_a_passing_config_is_checked_once_and_a_failing_one_every_time(tmp_path):
    from snakemake.utils import validate

    calls = []

    def counted(config, schema):
        calls.append(schema)
        return validate(config, schema)

    schema_file, cache = REPO / "workflow/schemas/config.schema.yaml", tmp_path / "valid_config.json"
    expected = resolve_wave_settings(base_config())
    check_config(expected, schema_file, validate)  # each wave's weighting merged, the defaults filled in
    checked = base_config()
    check_config_once(checked, schema_file, counted, cache)
    assert len(calls) == 1 and json.dumps(checked) == json.dumps(expected)
    again = base_config()
    check_config_once(again, schema_file, counted, cache)
    # the same content, in order, of the same types (Snakemake compares the params' text)
    assert len(calls) == 1 and json.dumps(again) == json.dumps(checked) and repr(again) == repr(expected)
    changed = base_config()
    changed["waves"]["2017"]["sha256"] = "abc"
    for _ in range(2):
        with pytest.raises(InputError, match="waves.2017.sha256"):
            check_config_once(base_config() | {"waves": changed["waves"]}, schema_file, counted, cache)
    assert len(calls) == 3


def test_raw_files_are_checked_by_path_and_checksum(tmp_path):
    raw = tmp_path / "export.sav"
    raw.write_bytes(b"not really spss")
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    cache = tmp_path / "cache.json"
    check_raw_files({"2017": {"raw": str(raw), "sha256": digest}}, cache)
    check_raw_files({"2017": {"raw": str(raw), "sha256": None}}, cache)
    check_raw_files({"small": {"raw": "results/synthetic/made_by_the_workflow.sav", "sha256": None}}, cache)
    with pytest.raises(InputError, match=f"waves.2017.sha256 says {'0' * 64}.*set waves.2017.sha256: {digest}"):
        check_raw_files({"2017": {"raw": str(raw), "sha256": "0" * 64}}, cache)
    with pytest.raises(InputError, match="wave 2017: the raw file .*moved.sav \\(config waves.2017.raw\\) does not exist"):
        check_raw_files({"2017": {"raw": str(tmp_path / "moved.sav"), "sha256": None}}, cache)


def test_the_checksum_cache_follows_the_file(tmp_path):
    raw, cache = tmp_path / "export.sav", tmp_path / "cache.json"
    raw.write_bytes(b"first")
    assert cached_sha256(raw, cache) == hashlib.sha256(b"first").hexdigest()
    assert cache.exists()
    raw.write_bytes(b"second, longer")  # another size (and time): hashed again
    assert cached_sha256(raw, cache) == hashlib.sha256(b"second, longer").hexdigest()
    stat = raw.stat()
    raw.write_bytes(b"third, longer!")  # same size: the time and inode still tell
    os.utime(raw, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cached_sha256(raw, cache) == hashlib.sha256(b"third, longer!").hexdigest()


# -- the waves' files, checked when the workflow is read -------------------------------------


@pytest.mark.workflow
def test_a_dry_run_refuses_a_wave_with_a_review_mark_and_an_unhandled_code(repo_dir, tmp_path):
    """`snakemake -n` stops with every problem of the wave (`swsurvey wave check`'s lines), exit 1,
    nothing run; once the marks are resolved the same read plans the jobs."""
    from test_workflow import make_copy, snakemake

    workdir = make_copy(repo_dir, tmp_path)
    instrument = workdir / "workflow/instruments/socialwork_2021.yaml"
    recode = workdir / "workflow/recode/socialwork_2021.yaml"
    original = instrument.read_text(encoding="utf-8"), recode.read_text(encoding="utf-8")
    doc = yaml.safe_load(original[0])
    gender = next(q for q in doc["questions"] if q["name"] == "Q7")
    gender["values"] = {**gender["values"], 5: "Two-Spirit"}
    instrument.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    spec = yaml.safe_load(original[1])
    next(v for v in spec["variables"] if v["name"] == "training")["review"] = {"why": "Q26 or Q27?"}
    recode.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")

    proc = snakemake(workdir, "-n", check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    assert "Traceback" not in text and "Building DAG" not in text, text
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("swsurvey: error:")] == [
        "swsurvey: error: 3 problems with the waves' files (swsurvey wave check <wave> lists them too):"], text
    assert ("wave 2021: recode workflow/recode/socialwork_2021.yaml, variable training: review mark left: "
            "Q26 or Q27?; decide and delete the review: key") in lines
    assert any(line.startswith("wave 2021: workflow/recode/socialwork_2021.yaml, variable gender, value 5: code 5 "
                               "'Two-Spirit' of Q7") for line in lines), text
    assert any("variable Q7, value 5" in line and "does not label" in line for line in lines), text
    assert "Nothing was run; the results of earlier runs are kept." in lines
    assert not (workdir / "results").exists()

    instrument.write_text(original[0], encoding="utf-8")
    recode.write_text(original[1], encoding="utf-8")
    assert snakemake(workdir, "-n").returncode == 0
    assert set(json.loads((workdir / ".snakemake/swsurvey/wave_check.json").read_text())) == {"2017", "2021"}
