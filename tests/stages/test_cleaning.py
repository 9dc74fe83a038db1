"""Cleaning: the exclusion flow, missing-value reasons, the derived variables and the outputs.

Each test builds a small Qualtrics-like import-stage frame (:func:`raw_frame`) from the
instrument, with a handful of rows covering the case at hand, so the expected counts are
known by construction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from import_frames import INSTRUMENT, SPEC, T0, raw_frame

from swsurvey.errors import InputError
from swsurvey.io.tables import BANNER
from swsurvey.stages.cleaning import (
    apply_exclusions,
    clean_wave,
    derive_variables,
    flow_table,
)
from swsurvey.study.instrument import Instrument, load_instrument
from swsurvey.study.recode import load_recode

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC_SAV = REPO / "data" / "synthetic" / "socialwork_2017.sav"

COUNTRIES = ["Canada", "United States", "Israel", "United Kingdom"]
GROUPS = [*COUNTRIES, "Other / not stated", "Total"]

def write_import(frame: pd.DataFrame, path: Path, *, synthetic: bool = True) -> Path:
    """Write a frame as the import stage does: Parquet with the ``swsurvey`` provenance record."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"swsurvey"] = json.dumps(
        {"stage": "import", "source": "socialwork_test.sav", "source_sha256": "0" * 64, "synthetic": synthetic}
    ).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def spec():
    return load_recode(SPEC)


def derive(instrument, spec, rows: list[dict]) -> pd.DataFrame:
    """Derive the analysis variables of eligible rows (no exclusions)."""
    cleaned, _ = derive_variables(raw_frame(instrument, rows), spec, instrument)
    return cleaned


def outputs(folder: Path) -> dict[str, Path]:
    return {
        "out_data": folder / "clean" / "responses.parquet",
        "out_codebook_json": folder / "clean" / "codebook.json",
        "out_codebook_md": folder / "clean" / "codebook.md",
        "out_flow_csv": folder / "clean" / "exclusion_flow.csv",
        "out_flow_md": folder / "clean" / "exclusion_flow.md",
    }


def run_clean(tmp: Path, frame: pd.DataFrame, *, synthetic: bool = True, wave: str = "test") -> dict[str, Path]:
    data = write_import(frame, tmp / "import" / "responses.parquet", synthetic=synthetic)
    paths = outputs(tmp)
    clean_wave(data, INSTRUMENT, SPEC, **paths, wave=wave)
    return paths


# ---------------------------------------------------------------------------------------------
# Exclusions


def _flow_rows(instrument) -> tuple[list[dict], dict[str, list[int]]]:
    """Rows that each step removes a known number of, per country; and the expected flow."""
    ca, us, il, uk = ({"Q2": c} for c in (1, 2, 3, 4))
    rows = [
        # Canada: 3 analysed
        ca, ca, ca,
        {**ca, "Q1": 2}, {**ca, "Q1": None},  # consent x2
        {**ca, "Q3": 2, "Q4": 2},  # fails registered and contact: counted at registered
        {**ca, "Q4": 2},  # client_contact
        {**ca, "Status": 1}, {**ca, "Status": 8},  # status: preview, spam
        {**ca, "Status": 4}, {**ca, "Status": 16},  # imported, offline: kept
        {**ca, "Finished": 0, "Status": 2},  # fails status and finished: counted at status
        # United States: 2 analysed, one of them duplicated
        {**us, "ResponseId_pseudonym": "DUP"}, us,
        {**us, "ResponseId_pseudonym": "DUP"},  # duplicates
        {**us, "Q3": None},  # registered
        # Israel: 1 analysed
        il, {**il, "Q1": 2, "Q3": 2},  # consent (also not registered)
        {**il, "Finished": 0},  # finished
        # United Kingdom: 1 analysed
        uk, {**uk, "Q4": -99},  # client_contact
        # Other / not stated: all out
        {"Q2": 5}, {"Q2": None}, {"Q2": -99}, {"Q2": 5, "Q1": 2},
    ]
    # step -> excluded per CA, US, IL, UK, Other
    expected = {
        "consent": [2, 0, 1, 0, 1],
        "country": [0, 0, 0, 0, 3],
        "registered": [1, 1, 0, 0, 0],
        "client_contact": [1, 0, 0, 1, 0],
        "status": [3, 0, 0, 0, 0],
        "finished": [0, 0, 1, 0, 0],
        "duplicates": [0, 1, 0, 0, 0],
    }
    return rows, expected


def test_each_exclusion_step_removes_known_rows_per_country_in_order(instrument, spec):
    rows, expected = _flow_rows(instrument)
    frame = raw_frame(instrument, rows)
    kept, flow = apply_exclusions(frame, spec, instrument)
    assert flow.groups == tuple(GROUPS)
    steps = [r.step for r in flow.rows]
    assert steps == ["raw", *expected, "analysed"]
    start = [12, 4, 3, 2, 4]
    assert list(flow.rows[0].remaining) == [*start, sum(start)]
    remaining = np.array(start)
    for row in flow.rows[1:-1]:
        excluded = np.array(expected[row.step])
        remaining = remaining - excluded
        assert list(row.excluded) == [*excluded, excluded.sum()], row.step
        assert list(row.remaining) == [*remaining, remaining.sum()], row.step
    assert list(flow.rows[-1].remaining) == [5, 2, 1, 1, 0, 9]
    assert flow.rows[-1].excluded is None
    assert int(kept.sum()) == 9


def test_flow_table_is_one_row_per_step_with_counts_per_country(instrument, spec):
    rows, expected = _flow_rows(instrument)
    _, flow = apply_exclusions(raw_frame(instrument, rows), spec, instrument)
    table = flow_table(flow, wave="test", synthetic=True)
    assert list(table["step"]) == ["raw", *expected, "analysed"]
    assert list(table["description"].iloc[[0, -1]]) == ["Raw responses", "Analysed"]
    assert table["synthetic"].all()
    last = table.iloc[-1]
    assert [last[c] for c in COUNTRIES] == [5, 2, 1, 1]
    assert last["Total"] == 9
    consent = table.set_index("step").loc["consent"]
    assert [consent[f"{g} excluded"] for g in GROUPS] == [2, 0, 1, 0, 1, 4]
    assert pd.isna(table.iloc[0]["Canada excluded"])


def test_duplicates_keep_the_earliest_recorded_copy_stably(instrument, spec):
    late, early = T0 + timedelta(days=2), T0 + timedelta(days=1)
    rows = [
        {"ResponseId_pseudonym": "A", "RecordedDate": late, "Q5": 1},
        {"ResponseId_pseudonym": "A", "RecordedDate": early, "Q5": 2},  # earliest: kept
        {"ResponseId_pseudonym": "B", "RecordedDate": early, "Q5": 3},  # tie: first in file kept
        {"ResponseId_pseudonym": "B", "RecordedDate": early, "Q5": 4},
        # The earlier copy is unfinished, so excluded before deduplication: the later one stays.
        {"ResponseId_pseudonym": "C", "RecordedDate": early, "Q5": 1, "Finished": 0},
        {"ResponseId_pseudonym": "C", "RecordedDate": late, "Q5": 5},
    ]
    frame = raw_frame(instrument, rows)
    kept, flow = apply_exclusions(frame, spec, instrument)
    assert kept.tolist() == [False, True, True, False, False, True]
    assert flow.rows[-2].step == "duplicates" and flow.rows[-2].excluded[-1] == 2
    cleaned, _ = derive_variables(frame[kept], spec, instrument)
    assert cleaned["respondent_id"].tolist() == ["A", "B", "C"]
    assert cleaned["age_group"].tolist() == ["30-39", "40-49", "60 or older"]


def test_duplicates_with_many_tied_dates_keep_the_first_in_file(instrument, spec):
    # Enough ties that an unstable sort would reorder them.
    rows = [
        {"ResponseId_pseudonym": f"ID{i % 3}", "RecordedDate": T0 + timedelta(hours=(i * 7) % 5), "Q7": i}
        for i in range(60)
    ]
    frame = raw_frame(instrument, rows)
    kept, _ = apply_exclusions(frame, spec, instrument)
    cleaned, _ = derive_variables(frame[kept], spec, instrument)
    hours = [(i * 7) % 5 for i in range(60)]
    expected = {f"ID{k}": min(i for i in range(60) if i % 3 == k and hours[i] == min(hours[k::3])) for k in range(3)}
    assert dict(zip(cleaned["respondent_id"], cleaned["years_practice"], strict=True)) == expected


# ---------------------------------------------------------------------------------------------
# Missing values and their reasons


def test_each_missing_reason_is_kept_beside_an_na_and_counted(instrument, spec, tmp_path):
    rows = [
        {},  # everything valid
        {"Q5": 99, "Q6": 99},  # prefer not to say
        {"Q5": -99, "Q20": -99},  # seen but unanswered
        {"Q5": None},  # system-missing: not asked
        {"Q20": 98},  # don't know
        {"Q7": 250},  # implausible value
        {"Q10_1": None},  # no option of Q10 ticked
        {"Q11": 2, **{f"Q12_{i}": None for i in range(1, 6)}, "Q13_1": None, "Q14": None, "Q15": None, "Q16": None},
    ]
    cleaned = derive(instrument, spec, rows)
    assert cleaned["age_group"].isna().tolist() == [False, True, True, True, False, False, False, False]
    reasons = cleaned["age_group__missing"]
    assert pd.isna(reasons.iloc[0])
    assert reasons.iloc[1:4].tolist() == ["prefer not to say", "seen but unanswered", "not asked"]
    assert cleaned.loc[1, "gender__missing"] == "prefer not to say"
    assert cleaned.loc[2, "search_appropriate__missing"] == "seen but unanswered"
    assert cleaned.loc[4, "search_appropriate__missing"] == "don't know"
    assert pd.isna(cleaned.loc[4, "search_appropriate_any"])
    assert cleaned.loc[5, "years_practice__missing"] == "implausible value"
    assert cleaned.loc[5, "experience_band__missing"] == "implausible value"
    assert cleaned.loc[6, "service_psychotherapy__missing"] == "no option ticked"
    assert cleaned.loc[6, "psychotherapy__missing"] == "no option ticked"
    assert cleaned.loc[7, "freq_email__missing"] == "not asked"
    assert cleaned.loc[7, "outside_hours__missing"] == "not asked"
    assert cleaned.loc[7, "purpose_scheduling__missing"] == "not asked"
    # Every __missing column has the spec's reasons as categories, in order.
    reasons = list(spec.missing.reasons)
    for name in spec.names[3:]:
        assert cleaned[f"{name}__missing"].cat.categories.tolist() == reasons, name
        assert (cleaned[name].isna() == cleaned[f"{name}__missing"].notna()).all(), name

    # The codebook counts the reasons.
    paths = run_clean(tmp_path, raw_frame(instrument, rows))
    book = json.loads(paths["out_codebook_json"].read_text())
    entries = {v["name"]: v for v in book["variables"]}
    assert entries["age_group"]["missing"] == {
        "not asked": 1, "seen but unanswered": 1, "don't know": 0, "prefer not to say": 1,
        "implausible value": 0, "no option ticked": 0,
    }
    assert entries["search_appropriate"]["missing"]["don't know"] == 1
    assert entries["service_assessment"]["missing"]["no option ticked"] == 1
    assert entries["freq_email"]["missing"]["not asked"] == 1
    md = paths["out_codebook_md"].read_text()
    assert "| prefer not to say | 1 |" in md


def test_years_practice_typo_rule_corrects_years_and_counts_it(instrument, spec):
    q7 = [1998, 250, 0, 60, 60.5, -1, 1939, 2017, 1950, -99, None, 12.5]
    cleaned, derived = derive_variables(raw_frame(instrument, [{"Q7": v} for v in q7]), spec, instrument)
    years = cleaned["years_practice"]
    assert years.dtype == np.float64
    expected = [19, np.nan, 0, 60, np.nan, np.nan, np.nan, 0, np.nan, np.nan, np.nan, 12.5]
    np.testing.assert_array_equal(years.to_numpy(), np.array(expected, dtype=float))
    reasons = cleaned["years_practice__missing"].tolist()
    implausible = "implausible value"
    # 1950 would be 67 years: a year, but not a plausible number of years.
    assert [reasons[i] for i in (1, 4, 5, 6, 8)] == [implausible] * 5
    assert reasons[9] == "seen but unanswered" and reasons[10] == "not asked"
    counts = list(derived["years_practice"].corrections.values())
    assert counts == [2, 5]  # 1998 and 2017 corrected; five implausible
    assert cleaned["experience_band"].tolist()[:4] == ["10-19", np.nan, "Under 5", "30 or more"]


# ---------------------------------------------------------------------------------------------
# Checkbox sets


def test_checkbox_options_are_yes_no_or_missing_with_a_reason(instrument, spec):
    none_q10 = {"Q10_1": None}
    rows = [
        {"Q10_1": 1, "Q10_3": 1},  # ticked two: the rest are No
        none_q10,  # shown, none ticked
        {"Q10_1": -99, **{f"Q10_{i}": -99 for i in range(2, 7)}},  # seen but unanswered
        {"Q10_1": None, "Q10_4": -99},  # nothing ticked, one option -99: seen but unanswered
        {"Q11": 2, "Q13_1": 1, **{f"Q12_{i}": None for i in range(1, 6)}},  # ticked though not asked
        {"Q18": 2, "Q19_1": None},  # not searched: reasons not asked
        {"Q18": 1, "Q19_1": None},  # searched, no reason ticked
    ]
    cleaned, derived = derive_variables(raw_frame(instrument, rows), spec, instrument)
    services = ["service_psychotherapy", "service_case_management", "service_assessment"]
    assert cleaned.loc[0, services].tolist() == ["Yes", "No", "Yes"]
    assert cleaned.loc[1, services].isna().all()
    assert cleaned.loc[1, [s + "__missing" for s in services]].tolist() == ["no option ticked"] * 3
    assert cleaned.loc[2, "service_other__missing"] == "seen but unanswered"
    assert cleaned.loc[3, "service_psychotherapy__missing"] == "seen but unanswered"
    assert cleaned.loc[4, "purpose_scheduling__missing"] == "not asked"
    assert pd.isna(cleaned.loc[4, "purpose_scheduling"])
    assert list(derived["purpose_scheduling"].corrections.values()) == [1]  # skip-logic contradiction
    assert cleaned.loc[5, "search_reason_assessment__missing"] == "not asked"
    assert cleaned.loc[6, "search_reason_curiosity__missing"] == "no option ticked"
    assert cleaned.loc[0, "search_reason_curiosity"] == "No"
    assert cleaned["psychotherapy"].tolist()[:2] == ["Yes", np.nan]


# ---------------------------------------------------------------------------------------------
# Derived flags: truth tables


def _freq(codes: list) -> dict:
    return {f"Q12_{i}": c for i, c in enumerate(codes, start=1)}


@pytest.mark.parametrize(
    ("q11", "channels", "value", "reason"),
    [
        (2, [None] * 5, "No", None),  # non-user
        (1, [5, None, None, None, None], "Yes", None),  # daily on one channel
        (1, [1, 2, 3, 4, 1], "Yes", None),  # weekly on one channel
        (1, [3, 3, 1, 2, 1], "No", None),  # every channel below weekly
        # Some channels answered, all below weekly, the rest skipped: unknown, not No (the
        # skipped row might be weekly), with the first skipped channel's reason.
        (1, [2, -99, -99, -99, -99], None, "seen but unanswered"),
        (1, [1, 3, 1, None, 2], None, "not asked"),
        (1, [-99, -99, 4, -99, -99], "Yes", None),  # any answered channel weekly: Yes
        (1, [1, -99, 1, 5, -99], "Yes", None),
        (1, [-99] * 5, None, "seen but unanswered"),  # a user who answered no channel
        (1, [None] * 5, None, "not asked"),
        (-99, [None] * 5, None, "seen but unanswered"),  # Q11 unanswered
    ],
)
def test_weekly_use_truth_table(instrument, spec, q11, channels, value, reason):
    cleaned = derive(instrument, spec, [{"Q11": q11, **_freq(channels)}])
    got = cleaned.loc[0, "weekly_use"]
    assert (pd.isna(got) and value is None) or got == value
    got_reason = cleaned.loc[0, "weekly_use__missing"]
    assert (pd.isna(got_reason) and reason is None) or got_reason == reason


@pytest.mark.parametrize(
    ("q22", "q23", "value", "reason"),
    [
        (1, 1, "No", None),
        (1, 2, "No", None),
        (2, 1, "No", None),
        (3, 1, "No", None),
        (2, 2, "Yes", None),
        (3, 2, "Yes", None),  # no supervisor, and no peers
        (1, -99, None, "seen but unanswered"),  # the published base answered both
        (-99, 1, None, "seen but unanswered"),
        (1, None, None, "not asked"),
        (2, -99, None, "seen but unanswered"),
        (-99, 2, None, "seen but unanswered"),
        (None, 2, None, "not asked"),
        (-99, -99, None, "seen but unanswered"),
    ],
)
def test_talk_neither_truth_table(instrument, spec, q22, q23, value, reason):
    cleaned = derive(instrument, spec, [{"Q22": q22, "Q23": q23}])
    got = cleaned.loc[0, "talk_neither"]
    assert (pd.isna(got) and value is None) or got == value
    got_reason = cleaned.loc[0, "talk_neither__missing"]
    assert (pd.isna(got_reason) and reason is None) or got_reason == reason


# ---------------------------------------------------------------------------------------------
# Labels, order, types


def test_analysis_variables_are_labelled_ordered_categoricals(instrument, spec):
    cleaned = derive(instrument, spec, [{"Q2": c, "Q9": c, "Q20": c % 3 + 1} for c in (1, 2, 3, 4)])
    age = cleaned["age_group"].dtype
    assert isinstance(age, pd.CategoricalDtype) and age.ordered
    assert age.categories.tolist() == ["Under 30", "30-39", "40-49", "50-59", "60 or older"]
    freq = cleaned["freq_email"].dtype
    assert freq.ordered and freq.categories.tolist() == ["Never", "Less than monthly", "Monthly", "Weekly", "Daily"]
    assert cleaned["experience_band"].dtype.ordered
    assert cleaned["experience_band"].dtype.categories.tolist() == ["Under 5", "5-9", "10-19", "20-29", "30 or more"]
    assert not cleaned["gender"].dtype.ordered
    assert cleaned["country"].tolist() == COUNTRIES
    assert cleaned["country"].dtype.categories.tolist() == COUNTRIES
    assert cleaned["private_practice"].tolist() == ["Yes", "No", "No", "No"]
    assert cleaned["search_appropriate"].dtype.categories.tolist() == [
        "Always appropriate", "Sometimes appropriate", "Never appropriate"
    ]
    assert cleaned["search_appropriate_any"].tolist() == ["Always or sometimes", "Never", "Always or sometimes", "Always or sometimes"]
    assert cleaned["workplace_policy"].dtype.categories.tolist() == [
        "Yes", "No", "Don't know", "Not applicable (self-employed)"
    ]
    # Categories are labels, never raw codes.
    for name in cleaned.columns:
        if isinstance(cleaned[name].dtype, pd.CategoricalDtype):
            assert all(isinstance(c, str) for c in cleaned[name].cat.categories), name
    assert cleaned["respondent_id"].tolist() == ["P00000", "P00001", "P00002", "P00003"]
    assert pd.api.types.is_datetime64_any_dtype(cleaned["recorded_date"])
    assert cleaned["language"].tolist() == ["EN"] * 4


def test_a_code_without_a_level_stops_instead_of_becoming_na(instrument, spec):
    # Q2 = 5 (Other) has no level in `country`; it only reaches derivation if not excluded.
    with pytest.raises(InputError) as err:
        derive(instrument, spec, [{}, {"Q2": 5}, {"Q2": 5}])
    message = str(err.value)
    assert "Q2" in message and "value 5" in message and "2 rows" in message


# ---------------------------------------------------------------------------------------------
# The entry point and its outputs


def test_clean_wave_writes_five_outputs_byte_identical_on_a_rerun(instrument, tmp_path):
    rows, _ = _flow_rows(instrument)
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


def test_an_input_without_import_provenance_is_refused(instrument, tmp_path):
    path = tmp_path / "plain.parquet"
    raw_frame(instrument, [{}]).to_parquet(path)
    with pytest.raises(InputError, match="import stage"):
        clean_wave(path, INSTRUMENT, SPEC, **outputs(tmp_path), wave="x")


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
