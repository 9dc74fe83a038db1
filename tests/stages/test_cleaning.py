"""Cleaning's entry point: its five outputs, all or nothing, byte-identical on a rerun; the
synthetic flag in each; the stored synthetic wave; dates kept to the configured precision.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from clean_runs import COUNTRIES, flow_rows, outputs, run_clean, write_import
from import_frames import INSTRUMENT, SPEC, raw_frame

from swsurvey.errors import InputError
from swsurvey.io.table_text import BANNER
from swsurvey.stages.cleaning import clean_wave
from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import load_recode

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC_SAV = REPO / "data" / "synthetic" / "socialwork_2017.sav"


# ---------------------------------------------------------------------------------------------
# The entry point and its outputs


def test_clean_wave_writes_five_outputs_byte_identical_on_a_rerun(instrument, tmp_path):
    rows, _ = flow_rows(instrument)
    frame = raw_frame(instrument, rows)
    paths = run_clean(tmp_path, frame)
    first = {k: p.read_bytes() for k, p in paths.items()}
    assert all(first.values())
    assert sorted(p.name for p in paths["out_data"].parent.iterdir()) == sorted(p.name for p in paths.values())
    run_clean(tmp_path, frame)
    assert {k: p.read_bytes() for k, p in paths.items()} == first

    cleaned = pd.read_parquet(paths["out_data"])
    assert len(cleaned) == 9
    assert cleaned["age_group"].dtype.ordered
    flow = pd.read_csv(paths["out_flow_csv"])
    assert [flow.iloc[-1][c] for c in COUNTRIES] == [5, 2, 1, 1]
    book = json.loads(paths["out_codebook_json"].read_text())
    entries = {v["name"]: v for v in book["variables"]}
    assert set(entries) == set(load_recode(SPEC).names)
    assert entries["age_group"]["label"] == "Age group"
    assert entries["age_group"]["sources"] == ["Q5"]
    assert entries["experience_band"]["sources"] == ["Q7"]
    assert entries["weekly_use"]["sources"][:2] == ["Q11", "Q12_1"]
    assert [lv["label"] for lv in entries["country"]["levels"]] == COUNTRIES
    assert [lv["n"] for lv in entries["country"]["levels"]] == [5, 2, 1, 1]
    assert entries["years_practice"]["corrections"][0]["n"] == 0
    assert "1940" in entries["years_practice"]["rule"]


def test_clean_wave_leaves_no_output_when_it_fails(instrument, tmp_path):
    frame = raw_frame(instrument, [{}, {"Q5": 7}])
    with pytest.raises(InputError, match="Q5"):
        run_clean(tmp_path, frame)
    assert not (tmp_path / "clean").exists() or list((tmp_path / "clean").iterdir()) == []


def test_clean_wave_leaves_no_output_when_a_late_write_fails(instrument, tmp_path):
    data = write_import(raw_frame(instrument, [{}]), tmp_path / "import" / "responses.parquet")
    paths = outputs(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    paths["out_flow_md"] = blocker / "exclusion_flow.md"  # the last output cannot be written
    with pytest.raises(OSError):
        clean_wave(data, INSTRUMENT, SPEC, **paths, wave="test")
    assert list((tmp_path / "clean").iterdir()) == []


@pytest.mark.parametrize("synthetic", [True, False])
def test_the_synthetic_flag_reaches_every_output(instrument, tmp_path, synthetic):
    paths = run_clean(tmp_path, raw_frame(instrument, [{}, {"Q2": 3}]), synthetic=synthetic, wave="2017")
    meta = json.loads(pq.read_schema(paths["out_data"]).metadata[b"swsurvey"])
    assert meta["synthetic"] is synthetic
    assert meta["stage"] == "clean" and meta["wave"] == "2017"
    spec = load_recode(SPEC)
    assert meta["recode"]["name"] == "socialwork_2017" and meta["recode"]["version"] == spec.version
    assert meta["labels"]["age_group"] == "Age group"
    assert meta["bases"] == {"weekly_use": spec["weekly_use"].base}
    assert json.loads(paths["out_codebook_json"].read_text())["synthetic"] is synthetic
    assert pd.read_csv(paths["out_flow_csv"])["synthetic"].eq(synthetic).all()
    for md in (paths["out_codebook_md"], paths["out_flow_md"]):
        assert (BANNER in md.read_text()) is synthetic
        if synthetic:
            assert md.read_text().splitlines()[0].endswith(f"**{BANNER}**")

# ---------------------------------------------------------------------------------------------
# The stored synthetic wave (written by a colleague's generator; skipped while absent)


def _sav_as_import(path: Path, instrument: Instrument, out: Path) -> Path:
    """Read the .sav as the import contract says and write it as the import stage would."""
    pyreadstat = pytest.importorskip("pyreadstat")
    frame, _ = pyreadstat.read_sav(str(path), user_missing=True)
    frame = frame.copy()
    frame.insert(
        list(frame.columns).index("ResponseId"),
        "ResponseId_pseudonym",
        pd.array(
            [None if pd.isna(r) else hashlib.sha256(str(r).encode()).hexdigest()[:16] for r in frame["ResponseId"]],
            dtype="str",
        ),
    )
    drop = [c for c in frame.columns if c in instrument.personal_names or c.endswith("_TEXT") or c == "Q25"]
    frame = frame.drop(columns=drop)
    for var in instrument.variables:
        if var.name not in frame.columns:
            continue
        if var.kind == "numeric":
            frame[var.name] = pd.to_numeric(frame[var.name]).astype("float64")
        elif var.kind == "datetime":
            frame[var.name] = pd.to_datetime(frame[var.name])
        else:
            frame[var.name] = frame[var.name].astype("str").where(frame[var.name].notna())
    return write_import(frame, out, synthetic=True)


@pytest.mark.skipif(not SYNTHETIC_SAV.exists(), reason=f"{SYNTHETIC_SAV} is not there yet")
def test_the_stored_synthetic_wave_ends_at_the_published_sample_sizes(instrument, tmp_path):
    data = _sav_as_import(SYNTHETIC_SAV, instrument, tmp_path / "import" / "responses.parquet")
    paths = outputs(tmp_path)
    clean_wave(data, INSTRUMENT, SPEC, **paths, wave="2017")
    flow = pd.read_csv(paths["out_flow_csv"])
    last = flow.iloc[-1]
    assert [last[c] for c in COUNTRIES] == [2609, 1225, 386, 134]


def test_dates_in_the_analysis_files_are_kept_to_the_day_by_default(cleaned_2017, tmp_path):
    """The anonymised analysis file keeps when a response was recorded to the day (config
    privacy.date_precision), not to the second beside exact years of practice."""
    recorded = pd.read_parquet(cleaned_2017, columns=["recorded_date"])["recorded_date"].dropna()
    assert len(recorded) and (recorded == recorded.dt.floor("D")).all()
    raw = pd.read_parquet(cleaned_2017.parent / "import.parquet", columns=["RecordedDate"])["RecordedDate"]
    assert (raw != raw.dt.floor("D")).any()  # the import keeps the raw times; the cleaning coarsens them
    book = json.loads((cleaned_2017.parent / "clean.json").read_text())
    summary = next(v for v in book["variables"] if v["name"] == "recorded_date")["summary"]
    assert summary["min"].endswith("T00:00:00") and summary["max"].endswith("T00:00:00")
    from swsurvey.stages.cleaning import clean_wave

    out = tmp_path / "seconds"
    workflow = Path(__file__).resolve().parents[2] / "workflow"
    clean_wave(
        data=cleaned_2017.parent / "import.parquet", instrument=workflow / "instruments/socialwork_2017.yaml",
        recode=workflow / "recode/socialwork_2017.yaml", out_data=out / "clean.parquet",
        out_codebook_json=out / "clean.json", out_codebook_md=out / "clean.md", out_flow_csv=out / "flow.csv",
        out_flow_md=out / "flow.md", wave="2017", date_precision="second",
    )
    precise = pd.read_parquet(out / "clean.parquet", columns=["recorded_date"])["recorded_date"].dropna()
    assert (precise != precise.dt.floor("D")).any()
