"""Design input errors and lonely-PSU rules.

Bad weights, design columns and fpc values are InputErrors naming the column; a stratum
with a single PSU fails under lonely_psu="fail" naming the stratum, and the other rules
give R's results (tests/r/estimates_extra.json, written by tests/r/estimates_extra.R with
options(survey.lonely.psu=...)).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rsurvey import assert_close, dataset

from swsurvey.errors import InputError
from swsurvey.survey import svyby, svyciprop, svydesign, svymean, svytotal

EXTRA = json.loads((Path(__file__).parents[1] / "r" / "estimates_extra.json").read_text())
LONELY = EXTRA["lonely_psu"]


def _frame(**extra) -> pd.DataFrame:
    data = {
        "w": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "h": ["a", "a", "a", "b", "b", "b"],
        "psu": [1, 2, 3, 4, 5, 6],
        "fpc": [10.0, 10.0, 10.0, 20.0, 20.0, 20.0],
    }
    data.update(extra)
    return pd.DataFrame(data)


# -- weights ----------------------------------------------------------------------------------


def test_negative_weights_name_column_value_and_count():
    with pytest.raises(InputError) as err:
        svydesign(_frame(w=[1.0, -2.0, 3.0, -4.0, 5.0, 6.0]), weights="w")
    assert err.value.variable == "w" and err.value.value == -2.0 and err.value.count == 2


@pytest.mark.parametrize("bad", [np.nan, np.inf, "heavy"])
def test_missing_or_non_numeric_weights(bad):
    weights = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=object)
    weights[2] = bad
    with pytest.raises(InputError) as err:
        svydesign(_frame(w=weights), weights="w")
    assert err.value.variable == "w" and err.value.count == 1


def test_all_zero_weights_and_absent_weight_column():
    with pytest.raises(InputError, match="every weight is zero"):
        svydesign(_frame(w=[0.0] * 6), weights="w")
    with pytest.raises(InputError) as err:
        svydesign(_frame(), weights="pw")
    assert err.value.variable == "pw"


def test_zero_weights_are_allowed_and_leave_the_estimate():
    d = svydesign(_frame(w=[0.0, 2.0, 3.0, 4.0, 5.0, 6.0]), weights="w", strata="h")
    assert_close(svymean(d, "y").estimates[0], (4 + 9 + 16 + 25 + 36) / 20)


# -- design columns ---------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["strata", "ids", "fpc"])
def test_unknown_design_column_is_named(column):
    with pytest.raises(InputError) as err:
        svydesign(_frame(), weights="w", **{column: "nope"})
    assert err.value.variable == "nope"


@pytest.mark.parametrize("column", ["h", "psu"])
def test_missing_design_values(column):
    data = _frame()
    data.loc[1, column] = None
    with pytest.raises(InputError) as err:
        svydesign(data, weights="w", strata="h", ids="psu")
    assert err.value.variable == column and err.value.count == 1


def test_bad_lonely_psu_rule():
    with pytest.raises(InputError, match="lonely_psu"):
        svydesign(_frame(), weights="w", lonely_psu="ignore")


def test_empty_domain_and_unknown_variable():
    d = svydesign(_frame(), weights="w", strata="h")
    with pytest.raises(InputError, match="domain is empty"):
        d.subset(d.data["y"] > 100)
    with pytest.raises(InputError, match="shape"):
        d.subset(np.ones(3, dtype=bool))
    with pytest.raises(InputError) as err:
        svymean(d, "income")
    assert err.value.variable == "income"


def test_empty_design():
    with pytest.raises(InputError, match="no rows"):
        svydesign(_frame().iloc[:0], weights="w")


# -- fpc --------------------------------------------------------------------------------------


def test_fpc_varying_within_a_stratum():
    with pytest.raises(InputError) as err:
        svydesign(_frame(fpc=[10.0, 11.0, 10.0, 20.0, 20.0, 20.0]), weights="w", strata="h", fpc="fpc")
    assert err.value.variable == "fpc" and err.value.count == 1


def test_fpc_smaller_than_the_sample():
    with pytest.raises(InputError, match="smaller than the PSUs sampled") as err:
        svydesign(_frame(fpc=[2.0, 2.0, 2.0, 20.0, 20.0, 20.0]), weights="w", strata="h", fpc="fpc")
    assert err.value.variable == "fpc"


def test_fpc_missing():
    with pytest.raises(InputError) as err:
        svydesign(_frame(fpc=[10.0, np.nan, 10.0, 20.0, 20.0, 20.0]), weights="w", strata="h", fpc="fpc")
    assert err.value.variable == "fpc" and err.value.count == 1


def test_fpc_as_sizes_or_fractions_agree():
    sizes = svydesign(_frame(), weights="w", strata="h", fpc="fpc")
    fractions = svydesign(_frame(fpc=[0.3, 0.3, 0.3, 0.15, 0.15, 0.15]), weights="w", strata="h", fpc="fpc")
    assert_close(svymean(sizes, "y").se, svymean(fractions, "y").se)
    census = svydesign(_frame(fpc=[3.0, 3.0, 3.0, 3.0, 3.0, 3.0]), weights="w", strata="h", fpc="fpc")
    assert svymean(census, "y").se[0] == 0.0  # every PSU sampled: no sampling variance


# -- lonely PSUs (R's options(survey.lonely.psu)) ---------------------------------------------


def _lonely_data() -> pd.DataFrame:
    """apiclus1's 15 districts in strata A (the first district alone), B (7), C (7)."""
    data = dataset("apiclus1")
    districts = np.sort(data["dnum"].unique())
    data["st"] = np.where(
        data["dnum"] == districts[0], "A", np.where(data["dnum"].isin(districts[1:8]), "B", "C")
    )
    return data


def test_lonely_psu_fail_names_the_stratum():
    d = svydesign(_lonely_data(), weights="pw", ids="dnum", strata="st")
    assert LONELY["fail_message"] == "Stratum (A) has only one PSU at stage 1"
    with pytest.raises(InputError, match="only one PSU") as err:
        svymean(d, "api00")
    assert err.value.variable == "st" and err.value.value == "A"


def test_lonely_psu_fail_only_when_the_domain_reaches_the_stratum():
    """R's svyrecvar sees a domain's rows only: stratum A has no high school, so the high
    school domain has no lonely stratum and gets the "remove" answer under "fail" too."""
    d = svydesign(_lonely_data(), weights="pw", ids="dnum", strata="st")
    high = svymean(d.subset(d.data["stype"] == "H"), "api00")
    assert_close(high.se[0], LONELY["remove"]["by_stype_se"][1])


@pytest.mark.parametrize("rule", ["adjust", "remove", "certainty", "average"])
def test_lonely_psu_rules_match_r(rule):
    expected = LONELY[rule]
    d = svydesign(_lonely_data(), weights="pw", ids="dnum", strata="st", lonely_psu=rule)
    assert d.degf() == expected["degf"]
    m = svymean(d, ["api00", "enroll"])
    assert_close(m.as_dict(), expected["mean_estimate"])
    assert_close(m.as_dict("se"), expected["mean_se"])
    assert_close(m.vcov.ravel(order="F"), expected["mean_vcov"])
    t = svytotal(d, "enroll")
    assert_close(t.as_dict(), expected["total_enroll"])
    if rule == "adjust":
        # survey >= 4.2 centres the lonely PSU at the grand mean of PSU totals; the
        # fixture's survey 4.1-1 centred it at zero (which only matters for totals)
        assert_close(t.se[0], LONELY["adjust_total_enroll_se_recentred"])
        assert not np.isclose(t.se[0], expected["total_enroll_se"], rtol=1e-3)
    else:
        assert_close(t.se[0], expected["total_enroll_se"])
    b = svyby(d, "api00", "stype")
    assert_close(b.table["api00"], expected["by_stype_api00"])
    assert_close(b.table["se"], expected["by_stype_se"])


def test_lonely_psu_rules_are_ordered_and_finite():
    """remove = certainty <= adjust and average: the rules add nothing or something."""
    ses = {}
    for rule in ["remove", "certainty", "adjust", "average"]:
        d = svydesign(_lonely_data(), weights="pw", ids="dnum", strata="st", lonely_psu=rule)
        ses[rule] = svymean(d, "api00").se[0]
    assert np.isfinite(list(ses.values())).all()
    assert ses["remove"] == ses["certainty"] < min(ses["adjust"], ses["average"])


def test_lonely_psu_with_complete_sampling_is_no_error():
    """A single PSU that is the whole stratum (fpc = 1 PSU) is a certainty PSU, as in R."""
    data = _frame(h=["a", "b", "b", "b", "b", "b"], fpc=[1.0, 20.0, 20.0, 20.0, 20.0, 20.0])
    d = svydesign(data, weights="w", strata="h", ids="psu", fpc="fpc")
    assert np.isfinite(svymean(d, "y").se).all()


# -- multistage designs and weights from the fpc (tests/r/multistage.json) -------------------

MULTI = json.loads((Path(__file__).parents[1] / "r" / "multistage.json").read_text())


def _apiclus2() -> pd.DataFrame:
    """apiclus2 with the columns tests/r/multistage.R adds: fpc as fractions (f1, f2), the
    districts split into strata at dnum 400 (half, fpc1h), districts numbered within strata
    (dwithin) and a second stage sampled alone from two units or more (fpc2b)."""
    data = dataset("apiclus2")
    n_districts = data["dnum"].nunique()
    schools = data.groupby("dnum")["snum"].transform("nunique")
    data["f1"] = n_districts / data["fpc1"]
    data["f2"] = schools / data["fpc2"]
    data["half"] = np.where(data["dnum"] <= 400, "low", "high")
    districts = dataset("apipop")["dnum"].unique()
    data["fpc1h"] = np.where(data["half"] == "low", (districts <= 400).sum(), (districts > 400).sum())
    data["dwithin"] = data.groupby("half")["dnum"].rank(method="dense").astype(int)
    data["fpc2b"] = data["fpc2"] + 1
    return data


def _check_estimates(design, expected: dict, what: str) -> None:
    """The estimates tests/r/multistage.R's estimates() writes, against R's."""
    assert_close(design.weights, expected["design"]["weights"], what=f"{what} weights")
    assert design.degf() == expected["design"]["degf"]
    for name, fn, kw in [("mean", svymean, {}), ("total", svytotal, {"na_rm": True})]:
        stat = fn(design, expected[name]["names"], **kw)
        assert_close(stat.estimates, expected[name]["estimates"], what=f"{what} {name}")
        assert_close(stat.vcov, expected[name]["vcov"]["values"], what=f"{what} {name} vcov")
    by = svyby(design, "api00", "stype", svymean)
    assert list(by.table["stype"]) == expected["by_stype"]["levels"]
    assert_close(by.table["api00"], expected["by_stype"]["estimates"], what=f"{what} svyby")
    assert_close(by.table["se"], expected["by_stype"]["se"], what=f"{what} svyby se")
    ci = svyciprop(design, "sch.wide", method="logit", value="Yes")
    assert_close([ci.estimate, ci.se, ci.ci_lower, ci.ci_upper],
                 [expected["ciprop"]["estimate"], expected["ciprop"]["se"], *expected["ciprop"]["ci"]],
                 what=f"{what} svyciprop")


@pytest.mark.parametrize(("key", "fpc"), [("clus2_fpc", ["fpc1", "fpc2"]), ("clus2_fraction", ["f1", "f2"])])
def test_two_stage_with_fpc_matches_r(key, fpc):
    """R's svydesign(ids=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2): no weights given, so
    they come from the fpc; the variance adds the schools' variance within districts."""
    _check_estimates(svydesign(_apiclus2(), ids=["dnum", "snum"], fpc=fpc), MULTI[key], key)


def test_two_stage_without_fpc_uses_the_first_stage_only():
    data = _apiclus2()
    design = svydesign(data, ids=["dnum", "snum"], weights="pw")
    _check_estimates(design, MULTI["clus2_no_fpc"], "clus2_no_fpc")
    one = svymean(svydesign(data, ids="dnum", weights="pw"), ["api00", "api99"])
    assert np.array_equal(svymean(design, ["api00", "api99"]).vcov, one.vcov)
    with_fpc = svymean(svydesign(data, ids=["dnum", "snum"], fpc=["fpc1", "fpc2"]), ["api00", "api99"])
    assert with_fpc.vcov[0, 0] < one.vcov[0, 0]  # the fpc of the 40 districts in 757


def test_one_stage_fpc_without_weights_derives_them():
    """R's svydesign(ids=~dnum, fpc=~fpc, data=apiclus1): weights 757/15 (apiclus1's own pw,
    33.847, are another thing), so the totals are the population's, not the sample's."""
    expected = MULTI["clus1_fpc_no_weights"]
    data = dataset("apiclus1")
    design = svydesign(data, ids="dnum", fpc="fpc")
    assert_close(design.weights, expected["design"]["weights"])
    assert_close(design.weights, np.full(len(data), 757 / 15))
    for name, fn in [("mean", svymean), ("total", svytotal)]:
        stat = fn(design, ["api00", "enroll"], deff=True)
        assert_close(stat.estimates, expected[name]["estimates"], what=name)
        assert_close(stat.vcov, expected[name]["vcov"]["values"], what=f"{name} vcov")
        assert_close(stat.deff, expected[name]["deff"], what=f"{name} deff")


def test_mu284_rs_own_multistage_example():
    expected = MULTI["mu284"]
    design = svydesign(pd.DataFrame(expected["data"]), ids=["id1", "id2"], fpc=["n1", "n2"])
    assert_close(design.weights, expected["design"]["weights"])
    for name, fn in [("mean", svymean), ("total", svytotal)]:
        stat = fn(design, "y1")
        assert_close(stat.estimates, expected[name]["estimates"], what=name)
        assert_close(stat.vcov.ravel(), expected[name]["vcov"]["values"], what=f"{name} vcov")


def test_stratified_two_stage_with_unique_and_nested_ids():
    data = _apiclus2()
    kw = {"strata": "half", "fpc": ["fpc1h", "fpc2"]}
    _check_estimates(svydesign(data, ids=["dnum", "snum"], **kw), MULTI["strat2"]["unique_ids"], "unique ids")
    nested = svydesign(data, ids=["dwithin", "snum"], nest=True, **kw)
    _check_estimates(nested, MULTI["strat2"]["nested_ids"], "nested ids")
    assert MULTI["strat2"]["not_nested_message"].startswith("Clusters not nested in strata")
    with pytest.raises(InputError, match="not nested in strata") as err:
        svydesign(data, ids=["dwithin", "snum"], **kw)
    assert err.value.variable == "dwithin" and err.value.value == 1


def test_second_stage_unit_sampled_alone():
    """A district with one school sampled of two or more: "remove" counts it as nothing, as R;
    "fail" names the district, as R's "Stratum (1.15) has only one PSU at stage 2"."""
    data = _apiclus2()
    kw = {"ids": ["dnum", "snum"], "fpc": ["fpc1", "fpc2b"]}
    _check_estimates(svydesign(data, lonely_psu="remove", **kw), MULTI["lonely_stage2_remove"], "remove")
    assert MULTI["lonely_stage2_fail_message"] == "Stratum (1.15) has only one PSU at stage 2"
    design = svydesign(data, **kw)
    with pytest.raises(InputError, match="only one sampled unit of snum") as err:
        svymean(design, "api00")
    assert err.value.variable == "dnum" and err.value.value == 15
    with pytest.raises(InputError, match="not defined at later stages"):
        svymean(svydesign(data, lonely_psu="average", **kw), "api00")
    # a domain of districts with two schools sampled or more meets no lonely unit, as R's subset
    several = design.subset(data.groupby("dnum")["snum"].transform("nunique") > 1)
    assert np.isfinite(svymean(several, "api00").se).all()


def test_multistage_argument_errors():
    data = _apiclus2()
    with pytest.raises(InputError, match="one fpc column per stage") as err:
        svydesign(data, ids=["dnum", "snum"], fpc="fpc1")
    assert err.value.variable == "fpc1"
    with pytest.raises(InputError, match="mixes population sizes") as err:
        svydesign(data, ids=["dnum", "snum"], fpc=["fpc1", "f2"])
    assert err.value.variable == "f2" and 0 < err.value.value < 1
    with pytest.raises(InputError) as err:
        svydesign(data, ids=["dnum", "school"], fpc=["fpc1", "fpc2"])
    assert err.value.variable == "school"
    small = data.assign(fpc2=np.where(data["dnum"] == 83, 2, data["fpc2"]))  # 3 schools sampled
    with pytest.raises(InputError, match="smaller than the PSUs sampled") as err:
        svydesign(small, ids=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    assert err.value.variable == "fpc2"
    with pytest.raises(InputError, match="cannot give them") as err:
        svydesign(data.assign(f1=0.0), ids=["dnum", "snum"], fpc=["f1", "f2"])
    assert err.value.variable == "f1"
