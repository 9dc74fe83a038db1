"""The linear trend across independent samples against R (tests/r/trend.R, its JSON beside it).

Three public api samples stand in for three waves (2000: apistrat, stratified; 2002: apiclus1,
clustered; 2005: apisrs): each wave's mean and SE come from its own design here, as the
pipeline reads them from each wave's estimates file, and the slope from
:func:`~swsurvey.survey.trend.linear_trend`; R stacks the waves in one design (strata nested in
wave) and takes ``svycontrast`` of ``svyby(~y, ~wave, svymean)``. Agreement at the reference
conventions' 1e-9 relative (p-values 1e-7).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rsurvey import REL, REL_P, assert_close, dataset

from swsurvey.errors import InputError
from swsurvey.survey.design import svydesign
from swsurvey.survey.estimates import svymean
from swsurvey.survey.trend import linear_trend, svycontrast

R_TREND = json.loads((Path(__file__).parents[1] / "r" / "trend.json").read_text())


def _waves() -> list:
    frames = {name: dataset(name) for name in ("apistrat", "apiclus1", "apisrs")}
    for frame in frames.values():
        frame["awards_yes"] = (frame["awards"] == "Yes").astype(float)
        frame["awards_pct"] = 100 * frame["awards_yes"]
    return [
        svydesign(frames["apistrat"], strata="~stype", weights="~pw", fpc="~fpc"),
        svydesign(frames["apiclus1"], ids="~dnum", weights="~pw", fpc="~fpc"),
        svydesign(frames["apisrs"], weights="~pw", fpc="~fpc"),
    ]


@pytest.mark.parametrize("case", sorted(R_TREND))
def test_linear_trend_of_three_independent_designs_agrees_with_r(case):
    expected = R_TREND[case]
    variable = {"awards_yes": "awards_yes", "api00": "api00", "awards_pct_elementary": "awards_pct"}[case]
    designs = _waves()
    if case.endswith("_elementary"):
        designs = [d.subset("stype == \"E\"") for d in designs]
    stats = [svymean(d, variable) for d in designs]
    estimates = [float(s.estimates[0]) for s in stats]
    ses = [float(np.sqrt(np.asarray(s.vcov)[0, 0])) for s in stats]
    assert_close(estimates, expected["estimates"], REL, what="wave means")
    assert_close(ses, expected["se"], REL, what="wave SEs")
    trend = linear_trend(estimates, ses, expected["years"])
    assert_close(trend.contrast, expected["contrast"], REL, what="contrast")
    assert_close(trend.contrast_se, expected["contrast_se"], REL, what="contrast SE")
    for name in ("slope", "ci_lower", "ci_upper", "z"):
        assert_close(getattr(trend, name), expected[name], REL, what=name)
    assert_close(trend.se, expected["slope_se"], REL, what="slope SE")
    assert_close(trend.p_value, expected["p_value"], REL_P, what="p")
    # the stacked design's covariance of the waves' means is diagonal: what the contrast assumes
    covariance = np.asarray(expected["covariance"]["values"])
    assert np.count_nonzero(covariance - np.diag(np.diag(covariance))) == 0


def test_svycontrast_is_a_quadratic_form_and_the_slope_is_least_squares():
    value, se = svycontrast([1.0, 2.0, 4.0], np.array([[1.0, 0.5, 0], [0.5, 2.0, 0], [0, 0, 3.0]]), [1, -1, 0])
    assert value == -1.0 and se == pytest.approx(np.sqrt(1 + 2 - 1.0))
    times, values = [2017, 2021, 2024], [40.0, 46.0, 47.5]
    trend = linear_trend(values, [1.0, 1.5, 2.0], times)
    assert trend.slope == pytest.approx(np.polyfit(times, values, 1)[0], rel=1e-12)
    assert trend.coefficients == pytest.approx((-3.666666666666, 0.33333333333, 3.33333333333))
    flat = linear_trend([5.0, 5.0, 5.0], [0.0, 0.0, 0.0], [0, 1, 2])
    assert flat.slope == 0 and np.isnan(flat.p_value)


def test_a_trend_refuses_what_it_cannot_estimate():
    with pytest.raises(InputError, match="two times"):
        linear_trend([1.0, 2.0], [0.1, 0.1], [2021, 2021])
    with pytest.raises(InputError, match="one SE and one time"):
        linear_trend([1.0, 2.0, 3.0], [0.1, 0.1], [1, 2, 3])
    with pytest.raises(InputError, match="finite"):
        linear_trend([1.0, float("nan"), 3.0], [0.1, 0.1, 0.1], [1, 2, 3])
