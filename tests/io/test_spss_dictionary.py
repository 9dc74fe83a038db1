"""The pure-Python dictionary reader (io.spss_header) says what pyreadstat says: names, labels,
types, print formats, declared missing values and numeric value labels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from swsurvey.io.spss import read_metadata
from swsurvey.io.spss_header import read_header

REPO = Path(__file__).resolve().parents[2]
STORED = ["data/synthetic/socialwork_2017.sav", "data/synthetic/socialwork_2021.sav"]


def same_dictionary(path: Path, *, string_labels: bool = False) -> None:
    ours = read_header(path).variables
    theirs = read_metadata(path).variables
    assert [v.name for v in ours] == [v.name for v in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert (a.label, a.type, a.format, a.missing_ranges) == (b.label, b.type, b.format, b.missing_ranges), a.name
        if b.type != "string" or string_labels:
            assert a.value_labels == b.value_labels, a.name


@pytest.mark.parametrize("name", STORED)
def test_the_stored_exports_dictionaries_read_as_pyreadstat_reads_them(name):
    same_dictionary(REPO / name)
    variables = {v.name: v for v in read_header(REPO / name).variables}
    assert variables["Q2"].value_labels[1.0] == "Canada" and variables["Q2"].missing_ranges == ((-99.0, -99.0),)


@pytest.mark.parametrize("compress", [False, True])
def test_missing_ranges_long_strings_dates_and_string_labels(tmp_path, compress):
    frame = pd.DataFrame({
        "q1": [1.0, 2.0, -99.0],
        "ranged": [1.0, 5.0, 97.0],
        "when": [dt.datetime(2024, 5, 1, 12, 0), dt.datetime(2024, 5, 2), None],
        "long_text": ["x" * 400, "y", ""],
        "code_text": ["a", "b", "c"],
        "AVeryLongVariableNameIndeed": [1.5, 2.25, 3.0],
    })
    path = tmp_path / "written.sav"
    pyreadstat.write_sav(
        frame, str(path), compress=compress,
        column_labels={"q1": "Question one – with a dash", "ranged": "Ranged", "long_text": "Long text"},
        variable_value_labels={"q1": {1: "Yes", 2: "No", -99: "Seen but unanswered"}, "code_text": {"a": "Apple"}},
        missing_ranges={"q1": [-99], "ranged": [{"lo": 90, "hi": 99}, 0], "code_text": ["c"]},
    )
    same_dictionary(path)
    variables = {v.name: v for v in read_header(path).variables}
    assert variables["ranged"].missing_ranges == ((90.0, 99.0), (0.0, 0.0))
    assert variables["long_text"].type == "string" and variables["long_text"].width >= 400
    assert variables["when"].type == "datetime"
    assert variables["code_text"].value_labels == {}  # string value labels are not read
