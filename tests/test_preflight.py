"""What the workflow checks when it is read (swsurvey.preflight), as units: the words of a
config problem, the raw files' checks and their checksum cache."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import yaml
from testconfig import base_config

from swsurvey.errors import InputError
from swsurvey.preflight import cached_sha256, check_raw_files, config_problem

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
