"""Reading the import stage's output: only its files are accepted, with their provenance."""

from __future__ import annotations

import pytest
from clean_runs import outputs, write_import
from import_frames import INSTRUMENT, SPEC, raw_frame

from swsurvey.errors import InputError
from swsurvey.stages.cleaning import clean_wave
from swsurvey.stages.imported_wave import read_import


def test_an_input_without_import_provenance_is_refused(instrument, tmp_path):
    path = tmp_path / "plain.parquet"
    raw_frame(instrument, [{}]).to_parquet(path)
    with pytest.raises(InputError, match="import stage"):
        clean_wave(path, INSTRUMENT, SPEC, **outputs(tmp_path), wave="x")


def test_read_import_reads_the_columns_present_and_the_record(instrument, tmp_path):
    path = write_import(raw_frame(instrument, [{}, {}]), tmp_path / "import.parquet", synthetic=False)
    imported = read_import(path, ["Q2", "Q1", "not_a_column"])  # absent columns are left to check_raw
    assert list(imported.frame.columns) == ["Q2", "Q1"] and len(imported.frame) == 2
    assert imported.synthetic is False
    assert imported.provenance["stage"] == "import" and imported.path == path


def test_read_import_names_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="imported data not found"):
        read_import(tmp_path / "absent.parquet", ["Q1"])
