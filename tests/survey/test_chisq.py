"""svychisq and svytable against R's survey package.

Shared reference cases F03 (weights only: 2x2 with all four statistics, 2x3) and F04 (the
raked design of E02: 2x3), and the extra cases of tests/r/models_extra.R (stratified and
clustered designs, 3x3 tables, missing values, a domain), every statistic. Tolerances are
the reference's: 1e-9 relative for statistics, parameters and tables; 1e-7 for p-values.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rsurvey
from rsurvey import REL, REL_P, assert_close

from swsurvey.errors import InputError
from swsurvey.survey import svydesign
from swsurvey.survey.chisq import svychisq, svytable
from swsurvey.survey.variance import Raking

EXTRA = Path(__file__).parents[1] / "r" / "models_extra.json"


@functools.cache
def extra() -> dict:
    return json.loads(EXTRA.read_text())


def check_test(result, expected: dict, what: str) -> None:
    assert result.method == expected["method"], what
    assert result.statistic_name == expected["statistic_name"], what
    assert_close(result.statistic, expected["statistic"], REL, what=f"{what} statistic")
    assert set(result.parameter) == set(expected["parameter"]), what
    for key, value in expected["parameter"].items():
        assert_close(result.parameter[key], value, REL, what=f"{what} {key}")
    assert_close(result.p_value, expected["p_value"], REL_P, what=f"{what} p")


def check_table(table: pd.DataFrame, expected: dict) -> None:
    assert table.index.tolist() == expected["rownames"]
    assert table.columns.tolist() == expected["colnames"]
    assert_close(table.to_numpy(), expected["values"], REL)


# -- shared reference cases -----------------------------------------------------------------------

F03 = {
    "F": ("awards", "sch.wide", "F"),
    "Chisq": ("awards", "sch.wide", "Chisq"),
    "Wald": ("awards", "sch.wide", "Wald"),
    "adjWald": ("awards", "sch.wide", "adjWald"),
    "schwide_stype_F": ("sch.wide", "stype", "F"),
    "schwide_stype_Chisq": ("sch.wide", "stype", "Chisq"),
}


@pytest.mark.parametrize("key", list(F03))
def test_f03_weights_only(key):
    case = rsurvey.case("F03_weights_only_svychisq")["outputs"]
    design = svydesign(rsurvey.dataset("apistrat"), weights="pw")
    row, col, statistic = F03[key]
    result = svychisq(design, row, col, statistic)
    check_test(result, case[key], f"F03 {key}")
    if row == "awards":
        check_table(result.table, case["svytable"])


def test_f03_svytable():
    case = rsurvey.case("F03_weights_only_svychisq")["outputs"]
    design = svydesign(rsurvey.dataset("apistrat"), weights="pw")
    check_table(svytable(design, "awards", "sch.wide"), case["svytable"])


@pytest.mark.parametrize("statistic", ["F", "Chisq"])
def test_f04_raked(statistic):
    case = rsurvey.case("F04_weights_only_raked_svychisq")["outputs"]
    result = svychisq(rsurvey.raked_apisrs(), "awards", "stype", statistic)
    check_test(result, case[statistic], f"F04 {statistic}")
    check_table(result.table, case["svytable"])


# -- extra cases (tests/r/models_extra.R) ------------------------------------------------------------


def _apistrat():
    data = rsurvey.dataset("apistrat")
    data["ellcat"] = pd.cut(data["ell"], [-1, 10, 30, 100], labels=["(-1,10]", "(10,30]", "(30,100]"])
    data["acs46cat"] = pd.cut(data["acs.46"], [0, 27, 30, 50], labels=["(0,27]", "(27,30]", "(30,50]"])
    return data


def _designs():
    strat = _apistrat()
    clus1 = rsurvey.dataset("apiclus1")
    clus1["ellcat"] = pd.cut(clus1["ell"], [-1, 10, 30, 100], labels=["(-1,10]", "(10,30]", "(30,100]"])
    dstrat = svydesign(strat, weights="pw", strata="stype", fpc="fpc")
    return {
        "dstrat": dstrat,
        "dsc": svydesign(strat, ids="dnum", strata="stype", weights="pw", nest=True),
        "dclus1": svydesign(clus1, ids="dnum", weights="pw", fpc="fpc"),
        "dstrat_domain": dstrat.subset(strat["comp.imp"] == "Yes"),
    }


EXTRA_TABLES = {
    "chisq_strat_clus_2x3": ("dsc", "sch.wide", "stype"),
    "chisq_strat_clus_3x3": ("dsc", "stype", "ellcat"),
    "chisq_clus1_3x3": ("dclus1", "stype", "ellcat"),
    "chisq_strat_missing_3x3": ("dstrat", "stype", "acs46cat"),
    "chisq_strat_fpc_domain": ("dstrat_domain", "sch.wide", "ellcat"),
}


@pytest.mark.parametrize("statistic", ["F", "Chisq", "Wald", "adjWald"])
@pytest.mark.parametrize("name", list(EXTRA_TABLES))
def test_extra_tables(name, statistic):
    design_name, row, col = EXTRA_TABLES[name]
    rsurvey.dataset("apistrat")  # skips when the reference data are absent
    expected = extra()[name]
    result = svychisq(_designs()[design_name], row, col, statistic)
    check_test(result, expected[statistic], f"{name} {statistic}")
    check_table(result.table, expected["svytable"])


def test_missing_values_are_counted():
    result = svychisq(_designs()["dstrat"], "stype", "acs46cat")
    assert result.n_missing == 66
    assert svychisq(_designs()["dstrat"], "stype", "ellcat").n_missing == 0


def test_rao_scott_pieces():
    design = _designs()["dsc"]
    f = svychisq(design, "stype", "ellcat", "F")
    chisq = svychisq(design, "stype", "ellcat", "Chisq")
    assert f.pearson == chisq.statistic
    assert len(f.delta) == 4
    assert_close(f.statistic, f.pearson / f.delta.sum(), 1e-12)
    assert_close(f.parameter["ndf"], f.delta.sum() ** 2 / (f.delta**2).sum(), 1e-10)
    assert f.design_df == len(np.unique(design.psu)) - 3 == design.degf()
    assert f.parameter["ddf"] == pytest.approx(f.parameter["ndf"] * f.design_df, rel=1e-14)


def test_errors():
    data = _apistrat()
    data["one"] = "a"
    data["emptycat"] = pd.Categorical(data["stype"].astype(str), categories=["E", "H", "M", "X"])
    design = svydesign(data, weights="pw")
    with pytest.raises(InputError, match="statistic"):
        svychisq(design, "stype", "ellcat", "lincom")
    with pytest.raises(InputError, match="two categories"):
        svychisq(design, "one", "stype")
    with pytest.raises(InputError, match="nope"):
        svychisq(design, "nope", "stype")
    # an unused category of a Categorical is left out, as R's factor() does
    assert svychisq(design, "emptycat", "ellcat").table.index.tolist() == ["E", "H", "M"]
    # a category present only outside a calibrated domain: no weighted observations
    sub = design.subset(data["stype"] != "H").with_weights(design.subset(data["stype"] != "H").weights, Raking(()))
    with pytest.raises(InputError, match="H"):
        svychisq(sub, "stype", "ellcat")
