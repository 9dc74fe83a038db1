"""Header sniffing: format by content, product string, case count, WEIGHT BY, clear errors.

Most checks run on the real SPSS corpus in ../shared/real_sav (skipped when absent); the
error cases and the weight mapping also run on small files the tests write themselves.
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from swsurvey.errors import InputError
from swsurvey.io.spss import read_metadata
from swsurvey.io.spss_header import describe_bytes, read_header

REAL_SAV = Path(__file__).resolve().parents[2].parent / "shared" / "real_sav"
REAL_FILES = sorted(p.name for p in REAL_SAV.glob("*") if p.suffix.lower() in {".sav", ".zsav", ".por"})
ENCRYPTED = "readspss__hotel-encrypted.sav"

#: From MANIFEST.md: (magic, compression, header ncases, a piece of the product string).
EXPECTED = {
    "arabbarometer__ABI_English.sav": ("$FL2", "bytecode", 7337, "Stat/Transfer"),
    "gss_student__gss.sav": ("$FL2", "bytecode", 1473, "MS Windows 19.0.1"),
    "haven__labelled-str.sav": ("$FL2", "bytecode", 2, "IBM SPSS STATISTICS 64-bit MS Windows 24"),
    "haven__umlauts.sav": ("$FL2", "bytecode", 4, "MS Windows 22.0.0.0"),
    "holehan__spss_variable_types.sav": ("$FL2", "bytecode", 1, "Macintosh 27.0.0.0"),
    "ibm_sample__Employee_data.sav": ("$FL2", "bytecode", 474, "MS Windows 20.0.0"),
    "ibm_sample__demo.sav": ("$FL2", "bytecode", 6400, "MS Windows 16.0.2"),
    "pyreadstat__sample.por": ("SPSSPORT", "none", None, "IBM SPSS Statistics 25.0"),
    "pyreadstat__sample.zsav": ("$FL3", "zlib", 5, "MS Windows 25.0.0.0"),
    "pyreadstat__sample_missing.sav": ("$FL2", "bytecode", 7, "MS Windows 25.0.0.0"),
    "pyreadstat__simple_alltypes_mrsets.sav": ("$FL2", "bytecode", 6, "MS Windows 21.0.0.0"),
    "pyreadstat__tegulu.sav": ("$FL2", "bytecode", 1, "MS Windows 27.0.0.0"),
    "qualtrics__TestProject-Menu.sav": ("$FL2", "bytecode", None, "Qualtrics"),
    "readspss__cars_pspp.zsav": ("$FL3", "zlib", 50, "GNU pspp 1.2.0"),
    "readspss__datetimes_pspp.sav": ("$FL2", "bytecode", 1, "GNU pspp 1.4.1"),
    "readspss__electric.sav": ("$FL2", "bytecode", 240, "Release 6.1"),
    "readspss__testdata.sav": ("$FL2", "bytecode", 5, "MS Windows 23.0.0.0"),
    "readspss__v13_longstrings_uncompressed.sav": ("$FL2", "none", 2, "spssio32.dll"),
    "savrw__greetings.sav": ("$FL2", "bytecode", 12, "spssio32.dll"),
    "savrw__spssio_test.sav": ("$FL2", "bytecode", 9, "MS Windows 20.0.1"),
    "savrw__zlib_compressed.zsav": ("$FL2", "bytecode", 2, "LINUX REDHAT Release 19.0"),
}


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file_header(real_sav_dir: Path, name: str) -> None:
    path = real_sav_dir / name
    if name == ENCRYPTED:
        with pytest.raises(InputError, match="password-protected.*encrypted") as info:
            read_header(path)
        assert str(path) in str(info.value)
        return
    assert name in EXPECTED, f"{name} is new in the corpus: add its MANIFEST facts to EXPECTED"
    magic, compression, ncases, product = EXPECTED[name]
    header = read_header(path)
    assert header.magic == magic
    assert header.compression == compression
    assert header.case_count == ncases
    assert product in header.product
    assert not header.product.startswith("@(#)")
    assert header.format == {"$FL3": "zsav", "SPSSPORT": "por"}.get(magic, "sav")
    assert header.weight_variable == ("weightVar" if name == "savrw__spssio_test.sav" else None)


def test_weight_variable_from_header(real_sav_dir: Path) -> None:
    header = read_header(real_sav_dir / "savrw__spssio_test.sav")
    assert header.weight_index == 30
    assert header.weight_variable == "weightVar"
    assert header.file_label == "This is a file label"
    assert header.creation is not None and header.creation.year == 2012


def test_format_is_decided_by_content_not_extension(real_sav_dir: Path, tmp_path: Path) -> None:
    header = read_header(real_sav_dir / "savrw__zlib_compressed.zsav")
    assert (header.format, header.magic, header.compression) == ("sav", "$FL2", "bytecode")
    # a real zlib file and a portable file renamed .sav are still recognised by content
    shutil.copyfile(real_sav_dir / "pyreadstat__sample.zsav", tmp_path / "renamed.sav")
    assert read_header(tmp_path / "renamed.sav").format == "zsav"
    shutil.copyfile(real_sav_dir / "pyreadstat__sample.por", tmp_path / "portable.sav")
    por = read_header(tmp_path / "portable.sav")
    assert (por.format, por.magic, por.product) == ("por", "SPSSPORT", "IBM SPSS Statistics 25.0")
    assert por.creation is not None and por.creation.year == 2018


def test_qualtrics_header_case_count_is_none(real_sav_dir: Path) -> None:
    header = read_header(real_sav_dir / "qualtrics__TestProject-Menu.sav")
    assert header.case_count is None
    assert header.product == "SPSS DATA FILE Java Writer (c) Qualtrics - 0.1.0"


# -- self-made files (no shared material needed) -----------------------------------------


def _write(path: Path, **kwargs) -> Path:
    frame = pd.DataFrame({"longstring": ["a" * 20, "b", "c"], "weightVariableLong": [1.5, 2.0, 1.0]})
    pyreadstat.write_sav(frame, path, **kwargs)
    return path


@pytest.mark.parametrize(
    ("kwargs", "fmt", "magic", "compression"),
    [
        ({}, "sav", "$FL2", "none"),
        ({"row_compress": True}, "sav", "$FL2", "bytecode"),
        ({"compress": True}, "zsav", "$FL3", "zlib"),
    ],
)
def test_self_written_formats(tmp_path: Path, kwargs, fmt, magic, compression) -> None:
    header = read_header(_write(tmp_path / "x.sav", file_label="SYNTHETIC DATA - header", **kwargs))
    assert (header.format, header.magic, header.compression) == (fmt, magic, compression)
    assert header.case_count == 3
    assert header.file_label == "SYNTHETIC DATA - header"
    assert "ReadStat" in header.product
    assert header.weight_variable is None


def test_weight_index_counts_continuation_records_and_maps_long_names(tmp_path: Path) -> None:
    path = _write(tmp_path / "w.sav")
    data = bytearray(path.read_bytes())
    # A20 takes three variable records (one plus two continuations): the weight is record 4.
    data[76:80] = struct.pack("<i", 4)
    path.write_bytes(bytes(data))
    assert read_header(path).weight_variable == "weightVariableLong"
    data[76:80] = struct.pack("<i", 2)  # a continuation record cannot be a weight
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="weight"):
        read_header(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sav"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="is empty") as info:
        read_header(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"StartDate,EndDate,Status\n2017-01-01,2017-01-01,0\n", "not an SPSS file.*plain text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)), "not an SPSS file.*PNG"),
        (b"PK\x03\x04" + b"\x00" * 100, "not an SPSS file.*ZIP"),
        (bytes(range(7, 200)), "not an SPSS file.*starts with bytes 07 08"),
    ],
)
def test_not_spss(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "export.sav"
    path.write_bytes(content)
    with pytest.raises(InputError, match=says) as info:
        read_header(path)
    assert str(path) in str(info.value)


def test_encrypted_tag_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "locked.sav"
    path.write_bytes(b"\x1c\x00\x00\x00\x00\x00\x00\x00ENCRYPTEDSAV" + bytes(100))
    with pytest.raises(InputError, match="password-protected \\(encrypted\\).*decrypt"):
        read_header(path)


@pytest.mark.parametrize("keep", [100, 175, 300])
def test_truncated_header(tmp_path: Path, keep: int) -> None:
    full = _write(tmp_path / "full.sav")
    cut = tmp_path / "cut.sav"
    cut.write_bytes(full.read_bytes()[:keep])
    with pytest.raises(InputError, match="is truncated") as info:
        read_header(cut)
    assert str(cut) in str(info.value)


@pytest.mark.parametrize("kwargs", [{}, {"compress": True}])
def test_truncated_data_is_detected_cheaply(tmp_path: Path, kwargs) -> None:
    """Uncompressed: the size follows from the case count; zlib: from the trailer offset."""
    full = _write(tmp_path / "full.sav", **kwargs)
    cut = tmp_path / "cut.sav"
    cut.write_bytes(full.read_bytes()[:-9])
    with pytest.raises(InputError, match="is truncated"):
        read_header(cut)


def test_describe_bytes() -> None:
    assert "PDF" in describe_bytes(b"%PDF-1.7\n")
    assert "plain text" in describe_bytes(b"a,b,c\n1,2,3\n")
    assert "00 01 02" in describe_bytes(bytes(range(16)))


def test_truncated_portable_header(real_sav_dir: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.por"
    cut.write_bytes((real_sav_dir / "pyreadstat__sample.por").read_bytes()[:300])
    with pytest.raises(InputError, match="truncated or corrupt.*portable"):
        read_header(cut)


# -- the dictionary: what pyreadstat says, read in pure Python ------------------------------

REPO_DIR = Path(__file__).resolve().parents[2]
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
    same_dictionary(REPO_DIR / name)
    variables = {v.name: v for v in read_header(REPO_DIR / name).variables}
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
