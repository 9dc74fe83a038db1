"""Reading R's survey-package reference results (../shared/reference/r-survey/) for tests.

The folder is shared material, never copied into the repository: every accessor skips the
calling test when it is absent. Numbers in reference.json are R's exact doubles; compare
with :func:`assert_close` at the tolerances its ``conventions`` suggest.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from testconfig import SHARED, SHARED_ABSENT

ROOT = SHARED / "reference" / "r-survey"

#: Suggested tolerances (reference.json "conventions"): estimates, SEs and statistics agree to
#: 1e-9 relative; p-values to 1e-7; SEs that are mathematically zero compared absolutely.
REL = 1e-9
REL_P = 1e-7
ABS_ZERO = 1e-7


def _root() -> Path:
    if not ROOT.exists():
        pytest.skip(f"{ROOT} is absent ({SHARED_ABSENT})")
    return ROOT


@functools.cache
def _reference() -> dict:
    return json.loads((_root() / "reference.json").read_text())


def case(case_id: str) -> dict:
    """One reference case: its R code, design, outputs, notes."""
    return _reference()["cases"][case_id]


def case_ids() -> list:
    """Every case id (for parametrize); when the reference folder is absent, one parameter
    that skips, saying why."""
    if not ROOT.exists():
        return [pytest.param("none", marks=pytest.mark.skip(reason=f"{ROOT} is absent ({SHARED_ABSENT})"))]
    return sorted(json.loads((ROOT / "reference.json").read_text())["cases"])


@functools.cache
def _schema() -> dict:
    return json.loads((_root() / "data" / "datasets_schema.json").read_text())["datasets"]


def dataset(name: str) -> pd.DataFrame:
    """A reference dataset with R's column classes: factors as ordered-level categoricals
    (level order from the schema), character columns as strings, doubles kept exact."""
    spec = _schema()[name]
    frame = pd.read_csv(
        _root() / "data" / spec["file"],
        dtype={c["name"]: str for c in spec["columns"] if c["r_class"] in ("character", "factor")},
        keep_default_na=False,
        na_values=[""],
    )
    for col in spec["columns"]:
        if col["r_class"] == "factor":
            frame[col["name"]] = pd.Categorical(frame[col["name"]], categories=col["levels"])
    return frame


def weights_file(name: str) -> pd.DataFrame:
    return pd.read_csv(_root() / "weights" / name)


def assert_close(actual, expected, rel: float = REL, abs_: float = 0.0, what: str = "") -> None:
    """Compare numbers, arrays or {name: value} dicts with R's values (None = NA in R)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{what}: expected a mapping, got {type(actual)}"
        assert set(actual) == set(expected), f"{what}: names {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_close(actual[key], expected[key], rel, abs_, f"{what}[{key}]")
        return
    exp = np.asarray(expected, dtype=float)
    act = np.asarray(actual, dtype=float)
    np.testing.assert_allclose(act, exp, rtol=rel, atol=abs_, err_msg=what)


#: The population margins of R's raking example on apisrs (cases E02, F04, G05, E07).
RAKE_MARGINS = {
    "stype": {"E": 4421, "H": 755, "M": 1018},
    "sch.wide": {"No": 1072, "Yes": 5122},
    "comp.imp": {"No": 1712, "Yes": 4482},
}


def raked_apisrs():
    """R's ``rake(dsrs_w, list(~stype, ~sch.wide, ~comp.imp), ..., epsilon=1e-14,
    maxit=1000)``, checked against R's raked weights (weights_E02_weights_only_rake.csv)."""
    from swsurvey.survey import rake, svydesign

    design = rake(svydesign(dataset("apisrs"), weights="pw"), RAKE_MARGINS, epsilon=1e-14, maxit=1000)
    r_weights = weights_file("weights_E02_weights_only_rake.csv")["raked_weight"].to_numpy()
    np.testing.assert_allclose(design.weights, r_weights, rtol=1e-12, err_msg="raked weights differ from R's")
    return design
