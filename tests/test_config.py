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
    """Yield (path, subschema) for every key an object schema declares (also in the
    ``then`` of an ``if``, which declares the keys of a setting that may be null)."""
    for name, sub in (node.get("properties") or {}).items():
        yield f"{path}.{name}", sub, name in node.get("required", [])
        yield from _walk(sub, f"{path}.{name}")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _walk(extra, f"{path}.<key>")
    if isinstance(node.get("then"), dict):
        yield from _walk(node["then"], path)


#: Keys whose value when not given is another key's, so that a default (which the validation
#: would fill in) would be wrong: a weighting sensitivity scheme's keys are the main weighting's.
INHERITED = "config.sensitivity.schemes.<key>."


def test_every_key_has_a_description_and_a_default(schema):
    keys = list(_walk(schema))
    assert len(keys) >= 10
    for path, sub, required in keys:
        assert sub.get("description"), f"{path} has no description"
        if not required and not path.startswith(INHERITED):
            assert "default" in sub, f"{path} has no default"
        if path.startswith(INHERITED):
            assert "default" not in sub, f"{path} would override the main weighting with its default"


def test_every_object_refuses_unknown_keys(schema):
    def objects(node, path="config"):
        kind = node.get("type")
        if kind == "object" or (isinstance(kind, list) and "object" in kind):
            yield path, node.get("then", node)
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
    none): the one the tests' config records and tests/synthetic/test_generate.py checks
    `swsurvey synthesize` rebuilds. Waves a user adds of other files are the user's to check."""
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


def test_a_wave_id_naming_another_year_than_its_recode_is_refused(repo_dir, config):
    """The check the workflow runs when it is read (workflow/rules/common.smk)."""
    from swsurvey.study.wave_year import WaveYearError, check_wave_years, wave_id_year

    check_wave_years(config["waves"], root=repo_dir)  # 2017 and 2021 assume their own years
    assert [wave_id_year(w) for w in ("2024", "2024_pilot", "2024b", "small", "20245", "v2024")] == [
        2024, 2024, 2024, None, None, None]
    waves = {**config["waves"], "2024": config["waves"]["2021"], "small": config["waves"]["2021"]}
    with pytest.raises(WaveYearError) as err:
        check_wave_years(waves, root=repo_dir)
    message = str(err.value)
    assert message.count("\n") == 0  # one wave at fault: one line; "small" names no year
    assert message.startswith("wave 2024: its recode specification workflow/recode/socialwork_2021.yaml")
    assert "assumes the year 2021" in message and "age is the age reached in 2021" in message
    assert "the wave id says 2024" in message
    # an absent recode file is left to the cleaning stage, which names the key at fault
    check_wave_years({"2024": {"recode": "no/such.yaml"}}, root=repo_dir)


def test_the_wave_year_check_reads_the_workflow_without_heavy_imports(repo_dir):
    """Reading the workflow runs the check: its module imports the standard library and yaml only."""
    import subprocess
    import sys

    code = ("import sys, swsurvey.study.wave_year; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas', 'pyarrow', 'jsonschema'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_trim_is_null_or_bounds_whose_kind_the_schema_names(repo_dir, config):
    """weighting.trim through the workflow's own validation (which fills in defaults):
    null stays null, relative_to defaults to the median, unknown keys and the old
    [lower, upper] list are refused naming the value."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    schema = str(repo_dir / "workflow/schemas/config.schema.yaml")

    def resolved(trim):
        settings = copy.deepcopy(config)
        settings["weighting"]["trim"] = trim
        validate(settings, schema, set_default=True)
        return settings["weighting"]["trim"]

    assert resolved(None) is None
    assert resolved({"lower": 0.2, "upper": 5}) == {"lower": 0.2, "upper": 5, "relative_to": "median"}
    assert resolved({"upper": 1000, "relative_to": None}) == {"lower": None, "upper": 1000, "relative_to": None}
    for bad, named in (({"lower": 0.2, "uper": 5}, "uper"), ([10, 1000], r"\[10, 1000\]"),
                       ({"lower": 0.2, "relative_to": "mean"}, "mean"), ({"lower": -1}, "-1")):
        with pytest.raises(WorkflowError, match=named):
            resolved(bad)


def test_a_config_that_gives_only_its_waves_gets_the_study_s_settings(repo_dir):
    """The schema's defaults are the study's settings (the tests' config, as shipped): a user's
    config.yaml that names only its waves runs the study as shipped (it once left freq_videoconf
    out of the tables while a main result needed it, and the run failed at the main results)."""
    from snakemake.utils import validate
    from testconfig import base_config

    shipped = base_config()
    only_waves = {"waves": copy.deepcopy(shipped["waves"])}
    validate(only_waves, str(repo_dir / "workflow/schemas/config.schema.yaml"))
    validate(shipped, str(repo_dir / "workflow/schemas/config.schema.yaml"))
    assert {k: v for k, v in only_waves.items() if k != "waves"} == {k: v for k, v in shipped.items() if k != "waves"}
