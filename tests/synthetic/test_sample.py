"""What a row is (swsurvey.synthetic.sample): exactly the published eligible completes, and every
kind of row the cleaning stage must drop, each as a real export has it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from raw_wave import ALWAYS_ASKED, eligible_completes, mess_counts, raw, wave  # noqa: F401 (fixtures)


def test_exact_eligible_completes_per_country(instrument_2017, raw):
    kept, dropped = eligible_completes(raw)
    names = instrument_2017["Q2"].values
    counts = {names[int(c)]: n for c, n in kept["Q2"].value_counts().items()}
    assert (
        counts
        == instrument_2017.published_n
        == {
            "Canada": 2609,
            "United States": 1225,
            "Israel": 386,
            "United Kingdom": 134,
        }
    )
    assert all(n > 0 for n in dropped.values()), dropped


def test_every_kind_of_mess_is_present(raw):
    counts = mess_counts(raw)
    assert all(n >= 5 for n in counts.values()), counts
    assert counts["q7_year_typed"] + counts["q7_extra_digit"] < 0.02 * len(raw)  # a small share


def test_screened_out_respondents_have_nothing_after_the_screen(raw):
    later = [c for c in raw.select_dtypes("float").columns if re.fullmatch(r"Q\d+(_\d+)?", c)]
    for screen, code in (("Q1", 2), ("Q2", 5), ("Q3", 2), ("Q4", 2)):
        rows = raw[raw[screen] == code]
        after = later[later.index(screen) + 1 :]
        assert len(rows) and rows[after].isna().all().all(), screen
        assert (rows[["Q6_4_TEXT", "Q9_7_TEXT", "Q25"]] == "").all().all()
        assert (rows["Finished"] == 1).all()


def test_unfinished_responses_stop_and_stay_missing(raw):
    rows = raw[raw["Finished"] == 0]
    assert len(rows) and (rows["Progress"] < 100).all()
    seen = rows[ALWAYS_ASKED].notna().to_numpy()
    assert (np.diff(seen.astype(int), axis=1) <= 0).all()  # once missing, missing to the end
    assert (~seen[:, -1]).all() and (rows["Q25"] == "").all()
    assert (rows["RecordedDate"] > rows["EndDate"]).all()  # recorded when the session expired


def test_duplicates_are_the_same_response_exported_twice(raw):
    repeated = raw[raw["ResponseId"].duplicated(keep=False)]
    assert len(repeated)
    for _, pair in repeated.groupby("ResponseId"):
        assert len(pair) == 2
        first, second = (row for _, row in pair.sort_values("RecordedDate", kind="stable").iterrows())
        differ = {c for c in raw.columns if not (pd.isna(first[c]) and pd.isna(second[c])) and first[c] != second[c]}
        assert differ <= {"RecordedDate"}
        assert second["RecordedDate"] >= first["RecordedDate"]
