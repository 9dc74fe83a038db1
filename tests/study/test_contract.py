"""The import checks an export against its instrument and stops at the raw file.

Each hostile export is the stored synthetic 2017 wave with one thing broken, as real exports
break: a variable left out, a code the questionnaire does not have, a value outside its
range, answers exported as text, value labels of another questionnaire, no rows, a label in
the wrong encoding, -99 not declared missing. Each must stop the import with one message
that names the raw file, the variable, the value and the number of rows, and write nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from exports import as_text, drop, empty, relabel, set_values, write_export

from swsurvey.errors import InputError
from swsurvey.stages.importing import import_wave
from swsurvey.study.contract import same_label
from swsurvey.study.instrument import load_instrument

REPO = Path(__file__).resolve().parents[2]
STORED = REPO / "data/synthetic/socialwork_2017.sav"
INSTRUMENT = REPO / "workflow/instruments/socialwork_2017.yaml"

def outputs(folder: Path) -> list[Path]:
    return [folder / "responses.parquet", folder / "codebook.json", folder / "codebook.md"]


def run(raw: Path, folder: Path, **kwargs) -> dict:
    return import_wave(raw, *outputs(folder), instrument=INSTRUMENT, key_file=folder.parent / "key", **kwargs)


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


HOSTILE = {
    "a required variable missing": (drop("Q9"), "missing from the export", "Q9", None, None),
    "a code the instrument does not define": (set_values("Q9", 7, 8.0), "code not defined", "Q9", "8", 7),
    "a value outside a scale": (set_values("Progress", 3, 250.0), "outside the instrument's range 0-100", "Progress",
                                "250", 3),
    "answers exported as text": (as_text("Q9"), "stored as string", "Q9", None, None),
    "value labels of another questionnaire": (relabel("Q9", 2, "Hospice"), "'Hospice'", "Q9", "2", None),
    "zero rows": (empty, "no responses (0 rows)", None, None, None),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_export_stops_the_import_naming_file_variable_value_and_rows(tmp_path, case):
    edit, says, variable, value, rows = HOSTILE[case]
    raw = write_export(tmp_path / "export.sav", edit)
    before = raw.read_bytes()
    with pytest.raises(InputError, match=re.escape(says)) as info:
        run(raw, tmp_path / "out")
    message = str(info.value)
    assert message.startswith(str(raw)), message  # the raw file, not an intermediate one
    if variable:
        assert f"variable {variable}" in message, message
    if value:
        assert f"value {value}" in message, message
    if rows:
        assert f"{rows} rows" in message, message
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert raw.read_bytes() == before  # raw files are only read


def test_the_stored_waves_pass_the_contract(tmp_path):
    for wave in ("2017", "2021"):
        book = import_wave(
            REPO / f"data/synthetic/socialwork_{wave}.sav", *outputs(tmp_path / wave),
            instrument=REPO / f"workflow/instruments/socialwork_{wave}.yaml", key_file=tmp_path / "key",
        )
        assert book["warnings"] == []


def test_labels_that_differ_only_in_style_are_the_same():
    assert same_label("Hospital / health care", "hospital /  Health care")
    assert same_label("Don\u2019t know", "Don't know")
    assert not same_label("Hospital / health care", "Hospice")


def test_undeclared_user_missing_codes_are_a_warning_in_the_codebook(tmp_path):
    def undeclare(frame, meta):
        meta["missing_ranges"] = {}

    raw = write_export(tmp_path / "export.sav", undeclare)
    book = run(raw, tmp_path / "out")
    assert len(book["warnings"]) == 1
    warning = book["warnings"][0]
    assert "-99" in warning and "not declared user-missing" in warning and "Q1" in warning
    assert json.loads(outputs(tmp_path / "out")[1].read_text())["warnings"] == book["warnings"]
    markdown = outputs(tmp_path / "out")[2].read_text()
    assert "## Warnings" in markdown and "not declared user-missing" in markdown


def test_a_label_in_the_wrong_encoding_is_called_an_encoding_problem(tmp_path):
    """A file declared UTF-8 holding a Windows-1252 byte in a label: the message says it is an
    encoding problem and how to set the encoding, not that the file is corrupt."""

    def accent(frame, meta):
        meta["column_labels"]["Q9"] = "Primary practice setting (caf\u00e9)"

    good = write_export(tmp_path / "good.sav", accent)
    data = good.read_bytes()
    assert data.count("caf\u00e9".encode()) == 1
    bad = tmp_path / "export.sav"
    # é in Windows-1252 is one byte (0xE9); pad with a space to keep the label's length
    bad.write_bytes(data.replace("caf\u00e9".encode(), b"caf\xe9 "))
    with pytest.raises(InputError) as info:
        run(bad, tmp_path / "out")
    message = str(info.value)
    assert message.startswith(str(bad))
    assert "encoding" in message and "waves.<wave>.encoding" in message, message
    assert "corrupt" not in message
    # and with the encoding set, it imports
    book = run(bad, tmp_path / "out2", encoding="cp1252")
    assert book["file"]["rows"] > 0


def test_a_file_whose_every_variable_is_dropped_keeps_its_rows(tmp_path, real_sav_dir):
    raw = real_sav_dir / "haven__labelled-str.sav"
    book = import_wave(raw, *outputs(tmp_path / "out"), key_file=tmp_path / "key")
    table = pq.read_table(outputs(tmp_path / "out")[0])
    assert book["file"]["rows"] == table.num_rows == 2
    assert table.column_names == ["case_number"] and table.column("case_number").to_pylist() == [1, 2]
    assert not any(v["kept"] for v in book["variables"])
    assert any("case_number" in note for note in book["notes"])
