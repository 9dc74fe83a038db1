"""svymean, svytotal, svyratio, svyvar against R's survey package.

Reference cases A01, A04, A07, B03 and I01 (shared reference.json, every output checked)
and the extra fixture tests/r/estimates_extra.json (written by tests/r/estimates_extra.R).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rsurvey import REL, assert_close, case, dataset

from swsurvey.errors import InputError
from swsurvey.survey import SvyStat, svydesign, svymean, svyratio, svytotal, svyvar

EXTRA = json.loads((Path(__file__).parents[1] / "r" / "estimates_extra.json").read_text())


def _named(stat: SvyStat, what: str = "estimates") -> dict[str, float]:
    return stat.as_dict(what)


def _matrix(stat: SvyStat, expected: dict) -> None:
    assert list(stat.names) == expected["rownames"] == expected["colnames"]
    assert_close(stat.vcov, np.array(expected["values"]), what="vcov")


def _ci(stat: SvyStat, expected: dict, df) -> None:
    ci = stat.confint(level=expected["level"], df=df)
    assert_close(dict(zip(stat.names, ci[:, 0], strict=True)), expected["lower"], what="lower")
    assert_close(dict(zip(stat.names, ci[:, 1], strict=True)), expected["upper"], what="upper")


@pytest.fixture(scope="module")
def dw():
    return svydesign(dataset("apistrat"), weights="pw")


# -- reference cases ------------------------------------------------------------------------


def test_A01_strat_mean_api00(dstrat):
    out = case("A01_strat_mean_api00")["outputs"]
    m = svymean(dstrat, "api00", deff=True)
    assert_close(_named(m), out["estimate"], what="estimate")
    assert_close(_named(m, "se"), out["se"], what="se")
    assert_close(_named(m, "deff"), out["deff"], what="deff")
    assert out["ci_normal"]["df"] == "Inf"
    _ci(m, out["ci_normal"], df=None)
    assert dstrat.degf() == out["degf"] == m.df
    assert out["ci_t_degf"]["df"] == out["degf"]
    _ci(m, out["ci_t_degf"], df="design")
    _ci(m, out["ci_t_degf"], df=out["degf"])


def test_A04_clus1_mean_total(dclus1):
    out = case("A04_clus1_mean_total")["outputs"]
    m = svymean(dclus1, "api00", deff=True)
    assert_close(_named(m), out["mean_api00"]["estimate"])
    assert_close(_named(m, "se"), out["mean_api00"]["se"])
    assert_close(_named(m, "deff"), out["mean_api00"]["deff"])
    t = svytotal(dclus1, "enroll", deff=True)
    assert t.statistic == "total"
    assert_close(_named(t), out["total_enroll"]["estimate"])
    assert_close(_named(t, "se"), out["total_enroll"]["se"])
    assert_close(_named(t, "deff"), out["total_enroll"]["deff"])
    assert dclus1.degf() == out["degf"] == m.df
    _ci(m, out["ci_t_degf"], df="design")


def test_A07_weights_only_mean_total_svyvar(dw):
    out = case("A07_weights_only_mean_total")["outputs"]
    m = svymean(dw, ["api00", "enroll"], deff=True)
    assert_close(_named(m), out["mean"]["estimate"])
    assert_close(_named(m, "se"), out["mean"]["se"])
    _matrix(m, out["mean"]["vcov"])
    assert_close(_named(m, "deff"), out["mean"]["deff"])
    r = svymean(dw, "api00", deff="replace")
    assert_close(_named(r), out["mean_api00_deff_replace"]["estimate"])
    assert_close(_named(r, "se"), out["mean_api00_deff_replace"]["se"])
    assert_close(_named(r, "deff"), out["mean_api00_deff_replace"]["deff"])
    t = svytotal(dw, "enroll", deff=True)
    assert_close(_named(t), out["total_enroll"]["estimate"])
    assert_close(_named(t, "se"), out["total_enroll"]["se"])
    assert_close(_named(t, "deff"), out["total_enroll"]["deff"])
    v = svyvar(dw, "api00")
    assert v.statistic == "variance"
    assert_close(v.estimates[0], out["svyvar_api00"]["estimate"])
    assert_close(v.se[0], out["svyvar_api00"]["se"])


def test_B03_weights_only_factor(dw):
    out = case("B03_weights_only_factor")["outputs"]
    p = svymean(dw, ["sch.wide", "awards", "stype"], deff=True)
    assert list(p.names) == list(out["estimate"])
    assert_close(_named(p), out["estimate"])
    assert_close(_named(p, "se"), out["se"])
    _matrix(p, out["vcov"])
    assert_close(_named(p, "deff"), out["deff"])


def test_I01_kigyo_deff():
    out = case("I01_kigyo_deff")["outputs"]
    kigyo = dataset("kigyo")
    srs = svydesign(kigyo, weights="srs.w")
    pps = svydesign(kigyo, weights="pps.w")
    checks = {
        "srs_mean": svymean(srs, "uriage", deff=True),
        "srs_total": svytotal(srs, "uriage", deff=True),
        "pps_mean_replace": svymean(pps, "uriage", deff="replace"),
        "pps_total_replace": svytotal(pps, "uriage", deff="replace"),
        "pps_mean_deffTRUE": svymean(pps, "uriage", deff=True),
    }
    for key, stat in checks.items():
        assert_close(_named(stat), out[key]["estimate"], what=key)
        assert_close(_named(stat, "se"), out[key]["se"], what=key)
        assert_close(_named(stat, "deff"), out[key]["deff"], what=key)
    assert_close(svyvar(pps, "uriage").estimates[0], out["pps_svyvar"])


# -- extra fixture (tests/r/estimates_extra.R) --------------------------------------------------


def test_ratio_with_deff_matches_r(dclus1):
    e = EXTRA["misc"]["ratio_clus1"]
    r = svyratio(dclus1, "api.stu", "enroll", deff=True)
    assert r.names == ("api.stu/enroll",) and r.statistic == "ratio"
    assert_close(r.estimates[0], e["ratio"])
    assert_close(r.se[0], e["se"])
    assert_close(r.deff[0], e["deff"])


def test_two_ratios_joint_covariance_matches_r(dclus1):
    e = EXTRA["misc"]["ratio_two_covmat"]
    r = svyratio(dclus1, ["api.stu", "meals"], "enroll")
    assert r.names == ("api.stu/enroll", "meals/enroll")
    assert_close(r.estimates, e["ratio"])
    assert_close(r.vcov.ravel(order="F"), e["vcov"])


def test_na_rm_drops_rows_from_the_domain_as_r(dstrat):
    e = EXTRA["misc"]["mean_na_rm_strat"]
    m = svymean(dstrat, ["acs.k3", "acs.46"], na_rm=True, deff=True)
    assert_close(_named(m), e["estimate"])
    assert_close(_named(m, "se"), e["se"])
    assert_close(_named(m, "deff"), e["deff"])
    assert m.df == dstrat.subset(dstrat.data["acs.k3"].notna() & dstrat.data["acs.46"].notna()).degf()


def test_svyvar_of_two_variables_matches_r(dstrat):
    e = EXTRA["misc"]["svyvar_two_strat"]
    v = svyvar(dstrat, ["api00", "enroll"])
    assert v.names == ("api00:api00", "enroll:api00", "api00:enroll", "enroll:enroll")
    assert_close(v.estimates, e["estimate"])
    assert_close(v.se, e["se"])


def test_factor_totals_with_deff_match_r(dclus1):
    e = EXTRA["misc"]["total_stype_clus1"]
    t = svytotal(dclus1, "stype", deff=True)
    assert_close(_named(t), e["estimate"])
    assert_close(_named(t, "se"), e["se"])
    assert_close(_named(t, "deff"), e["deff"])


# -- result type --------------------------------------------------------------------------------


def test_to_frame_is_tidy_and_states_the_interval(dstrat):
    m = svymean(dstrat, "api00", deff=True)
    frame = m.to_frame(df="design")
    assert list(frame.columns) == ["name", "estimate", "se", "ci_lower", "ci_upper", "ci_method", "deff"]
    assert frame.loc[0, "ci_method"] == "Wald, t on 197 design df"
    assert m.to_frame().loc[0, "ci_method"] == "Wald, normal quantiles"
    assert m.to_frame(df=30).loc[0, "ci_method"] == "Wald, t on 30 df"
    assert frame.loc[0, "ci_lower"] == pytest.approx(m.confint(df=197)[0, 0], rel=REL)
    assert math.isnan(svymean(dstrat, "api00").to_frame().loc[0, "deff"])
    assert m["api00"] == m.estimates[0]


def test_confint_level_and_bad_df(dstrat):
    m = svymean(dstrat, "api00")
    wide, narrow = m.confint(0.99), m.confint(0.90)
    assert wide[0, 0] < narrow[0, 0] < narrow[0, 1] < wide[0, 1]
    with pytest.raises(InputError):
        m.confint(df=0)
    with pytest.raises(InputError):
        m.confint(df="satterthwaite")
    with pytest.raises(InputError, match="no design effects"):
        m.as_dict("deff")
    with pytest.raises(InputError):
        m["nope"]


# -- variables: types, names, missing values ----------------------------------------------------


def _small(**cols) -> pd.DataFrame:
    base = {"w": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}
    base.update(cols)
    return pd.DataFrame(base)


def test_strings_and_booleans_are_categorical_with_r_names():
    d = svydesign(_small(s=["b", "a", "b", "c", "a", "a"], f=[True, False, True, True, False, True]), weights="w")
    m = svymean(d, ["s", "f"])
    assert m.names == ("sa", "sb", "sc", "fFALSE", "fTRUE")
    assert_close(m.estimates[:3], [(2 + 5 + 6) / 21, (1 + 3) / 21, 4 / 21])
    assert_close(m.estimates[3:], [7 / 21, 14 / 21])
    assert_close(m.estimates[:3].sum(), 1.0)


def test_unused_categorical_level_has_zero_proportion():
    cat = pd.Categorical(["x", "x", "y", "y", "x", "y"], categories=["x", "y", "z"])
    m = svymean(svydesign(_small(c=cat), weights="w"), "c")
    assert m.names == ("cx", "cy", "cz")
    assert m.estimates[2] == 0 and m.se[2] == 0


def test_missing_values_are_an_error_naming_variable_and_count():
    d = svydesign(_small(y=[1.0, np.nan, 3.0, np.nan, 5.0, 6.0]), weights="w")
    with pytest.raises(InputError) as err:
        svymean(d, "y")
    assert err.value.variable == "y" and err.value.count == 2
    with pytest.raises(InputError, match="variable c"):
        svytotal(svydesign(_small(c=["a", None, "b", "a", "b", "a"]), weights="w"), "c")
    m = svymean(d, "y", na_rm=True)
    assert_close(m.estimates[0], (1 * 1 + 3 * 3 + 5 * 5 + 6 * 6) / 15)


def test_missing_outside_the_domain_is_no_error():
    d = svydesign(_small(y=[1.0, np.nan, 3.0, 4.0, 5.0, 6.0], g=list("abaabb")), weights="w")
    dom = d.subset(d.data["g"] == "a")
    assert_close(svymean(dom, "y").estimates[0], (1 + 9 + 16) / 8)


def test_unknown_or_unusable_variables():
    d = svydesign(_small(y=[1.0] * 6, when=pd.to_datetime(["2020-01-01"] * 6)), weights="w")
    with pytest.raises(InputError) as err:
        svymean(d, "nope")
    assert err.value.variable == "nope"
    with pytest.raises(InputError, match="unsupported type"):
        svymean(d, "when")
    with pytest.raises(InputError, match="deff"):
        svymean(d, "y", deff="srs")
    with pytest.raises(InputError, match="not numeric"):
        svyratio(svydesign(_small(s=list("abcabc"), y=[1.0] * 6), weights="w"), "s", "y")
    with pytest.raises(InputError, match="no variables"):
        svymean(d, [])


def test_deff_without_population_size_warns_and_is_nan():
    d = svydesign(_small(y=[1.0, 2.0, 4.0, 8.0, 16.0, 32.0]).assign(w=0.5), weights="w")
    with pytest.warns(UserWarning, match="population size"):
        m = svymean(d, "y", deff=True)
    assert np.isnan(m.deff).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(svymean(d, "y", deff="replace").deff).all()


def test_zero_denominator_total_is_an_error():
    d = svydesign(_small(y=[1.0] * 6, x=[0.0] * 6), weights="w")
    with pytest.raises(InputError) as err:
        svyratio(d, "y", "x")
    assert err.value.variable == "x"


def test_domain_estimates_keep_the_design(dstrat):
    dom = dstrat.subset(dstrat.data["stype"] == "H")
    m = svymean(dom, "api00")
    h = dstrat.data["stype"] == "H"
    w = dstrat.weights
    assert_close(m.estimates[0], np.sum(w[h] * dstrat.data["api00"][h]) / np.sum(w[h]))
    assert m.df == dom.degf() == int(h.sum()) - 1
