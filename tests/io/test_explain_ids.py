"""The compact id of an estimate: written and read back, whatever its parts hold."""

from __future__ import annotations

import pytest

from swsurvey.errors import InputError
from swsurvey.io.explain_ids import CROSSWAVE, PATTERN, CellId, RowId, cell_id, parse_cell_id, parse_id, row_id


def test_an_id_reads_back_to_its_parts():
    text = cell_id("2017", 2, "any_ict_use", "Yes", "Canada", "weighted")
    assert text == "2017/T2/any_ict_use/Yes/Canada/weighted"
    assert parse_cell_id(text) == CellId("2017", "T2", "any_ict_use", "Yes", "Canada", "weighted")
    assert parse_cell_id(text).table_number() == 2


@pytest.mark.parametrize("level", ["Non-binary / gender diverse", "50% or more", "a %2F b", "Hospital / health care"])
def test_slashes_and_percent_signs_in_a_part_survive(level):
    text = cell_id("2024_pilot", 1, "gender", level, "Canada, United States and Israel", "unweighted")
    assert text.count("/") == 5
    cell = parse_cell_id(text)
    assert cell.level == level and cell.domain == "Canada, United States and Israel" and cell.wave == "2024_pilot"


def test_a_table_may_be_named_in_full():
    cell = parse_cell_id("2017/2. Informal ICT use/any_ict_use/Yes/Canada/weighted")
    assert cell.table == "2. Informal ICT use" and cell.table_number() is None


@pytest.mark.parametrize("text", ["2017/T2/any_ict_use/Yes/Canada", "2017/T2/any_ict_use/Yes/Canada/raked",
                                  "2017//any_ict_use/Yes/Canada/weighted", ""])
def test_a_malformed_id_is_an_error_showing_the_pattern(text):
    with pytest.raises(InputError, match="the form") as error:
        parse_cell_id(text)
    assert PATTERN in str(error.value)


def test_an_unknown_weighting_is_refused_when_writing():
    with pytest.raises(ValueError):
        cell_id("2017", 1, "x", "y", "z", "raked")


def test_a_row_of_another_result_table_has_an_id_that_reads_back():
    text = row_id("2017", "coefficients", "weekly_use", "age_group60 or older", "weighted")
    assert text == "2017/coefficients/weekly_use/age_group60 or older/weighted"
    row = parse_id(text)
    assert row == RowId("2017", "coefficients", ("weekly_use", "age_group60 or older", "weighted"))
    assert row.path() == "2017/infer/coefficients.csv" and row.columns() == ("model", "term", "weighting")
    changes = parse_id(row_id(CROSSWAVE, "changes", "2017", "2021", "gender", "A / B", "Canada", "weighted"))
    assert changes.path() == "crosswave/changes.csv" and changes.key[3] == "A / B"
    assert parse_id("2017/T2/any_ict_use/Yes/Canada/weighted") == parse_cell_id("2017/T2/any_ict_use/Yes/Canada/weighted")


def test_a_row_id_with_the_wrong_number_of_parts_names_its_columns():
    with pytest.raises(InputError, match="<wave>/coefficients/<model>/<term>/<weighting>"):
        parse_id("2017/coefficients/weekly_use/weighted")
    with pytest.raises(ValueError):
        row_id("2017", "margins", "only one")
