"""The import stage: raw codes kept, dates converted, labels repaired, personal data removed.

Real-file checks run over every file in ../shared/real_sav (skipped when it is absent);
the privacy, pseudonym, atomicity and rerun checks use a small Qualtrics-like .sav that
the tests write with pyreadstat, labelled "SYNTHETIC DATA - test".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest
from testconfig import SHARED_ABSENT

from swsurvey.errors import InputError
from swsurvey.io.spss import read_metadata, read_spss, repair_c1
from swsurvey.stages.importing import import_wave, load_or_create_key, pseudonymise_values

REAL_SAV = Path(__file__).resolve().parents[2].parent / "shared" / "real_sav"
REAL_FILES = sorted(p.name for p in REAL_SAV.glob("*") if p.suffix.lower() in {".sav", ".zsav", ".por"}) or [
    pytest.param("none", marks=pytest.mark.skip(reason=f"{REAL_SAV} is absent ({SHARED_ABSENT})"))
]
ENCRYPTED = "readspss__hotel-encrypted.sav"

#: rows x cols from MANIFEST.md.
SHAPES = {
    "arabbarometer__ABI_English.sav": (7337, 181),
    "gss_student__gss.sav": (1473, 22),
    "haven__labelled-str.sav": (2, 1),
    "haven__umlauts.sav": (4, 1),
    "holehan__spss_variable_types.sav": (1, 9),
    "ibm_sample__Employee_data.sav": (474, 10),
    "ibm_sample__demo.sav": (6400, 29),
    "pyreadstat__sample.por": (5, 7),
    "pyreadstat__sample.zsav": (5, 7),
    "pyreadstat__sample_missing.sav": (7, 7),
    "pyreadstat__simple_alltypes_mrsets.sav": (6, 12),
    "pyreadstat__tegulu.sav": (1, 2),
    "qualtrics__TestProject-Menu.sav": (7, 34),
    "readspss__cars_pspp.zsav": (50, 2),
    "readspss__datetimes_pspp.sav": (1, 34),
    "readspss__electric.sav": (240, 13),
    "readspss__testdata.sav": (5, 16),
    "readspss__v13_longstrings_uncompressed.sav": (2, 4),
    "savrw__greetings.sav": (12, 3),
    "savrw__spssio_test.sav": (9, 22),
    "savrw__zlib_compressed.zsav": (2, 4),
}
C1 = {chr(c) for c in range(0x80, 0xA0)}


def outputs(folder: Path) -> tuple[Path, Path, Path]:
    return folder / "raw.parquet", folder / "codebook.json", folder / "codebook.md"


def no_outputs(folder: Path) -> bool:
    """Nothing left behind: neither an output nor a temporary ``.part`` file."""
    return not folder.exists() or list(folder.iterdir()) == []


def run_import(raw: Path, folder: Path, **kwargs) -> dict:
    kwargs.setdefault("key_file", folder.parent / "key" / "pseudonym.key")
    return import_wave(raw, *outputs(folder), **kwargs)


def var(codebook: dict, name: str) -> dict:
    return next(v for v in codebook["variables"] if v["name"] == name)


def all_strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in all_strings(k) + all_strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in all_strings(v)]
    return []


# -- the real corpus ----------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_FILES)
def test_read_every_real_file(real_sav_dir: Path, name: str) -> None:
    path = real_sav_dir / name
    if name == ENCRYPTED:
        with pytest.raises(InputError, match="password-protected.*encrypted") as info:
            read_spss(path)
        assert str(path) in str(info.value)
        return
    assert name in SHAPES, f"{name} is new in the corpus: add its shape from MANIFEST.md"
    frame, meta = read_spss(path)
    assert frame.shape == SHAPES[name]
    assert meta.rows == SHAPES[name][0]
    assert list(frame.columns) == meta.names


@pytest.mark.parametrize("name", REAL_FILES)
def test_import_every_real_file(real_sav_dir: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    if name == ENCRYPTED:
        with pytest.raises(InputError, match="password-protected"):
            run_import(real_sav_dir / name, out)
        assert no_outputs(out)
        return
    codebook = run_import(real_sav_dir / name, out)
    rows, cols = SHAPES[name]
    assert (codebook["file"]["rows"], codebook["file"]["columns"]) == (rows, cols)
    assert len(codebook["variables"]) == cols
    table = pq.read_table(outputs(out)[0])
    assert table.num_rows == rows  # with no variable kept, the case numbers keep the rows
    kept = [v["name"] for v in codebook["variables"] if v["kept"]] or ["case_number"]
    assert [c for c in table.column_names if not c.endswith("_pseudonym")] == kept
    assert json.loads(outputs(out)[1].read_text(encoding="utf-8")) == codebook
    for field in table.schema:
        assert field.type not in (pa.string(), pa.large_string()) or field.name in (
            "DistributionChannel",
            "UserLanguage",
            "ResponseId_pseudonym",
        ), f"unlisted string {field.name} left the import stage"


def test_user_missing_declarations_kept(real_sav_dir: Path, tmp_path: Path) -> None:
    sample = run_import(real_sav_dir / "pyreadstat__sample_missing.sav", tmp_path / "a")
    assert var(sample, "mynum")["missing"] == {"values": [-1], "ranges": [{"lo": 2000, "hi": 3000}]}
    assert var(sample, "myord")["missing"]["values"] == [-1, -2, -3]
    data = pq.read_table(outputs(tmp_path / "a")[0]).column("mynum").to_pylist()
    assert 2500.0 in data and -1.0 in data  # user-missing codes are kept as values

    spssio = run_import(real_sav_dir / "savrw__spssio_test.sav", tmp_path / "b")
    assert var(spssio, "Income1")["missing"] == {"values": [], "ranges": [{"lo": "LO", "hi": -1}]}
    assert var(spssio, "Income2")["missing"] == {"values": [999], "ranges": [{"lo": "LO", "hi": -1}]}
    assert var(spssio, "Age")["missing"]["ranges"] == [{"lo": 0, "hi": 18}]
    assert var(spssio, "Income3")["missing"]["values"] == [999, 888, 777]
    assert spssio["file"]["weight_variable"] == "weightVar"
    text = outputs(tmp_path / "b")[1].read_text(encoding="utf-8")
    assert "Infinity" not in text and "NaN" not in text

    # A string's declared missing values are text like its values: shown only when it is kept.
    testdata = run_import(
        real_sav_dir / "readspss__testdata.sav", tmp_path / "c", keep_strings=["string_miss"]
    )
    assert var(testdata, "string_miss")["missing"]["values"] == ["a", "b"]
    assert var(testdata, "factor_numeric")["missing"]["ranges"] == [{"lo": -1, "hi": 0}]
    assert not var(testdata, "factor_s_coded_miss")["kept"]
    assert var(testdata, "factor_s_coded_miss")["missing"]["values"] == []
    assert var(testdata, "factor_s_coded_miss")["value_labels"] == {}
    assert "u" not in outputs(tmp_path / "c")[1].read_text(encoding="utf-8").split('"')
    assert any("factor_s_coded_miss" in note and "personal" in note for note in testdata["notes"])

    gss = run_import(real_sav_dir / "gss_student__gss.sav", tmp_path / "d")
    assert sorted(var(gss, "race")["missing"]["values"]) == [3, 9]
    assert gss["file"]["weight_variable"] is None


def test_value_labels_kept_with_canonical_codes(real_sav_dir: Path, tmp_path: Path) -> None:
    labelled = run_import(
        real_sav_dir / "haven__labelled-str.sav", tmp_path / "a", drop_unlisted_strings=False
    )
    assert var(labelled, "gender")["value_labels"] == {"M": "Male", "F": "Female"}
    umlauts = run_import(real_sav_dir / "haven__umlauts.sav", tmp_path / "b")
    labels = var(umlauts, "var1")["value_labels"]
    assert "the ä umlaut" in labels.values()
    assert all(not k.endswith(".0") for k in labels)
    testdata = run_import(real_sav_dir / "readspss__testdata.sav", tmp_path / "c")
    duplicated = var(testdata, "factor_n_duplicated")["value_labels"]
    assert duplicated["1"] == duplicated["2"] == "A"  # duplicated labels stay per code


def test_mr_sets(real_sav_dir: Path, tmp_path: Path) -> None:
    simple = run_import(real_sav_dir / "pyreadstat__simple_alltypes_mrsets.sav", tmp_path / "a")
    assert len(simple["mr_sets"]) == 2
    assert simple["mr_sets"]["mymrset"]["counted_value"] == 1
    assert simple["mr_sets"]["mymrset"]["variable_list"] == ["bool1", "bool2", "bool3"]
    spssio = run_import(real_sav_dir / "savrw__spssio_test.sav", tmp_path / "b")
    assert set(spssio["mr_sets"]) == {"ages", "incomes", "V"}


def test_qualtrics_header_rows_unknown(real_sav_dir: Path, tmp_path: Path) -> None:
    codebook = run_import(real_sav_dir / "qualtrics__TestProject-Menu.sav", tmp_path / "a")
    assert codebook["file"]["header_rows"] is None
    assert codebook["file"]["rows"] == 7
    assert "Qualtrics" in codebook["file"]["producing_software"]
    assert any("-1" in note for note in codebook["notes"])
    # the real Qualtrics metadata: personal strings dropped, ResponseId pseudonymised
    names = pq.read_schema(outputs(tmp_path / "a")[0]).names
    assert "IPAddress" not in names and "ResponseId" not in names
    assert names[names.index("ResponseId_pseudonym") - 1] == "RecordedDate"


@pytest.mark.parametrize(
    ("name", "piece"),
    [
        ("arabbarometer__ABI_English.sav", "Stat/Transfer"),
        ("readspss__cars_pspp.zsav", "pspp"),
        ("qualtrics__TestProject-Menu.sav", "Qualtrics"),
        ("ibm_sample__demo.sav", "SPSS DATA FILE MS Windows 16.0.2"),
    ],
)
def test_producing_software(real_sav_dir: Path, tmp_path: Path, name: str, piece: str) -> None:
    assert piece in run_import(real_sav_dir / name, tmp_path / "a")["file"]["producing_software"]


def test_dates_converted(real_sav_dir: Path) -> None:
    frame, meta = read_spss(real_sav_dir / "readspss__datetimes_pspp.sav")
    types = {v.name: v.type for v in meta.variables}
    for name, expected in {
        "q1": dt.date(2013, 1, 1),
        "q2": dt.date(2013, 1, 1),  # QYR
        "m1": dt.date(2013, 1, 1),
        "m2": dt.date(2013, 1, 1),  # MOYR
        "w1": dt.date(2013, 1, 29),
        "w2": dt.date(2013, 1, 29),  # WKYR
        "d1": dt.date(2013, 1, 31),
        "a2": dt.date(2013, 1, 31),
    }.items():
        assert types[name] == "date"
        assert frame.at[0, name] == expected, name
    assert frame.at[0, "dt3"] == pd.Timestamp("2013-01-31 01:02:33.720")  # not .719999
    # DTIME and MTIME keep their day part: 105276.58 s = 1 day 05:14:36.58
    assert types["dt6"] == types["mt2"] == "time"
    assert frame.at[0, "dt6"] == pd.Timedelta(days=1, hours=5, minutes=14, seconds=36.58)
    assert frame.at[0, "mt1"] == pd.Timedelta(seconds=105276)
    assert types["w3"] == "numeric" and frame.at[0, "w3"] == 5.0  # WKDAY stays a number

    simple, _ = read_spss(real_sav_dir / "pyreadstat__simple_alltypes_mrsets.sav")
    assert all(isinstance(v, dt.date) for v in simple["quarter"].dropna())


def test_dates_typed_in_parquet(real_sav_dir: Path, tmp_path: Path) -> None:
    run_import(real_sav_dir / "pyreadstat__sample_missing.sav", tmp_path / "a")
    schema = pq.read_schema(outputs(tmp_path / "a")[0])
    assert schema.field("mydate").type == pa.date32()
    assert schema.field("dtime").type == pa.timestamp("us")
    assert schema.field("mytime").type == pa.duration("us")
    assert schema.field("mynum").type == pa.float64()
    dates = pq.read_table(outputs(tmp_path / "a")[0]).column("mydate").to_pylist()
    assert dt.date(1880, 5, 6) in dates  # before 1900


def test_mis_encoded_labels_repaired(real_sav_dir: Path, tmp_path: Path) -> None:
    codebook = run_import(real_sav_dir / "arabbarometer__ABI_English.sav", tmp_path / "a")
    leftovers = [s for s in all_strings(codebook["variables"]) if C1 & set(s)]
    assert leftovers == []
    repairs = codebook["repairs"]
    assert len(repairs) >= 17
    assert any("\x92" in r["before"] and "’" in r["after"] for r in repairs)
    assert all(not (C1 & set(r["after"])) for r in repairs)
    assert all(r["variable"] for r in repairs)
    markdown = outputs(tmp_path / "a")[2].read_text(encoding="utf-8")
    assert "## Repairs" in markdown and "U+0092" in markdown


def test_repair_c1() -> None:
    assert repair_c1("can\x92t choose") == "can’t choose"
    assert repair_c1("\x93people\x94") == "“people”"
    assert repair_c1("can\x92t اختيار") == "can’t اختيار"  # non-latin-1 text around it survives
    assert repair_c1("plain ä") == "plain ä"


def test_wrong_extension_read_by_content(real_sav_dir: Path, tmp_path: Path) -> None:
    codebook = run_import(real_sav_dir / "savrw__zlib_compressed.zsav", tmp_path / "a")
    assert (codebook["file"]["format"], codebook["file"]["magic"], codebook["file"]["compression"]) == (
        "sav",
        "$FL2",
        "bytecode",
    )
    assert any("read by content" in note for note in codebook["notes"])


def test_portable_file_notes_lost_missing(real_sav_dir: Path, tmp_path: Path) -> None:
    codebook = run_import(real_sav_dir / "pyreadstat__sample.por", tmp_path / "a")
    assert codebook["file"]["format"] == "por" and codebook["file"]["magic"] == "SPSSPORT"
    assert codebook["file"]["producing_software"] == "IBM SPSS Statistics 25.0"
    assert any("Portable" in n and "missing" in n for n in codebook["notes"])
    assert all(v["missing"] == {"values": [], "ranges": []} for v in codebook["variables"])
    assert var(codebook, "MYDATE")["type"] == "date"


def test_documents_and_label(real_sav_dir: Path, tmp_path: Path) -> None:
    codebook = run_import(real_sav_dir / "ibm_sample__demo.sav", tmp_path / "a")
    assert codebook["file"]["documents"][0].startswith("DOCUMENT This data set")
    gss = run_import(real_sav_dir / "gss_student__gss.sav", tmp_path / "b")
    assert gss["file"]["label"] == "General Social Survey (Studentware Subset)"
    assert gss["file"]["synthetic"] is False


# -- broken input ------------------------------------------------------------------------


def _broken(tmp_path: Path, kind: str, real_sav_dir: Path | None = None) -> Path:
    path = tmp_path / "raw" / "export.sav"
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("StartDate,Status,Q1\n2017-03-01,0,1\n", encoding="utf-8")
    elif kind == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    elif kind.startswith("half:"):
        data = (real_sav_dir / kind[5:]).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize(
    ("kind", "says"),
    [("empty", "is empty"), ("text", "is not an SPSS file"), ("png", "is not an SPSS file.*PNG")],
)
def test_broken_input_fails_cleanly(tmp_path: Path, kind: str, says: str) -> None:
    raw = _broken(tmp_path, kind)
    out = tmp_path / "out"
    with pytest.raises(InputError, match=says) as info:
        run_import(raw, out)
    assert str(raw) in str(info.value)
    assert no_outputs(out)


@pytest.mark.parametrize(
    "name",
    [
        "gss_student__gss.sav",
        "qualtrics__TestProject-Menu.sav",
        "pyreadstat__sample.zsav",
        "pyreadstat__sample.por",
    ],
)
def test_truncated_real_file_fails_cleanly(real_sav_dir: Path, tmp_path: Path, name: str) -> None:
    raw = _broken(tmp_path, f"half:{name}", real_sav_dir)
    out = tmp_path / "out"
    for path in outputs(out):  # the outputs of an earlier good run must survive a refusal
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("earlier", encoding="utf-8")
    with pytest.raises(InputError, match="truncated") as info:
        run_import(raw, out)
    assert str(raw) in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in outputs(out))  # no .part
    assert all(path.read_text(encoding="utf-8") == "earlier" for path in outputs(out))


def test_truncated_self_written_file(tmp_path: Path, qualtrics_like: Path) -> None:
    data = qualtrics_like.read_bytes()
    raw = tmp_path / "cut.sav"
    raw.write_bytes(data[: len(data) * 3 // 4])
    with pytest.raises(InputError, match="truncated"):
        run_import(raw, tmp_path / "out")
    assert no_outputs(tmp_path / "out")


def test_invalid_date_value_names_variable(tmp_path: Path) -> None:
    raw = tmp_path / "bad_date.sav"
    frame = pd.DataFrame({"when": [1.37e10, 1e20]})
    pyreadstat.write_sav(frame, raw, variable_format={"when": "DATETIME20"})
    with pytest.raises(InputError, match="not a valid datetime") as info:
        run_import(raw, tmp_path / "out")
    assert info.value.variable == "when" and info.value.value == 1e20
    assert no_outputs(tmp_path / "out")


# -- a Qualtrics-like synthetic file ------------------------------------------------------

IP = "192.0.2.77"
SECRET_TEXT = "call me on 555-0199, Jane Roe"


@pytest.fixture
def qualtrics_like(tmp_path: Path) -> Path:
    """A small export with instrument variables, personal data and -99 declared missing."""
    frame = pd.DataFrame(
        {
            "StartDate": pd.to_datetime(
                ["2017-03-01 10:00:00", "2017-03-02 11:30:15", "2017-03-02 12:00:00", "2017-03-03 09:00:00"]
            ),
            "Status": [0.0, 0.0, 1.0, 0.0],
            "IPAddress": [IP, "198.51.100.4", "", "203.0.113.9"],
            "ResponseId": ["R_1aaaaaaaaaaaaaa", "R_2bbbbbbbbbbbbbb", "R_1aaaaaaaaaaaaaa", ""],
            "Q1": [1.0, -99.0, 2.0, np.nan],
            "Q6_4_TEXT": ["", "non-binary", "", ""],
            "Q25": [SECRET_TEXT, "", "thanks", ""],
            "DistributionChannel": ["anonymous", "email", "anonymous", "anonymous"],
        }
    )
    path = tmp_path / "raw" / "socialwork_2017.sav"
    path.parent.mkdir(parents=True)
    pyreadstat.write_sav(
        frame,
        path,
        file_label="SYNTHETIC DATA - test",
        column_labels={"Q1": "Do you agree to take part in this survey?", "Q25": "Anything | else?\nTell us"},
        variable_value_labels={
            "Status": {0: "IP Address", 1: "Survey Preview"},
            "Q1": {1: "I agree", 2: "I do not agree", -99: "Seen but unanswered"},
        },
        missing_ranges={"Q1": [-99]},
        variable_format={"Q1": "F40.0", "Status": "F40.0"},
        row_compress=True,
    )
    return path


def restricted(instrument, raw: Path):
    """The instrument cut to the variables a small hand-made export has (the import checks that
    an export has every non-personal variable of its instrument)."""
    names = set(read_metadata(raw).names)
    return dataclasses.replace(
        instrument, variables=tuple(v for v in instrument.variables if v.name in names or v.personal)
    )


def test_privacy(qualtrics_like: Path, tmp_path: Path, instrument_2017) -> None:
    out = tmp_path / "out"
    codebook = run_import(qualtrics_like, out, instrument=restricted(instrument_2017, qualtrics_like))
    table = pq.read_table(outputs(out)[0])
    assert table.column_names == ["StartDate", "Status", "ResponseId_pseudonym", "Q1", "DistributionChannel"]
    dropped = {d["name"]: d["reason"] for d in codebook["privacy"]["dropped"]}
    assert set(dropped) == {"IPAddress", "Q6_4_TEXT", "Q25"}
    assert "pii" in dropped["IPAddress"] and "free text" in dropped["Q25"]
    assert {v["name"]: v["kept"] for v in codebook["variables"]} == {
        "StartDate": True,
        "Status": True,
        "IPAddress": False,
        "ResponseId": False,
        "Q1": True,
        "Q6_4_TEXT": False,
        "Q25": False,
        "DistributionChannel": True,
    }
    assert codebook["privacy"]["pseudonymised"][0]["replaced_by"] == "ResponseId_pseudonym"
    values = {str(v) for column in table.columns for v in column.to_pylist()}
    for secret in (IP, SECRET_TEXT, "non-binary", "R_1aaaaaaaaaaaaaa"):
        assert secret not in values
        for path in outputs(out)[1:]:
            assert secret not in path.read_text(encoding="utf-8")


def test_instrument_wins_over_keep_strings(qualtrics_like: Path, tmp_path: Path, instrument_2017) -> None:
    codebook = run_import(
        qualtrics_like,
        tmp_path / "out",
        instrument=restricted(instrument_2017, qualtrics_like),
        drop_unlisted_strings=False,
        keep_strings=("IPAddress",),
        drop=("Status",),
    )
    names = pq.read_schema(outputs(tmp_path / "out")[0]).names
    assert "IPAddress" not in names and "Q25" not in names and "Status" not in names
    assert {d["name"]: d["reason"] for d in codebook["privacy"]["dropped"]}["Status"].startswith(
        "dropped by configuration"
    )


def test_without_instrument_unlisted_strings_still_dropped(qualtrics_like: Path, tmp_path: Path) -> None:
    run_import(qualtrics_like, tmp_path / "out")
    names = pq.read_schema(outputs(tmp_path / "out")[0]).names
    assert names == ["StartDate", "Status", "ResponseId_pseudonym", "Q1", "DistributionChannel"]


def test_parquet_types_and_provenance(qualtrics_like: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    codebook = run_import(qualtrics_like, out)
    table = pq.read_table(outputs(out)[0])
    assert table.schema.field("Q1").type == pa.float64()
    assert table.column("Q1").to_pylist() == [1.0, -99.0, 2.0, None]  # -99 kept, sysmis null
    assert table.schema.field("StartDate").type == pa.timestamp("us")
    assert table.column("StartDate").to_pylist()[1] == dt.datetime(2017, 3, 2, 11, 30, 15)
    assert pa.types.is_large_string(table.schema.field("DistributionChannel").type)
    meta = json.loads(table.schema.metadata[b"swsurvey"])
    assert meta == {
        "stage": "import",
        "source": "socialwork_2017.sav",
        "source_sha256": hashlib.sha256(qualtrics_like.read_bytes()).hexdigest(),
        "synthetic": True,
    }
    assert var(codebook, "Q1")["missing"] == {"values": [-99], "ranges": []}
    assert var(codebook, "Q1")["value_labels"] == {
        "-99": "Seen but unanswered",
        "1": "I agree",
        "2": "I do not agree",
    }
    assert var(codebook, "Q1")["format"] == "F40.0"


def test_synthetic_flagged(qualtrics_like: Path, tmp_path: Path) -> None:
    codebook = run_import(qualtrics_like, tmp_path / "out")
    assert codebook["file"]["synthetic"] is True
    assert codebook["file"]["label"] == "SYNTHETIC DATA - test"
    first_lines = outputs(tmp_path / "out")[2].read_text(encoding="utf-8").splitlines()[:3]
    assert any("SYNTHETIC DATA" in line for line in first_lines)


def test_raw_file_untouched(qualtrics_like: Path, tmp_path: Path) -> None:
    before = (qualtrics_like.read_bytes(), qualtrics_like.stat().st_mtime_ns, qualtrics_like.stat().st_mode)
    run_import(qualtrics_like, tmp_path / "out")
    after = (qualtrics_like.read_bytes(), qualtrics_like.stat().st_mtime_ns, qualtrics_like.stat().st_mode)
    assert before == after


def test_raw_file_cannot_be_an_output(qualtrics_like: Path, tmp_path: Path) -> None:
    original = qualtrics_like.read_bytes()
    with pytest.raises(InputError, match="never be overwritten"):
        import_wave(
            qualtrics_like, qualtrics_like, tmp_path / "c.json", tmp_path / "c.md", key_file=tmp_path / "k"
        )
    assert qualtrics_like.read_bytes() == original


def test_sha256_checked(qualtrics_like: Path, tmp_path: Path) -> None:
    actual = hashlib.sha256(qualtrics_like.read_bytes()).hexdigest()
    wrong = "0" * 64
    with pytest.raises(InputError) as info:
        run_import(qualtrics_like, tmp_path / "out", expected_sha256=wrong)
    message = str(info.value)
    assert str(qualtrics_like) in message and wrong in message and actual in message
    assert no_outputs(tmp_path / "out")
    codebook = run_import(qualtrics_like, tmp_path / "out", expected_sha256=actual.upper())
    assert codebook["file"]["sha256"] == actual


def test_pseudonyms(qualtrics_like: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "one.key"
    key_file.parent.mkdir()
    key = bytes(range(32))
    key_file.write_text(key.hex() + "\n", encoding="ascii")
    run_import(qualtrics_like, tmp_path / "a", key_file=key_file)
    run_import(qualtrics_like, tmp_path / "b", key_file=key_file)
    other = tmp_path / "keys" / "two.key"
    other.write_text(bytes(range(1, 33)).hex(), encoding="ascii")
    run_import(qualtrics_like, tmp_path / "c", key_file=other)

    def pseudonyms(folder: str) -> list:
        return pq.read_table(outputs(tmp_path / folder)[0]).column("ResponseId_pseudonym").to_pylist()

    first = pseudonyms("a")
    expected = hmac.new(key, b"R_1aaaaaaaaaaaaaa", hashlib.sha256).hexdigest()[:20]
    assert first[0] == first[2] == expected  # duplicates stay detectable
    assert first[1] != first[0] and len(first[1]) == 20
    assert first[3] is None  # empty stays missing
    assert pseudonyms("b") == first
    assert pseudonyms("c")[0] != first[0] and pseudonyms("c")[3] is None


def test_key_created_private_and_never_in_outputs(qualtrics_like: Path, tmp_path: Path, caplog) -> None:
    key_file = tmp_path / "deep" / ".secrets" / "pseudonym.key"
    out = tmp_path / "out"
    with caplog.at_level(logging.INFO, logger="swsurvey"):
        run_import(qualtrics_like, out, key_file=key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_hex = key_file.read_text(encoding="ascii").strip()
    assert len(bytes.fromhex(key_hex)) == 32
    assert any("created a new pseudonymisation key" in r.getMessage() for r in caplog.records)
    assert key_hex not in caplog.text
    for path in outputs(out):
        data = path.read_bytes()
        assert key_hex.encode() not in data and key_hex.upper().encode() not in data
        assert bytes.fromhex(key_hex) not in data
    assert load_or_create_key(key_file) == bytes.fromhex(key_hex)  # reused, not replaced


def test_bad_key_file(qualtrics_like: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "bad.key"
    key_file.write_text("not a key at all", encoding="ascii")
    with pytest.raises(InputError, match="not a pseudonymisation key") as info:
        run_import(qualtrics_like, tmp_path / "out", key_file=key_file)
    assert str(key_file) in str(info.value) and "not a key at all" not in str(info.value)
    assert no_outputs(tmp_path / "out") if (tmp_path / "out").exists() else True


def test_rerun_is_byte_identical(qualtrics_like: Path, tmp_path: Path, instrument_2017) -> None:
    instrument = restricted(instrument_2017, qualtrics_like)
    run_import(qualtrics_like, tmp_path / "a", instrument=instrument)
    run_import(qualtrics_like, tmp_path / "b", instrument=instrument)
    for first, second in zip(outputs(tmp_path / "a"), outputs(tmp_path / "b")):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_pseudonymise_numbers_canonically() -> None:
    key = b"k" * 32
    numbers = pseudonymise_values(pa.array([12.0, None, 12.0]), key).to_pylist()
    assert numbers[0] == numbers[2] == hmac.new(key, b"12", hashlib.sha256).hexdigest()[:20]
    assert numbers[1] is None


def test_read_metadata_does_not_read_data(qualtrics_like: Path) -> None:
    meta = read_metadata(qualtrics_like)
    assert meta.names == [
        "StartDate",
        "Status",
        "IPAddress",
        "ResponseId",
        "Q1",
        "Q6_4_TEXT",
        "Q25",
        "DistributionChannel",
    ]
    assert meta.synthetic and meta.rows == 4
    assert {v.name: v.type for v in meta.variables}["StartDate"] == "datetime"


def test_output_folder_is_left_clean(qualtrics_like: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_import(qualtrics_like, out)
    assert sorted(p.name for p in out.iterdir()) == ["codebook.json", "codebook.md", "raw.parquet"]


def test_pseudonym_column_may_not_exist_already(tmp_path: Path) -> None:
    raw = tmp_path / "clash.sav"
    pyreadstat.write_sav(pd.DataFrame({"ResponseId": ["R_1"], "ResponseId_pseudonym": ["x"]}), raw)
    with pytest.raises(InputError, match="already has a variable ResponseId_pseudonym") as info:
        run_import(raw, tmp_path / "out")
    assert info.value.file == str(raw)
    assert no_outputs(tmp_path / "out")


def test_configured_names_absent_from_file_are_noted(qualtrics_like: Path, tmp_path: Path) -> None:
    codebook = run_import(qualtrics_like, tmp_path / "out", drop=("Q99",), pseudonymise=("ResponseId", "PID"))
    assert "Configured to pseudonymise PID, which the file does not have." in codebook["notes"]
    assert "Configured to drop Q99, which the file does not have." in codebook["notes"]
