"""The derived analysis variables: missing values with their reasons, corrections, checkbox sets,
derived flags (truth tables), labels, order and types.

Each test builds a small Qualtrics-like import-stage frame (:func:`import_frames.raw_frame`)
from the instrument, with a handful of rows covering the case at hand, so the expected values
are known by construction.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from clean_runs import COUNTRIES, derive, run_clean
from import_frames import raw_frame

from swsurvey.errors import InputError
from swsurvey.stages.derivation import derive_variables


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
