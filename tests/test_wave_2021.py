"""The 2021 follow-up wave: its revised instrument, its synthetic data, its recode and weighting.

The 2021 questionnaire renumbers 2017's (a question inserted at Q5), asks the year of birth
instead of age bands, adds a channel to the frequency grid and an option to the practice
setting. These tests check that the instrument says so, that the stored synthetic file is
what the generator writes from it, and that cleaning harmonises it with 2017.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from import_frames import ELIGIBLE, raw_frame
from raw_wave import eligible_completes
from testconfig import REPO

from swsurvey.errors import InputError
from swsurvey.stages.derivation import derive_variables
from swsurvey.study.instrument import load_instrument
from swsurvey.study.recode import AgeRule, BandsRule, NumericRule, load_recode
from swsurvey.synthetic.generate import generate_wave
from swsurvey.synthetic.population import MARGINS_SOURCE
from swsurvey.synthetic.sav import FILE_LABEL_PREFIX
from swsurvey.synthetic.waves import FOLLOW_UP_SEED

STORED_SAV = REPO / "data/synthetic/socialwork_2021.sav"
STORED_MARGINS = REPO / "data/synthetic/population_margins_2021.csv"
SPEC_2017 = REPO / "workflow/recode/socialwork_2017.yaml"
SPEC_2021 = REPO / "workflow/recode/socialwork_2021.yaml"

#: The follow-up's eligible completes per country (the instrument's countries_synthetic_n).
COUNTS = {"Canada": 1512, "United States": 806, "Israel": 247, "United Kingdom": 103}
#: Analysis variables only 2021 has, and the one whose levels differ (documented in the spec).
ONLY_2021 = {"took_part_2017", "birth_year", "age", "freq_videoconf"}
SETTING_ADDED = "Virtual / online practice"
FREQUENCY = ["Never", "Less than monthly", "Monthly", "Weekly", "Daily"]


@pytest.fixture(scope="module")
def spec_2017():
    return load_recode(SPEC_2017)


@pytest.fixture(scope="module")
def spec_2021():
    return load_recode(SPEC_2021)


@pytest.fixture(scope="module")
def stored():
    return pyreadstat.read_sav(str(STORED_SAV), user_missing=True)


def in_2021(instrument_2021, row_2017: dict, birth_year: float | None) -> dict:
    """A 2017 test row (over :data:`ELIGIBLE`) laid out in the 2021 names: every 2021 question
    set (so nothing of the 2017 defaults leaks into a renumbered column), the new ones too."""
    full = {**ELIGIBLE, **row_2017}
    row = {v.name: None for v in instrument_2021.variables if not v.metadata}
    row |= {new: full.get(old) for new, old in instrument_2021.renamed_from.items()}
    return row | {"Q5": 2, "Q6": birth_year, "Q13_6": None}


# -- the instrument -----------------------------------------------------------------------------


def test_instrument_loads_with_its_wave_and_every_variable_in_file_order(instrument_2021):
    names = instrument_2021.names
    assert instrument_2021.wave == "2021" and instrument_2021.name == "socialwork_ict"
    assert names[0] == "StartDate" and names[-1] == "Q26"
    assert len(names) == len(set(names)) == 63  # 2017's 61, plus Q5 and Q13_6
    assert instrument_2021.published_n == {} and instrument_2021.synthetic_n == COUNTS


def test_every_2017_question_has_one_2021_successor_and_only_two_are_new(instrument_2017, instrument_2021):
    was = instrument_2021.renamed_from
    questions_2017 = [v.name for v in instrument_2017.variables if not v.metadata]
    assert sorted(was.values()) == sorted(questions_2017)  # none dropped, none mapped twice
    new = [v.name for v in instrument_2021.variables if not v.metadata and v.name not in was]
    assert new == ["Q5", "Q13_6"]
    # The insertion at Q5 moves every later question up by one.
    assert was["Q6"] == "Q5" and was["Q26"] == "Q25" and was["Q11_3"] == "Q10_3"
    assert was["Q7_4_TEXT"] == "Q6_4_TEXT" and was["Q10_7_TEXT"] == "Q9_7_TEXT"


def test_renamed_questions_keep_codes_skip_logic_checkbox_sets_and_privacy(instrument_2017, instrument_2021):
    was = instrument_2021.renamed_from
    changed_values = {"Q6": "typed year of birth", "Q10": "option 8 added"}
    for new, old in was.items():
        a, b = instrument_2017[old], instrument_2021[new]
        assert (a.checkbox, a.personal, a.section) == (b.checkbox, b.personal, b.section), new
        if new not in changed_values:
            assert a.values == b.values, new
        if a.asked_if:
            assert (was[b.asked_if[0]], b.asked_if[1]) == a.asked_if, new
    assert instrument_2021["Q10"].values == {**instrument_2017["Q9"].values, 8: SETTING_ADDED}
    assert instrument_2021["Q6"].values == {} and instrument_2021["Q6"].kind == "numeric"
    assert instrument_2021["Q13_6"].label.endswith("Video-conferencing platforms (e.g. Zoom, Teams)")
    assert instrument_2021["Q13_6"].values == instrument_2017["Q12_1"].values
    assert instrument_2021.checkbox_sets()["Q14"] == [f"Q14_{i}" for i in range(1, 7)]
    assert {was.get(n, n) for n in instrument_2021.personal_names} == set(instrument_2017.personal_names)


def test_a_was_that_is_not_a_variable_name_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"instrument": "x", "questions": [{"name": "Q1", "label": "a", "was": ["Q0"]}]}))
    with pytest.raises(InputError, match=r"bad\.yaml.*Q1.*was"):
        load_instrument(path)


# -- the stored synthetic file ------------------------------------------------------------------


def test_the_generator_writes_the_stored_file(instrument_2021, stored):
    data, meta = generate_wave(instrument_2021, FOLLOW_UP_SEED)
    read_data, read_meta = stored
    pd.testing.assert_frame_equal(read_data, data)
    assert read_meta.file_label == meta.file_label == f"{FILE_LABEL_PREFIX} - #socialwork 2021 stand-in, seed 20210601"
    assert read_meta.notes == meta.note and "2021" in meta.note[1]
    assert read_meta.column_names_to_labels == meta.column_labels
    assert read_meta.variable_value_labels == meta.variable_value_labels
    assert STORED_SAV.read_bytes()[92:109] == b"01 Jun 2100:00:00"


def test_the_stored_file_follows_the_2021_instrument(instrument_2021, stored):
    data, meta = stored
    assert list(data.columns) == instrument_2021.names
    assert meta.variable_value_labels["Q10"][8.0] == SETTING_ADDED
    assert meta.missing_ranges["Q6"] == [{"lo": -99.0, "hi": -99.0}]  # a typed year left empty
    assert meta.original_variable_types["Q6"] == "F5.0"  # wide enough for a typo such as 19788
    assert meta.variable_measure["Q6"] == "scale" and meta.variable_measure["Q13_6"] == "ordinal"
    for var in instrument_2021.variables:
        if var.coded:
            assert set(data[var.name].dropna().unique()) <= instrument_2021.valid_codes(var.name), var.name


def test_the_stored_file_has_every_kind_of_mess(stored):
    raw = stored[0]
    kept, dropped = eligible_completes(raw)  # the 2017 screening questions kept their numbers
    assert all(n > 0 for n in dropped.values()), dropped
    assert (raw["Status"] == 16).any() and (raw[raw.select_dtypes("float").columns] == -99).any().any()
    years = kept["Q6"]
    assert ((years >= 0) & (years <= 99)).sum() >= 10  # two-digit years
    assert (years > 9999).sum() >= 3 and (years == 2021).sum() >= 2  # extra digit, survey year
    assert (kept["Q8"] >= 1940).sum() >= 2 and ((kept["Q8"] > 60) & (kept["Q8"] < 1900)).sum() >= 2
    assert (kept["Q7"] == 99).sum() >= 2 and (kept["Q21"] == 98).sum() >= 2


def test_small_scale_2021_is_deterministic_and_scaled(instrument_2021):
    first, meta = generate_wave(instrument_2021, 7, scale=0.05)
    pd.testing.assert_frame_equal(first, generate_wave(instrument_2021, 7, scale=0.05)[0])
    kept, _ = eligible_completes(first)
    assert kept["Q2"].value_counts().sort_index().tolist() == [76, 40, 12, 5]
    assert "seed 7" in meta.file_label


def test_the_margins_are_the_generators_2021_population(repo_dir):
    margins = pd.read_csv(STORED_MARGINS)
    assert list(margins.columns) == list(pd.read_csv(repo_dir / "data/synthetic/population_margins_2017.csv").columns)
    assert (margins["source"] == MARGINS_SOURCE).all() and (margins["date"] == "2021-06-01").all()
    assert set(margins["country"]) == set(COUNTS)
    sums = margins.groupby(["country", "variable"])["population_share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)


# -- cleaning: counts and harmonisation with 2017 -----------------------------------------------


def test_import_and_clean_give_the_chosen_eligible_counts(cleaned_2021):
    cleaned = pd.read_parquet(cleaned_2021)
    assert cleaned["country"].value_counts().to_dict() == COUNTS
    flow = pd.read_csv(cleaned_2021.parent / "flow.csv").set_index("step")
    assert [flow.loc["analysed", c] for c in COUNTS] == list(COUNTS.values())
    assert (flow.drop(["raw", "analysed"])["Total excluded"] > 0).all()


def test_every_2017_analysis_variable_exists_in_2021_with_the_same_levels(cleaned_2017, cleaned_2021):
    old, new = pd.read_parquet(cleaned_2017), pd.read_parquet(cleaned_2021)
    assert {c for c in new.columns if not c.endswith("__missing")} - set(old.columns) == ONLY_2021 - {"freq_videoconf"}
    assert set(old.columns) <= set(new.columns)
    for name in old.columns:
        a, b = old[name].dtype, new[name].dtype
        if not isinstance(a, pd.CategoricalDtype):
            assert a == b, name
            continue
        assert bool(a.ordered) == bool(b.ordered), name
        expected = a.categories.tolist() + ([SETTING_ADDED] if name == "setting" else [])
        assert b.categories.tolist() == expected, name
    assert new["freq_videoconf"].dtype.ordered and new["freq_videoconf"].cat.categories.tolist() == FREQUENCY
    assert new["freq_videoconf__missing"].dtype == new["freq_email__missing"].dtype


def test_freq_videoconf_is_asked_only_in_2021_and_never_becomes_zero(spec_2017, spec_2021, cleaned_2017):
    # 2017 declares the 2021 channel with no case: every value missing as "not asked"
    assert spec_2017["freq_videoconf"].rule.cases == () and spec_2017["freq_videoconf"].rule.reason == "not asked"
    assert set(spec_2021.names) - set(spec_2017.names) == ONLY_2021 - {"freq_videoconf"}
    assert set(spec_2017.names) <= set(spec_2021.names)  # no 2017 item is dropped, so none is filled
    old = pd.read_parquet(cleaned_2017)
    assert old["freq_videoconf"].isna().all()
    assert (old["freq_videoconf__missing"].astype(str) == "not asked").all()


def test_the_2021_spec_cuts_age_group_from_the_year_of_birth(spec_2021):
    assert spec_2021.wave_year == 2021
    assert isinstance(spec_2021["birth_year"].rule, NumericRule)
    assert spec_2021["birth_year"].rule.two_digit_century == 1900
    assert spec_2021["age"].rule == AgeRule(source="birth_year")
    assert spec_2021["age_group"].rule == BandsRule(
        "age", (30.0, 40.0, 50.0, 60.0), ("Under 30", "30-39", "40-49", "50-59", "60 or older")
    )


@pytest.mark.parametrize(
    ("channels", "videoconf", "value", "reason"),
    [
        ([2, 2, 2, 2, 2], 1, "No", None),  # every channel answered, all below weekly
        ([2, 2, 2, 2, 2], 4, "Yes", None),  # weekly on the new channel alone
        ([2, -99, 1, 1, 1], 5, "Yes", None),  # any answered channel weekly or more: Yes
        ([2, 2, 2, 2, 2], -99, None, "seen but unanswered"),  # only the new row skipped
        ([2, -99, -99, -99, -99], 1, None, "seen but unanswered"),
    ],
)
def test_weekly_use_counts_a_skipped_channel_as_unknown_in_2021(instrument_2021, spec_2021, channels, videoconf,
                                                                 value, reason):
    row_2017 = {"Q11": 1, **{f"Q12_{i}": c for i, c in enumerate(channels, start=1)}}
    row = in_2021(instrument_2021, row_2017, 1980) | {"Q13_6": videoconf}
    cleaned, _ = derive_variables(raw_frame(instrument_2021, [row]), spec_2021, instrument_2021)
    got, got_reason = cleaned.loc[0, "weekly_use"], cleaned.loc[0, "weekly_use__missing"]
    assert (pd.isna(got) and value is None) or got == value
    assert (pd.isna(got_reason) and reason is None) or got_reason == reason


@pytest.mark.parametrize(
    ("typed", "year", "group", "reason"),
    [
        (1992, 1992, "Under 30", None),  # 29 in 2021
        (1991, 1991, "30-39", None),  # 30 in 2021
        (1982, 1982, "30-39", None),
        (1981, 1981, "40-49", None),
        (1972, 1972, "40-49", None),
        (1962, 1962, "50-59", None),
        (1961, 1961, "60 or older", None),
        (1936, 1936, "60 or older", None),  # the oldest plausible
        (2000, 2000, "Under 30", None),  # the youngest plausible
        (78, 1978, "40-49", None),  # a two-digit year, corrected
        (35, None, None, "implausible value"),  # 1935: not a plausible year, even as two digits
        (19788, None, None, "implausible value"),  # an extra digit: not corrected
        (2021, None, None, "implausible value"),  # the survey year typed
        (1935, None, None, "implausible value"),
        (-99, None, None, "seen but unanswered"),
        (None, None, None, "not asked"),
    ],
)
def test_age_group_from_the_year_of_birth_on_hand_made_rows(instrument_2021, spec_2021, typed, year, group, reason):
    cleaned, _ = derive_variables(raw_frame(instrument_2021, [in_2021(instrument_2021, {}, typed)]), spec_2021, instrument_2021)
    row = cleaned.iloc[0]
    assert (pd.isna(row["birth_year"]) and year is None) or row["birth_year"] == year
    assert (pd.isna(row["age_group"]) and group is None) or row["age_group"] == group
    if year is not None:
        assert row["age"] == 2021 - year
    for name in ("birth_year", "age", "age_group"):
        got = row[f"{name}__missing"]
        assert (pd.isna(got) and reason is None) or got == reason, name


def test_year_of_birth_typos_are_counted_in_the_codebook(instrument_2021, spec_2021, cleaned_2021):
    typed = [78, 64, 19788, 2021, 1975]
    _, derived = derive_variables(
        raw_frame(instrument_2021, [in_2021(instrument_2021, {}, y) for y in typed]), spec_2021, instrument_2021
    )
    assert list(derived["birth_year"].corrections.values()) == [2, 2]  # two corrected, two implausible
    cleaned = pd.read_parquet(cleaned_2021)
    assert cleaned["birth_year"].between(1936, 2000).sum() == cleaned["birth_year"].notna().sum()
    assert (cleaned["birth_year__missing"] == "implausible value").sum() >= 3
    assert cleaned["age_group"].notna().mean() > 0.97


#: A year of birth in each 2017 age band (Q5 code), as of 2021.
BAND_YEAR = {1: 1995, 2: 1985, 3: 1975, 4: 1965, 5: 1950}


@pytest.mark.parametrize(
    "row_2017",
    [
        {},
        {"Q5": 5, "Q9": 7, "Q7": 250, "Q10_1": None, "Q10_5": 1},
        {"Q11": 2, **{f"Q12_{i}": None for i in range(1, 6)}, "Q13_1": None, "Q14": None, "Q15": None, "Q16": None},
        {"Q5": 1, "Q12_1": -99, "Q12_2": 5, "Q20": 98, "Q18": 2, "Q19_1": None, "Q22": 3, "Q23": 2},
        {"Q5": 3, "Q6": 4, "Q9": 4, "Q10_1": -99, "Q21": 4, "Q24": -99},
    ],
)
def test_a_2017_response_in_2021_names_cleans_to_the_same_values(
    instrument_2017, instrument_2021, spec_2017, spec_2021, row_2017
):
    old, _ = derive_variables(raw_frame(instrument_2017, [row_2017]), spec_2017, instrument_2017)
    row_2021 = in_2021(instrument_2021, row_2017, BAND_YEAR[row_2017.get("Q5", ELIGIBLE["Q5"])])
    # A user answers the channel row 2017 did not ask (Q13_6) "Never": weekly_use, which needs
    # every channel answered to say No, then means the same in both waves.
    if {**ELIGIBLE, **row_2017}["Q11"] == 1:
        row_2021["Q13_6"] = 1
    new, _ = derive_variables(raw_frame(instrument_2021, [row_2021]), spec_2021, instrument_2021)
    for name in old.columns:
        if name.startswith("freq_videoconf"):  # not asked in 2017, asked in 2021
            continue
        assert old[name].astype(object).equals(new[name].astype(object)), name


# -- weighting ------------------------------------------------------------------------------------


def test_2021_rakes_to_its_targets_in_every_country(raked_2021):
    data, diagnostics, margins = raked_2021
    assert (margins["rel_error"].abs() < 1e-8).all() and bool(diagnostics["converged"].all())
    targets = pd.read_csv(STORED_MARGINS)
    population = targets[targets["variable"] == "gender"].groupby("country")["population_count"].sum()
    by_country = data.groupby("country", observed=True)["weight"].sum()
    for country, total in population.items():
        assert by_country[country] == pytest.approx(total, rel=1e-9)
    assert diagnostics.set_index("country").loc["United Kingdom", "n"] == COUNTS["United Kingdom"]


# -- the 2021 shifts --------------------------------------------------------------------------------


def test_2021_has_more_ict_use_and_much_more_video(cleaned_2017, cleaned_2021):
    old, new = pd.read_parquet(cleaned_2017), pd.read_parquet(cleaned_2021)

    def share(frame: pd.DataFrame, flag: pd.Series) -> pd.Series:
        return flag.groupby(frame["country"], observed=True).mean()

    assert (share(new, new["any_ict_use"] == "Yes") > share(old, old["any_ict_use"] == "Yes") + 0.08).all()
    weekly = ["Weekly", "Daily"]
    video_2017 = old["freq_video"].isin(weekly)
    video_2021 = new["freq_video"].isin(weekly) | new["freq_videoconf"].isin(weekly)
    assert video_2021.mean() > 0.5 > 0.1 > video_2017.mean()
    users = new[new["any_ict_use"] == "Yes"]
    assert users["freq_videoconf"].isin(weekly).mean() > users["freq_video"].isin(weekly).mean()
    assert (new["setting"] == SETTING_ADDED).mean() > 0.03
