"""svyby (domain estimates) against R's survey package.

Reference case C03 (shared reference.json) and tests/r/estimates_extra.json (written by
tests/r/estimates_extra.R): svyby on a clustered design with design effects, the joint
covariance of domain means (R side: svyratio(covmat=TRUE) of domain-indicator ratios),
totals by two variables in R's row order.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rsurvey import ABS_ZERO, assert_close, case, dataset

from swsurvey.errors import InputError
from swsurvey.survey import as_svrepdesign, svyby, svyciprop, svydesign, svymean, svyquantile, svyratio, svytotal

EXTRA = json.loads((Path(__file__).parents[1] / "r" / "estimates_extra.json").read_text())


@pytest.fixture(scope="module")
def dw():
    return svydesign(dataset("apistrat"), weights="pw")


def _table(result, expected: dict) -> None:
    table = result.table
    assert list(table.columns) == expected["columns"]
    for i, row in enumerate(expected["rows"]):
        for col, value in row.items():
            got = table[col].iloc[i]
            if isinstance(value, str):
                assert got == value, col
            elif value == 0:  # a mathematically zero SE or proportion: compare absolutely
                assert_close(got, value, abs_=ABS_ZERO, what=col)
            else:
                assert_close(got, value, what=col)


def test_C03_mean_by_domain_with_covmat(dw):
    out = case("C03_weights_only_svyby")["outputs"]["mean_api00_by_schwide"]
    b = svyby(dw, "api00", "sch.wide", svymean, covmat=True)
    _table(b, out["table"])
    assert b.vcov_names == out["vcov"]["rownames"] == out["vcov"]["colnames"]
    expected = np.array(out["vcov"]["values"])
    assert_close(np.diag(b.vcov), np.diag(expected))
    # the off-diagonal is zero (R stores rounding noise, 6e-31): absolute comparison
    assert_close(b.vcov[0, 1], expected[0, 1], abs_=ABS_ZERO)
    assert_close(b.vcov[1, 0], expected[1, 0], abs_=ABS_ZERO)


def test_C03_factor_proportions_by_domain(dw):
    out = case("C03_weights_only_svyby")["outputs"]["prop_awards_by_schwide"]
    assert out["vcov"] is None
    b = svyby(dw, "awards", "sch.wide", svymean)
    _table(b, out["table"])
    assert b.covmat is None
    assert b.table["se.awardsNo"].iloc[0] == 0.0  # exactly, not rounding noise


def test_clustered_design_with_deff_and_joint_covariance(dclus1):
    e = EXTRA["svyby_clus1_mean_api00_by_stype"]
    b = svyby(dclus1, "api00", "stype", svymean, deff=True, covmat=True)
    assert list(b.table.columns) == ["stype", "api00", "se", "DEff.api00"]  # R's names
    assert list(b.table["stype"]) == e["stype"]
    assert_close(b.table["api00"], e["api00"])
    assert_close(b.table["se"], e["se"])
    assert_close(b.table["DEff.api00"], e["DEff"])
    # cross-domain covariances are not zero in a cluster sample: checked against R's
    # svyratio(covmat=TRUE) of the domain ratios
    assert_close(b.vcov.ravel(order="F"), e["joint_vcov"])
    assert abs(b.vcov[0, 1]) > 100


def test_two_by_variables_in_r_order(dclus1):
    e = EXTRA["svyby_clus1_total_enroll_by_stype_schwide"]
    b = svyby(dclus1, "enroll", ["stype", "sch.wide"], svytotal)
    assert list(b.table["stype"]) == e["stype"]
    assert list(b.table["sch.wide"]) == e["sch_wide"]
    assert b.labels[:2] == ["E.No", "H.No"]
    assert_close(b.table["enroll"], e["enroll"])
    assert_close(b.table["se"], e["se"])


def test_cells_equal_subset_estimates_and_block_diagonal_without_covmat(dstrat):
    b = svyby(dstrat, ["api00", "enroll"], "sch.wide", svymean)
    for g, level in enumerate(["No", "Yes"]):
        direct = svymean(dstrat.subset(dstrat.data["sch.wide"] == level), ["api00", "enroll"])
        np.testing.assert_array_equal(b.results[g].estimates, direct.estimates)
        np.testing.assert_array_equal(b.results[g].vcov, direct.vcov)
    # R's order (coef(svyby), vcov): statistic by statistic, domains within
    assert b.vcov_names == ["No:api00", "Yes:api00", "No:enroll", "Yes:enroll"] == list(b.coef.index)
    assert b.vcov.shape == (4, 4) and b.vcov[0, 1] == 0
    no = np.ix_([0, 2], [0, 2])
    np.testing.assert_array_equal(b.vcov[no], b.results[0].vcov)
    joint = svyby(dstrat, ["api00", "enroll"], "sch.wide", svymean, covmat=True)
    np.testing.assert_allclose(joint.vcov[no], b.vcov[no], rtol=1e-12)
    assert joint.vcov[0, 1] != 0  # stratified: domains covary through the stratum means


def test_to_frame_is_long_and_tidy(dstrat):
    b = svyby(dstrat, "awards", "stype", svymean, deff=True)
    frame = b.to_frame(df="design")
    assert list(frame.columns) == ["stype", "name", "estimate", "se", "ci_lower", "ci_upper", "ci_method", "deff"]
    assert len(frame) == 6 and list(frame["stype"][:2]) == ["E", "E"]
    assert frame["ci_method"].iloc[0] == f"Wald, t on {b.results[0].df} design df"


def test_other_estimators(dclus1):
    r = svyby(dclus1, "api.stu", "stype", svyratio, denominator="enroll", covmat=True)
    assert r.names == ("api.stu/enroll",)
    assert list(r.table.columns) == ["stype", "api.stu/enroll", "se.api.stu/enroll"]  # as R
    direct = svyratio(dclus1.subset(dclus1.data["stype"] == "M"), "api.stu", "enroll")
    assert r.results[2].estimates[0] == direct.estimates[0]
    p = svyby(dclus1, "sch.wide", "stype", svyciprop, value="Yes", method="beta")
    frame = p.to_frame()
    assert {"ci_lower", "ci_upper"} <= set(frame.columns)
    with pytest.raises(InputError, match="influence"):
        svyby(dclus1, "sch.wide", "stype", svyciprop, value="Yes", covmat=True)
    single = svyciprop(dclus1.subset(dclus1.data["stype"] == "H"), "sch.wide", value="Yes", method="beta")
    assert frame["ci_lower"].iloc[1] == single.ci_lower


def test_by_within_a_domain_and_missing_by_values():
    data = pd.DataFrame(
        {
            "w": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "g": ["a", "b", "a", "b", None, "a", "b", "c"],
            "keep": [True, True, True, True, True, True, True, False],
        }
    )
    d = svydesign(data, weights="w")
    with pytest.raises(InputError) as err:
        svyby(d, "y", "g")
    assert err.value.variable == "g" and err.value.count == 1
    b = svyby(d, "y", "g", na_rm_by=True)
    assert list(b.table["g"]) == ["a", "b", "c"]
    dom = d.subset(data["keep"] & data["g"].notna())
    b = svyby(dom, "y", "g")  # "c" has no weight in the domain: no cell
    assert list(b.table["g"]) == ["a", "b"]
    assert_close(b.table["y"], [(1 + 9 + 36) / 10, (4 + 16 + 49) / 13])
    with pytest.raises(InputError):
        svyby(d, "y", [])
    with pytest.raises(InputError):
        svyby(d, "y", "nope")


# -- svyby with svytotal, svyratio, svyquantile, svyciprop against R (tests/r/quantiles.json) --

QUANTILES = json.loads((Path(__file__).parents[1] / "r" / "quantiles.json").read_text())


def _domains(b, expected: dict) -> None:
    assert list(b.table["stype"]) == expected["stype"]
    assert list(b.table.columns)[: len(b.names) + 1] == expected["columns"][: len(b.names) + 1]
    # R's coef(svyby): estimates by statistic, domains within, as ours
    assert_close(b.estimates, expected["estimates"], what="estimates")
    assert_close(b.coef.to_numpy(), expected["estimates"], what="coef")
    se = np.sqrt(np.diag(b.vcov))
    assert_close(se, np.ravel(np.array(expected["se"], dtype=float)), what="se")  # R: by statistic
    assert_close(b.se, se, what="se")


def test_totals_by_domain_with_joint_covariance(dclus1):
    e = QUANTILES["by_clus1_total_enroll"]
    b = svyby(dclus1, "enroll", "stype", svytotal, covmat=True)
    _domains(b, e)
    assert list(b.table.columns) == e["columns"]
    assert_close(b.vcov.ravel(order="F"), e["vcov"], what="vcov")


def test_ratios_by_domain_with_joint_covariance(dclus1):
    e = QUANTILES["by_clus1_ratio_apistu_enroll"]
    b = svyby(dclus1, "api.stu", "stype", svyratio, denominator="enroll", covmat=True)
    _domains(b, e)
    assert list(b.table.columns) == e["columns"]
    assert_close(b.vcov.ravel(order="F"), e["vcov"], what="vcov")


def test_quantiles_by_domain(dclus1):
    e = QUANTILES["by_clus1_quantile_api00"]
    b = svyby(dclus1, "api00", "stype", svyquantile, quantiles=[0.25, 0.5, 0.75])
    assert list(b.table.columns) == e["columns"]
    _domains(b, e)  # NaN SEs where R's are NA: an interval end beyond the CDF's [0, 1]
    for g, level in enumerate(e["stype"]):
        assert_close(b.results[g].confint(), np.column_stack([e["domains"][level]["ci_lower"], e["domains"][level]["ci_upper"]]))
    frame = b.to_frame()
    assert list(frame.columns[:4]) == ["stype", "name", "estimate", "se"] and len(frame) == 9
    single = svyby(dclus1, "api00", "stype", svyquantile, quantiles=0.5)
    assert list(single.table.columns) == QUANTILES["by_clus1_quantile_api00_single"]["columns"]
    _domains(single, QUANTILES["by_clus1_quantile_api00_single"])
    with pytest.raises(InputError, match="svyquantile"):
        svyby(dclus1, "api00", "stype", svyquantile, quantiles=0.5, covmat=True)


def test_quantiles_by_domain_on_a_replicate_design(dclus1):
    e = QUANTILES["by_jk1_clus1_quantile_api00"]
    b = svyby(as_svrepdesign(dclus1), "api00", "stype", svyquantile, quantiles=[0.25, 0.5, 0.75], interval_type="quantile")
    _domains(b, e)
    assert "replicate weights: JK1" in b.to_frame()["variance"].iloc[0]


@pytest.mark.parametrize("method", ["logit", "beta"])
def test_proportions_by_domain_with_their_intervals(dclus1, method):
    e = QUANTILES[f"by_clus1_ciprop_schwide_{method}"]
    b = svyby(dclus1, "sch.wide", "stype", svyciprop, value="Yes", method=method)
    assert list(b.table["stype"]) == e["stype"]
    # logit: R's estimate is expit of the IRLS intercept, equal to the mean to the fit's
    # convergence (about 1e-13 here), as in test_ciprop
    assert_close(b.estimates, e["estimates"], rel=1e-9)
    assert_close(np.sqrt(np.diag(b.vcov)), e["se"])
    frame = b.to_frame()
    assert_close(frame["ci_lower"], e["ci_lower"])
    assert_close(frame["ci_upper"], e["ci_upper"])
