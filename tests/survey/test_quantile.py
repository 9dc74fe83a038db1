"""svyquantile against R's survey package (tests/r/quantiles.json, written by tests/r/quantiles.R).

Quantiles, Woodruff intervals and R's SEs from them on a stratified, a clustered (with fpc)
and a one-stage clustered design, by R's "math" and "hf7" rules; other alpha and df; a
domain; missing values; replicate designs with interval types "mean" and "quantile". All at
1e-9 relative: quantiles and interval ends are data values or linear interpolations of
them, and the CDF intervals that select them are Wald intervals computed as R does. NaN
(R's NA: an interval end beyond the CDF's [0, 1]) must be NaN here too.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rsurvey import assert_close, dataset

from swsurvey.errors import InputError
from swsurvey.survey import SvrepQuantile, as_svrepdesign, svydesign, svyquantile
from swsurvey.survey.quantile import qrule_hf7, qrule_math

R = json.loads((Path(__file__).parents[1] / "r" / "quantiles.json").read_text())
QUANTS = [0.1, 0.25, 0.5, 0.75, 0.9]


@pytest.fixture(scope="module")
def dclus2():
    return svydesign(dataset("apiclus2"), weights="pw", ids="dnum")


def _same(result, expected: dict) -> None:
    assert list(result.names) == expected["names"]
    assert_close(result.estimates, expected["estimates"], what="quantile")
    assert_close(result.se, expected["se"], what="se")
    assert_close(result.confint()[:, 0], expected["ci_lower"], what="lower")
    assert_close(result.confint()[:, 1], expected["ci_upper"], what="upper")


@pytest.mark.parametrize("design_name", ["strat", "clus1", "clus2"])
@pytest.mark.parametrize("qrule", ["math", "hf7"])
def test_woodruff_intervals_agree_with_r(design_name, qrule, request):
    design = request.getfixturevalue(f"d{design_name}")
    expected = R[f"quantile_{design_name}_{qrule}"]
    variables = ["api00"] if design_name == "clus2" else ["api00", "enroll"]  # enroll has NAs there
    q = svyquantile(design, variables, QUANTS, qrule=qrule)
    assert q.design_df == expected["degf"]
    _same(q, expected)


def test_alpha_and_normal_quantiles(dclus1):
    q = svyquantile(dclus1, "api00", QUANTS, alpha=0.1, df=None)
    _same(q, R["quantile_clus1_alpha10_normal"])
    assert q.level == 0.9 and math.isinf(q.df)
    assert q.ci_method == "Woodruff (CDF interval), normal quantiles"


def test_domain_has_nan_interval_ends_where_r_has(dstrat):
    q = svyquantile(dstrat.subset(dstrat.data["stype"] == "H"), "api00", QUANTS)
    _same(q, R["quantile_strat_domain_H"])


def test_missing_values(dstrat):
    with pytest.raises(InputError) as err:
        svyquantile(dstrat, "acs.k3", QUANTS)
    assert err.value.variable == "acs.k3"
    _same(svyquantile(dstrat, "acs.k3", QUANTS, na_rm=True), R["quantile_strat_na_rm_acsk3"])


@pytest.mark.parametrize(("name", "source", "interval_type", "qrule"), [
    ("jk1_clus1_mean", "dclus1", "mean", "math"),
    ("jk1_clus1_quantile", "dclus1", "quantile", "math"),
    ("jkn_strat_mean", "dstrat", "mean", "math"),
    ("jkn_strat_quantile", "dstrat", "quantile", "math"),
    ("jk1_clus1_quantile_hf7", "dclus1", "quantile", "hf7"),
])
def test_replicate_designs(name, source, interval_type, qrule, request):
    rep = as_svrepdesign(request.getfixturevalue(source))
    q = svyquantile(rep, "api00", QUANTS, interval_type=interval_type, qrule=qrule)
    assert isinstance(q, SvrepQuantile) and "replicate weights" in q.variance
    expected = R[f"quantile_{name}"]
    if "degf" in expected:
        assert q.design_df == expected["degf"]
    _same(q, expected)


def test_replicate_domain_at_an_exact_cdf_step(dstrat):
    """R's as.svrepdesign holds the weights as 1 / (1 / pw), one unit in the last place from pw
    for some schools; in a domain of equal weights a cumulative share equals p exactly with pw
    but not with R's weights, and the 10% quantile is the next value (472 in R, 467 with pw):
    as_svrepdesign holds R's weights."""
    rep = as_svrepdesign(dstrat)
    q = svyquantile(rep.subset(rep.data["stype"] == "H"), "api00", QUANTS)
    _same(q, R["quantile_jkn_strat_domain_H_mean"])


def test_result_accessors(dclus1):
    q = svyquantile(dclus1, "api00", [0.25, 0.5])
    assert q["api00.0.5"] == q.estimates[1]
    assert q.as_dict("se") == dict(zip(q.names, q.se.tolist(), strict=True))
    assert np.isnan(q.vcov[0, 1]) and q.vcov[1, 1] == q.se[1] ** 2  # no covariance, as R
    frame = q.to_frame()
    assert list(frame.columns) == ["name", "estimate", "se", "ci_lower", "ci_upper", "ci_method", "level"]
    assert svyquantile(dclus1, ["api00", "enroll"], 0.5).names == ("api00", "enroll")  # R's names


def test_rules_on_a_small_sample():
    # values 1..4 with weights 1, 1, 2, 4 (total 8): the CDF is 1/8, 2/8, 4/8, 1
    x = np.array([3.0, 1.0, 4.0, 2.0])
    w = np.array([2.0, 1.0, 4.0, 1.0])
    # math: exactly at a step the lower value, inside a step the next value
    np.testing.assert_array_equal(qrule_math(x, w, np.array([0.25, 0.3, 0.5, 0.51, 1.0])), [2, 3, 3, 4, 4])
    # hf7: values at c(0, cumw[-n]) / cumw[n-1] = 0, 1/4, 2/4, 1, interpolated between
    np.testing.assert_allclose(qrule_hf7(x, w, np.array([0.0, 0.125, 0.75, 1.0])), [1.0, 1.5, 3.5, 4.0])
    # zero weights are not part of the distribution
    assert qrule_math(np.append(x, -100.0), np.append(w, 0.0), np.array([0.1]))[0] == 2.0


def test_bad_input_is_named(dclus1):
    with pytest.raises(InputError) as err:
        svyquantile(dclus1, "api00", [0.5, 1.5])
    assert err.value.value == 1.5 and err.value.variable == "api00"
    with pytest.raises(InputError) as err:
        svyquantile(dclus1, "no_such", 0.5)
    assert err.value.variable == "no_such"
    with pytest.raises(InputError) as err:
        svyquantile(dclus1, "stype", 0.5)
    assert err.value.variable == "stype"
    with pytest.raises(InputError, match="replicate"):
        svyquantile(dclus1, "api00", 0.5, interval_type="quantile")
    with pytest.raises(InputError, match="qrule"):
        svyquantile(dclus1, "api00", 0.5, qrule="hf8")
    with pytest.raises(InputError, match="empty"):
        dclus1.subset(dclus1.data["api00"] < 0)
    data = pd.DataFrame({"w": [1.0, 1.0, 1.0], "y": [np.nan, np.nan, 1.0], "keep": [True, True, False]})
    d = svydesign(data, weights="w")
    with pytest.raises(InputError) as err:
        svyquantile(d.subset(data["keep"]), "y", 0.5, na_rm=True)
    assert err.value.variable == "y"
