"""Validation: the spec against the instrument, raw codes and types, the cleaned schema.

Every failure is an InputError whose message names the file, the variable and, for codes,
the code and how many rows hold it: never a silent NA.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

# The Qualtrics-like frame builder is shared with the cleaning tests.
from import_frames import INSTRUMENT, SPEC, raw_frame

from swsurvey.errors import InputError
from swsurvey.stages.derivation import derive_variables
from swsurvey.study.instrument import load_instrument
from swsurvey.study.recode import load_recode
from swsurvey.study.validation import (
    check_cleaned,
    check_raw,
    check_recode_against_instrument,
    declared_schema,
    required_raw_variables,
)

RAW_FILE = "results/test/import/responses.parquet"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def spec():
    return load_recode(SPEC)


@pytest.fixture(scope="module")
def spec_doc() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def spec_from(doc: dict, tmp_path: Path, name: str = "changed.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_recode(path)


# ---------------------------------------------------------------------------------------------
# The spec against the instrument


def test_the_project_spec_fits_the_instrument(instrument, spec):
    check_recode_against_instrument(spec, instrument)
    required = required_raw_variables(spec, instrument)
    assert required[:2] == ["Q2", "Q1"]
    assert {"Status", "Finished", "ResponseId_pseudonym", "RecordedDate", "UserLanguage"} <= set(required)
    # Checkbox options read their whole set; skip logic reads its parent question.
    assert {f"Q10_{i}" for i in range(1, 7)} <= set(required) and "Q11" in required
    assert not set(required) & set(instrument.personal_names)


def test_a_spec_naming_an_unknown_raw_variable_is_refused(instrument, spec_doc, tmp_path):
    doc = copy.deepcopy(spec_doc)
    age = next(v for v in doc["variables"] if v["name"] == "age_group")
    age["code"]["source"] = "Q55"
    spec = spec_from(doc, tmp_path)
    with pytest.raises(InputError) as err:
        check_recode_against_instrument(spec, instrument)
    assert "Q55" in str(err.value) and "changed.yaml" in str(err.value)


def test_a_spec_comparing_a_label_the_variable_lacks_is_refused(instrument, spec_doc, tmp_path):
    doc = copy.deepcopy(spec_doc)
    weekly = next(v for v in doc["variables"] if v["name"] == "weekly_use")
    weekly["cases"]["cases"][0]["when"]["any"][0]["in"] = ["daily"]
    with pytest.raises(InputError) as err:
        check_recode_against_instrument(spec_from(doc, tmp_path), instrument)
    assert "freq_email" in str(err.value) and "'daily'" in str(err.value)


def test_a_spec_keeping_an_undefined_status_code_is_refused(instrument, spec_doc, tmp_path):
    doc = copy.deepcopy(spec_doc)
    status = next(s for s in doc["exclusions"] if s["step"] == "status")
    status["keep"]["in"] = [0, 3]
    with pytest.raises(InputError) as err:
        check_recode_against_instrument(spec_from(doc, tmp_path), instrument)
    assert "Status" in str(err.value) and "value 3" in str(err.value)


def test_a_spec_for_another_wave_is_refused(instrument, spec_doc, tmp_path):
    doc = copy.deepcopy(spec_doc)
    doc["wave_year"] = 2019
    with pytest.raises(InputError, match="wave 2019"):
        check_recode_against_instrument(spec_from(doc, tmp_path), instrument)


def test_a_spec_reading_personal_data_is_refused(instrument, spec_doc, tmp_path):
    doc = copy.deepcopy(spec_doc)
    doc["variables"][2]["copy"]["source"] = "IPAddress"
    with pytest.raises(InputError) as err:
        check_recode_against_instrument(spec_from(doc, tmp_path), instrument)
    assert "IPAddress" in str(err.value) and "personal" in str(err.value)


# ---------------------------------------------------------------------------------------------
# Raw data, before any derivation


def test_valid_raw_data_pass(instrument, spec):
    check_raw(raw_frame(instrument, [{}, {"Q5": 99, "Q20": 98, "Q7": 1998, "Q10_2": -99}]), spec, instrument, file=RAW_FILE)


def test_an_undefined_code_names_the_variable_the_code_and_the_rows(instrument, spec):
    frame = raw_frame(instrument, [{"Q5": 7}, {}, {"Q5": 7}, {"Q5": 7}, {"Q5": 98}])
    with pytest.raises(InputError) as err:
        check_raw(frame, spec, instrument, file=RAW_FILE)
    message = str(err.value)
    assert RAW_FILE in message
    assert "variable Q5" in message and "value 7" in message and "3 rows" in message
    assert "98 (1 row)" in message  # 98 is not one of Q5's codes either
    assert err.value.variable == "Q5" and err.value.value == 7 and err.value.count == 3


@pytest.mark.parametrize(
    ("variable", "code"),
    [("Q10_3", 0), ("Q2", 6), ("Status", 3), ("Q12_2", 2.5)],  # an unticked box coded 0 is no contract
)
def test_undefined_codes_anywhere_the_spec_reads_are_refused(instrument, spec, variable, code):
    frame = raw_frame(instrument, [{}, {variable: code}])
    with pytest.raises(InputError) as err:
        check_raw(frame, spec, instrument, file=RAW_FILE)
    assert f"variable {variable}" in str(err.value) and "1 row" in str(err.value)


def test_an_undefined_code_in_an_excluded_row_is_still_refused(instrument, spec):
    # A non-consenting row with a broken age code: the file itself is broken.
    with pytest.raises(InputError, match="Q5"):
        check_raw(raw_frame(instrument, [{}, {"Q1": 2, "Q5": 12}]), spec, instrument, file=RAW_FILE)


def test_a_missing_required_variable_is_named(instrument, spec):
    frame = raw_frame(instrument, [{}]).drop(columns=["Q5", "Q12_3"])
    with pytest.raises(InputError) as err:
        check_raw(frame, spec, instrument, file=RAW_FILE)
    assert "Q5" in str(err.value) and "Q12_3" in str(err.value) and "missing" in str(err.value)


def test_a_variable_the_spec_does_not_read_may_be_absent(instrument, spec):
    check_raw(raw_frame(instrument, [{}]).drop(columns=["Progress", "Q6_4_TEXT"], errors="ignore"), spec, instrument)


@pytest.mark.parametrize(
    ("variable", "values"),
    [
        ("Q5", ["2", "3"]),  # codes stored as strings
        ("Finished", [True, False]),
        ("UserLanguage", [1.0, 2.0]),
        ("RecordedDate", ["2017-06-01", "2017-06-02"]),
        ("ResponseId_pseudonym", [1, 2]),
    ],
)
def test_a_wrongly_typed_variable_is_named(instrument, spec, variable, values):
    frame = raw_frame(instrument, [{}, {}])
    frame[variable] = values
    with pytest.raises(InputError) as err:
        check_raw(frame, spec, instrument, file=RAW_FILE)
    assert f"variable {variable}" in str(err.value) and "wrong type" in str(err.value)


def test_strings_in_an_object_column_are_accepted(instrument, spec):
    frame = raw_frame(instrument, [{}, {"UserLanguage": None}])
    frame["UserLanguage"] = frame["UserLanguage"].astype(object)
    check_raw(frame, spec, instrument)


# ---------------------------------------------------------------------------------------------
# The cleaned data against the declared schema


@pytest.fixture()
def cleaned(instrument, spec) -> pd.DataFrame:
    frame, _ = derive_variables(raw_frame(instrument, [{}, {"Q2": 2, "Q5": 99}, {"Q11": 2}]), spec, instrument)
    return frame


def test_the_declared_schema_lists_values_then_reasons(instrument, spec):
    schema = declared_schema(spec, instrument)
    names = [c.name for c in schema]
    assert names[: len(spec.variables)] == spec.names
    assert names[len(spec.variables) :] == [f"{n}__missing" for n in spec.names[3:]]
    by_name = {c.name: c for c in schema}
    assert by_name["country"].required and by_name["country"].categories == (
        "Canada", "United States", "Israel", "United Kingdom"
    )
    assert by_name["age_group"].ordered and not by_name["gender"].ordered
    assert by_name["years_practice"].dtype == "float64"


def test_clean_data_pass_the_schema_check(instrument, spec, cleaned):
    check_cleaned(cleaned, spec, instrument)


def _broken(cleaned: pd.DataFrame, name: str, change) -> pd.DataFrame:
    frame = cleaned.copy()
    frame[name] = change(frame[name])
    return frame


@pytest.mark.parametrize(
    ("name", "change", "words"),
    [
        ("country", lambda s: s.cat.set_categories(["Canada", "Israel"]), "country"),
        ("country", lambda s: s.where(s != "United States"), "required"),
        ("age_group", lambda s: s.cat.as_unordered(), "ordered"),
        ("freq_email", lambda s: s.cat.reorder_categories(list(reversed(s.cat.categories))), "categories"),
        ("years_practice", lambda s: s.astype("str"), "float64"),
        ("gender", lambda s: s.astype("str"), "categorical"),
        ("recorded_date", lambda s: s.astype("str"), "timestamp"),
        ("training", lambda s: s.where(s.index != 0), "without a reason"),
    ],
)
def test_a_schema_mismatch_names_the_variable(instrument, spec, cleaned, name, change, words):
    with pytest.raises(InputError) as err:
        check_cleaned(_broken(cleaned, name, change), spec, instrument)
    assert f"variable {name}" in str(err.value) and words in str(err.value)


def test_a_reason_on_a_valid_value_is_a_schema_mismatch(instrument, spec, cleaned):
    frame = cleaned.copy()
    frame["training__missing"] = pd.Categorical(
        ["not asked"] * len(frame), categories=list(spec.missing.reasons)
    )
    with pytest.raises(InputError, match="variable training"):
        check_cleaned(frame, spec, instrument)


def test_an_undeclared_or_absent_column_is_a_schema_mismatch(instrument, spec, cleaned):
    with pytest.raises(InputError, match="variable extra"):
        check_cleaned(cleaned.assign(extra=np.arange(len(cleaned))), spec, instrument)
    with pytest.raises(InputError, match="variable talk_neither"):
        check_cleaned(cleaned.drop(columns=["talk_neither"]), spec, instrument)
