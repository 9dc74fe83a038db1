"""The config schema: every key documented with a default, unknown keys refused by name; the
shipped config.yaml is valid and records the stored synthetic files' SHA-256, whatever a user
adds to it."""

from __future__ import annotations

import copy

import jsonschema
import pytest
import yaml
from testconfig import base_config


@pytest.fixture(scope="module")
def schema(repo_dir):
    return yaml.safe_load((repo_dir / "workflow/schemas/config.schema.yaml").read_text())


@pytest.fixture(scope="module")
def shipped(repo_dir):
    """The user's config.yaml, read only to check it (the other tests use their own)."""
    return yaml.safe_load((repo_dir / "config.yaml").read_text())


@pytest.fixture
def config():
    """The tests' config."""
    return base_config()


def _walk(node, path="config"):
    """Yield (path, subschema) for every key an object schema declares."""
    for name, sub in (node.get("properties") or {}).items():
        yield f"{path}.{name}", sub, name in node.get("required", [])
        yield from _walk(sub, f"{path}.{name}")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _walk(extra, f"{path}.<key>")


def test_every_key_has_a_description_and_a_default(schema):
    keys = list(_walk(schema))
    assert len(keys) >= 10
    for path, sub, required in keys:
        assert sub.get("description"), f"{path} has no description"
        if not required:
            assert "default" in sub, f"{path} has no default"


def test_every_object_refuses_unknown_keys(schema):
    def objects(node, path="config"):
        if node.get("type") == "object":
            yield path, node
        for name, sub in (node.get("properties") or {}).items():
            yield from objects(sub, f"{path}.{name}")
        if isinstance(node.get("additionalProperties"), dict):
            yield from objects(node["additionalProperties"], f"{path}.<key>")

    for path, node in objects(schema):
        assert node.get("additionalProperties") is not True
        assert "additionalProperties" in node, f"{path} accepts unknown keys"


def test_shipped_config_and_the_tests_config_are_valid(schema, shipped, config):
    jsonschema.Draft202012Validator(schema).validate(shipped)
    jsonschema.Draft202012Validator(schema).validate(config)


def test_shipped_config_records_the_stored_synthetic_files_sha256(repo_dir, shipped, config):
    """A wave of config.yaml read from a stored synthetic file records that file's SHA-256 (or
    none): the one the tests' config records and test_synthetic checks `swsurvey synthesize`
    rebuilds. Waves a user adds of other files are the user's to check."""
    stored = {wave["raw"]: wave["sha256"] for wave in config["waves"].values()}
    synthetic = {raw: wave.get("sha256") for wave in shipped["waves"].values()
                 if (raw := wave["raw"]).startswith("data/synthetic/")}  # fmt: skip
    assert synthetic and all(sha in (None, stored[raw]) for raw, sha in synthetic.items()), synthetic


def test_unknown_key_is_an_error_naming_it(schema, config):
    bad = copy.deepcopy(config)
    bad["privacy"]["drop_pi"] = True
    with pytest.raises(jsonschema.ValidationError, match="drop_pi"):
        jsonschema.Draft202012Validator(schema).validate(bad)


def test_wrong_checksum_format_is_refused(schema, config):
    bad = copy.deepcopy(config)
    bad["waves"]["2017"]["sha256"] = "not-a-hash"
    with pytest.raises(jsonschema.ValidationError, match="not-a-hash"):
        jsonschema.Draft202012Validator(schema).validate(bad)
