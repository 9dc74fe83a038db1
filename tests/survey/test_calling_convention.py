"""The library called as R's survey package is called (issue 15.5): variables as formula
strings ``"~a + b"`` (or names, or lists) everywhere, arguments in R's order, R's population
totals, ``subset()``/``update()`` on designs, one result interface (``coef``, ``se``,
``vcov``, ``confint(level=)``, ``to_frame()``) with R's names and column names.

Every value is R's (tests/r/calling_convention.R, its JSON beside it), at the reference
conventions' 1e-9 relative (1e-7 for p-values).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rsurvey import REL, REL_P, assert_close, dataset

from swsurvey.errors import InputError
from swsurvey.survey import (
    as_svrepdesign,
    calibrate,
    poststratify,
    rake,
    subset,
    svyby,
    svychisq,
    svyciprop,
    svydesign,
    svymean,
    svyquantile,
    svyratio,
    svytable,
    svytotal,
    trim_weights,
    update,
)
from swsurvey.survey.variables import indicator, terms, variable_names

R = json.loads((Path(__file__).parents[1] / "r" / "calling_convention.json").read_text())
POP_STYPE = pd.DataFrame({"stype": ["E", "H", "M"], "Freq": [4421, 755, 1018]})
POP_SCHWIDE = pd.DataFrame({"sch.wide": ["No", "Yes"], "Freq": [1072, 5122]})


@pytest.fixture(scope="module")
def clus1():
    return svydesign(dataset("apiclus1"), ids="~dnum", weights="~pw", fpc="~fpc")


def _values(x, shape=None) -> np.ndarray:
    """R's vector or matrix (``{"values": rows}``) as an array of ``shape``."""
    out = np.asarray(x["values"] if isinstance(x, dict) else x, dtype=float)
    return out.reshape(shape) if shape is not None else out


def _stat(result, expected: dict, what: str, rel: float = REL) -> None:
    """R's names, coef, vcov and confint (95% and 90%) of a svystat-like result."""
    names = [expected["names"]] if isinstance(expected["names"], str) else list(expected["names"])
    assert list(result.coef.index) == names, what
    assert_close(result.coef.to_numpy(), expected["coef"], rel, what=f"{what} coef")
    k = len(names)
    vcov = _values(expected["vcov"], (k, k))
    assert_close(result.vcov, vcov, rel, what=f"{what} vcov")
    assert_close(result.se, np.sqrt(np.diag(vcov)), rel)
    assert_close(result.confint(), _values(expected["confint"], (k, 2)), rel, what=f"{what} confint")
    assert_close(result.confint(level=0.9), _values(expected["confint90"], (k, 2)), rel, what=f"{what} 90%")
    frame = result.to_frame()
    assert list(frame["name"]) == names
    assert_close(frame[["ci_lower", "ci_upper"]].to_numpy(), _values(expected["confint"], (k, 2)), rel)


def test_variables_are_formula_strings_names_or_lists():
    assert variable_names("~api00 + stype") == ["api00", "stype"] == variable_names(["api00", "~stype"])
    assert variable_names("sch.wide") == ["sch.wide"] and variable_names("~1") == [] == variable_names(None)
    assert terms("~stype + sch.wide + stype:sch.wide") == [("stype",), ("sch.wide",), ("stype", "sch.wide")]
    assert indicator('~I(stype == "E")') == ("stype", "==", "E") and indicator("~stype") is None
    for bad in ("~log(api00)", "y ~ x", "~a * b"):
        with pytest.raises(InputError):
            variable_names(bad)


def test_two_stage_design_from_formulas_and_estimates_from_formulas():
    design = svydesign(dataset("apiclus2"), ids="~dnum + snum", fpc="~fpc1 + fpc2")
    assert_close(design.weights, R["clus2_weights"], REL)
    _stat(svymean(design, "~api00 + stype"), R["clus2_mean"], "two-stage svymean")
    listed = svymean(design, ["api00", "stype"])
    np.testing.assert_array_equal(listed.vcov, svymean(design, "~api00 + stype").vcov)


def test_total_and_ratio_from_formulas(clus1):
    _stat(svytotal(clus1, "~enroll"), R["clus1_total"], "svytotal")
    _stat(svyratio(clus1, "~api00", "~api99"), R["clus1_ratio"], "svyratio")


def test_svyby_has_r_names_order_and_columns(clus1):
    e = R["by_mean2"]
    b = svyby(clus1, "~api00 + api99", "~stype", svymean, deff=True, covmat=True)
    assert list(b.table.columns) == e["columns"]
    assert list(b.coef.index) == e["names"] == b.vcov_names
    assert_close(b.coef.to_numpy(), e["coef"], REL, what="coef")
    assert_close(b.se, _values(e["se"]).ravel(), REL, what="SE")
    assert_close(b.vcov, _values(e["vcov"]), REL, what="vcov")
    assert_close(b.confint(), _values(e["confint"]), REL, what="confint")
    assert_close(b.table[["DEff.api00", "DEff.api99"]].to_numpy().T.ravel(), _values(e["deff"]).ravel(), REL, what="deff")
    two = svyby(clus1, "~api00", "~stype + sch.wide", svytotal, deff=True)
    assert list(two.table.columns) == R["by_total_two"]["columns"]
    assert list(two.coef.index) == R["by_total_two"]["names"]
    assert_close(two.coef.to_numpy(), R["by_total_two"]["coef"], REL)
    assert_close(two.se, _values(R["by_total_two"]["se"]).ravel(), REL)
    ratio = svyby(clus1, "~api00", "~stype", svyratio, denominator="~api99", deff=True)
    assert list(ratio.table.columns) == R["by_ratio"]["columns"]
    assert_close(ratio.table["DEff"], R["by_ratio"]["deff"], REL)


def test_svyquantile_interface(clus1):
    e = R["quantile"]
    q = svyquantile(clus1, "~api00 + enroll", [0.25, 0.5])
    assert list(q.coef.index) == e["names"]
    assert_close(q.coef.to_numpy(), e["coef"], REL)
    assert_close(q.confint(), _values(e["confint"]), REL)
    assert_close(q.confint(level=0.95), _values(e["confint"]), REL)
    assert_close(q.se, e["se"], REL)
    with pytest.raises(InputError, match="level 0.95"):
        q.confint(level=0.9)


@pytest.mark.parametrize(
    "key, formula, design, method",
    [
        ("ciprop_stype_beta", '~I(stype == "E")', "clus1", "beta"),
        ("ciprop_api_logit", "~I(api00 > 700)", "clus1", "logit"),
        ("ciprop_schwide_xlogit", '~I(sch.wide != "No")', "strat", "xlogit"),
    ],
)
def test_svyciprop_takes_r_indicator_expressions(clus1, key, formula, design, method):
    e = R[key]
    if design == "strat":
        design = svydesign(dataset("apistrat"), ids="~1", strata="~stype", weights="~pw", fpc="~fpc")
    else:
        design = clus1
    r = svyciprop(design, formula, method=method)
    assert r.name == e["name"] and list(r.coef.index) == [e["name"]]
    assert_close(r.coef.to_numpy(), [e["coef"]], 1e-9 if method != "logit" else 1e-8)
    assert_close(r.se, e["se"], REL)
    assert_close(r.confint(), _values(e["confint"], (1, 2)), 1e-9 if method != "logit" else 1e-8)
    assert r.to_frame(level=0.95)["name"].tolist() == [e["name"]]


def test_svytable_and_svychisq_take_a_two_variable_formula(clus1):
    tab = svytable(clus1, "~sch.wide + stype")
    assert list(tab.index) == R["svytable"]["rows"] and list(tab.columns) == R["svytable"]["cols"]
    assert_close(tab.to_numpy(), _values(R["svytable"]["values"]), REL)
    x = svychisq(clus1, "~sch.wide + stype")
    assert_close(x.statistic, R["svychisq"]["statistic"], REL)
    assert_close([x.parameter["ndf"], x.parameter["ddf"]], [R["svychisq"]["ndf"], R["svychisq"]["ddf"]], REL)
    assert_close(x.p_value, R["svychisq"]["p"], REL_P)
    assert svychisq(clus1, "sch.wide", "stype").statistic == x.statistic  # the older two-name call


def test_rake_poststratify_calibrate_and_trim_as_r_calls_them(clus1):
    raked = rake(clus1, ["~stype", "~sch.wide"], [POP_STYPE, POP_SCHWIDE], epsilon=1e-13, maxit=200)
    assert_close(raked.weights, R["rake"]["weights"], REL)
    _stat(svymean(raked, "~api00"), R["rake"]["mean"], "rake", rel=1e-8)
    post = poststratify(clus1, "~stype", POP_STYPE)
    assert_close(post.weights, R["poststratify"]["weights"], REL)
    _stat(svymean(post, "~api00"), R["poststratify"]["mean"], "postStratify")
    population = {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069}
    cal = calibrate(clus1, "~stype + api99", population)
    assert_close(cal.weights, R["calibrate"]["weights"], REL)
    _stat(svymean(cal, "~api00"), R["calibrate"]["mean"], "calibrate")
    trimmed = trim_weights(raked, 40, 25)  # R's trimWeights(design, upper, lower)
    assert_close(trimmed.weights, R["trim"]["weights"], REL)
    assert (trimmed.weights == 40).any() and not (trimmed.weights < 25).any()  # one pass, as R
    _stat(svymean(trimmed, "~api00"), R["trim"]["mean"], "trimWeights", rel=1e-8)
    with pytest.raises(InputError, match="one table per formula"):
        rake(clus1, ["~stype", "~sch.wide"], [POP_STYPE])


def test_subset_keeps_the_design_for_linearization_and_replicate_designs(clus1):
    sub = subset(clus1, 'stype == "E" & api00 > 600')
    assert sub.n == clus1.n  # a domain: no row or PSU dropped
    _stat(svymean(sub, "~api00 + enroll"), R["subset"]["mean"], "subset")
    assert sub.degf() == R["subset"]["degf"]
    mask = (clus1.data["stype"] == "E") & (clus1.data["api00"] > 600)
    np.testing.assert_array_equal(sub.weights, clus1.subset(mask).weights)
    rep = as_svrepdesign(clus1, "JK1")
    rsub = subset(rep, 'sch.wide == "Yes" & !(stype == "H")')
    _stat(svymean(rsub, "~api00"), R["subset_rep"]["mean"], "subset of a replicate design")
    assert rsub.degf() == R["subset_rep"]["degf"]
    with pytest.raises(InputError, match="does not evaluate"):
        subset(clus1, "no_such_column == 1")


def test_update_adds_variables_and_keeps_the_design(clus1):
    up = update(clus1, apidiff="api00 - api99", high="api00 > 700")
    assert "apidiff" not in clus1.data and up.columns == clus1.columns
    np.testing.assert_array_equal(up.weights, clus1.weights)
    _stat(svymean(up, "~apidiff + high"), R["update"], "update")
    same = clus1.update(apidiff=clus1.data["api00"] - clus1.data["api99"])
    np.testing.assert_array_equal(same.data["apidiff"], up.data["apidiff"])
    rup = update(as_svrepdesign(clus1, "JK1"), apidiff="api00 - api99")
    _stat(svytotal(rup, "~apidiff"), R["update_rep"], "update of a replicate design")
    with pytest.raises(InputError, match="values"):
        update(clus1, bad=np.arange(3))


def test_every_result_has_one_interface(clus1):
    results = [
        svymean(clus1, "~api00"),
        svyby(clus1, "~api00", "~stype", svymean),
        svyquantile(clus1, "~api00", 0.5),
        svyciprop(clus1, '~I(stype == "E")'),
        svyratio(clus1, "~api00", "~api99"),
    ]
    for r in results:
        k = len(r.coef)
        assert np.shape(r.confint()) == (k, 2) and np.shape(r.vcov) == (k, k)
        assert np.size(r.se) == k and len(r.to_frame()) == k
        assert np.all(np.asarray(r.confint())[:, 0] <= r.coef.to_numpy() + 1e-12)
    assert math.isclose(results[0].coef["api00"], results[0].estimates[0])


def test_svyby_of_svyciprop_and_svychisq_frame_have_r_names(clus1):
    b = svyby(clus1, '~I(sch.wide == "Yes")', "~stype", svyciprop)
    assert list(b.table.columns) == R["by_ciprop"]["columns"]
    assert_close(b.se, R["by_ciprop"]["se"], REL)
    assert_close(b.coef.to_numpy(), R["by_ciprop"]["coef"], 1e-8)  # logit: expit of the IRLS intercept
    frame = svychisq(clus1, "~sch.wide + stype").to_frame()
    assert list(frame.columns) == ["row_var", "col_var", "statistic_name", "statistic", "ndf", "ddf", "p_value", "method"]
    assert_close(frame["ddf"], [R["svychisq"]["ddf"]], REL)


def test_weight_summary_by_takes_a_formula():
    from swsurvey.survey import weight_summary

    design = svydesign(dataset("apistrat"), ids="~1", strata="~stype", weights="~pw", fpc="~fpc")
    pd.testing.assert_frame_equal(weight_summary(design, by="~stype"), weight_summary(design, by="stype"))
    with pytest.raises(InputError, match="one variable"):
        weight_summary(design, by="~stype + sch.wide")


def test_svyolr_interface_as_r():
    from swsurvey.survey import svyolr

    e = R["olr"]
    design = svydesign(dataset("apistrat"), ids="~1", strata="~stype", weights="~pw", fpc="~fpc")
    labels = ["(-1,25]", "(25,50]", "(50,75]", "(75,100]"]
    design = update(design, mealcat=pd.cut(design.data["meals"], [-1, 25, 50, 75, 100], labels=labels, ordered=True))
    m = svyolr(design, "mealcat ~ ell + stype")
    assert list(m.coef.index) == e["names"]
    assert_close(m.coef.to_numpy(), e["coef"], REL)
    assert_close(m.vcov, _values(e["vcov"]), REL)
    # R's confint(m) is confint.default: normal quantiles (df=math.inf here)
    assert_close(m.confint(df=math.inf), _values(e["confint"]), REL)
    assert_close(m.confint(0.9, df=math.inf), _values(e["confint90"]), REL)
