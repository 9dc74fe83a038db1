"""The recode specification: its schema, its loader, and the project's 2017 spec."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from swsurvey.errors import InputError
from swsurvey.study.recode import (
    SCHEMA_PATH,
    AgeRule,
    AnyOf,
    BandsRule,
    CasesRule,
    CheckboxRule,
    CodeRule,
    CopyRule,
    Match,
    NumericRule,
    load_recode,
)

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "workflow" / "recode" / "socialwork_2017.yaml"


@pytest.fixture(scope="module")
def doc() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))


def write(doc: dict, tmp_path: Path, name: str = "bad_spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def refused(doc: dict, tmp_path: Path) -> str:
    """Load a changed spec; return the error message (the test fails if it loads)."""
    path = write(doc, tmp_path)
    with pytest.raises(InputError) as err:
        load_recode(path)
    message = str(err.value)
    assert str(path) in message, "the message must name the spec file"
    return message


def variable(doc: dict, name: str) -> dict:
    return next(v for v in doc["variables"] if v["name"] == name)


# ---------------------------------------------------------------------------------------------
# The project's spec


def test_the_2017_spec_loads_into_dataclasses():
    spec = load_recode(SPEC)
    assert (spec.name, spec.instrument, spec.wave_year) == ("socialwork_2017", "socialwork_ict", 2017)
    assert spec.version.count(".") == 2
    assert [s.step for s in spec.exclusions] == [
        "consent", "country", "registered", "client_contact", "status", "finished", "duplicates"
    ]
    status = next(s for s in spec.exclusions if s.step == "status")
    assert status.keep == Match("Status", values=(0, 4, 16))
    assert spec.exclusions[-1].deduplicate.by == "ResponseId_pseudonym"
    assert spec.missing.codes == {-99: "seen but unanswered", 98: "don't know", 99: "prefer not to say"}
    assert spec.missing.reasons[0] == spec.missing.not_asked
    assert isinstance(spec["respondent_id"].rule, CopyRule) and spec["country"].required
    assert isinstance(spec["age_group"].rule, CodeRule) and spec["age_group"].rule.ordered
    assert isinstance(spec["years_practice"].rule, NumericRule)
    assert spec["years_practice"].rule.year_typo_from == 1940
    assert isinstance(spec["experience_band"].rule, BandsRule)
    assert isinstance(spec["service_psychotherapy"].rule, CheckboxRule)
    weekly = spec["weekly_use"].rule
    assert isinstance(weekly, CasesRule) and isinstance(weekly.cases[0].when, AnyOf)
    assert all(v.label for v in spec.variables)


def test_the_2017_spec_has_every_analysis_variable_the_analyses_need():
    names = set(load_recode(SPEC).names)
    needed = {
        "respondent_id", "recorded_date", "language", "country", "age_group", "gender",
        "years_practice", "experience_band", "degree", "setting", "private_practice",
        "psychotherapy", "any_ict_use", "weekly_use", "initiator", "outside_hours", "accounts",
        "friend_request", "searched_online", "search_appropriate", "search_appropriate_any",
        "workplace_policy", "talk_supervisor", "talk_peers", "talk_neither", "training",
        *(f"freq_{c}" for c in ("email", "text", "social_media", "video", "im")),
        *(f"search_reason_{r}" for r in ("assessment", "curiosity", "safety", "other")),
        "service_psychotherapy", "purpose_scheduling",
    }
    assert needed <= names


# ---------------------------------------------------------------------------------------------
# The schema itself


def _objects(node: dict, path: str = "spec"):
    """Every object schema, with a path, through properties, items, and $defs."""
    if not isinstance(node, dict):
        return
    if node.get("type") == "object":
        yield path, node
    for name, sub in (node.get("properties") or {}).items():
        yield from _objects(sub, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield from _objects(node["items"], f"{path}[]")
    for name, sub in (node.get("$defs") or {}).items():
        yield from _objects(sub, f"$defs.{name}")


def test_every_object_in_the_schema_refuses_unknown_keys(schema):
    objects = list(_objects(schema))
    assert len(objects) >= 15
    for path, node in objects:
        assert node.get("additionalProperties") is False, path


def test_every_key_in_the_schema_is_described(schema):
    keys = [(f"{path}.{name}", sub) for path, node in _objects(schema) for name, sub in node.get("properties", {}).items()]
    assert len(keys) >= 50
    for path, sub in keys:
        assert sub.get("description"), f"{path} has no description"


# ---------------------------------------------------------------------------------------------
# Malformed specs: each error names the spec file and the key


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d.__setitem__("verison", "1.0.1"), "verison"),
        (lambda d: variable(d, "age_group")["code"].__setitem__("ordred", True), "variables[4].code.ordred"),
        (lambda d: variable(d, "gender").__setitem__("lable", "x"), "variables[5].lable"),
        (lambda d: d["exclusions"][0]["keep"].__setitem__("inn", [1]), "exclusions[0].keep.inn"),
        (lambda d: d["missing"].__setitem__("reason", []), "missing.reason"),
        (
            lambda d: variable(d, "talk_neither")["cases"]["cases"][0]["when"]["all"][0].__setitem__("label", "x"),
            "cases.cases[0].when.all[0].label",
        ),
    ],
)
def test_an_unknown_key_is_refused_naming_it(doc, tmp_path, change, key):
    bad = copy.deepcopy(doc)
    change(bad)
    message = refused(bad, tmp_path)
    assert "unknown key" in message and key in message


def test_an_unknown_key_names_the_variable_it_is_in(doc, tmp_path):
    bad = copy.deepcopy(doc)
    variable(bad, "years_practice")["numeric"]["typo"] = {"from": 1940}
    assert "'years_practice'" in refused(bad, tmp_path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("version"), "'version' is a required property"),
        (lambda d: d.__setitem__("version", "one"), "key version"),
        (lambda d: variable(d, "gender")["code"].pop("source"), "'source' is a required property"),
        (lambda d: variable(d, "gender").__setitem__("checkbox", {"source": "Q10_1"}), "exactly one of"),
        (lambda d: d["exclusions"][0].pop("keep"), "exactly one of keep | deduplicate"),
        (lambda d: variable(d, "private_practice")["code"]["levels"][0].__setitem__("label", True), "quote the label"),
        (lambda d: variable(d, "age_group").__setitem__("name", "Age Group"), "key variables[4].name"),
        (lambda d: variable(d, "age_group").__setitem__("name", "age__group"), "key variables[4].name"),
    ],
)
def test_a_malformed_spec_is_refused_naming_the_key(doc, tmp_path, change, words):
    bad = copy.deepcopy(doc)
    change(bad)
    assert words in refused(bad, tmp_path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["missing"].__setitem__("implausible", "odd value"), "missing.implausible"),
        (lambda d: d["missing"]["codes"].append({"code": 97, "reason": "refused"}), "code 97"),
        (lambda d: variable(d, "experience_band")["bands"].__setitem__("breaks", [5, 20, 10, 30]), "increase"),
        (lambda d: variable(d, "experience_band")["bands"]["labels"].pop(), "5 bands"),
        (lambda d: variable(d, "experience_band")["bands"].__setitem__("source", "age_group"), "numeric"),
        (lambda d: variable(d, "talk_neither")["cases"]["cases"][0].__setitem__("value", "Maybe"), "'Maybe'"),
        (
            lambda d: variable(d, "talk_neither")["cases"]["cases"][0]["when"]["all"][0].__setitem__("in", [1]),
            "labels (strings)",
        ),
        (lambda d: d["exclusions"][0]["keep"].__setitem__("in", ["1"]), "raw codes (integers)"),
        (lambda d: d["exclusions"][1].__setitem__("step", "consent"), "written twice"),
        (lambda d: d["exclusions"][1].__setitem__("step", "analysed"), "reserved"),
        (lambda d: d["variables"].append(copy.deepcopy(variable(d, "gender"))), "defined twice"),
        (lambda d: d["variables"].insert(0, copy.deepcopy(variable(d, "talk_neither"))), "defined later"),
        (
            lambda d: variable(d, "private_practice")["code"]["levels"][1]["codes"].append(1),
            "two levels",
        ),
        (
            lambda d: variable(d, "private_practice")["code"]["levels"][1]["codes"].append(-99),
            "missing code",
        ),
        (lambda d: variable(d, "years_practice")["numeric"]["missing_codes"].append(-98), "-98"),
    ],
)
def test_an_inconsistent_spec_is_refused_naming_the_key(doc, tmp_path, change, words):
    bad = copy.deepcopy(doc)
    change(bad)
    assert words in refused(bad, tmp_path)


def test_a_key_written_twice_in_the_yaml_is_refused(tmp_path):
    text = SPEC.read_text(encoding="utf-8")
    assert "\nversion: " in text
    text = text.replace("\nversion: ", '\nversion: "0.0.1"\nversion: ', 1)
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_recode(path)
    assert "version" in str(err.value) and "twice" in str(err.value) and str(path) in str(err.value)


def test_a_spec_that_is_not_yaml_or_absent_is_refused(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_recode(path)
    with pytest.raises(InputError, match="not found"):
        load_recode(tmp_path / "absent.yaml")


# ---------------------------------------------------------------------------------------------
# A year of birth: two-digit years in the numeric rule, and the age rule (the 2021 spec)

SPEC_2021 = REPO / "workflow" / "recode" / "socialwork_2021.yaml"


@pytest.fixture(scope="module")
def doc_2021() -> dict:
    return yaml.safe_load(SPEC_2021.read_text(encoding="utf-8"))


def test_an_age_rule_sits_between_a_year_of_birth_and_its_bands():
    spec = load_recode(SPEC_2021)
    birth, age, bands = spec["birth_year"].rule, spec["age"].rule, spec["age_group"].rule
    assert isinstance(birth, NumericRule) and birth.two_digit_century == 1900 and birth.year_typo_from is None
    assert isinstance(age, AgeRule) and age.source == "birth_year"
    assert isinstance(bands, BandsRule) and bands.source == "age" and spec["age_group"].ordered
    assert load_recode(SPEC)["years_practice"].rule.two_digit_century is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: variable(d, "birth_year")["numeric"]["two_digit_year"].__setitem__("century", 1950), "multiple of 100"),
        (lambda d: variable(d, "birth_year")["numeric"]["two_digit_year"].__setitem__("centry", 1900), "unknown key"),
        (lambda d: variable(d, "birth_year")["numeric"].__setitem__("year_typo", {"from": 50}), "two-digit years"),
        (lambda d: variable(d, "age")["age"].__setitem__("source", "country"), "key age.source: 'country'"),
        (lambda d: variable(d, "age")["age"].__setitem__("source", "years_practice"), "defined later"),
        (lambda d: variable(d, "age").__setitem__("numeric", {"source": "Q6", "valid": {"min": 0, "max": 1}}), "exactly one of"),
    ],
)
def test_a_bad_year_of_birth_rule_is_refused_naming_the_key(doc_2021, tmp_path, change, words):
    bad = copy.deepcopy(doc_2021)
    change(bad)
    assert words in refused(bad, tmp_path)


def test_the_raking_variables_have_the_targets_levels_so_tables_models_and_weighting_group_alike():
    """One grouping of each raking variable, in the recode spec: its analysis levels (which the
    tables and models use) are the levels of the wave's population targets, so the weighting
    maps nothing of its own (e.g. "Prefer to self-describe" is counted with "Non-binary / gender
    diverse" everywhere, not only when raking)."""
    import pandas as pd

    from swsurvey.study.instrument import load_instrument
    from swsurvey.study.recode import code_levels, labels_of

    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    weighting = config["weighting"]
    for wave, settings in config["waves"].items():
        spec = load_recode(REPO / settings["recode"])
        instrument = load_instrument(REPO / settings["instrument"])
        targets = pd.read_csv(REPO / settings["targets"])
        for variable in weighting["margins"]:  # one-way margins (the shipped config has no joint one)
            rule = spec[variable].rule
            labels = labels_of(rule)
            if labels is None:
                labels = tuple(level.label for level in code_levels(rule, spec, instrument))
            target_levels = tuple(dict.fromkeys(targets.loc[targets["variable"] == variable, "level"]))
            assert labels == target_levels, (wave, variable)
            assert not weighting["level_map"].get(variable), (wave, variable)
        gender = spec["gender"].rule
        assert [lv.codes for lv in gender.levels if lv.label == "Non-binary / gender diverse"] == [(3, 4)], wave


def test_an_age_labelled_with_another_year_than_the_spec_assumes_is_refused(tmp_path):
    """A 2021 spec copied for a later wave with only wave_year changed still says "Age in 2021"."""
    doc = yaml.safe_load((REPO / "workflow/recode/socialwork_2021.yaml").read_text(encoding="utf-8"))
    assert load_recode(REPO / "workflow/recode/socialwork_2021.yaml")["age"].label == "Age in 2021 (years)"
    doc["wave_year"] = 2024
    message = refused(doc, tmp_path)
    assert "variable age" in message and "names the year 2021" in message and "wave_year 2024" in message
