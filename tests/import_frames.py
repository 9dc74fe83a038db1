"""Small import-stage frames for the cleaning and validation tests, built from the instrument.

:func:`raw_frame` makes a Qualtrics-like frame as the import stage leaves it, a handful of
rows each starting from :data:`ELIGIBLE`, so a test's expected counts are known by
construction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from testconfig import REPO

from swsurvey.study.instrument import Instrument

INSTRUMENT = REPO / "workflow" / "instruments" / "socialwork_2017.yaml"
SPEC = REPO / "workflow" / "recode" / "socialwork_2017.yaml"

#: An eligible, finished, real response that answers everything (overridden row by row).
ELIGIBLE: dict[str, object] = {
    "Status": 0, "Progress": 100, "Duration__in_seconds_": 600, "Finished": 1,
    "DistributionChannel": "anonymous", "UserLanguage": "EN",
    "Q1": 1, "Q2": 1, "Q3": 1, "Q4": 1, "Q5": 2, "Q6": 1, "Q7": 10, "Q8": 2, "Q9": 1,
    "Q10_1": 1, "Q11": 1, "Q12_1": 3, "Q12_2": 3, "Q12_3": 1, "Q12_4": 1, "Q12_5": 2,
    "Q13_1": 1, "Q14": 3, "Q15": 1, "Q16": 1, "Q17": 2, "Q18": 1, "Q19_1": 1, "Q20": 2,
    "Q21": 1, "Q22": 1, "Q23": 1, "Q24": 2,
}
T0 = datetime(2017, 6, 1, 9, 0, 0)


def raw_frame(instrument: Instrument, rows: list[dict]) -> pd.DataFrame:
    """An import-stage frame: the instrument's non-personal columns in file order, typed.

    Numeric variables are float64 with raw codes (None = system-missing), strings are ``str``,
    dates are timestamps; ResponseId is replaced by ``ResponseId_pseudonym`` (one per row
    unless a row sets it). Each row starts from :data:`ELIGIBLE`.
    """
    records = []
    for i, overrides in enumerate(rows):
        record = {
            **ELIGIBLE,
            "ResponseId_pseudonym": f"P{i:05d}",
            "RecordedDate": T0 + timedelta(minutes=i),
            "StartDate": T0 + timedelta(minutes=i) - timedelta(minutes=10),
            "EndDate": T0 + timedelta(minutes=i),
        }
        record.update(overrides)
        records.append(record)
    columns: dict[str, object] = {}
    for var in instrument.variables:
        if var.name == "ResponseId":
            columns["ResponseId_pseudonym"] = pd.array([r["ResponseId_pseudonym"] for r in records], dtype="str")
        if var.personal:
            continue
        values = [r.get(var.name) for r in records]
        if var.kind == "numeric":
            columns[var.name] = np.array([np.nan if v is None else v for v in values], dtype="float64")
        elif var.kind == "datetime":
            columns[var.name] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            columns[var.name] = pd.array(values, dtype="str")
    return pd.DataFrame(columns)
