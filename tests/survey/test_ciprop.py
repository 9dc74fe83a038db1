"""svyciprop against R's survey package: every method, weights-only, stratified and clustered
designs, domains, other levels and normal quantiles.

Reference case D02 (shared reference.json) and tests/r/estimates_extra.json (written by
tests/r/estimates_extra.R). R's survey 4.1-1 has no method "wilson": its expected values
come from the score-interval formula evaluated in R (see the R script), so they check this
library's definition, not a survey-package implementation.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rsurvey
from rsurvey import assert_close, case, dataset
from swsurvey.errors import InputError
from swsurvey.survey import svydesign, svyciprop, svymean
from swsurvey.survey.ciprop import CIPROP_METHODS
from swsurvey.survey.interpolation import approx, spline

EXTRA = json.loads((Path(__file__).parents[1] / "r" / "estimates_extra.json").read_text())
FIELDS = ("estimate", "se", "ci_lower", "ci_upper")


def _check(result, expected: dict, what: str) -> None:
    for f in FIELDS:
        if f in expected:
            assert_close(getattr(result, f), expected[f], what=f"{what}.{f}")


@pytest.fixture(scope="module")
def designs():
    strat = svydesign(dataset("apistrat"), weights="pw", strata="stype", fpc="fpc")
    clus1 = svydesign(dataset("apiclus1"), weights="pw", ids="dnum", fpc="fpc")
    return {
        "dw": svydesign(dataset("apistrat"), weights="pw"),
        "strat": strat,
        "clus1": clus1,
    }


D02 = {
    "schwide_logit": ("sch.wide", "logit"),
    "schwide_likelihood": ("sch.wide", "likelihood"),
    "schwide_beta": ("sch.wide", "beta"),
    "schwide_mean": ("sch.wide", "mean"),
    "awards_logit": ("awards", "logit"),
    "awards_asin": ("awards", "asin"),
}


@pytest.mark.parametrize("key", sorted(D02))
def test_D02_weights_only_svyciprop(designs, key):
    out = case("D02_weights_only_svyciprop")["outputs"]
    variable, method = D02[key]
    r = svyciprop(designs["dw"], variable, method=method, value="Yes")
    _check(r, out[key], key)
    assert r.design_df == out["degf"] == designs["dw"].degf()


def _extra_design(designs, key):
    if key == "ciprop_strat_schwide":
        return designs["strat"], "sch.wide"
    if key == "ciprop_clus1_awards":
        return designs["clus1"], "awards"
    if key == "ciprop_strat_domain_H_awards":
        d = designs["strat"]
        return d.subset(d.data["stype"] == "H"), "awards"
    d = designs["clus1"]
    return d.subset(d.data["stype"] == "E"), "sch.wide"


EXTRA_KEYS = [
    "ciprop_strat_schwide",
    "ciprop_clus1_awards",
    "ciprop_strat_domain_H_awards",
    "ciprop_clus1_domain_E_schwide",
]


@pytest.mark.parametrize("method", CIPROP_METHODS)
@pytest.mark.parametrize("key", EXTRA_KEYS)
def test_every_method_on_complex_designs_and_domains(designs, key, method):
    design, variable = _extra_design(designs, key)
    expected = EXTRA[key]
    assert design.degf() == expected["degf"]
    _check(svyciprop(design, variable, method=method, value="Yes"), expected[method], f"{key}.{method}")


@pytest.mark.parametrize("method", ["likelihood", "xlogit"])
def test_other_level_and_normal_quantiles(designs, method):
    r = svyciprop(designs["clus1"], "sch.wide", method=method, value="Yes", level=0.9, df=None)
    _check(r, EXTRA["ciprop_clus1_level90_normal"][method], method)
    assert math.isinf(r.df) and "normal quantiles" in r.ci_method


def test_mask_bool_column_and_value_agree(designs):
    d = designs["strat"]
    yes = d.data["sch.wide"] == "Yes"
    by_value = svyciprop(d, "sch.wide", value="Yes", method="beta")
    by_mask = svyciprop(d, yes, method="beta")
    by_bool = svyciprop(svydesign(d.data.assign(yes=yes), weights="pw", strata="stype", fpc="fpc"), "yes", method="beta")
    for other in (by_mask, by_bool):
        assert (other.estimate, other.ci_lower, other.ci_upper) == (by_value.estimate, by_value.ci_lower, by_value.ci_upper)


def test_se_is_the_linearization_se_of_the_mean(designs):
    d = designs["clus1"]
    m = svymean(d, "awards")
    for method in CIPROP_METHODS:
        r = svyciprop(d, "awards", value="Yes", method=method)
        assert r.se == pytest.approx(m.se[1], rel=1e-12)
        assert r.ci_lower < r.estimate < r.ci_upper


def test_result_frame_and_protocol(designs):
    r = svyciprop(designs["strat"], "sch.wide", value="Yes", method="beta")
    frame = r.to_frame()
    assert list(frame.columns) == ["name", "estimate", "se", "ci_lower", "ci_upper", "ci_method", "level"]
    assert frame.loc[0, "ci_method"] == "beta (Korn-Graubard), 197 design df"
    assert r.names == (r.name,) and r.vcov[0, 0] == pytest.approx(r.se**2)
    logit = svyciprop(designs["strat"], "sch.wide", value="Yes")
    assert logit.ci_method.endswith("t on 197 design df")


def test_input_errors(designs):
    d = designs["strat"]
    with pytest.raises(InputError, match="method"):
        svyciprop(d, "sch.wide", value="Yes", method="clopper")
    with pytest.raises(InputError, match="value="):
        svyciprop(d, "sch.wide")
    with pytest.raises(InputError, match="between 0 and 1") as err:
        svyciprop(d, "api00")
    assert err.value.variable == "api00"
    with pytest.raises(InputError, match="level"):
        svyciprop(d, "sch.wide", value="Yes", level=95)
    with pytest.raises(InputError, match="rows"):
        svyciprop(d, np.ones(3, dtype=bool))
    with pytest.raises(InputError) as err:
        svyciprop(d, "nope")
    assert err.value.variable == "nope"


def test_missing_values_need_na_rm(designs):
    d = designs["strat"]
    y = d.data["acs.k3"] > 20
    y = y.where(d.data["acs.k3"].notna())  # NaN where acs.k3 is missing
    with pytest.raises(InputError) as err:
        svyciprop(d, pd.Series(y.to_numpy(), name="big_k3"))
    assert err.value.variable == "big_k3" and err.value.count == 103
    r = svyciprop(d, pd.Series(y.to_numpy(), name="big_k3"), na_rm=True, method="mean")
    sub = d.subset(d.data["acs.k3"].notna())
    direct = svyciprop(sub, (d.data["acs.k3"] > 20).to_numpy(), method="mean", df=d.degf())
    assert (r.estimate, r.se, r.ci_lower) == pytest.approx((direct.estimate, direct.se, direct.ci_lower), rel=1e-14)


def test_r_spline_and_approx_ports():
    # R: spline(c(0, 1, 2.5, 4, 4.5), c(0, 1, -1, 2, 3)) and approx(c(1, 2, 2, 3), c(1, 2, 4, 5), xout=c(2, 2.5))
    x, y = spline(np.array([0.0, 1.0, 2.5, 4.0, 4.5]), np.array([0.0, 1.0, -1.0, 2.0, 3.0]))
    assert len(x) == 15 and x[0] == 0.0 and x[-1] == 4.5
    assert y[0] == 0.0 and y[-1] == pytest.approx(3.0, rel=1e-14)
    assert_close(y[[3, 7, 11]], R_SPLINE_Y)
    assert_close(approx(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0, 5.0]), np.array([2.0, 2.5, 9.0])), [3.0, 4.0, np.nan])


#: sprintf("%.17g", spline(c(0,1,2.5,4,4.5), c(0,1,-1,2,3))$y[c(4,8,12)]) in R 4.2.2
R_SPLINE_Y = [1.0328559428998074, -0.90962543554006947, 0.79372708018000737]


@pytest.mark.parametrize("method", CIPROP_METHODS)
def test_missing_values_dropped_as_r(designs, method):
    """R evaluates df = degf(design), nrow(design) (beta) and svyglm's weight rescaling
    (likelihood) on the design it was given, before the missing values leave."""
    d = designs["strat"]
    k3 = d.data["acs.k3"]
    y = pd.Series(np.where(k3.isna(), np.nan, (k3 > 20).astype(float)), name="big_k3")
    expected = EXTRA["ciprop_strat_na_rm_acsk3"]
    r = svyciprop(d, y, method=method, na_rm=True)
    assert r.design_df == expected["degf"] == d.degf()
    _check(r, expected[method], method)


@pytest.mark.parametrize("method", [m for m in CIPROP_METHODS if m != "mean"])
def test_proportion_of_exactly_one_warns(designs, method):
    d = designs["dw"]
    no = d.subset(d.data["sch.wide"] == "No")  # every school without the target has awards "No"
    with pytest.warns(UserWarning, match="not defined"):
        r = svyciprop(no, "awards", value="No", method=method)
    assert r.estimate == 1.0 and r.se == 0.0 and math.isnan(r.ci_lower) and math.isnan(r.ci_upper)
    mean = svyciprop(no, "awards", value="No", method="mean")
    assert (mean.ci_lower, mean.ci_upper) == (1.0, 1.0)


# -- a domain of a raked design (tests/r/ciprop_raked_domain.R) ----------------------------------


def _r_ciprop_raked_domain() -> dict[str, list[float]]:
    text = (Path(__file__).resolve().parents[1] / "r" / "ciprop_raked_domain.txt").read_text()
    return {parts[0]: [float(v) for v in parts[1:]] for parts in (line.split() for line in text.splitlines() if line.strip())}


@pytest.mark.parametrize("method", ["logit", "beta", "mean", "likelihood"])
def test_domain_of_raked_design_matches_r(method):
    # R keeps all rows of a calibrated design in a subset: nrow(design) counts them all.
    from swsurvey.survey import rake

    data = rsurvey.dataset("apisrs")
    margins = {
        "stype": {"E": 4421, "H": 755, "M": 1018},
        "sch.wide": {"No": 1072, "Yes": 5122},
        "comp.imp": {"No": 1712, "Yes": 4482},
    }
    raked = rake(svydesign(data, weights="pw"), margins, epsilon=1e-14, maxit=1000)
    ci = svyciprop(raked.subset(data["stype"] == "H"), data["awards"] == "Yes", method=method)
    expected = _r_ciprop_raked_domain()[method]
    rsurvey.assert_close([ci.estimate, ci.se, ci.ci_lower, ci.ci_upper], expected, rel=1e-9, what=method)
