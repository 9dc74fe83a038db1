"""The exclusions: each step removes known rows per country, in order; the flow table; duplicates.

Each test builds a small Qualtrics-like import-stage frame (:func:`import_frames.raw_frame`),
so the expected counts are known by construction.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from clean_runs import COUNTRIES, GROUPS, flow_rows
from import_frames import T0, raw_frame

from swsurvey.stages.derivation import derive_variables
from swsurvey.stages.exclusions import apply_exclusions, flow_table


def test_each_exclusion_step_removes_known_rows_per_country_in_order(instrument, spec):
    rows, expected = flow_rows(instrument)
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
    rows, expected = flow_rows(instrument)
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
