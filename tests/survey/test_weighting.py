"""Raking, post-stratification, calibration and trimming against R's survey package.

Reference cases E02 (rake), E03 (calibrate raking and linear) and E07 (rake then
trimWeights) from ../shared/reference/r-survey, every output of each, plus the per-row
weights R wrote; tests/r/weighting_extra.R (beside its JSON) adds postStratify with unequal
base weights, rake with a joint margin and with clusters, logit / bounded linear / numeric /
margins-list / rescaled calibration, a calibration that fails, and a trimming where
strict=TRUE matters. Weight summaries are checked in test_diagnostics.py.

Tolerances: the conventions' 1e-9 relative. R's rake() variance record (10 fixed sweeps of
alternating projections) is reproduced exactly -- the same margins and the same weights
after each margin's step -- so rake() SEs agree to ~1e-14, not just the ~1e-5 a
GREG-residual implementation would reach. The exceptions are SEs that are mathematically
zero (the raked stype totals: R stored rounding noise ~4e-12), compared absolutely, and the
sch.wide total SEs of E02 (agree to ~3e-10: what remains after the projections is a
near-cancellation, where R's own survey versions differ by 2.6e-10).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rsurvey import ABS_ZERO, REL, assert_close, case, dataset, weights_file

from swsurvey.errors import InputError
from swsurvey.survey.design import svydesign
from swsurvey.survey.estimates import svymean, svytotal
from swsurvey.survey.variance import Raking
from swsurvey.survey.targets import Margin, WeightingWarning, as_margins, joint_targets, marginal_targets
from swsurvey.survey.weighting import (
    CalibrationReport,
    RakeReport,
    TrimBounds,
    calibrate,
    calibration_matrix,
    poststratify,
    rake,
    trim_weights,
    weight,
    weighting_report,
)

EXTRA = json.loads((Path(__file__).parents[1] / "r" / "weighting_extra.json").read_text())
TRIM = json.loads((Path(__file__).parents[1] / "r" / "trim_weights.json").read_text())

MARGINS = {
    "stype": {"E": 4421, "H": 755, "M": 1018},
    "sch.wide": {"No": 1072, "Yes": 5122},
    "comp.imp": {"No": 1712, "Yes": 4482},
}
POP_E03 = {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "sch.wideYes": 5122, "comp.impYes": 4482}


def _stat(stat, what: str) -> dict[str, float]:
    return stat.as_dict(what)


def _vcov(expected: dict) -> np.ndarray:
    return np.array(expected["values"], dtype=float)


def _check_stat(stat, expected: dict, what: str, rel: float = REL) -> None:
    assert_close(_stat(stat, "estimates"), expected["estimate"], rel, what=f"{what} estimate")
    if "se" in expected:
        assert_close(_stat(stat, "se"), expected["se"], rel, what=f"{what} se")
    if "vcov" in expected:
        assert list(stat.names) == expected["vcov"]["rownames"]
        assert_close(stat.vcov, _vcov(expected["vcov"]), rel, what=f"{what} vcov")
    if "deff" in expected:
        assert_close(_stat(stat, "deff"), expected["deff"], rel, what=f"{what} deff")


@pytest.fixture(scope="module")
def apisrs():
    return dataset("apisrs")


@pytest.fixture(scope="module")
def dsrs(apisrs):
    return svydesign(apisrs, weights="pw")


@pytest.fixture(scope="module")
def draked(dsrs):
    return rake(dsrs, MARGINS, epsilon=1e-14, maxit=1000)


# -- E02: rake -----------------------------------------------------------------------------


def test_e02_raked_weights_match_r_row_by_row(apisrs, draked):
    expected = weights_file("weights_E02_weights_only_rake.csv")
    assert (expected["cds"].astype("int64").to_numpy() == apisrs["cds"].astype("int64").to_numpy()).all()
    assert_close(draked.weights, expected["raked_weight"], rel=1e-12, what="raked weights")
    report = weighting_report(draked)
    assert isinstance(report, RakeReport)
    assert report.converged and report.delta < report.tolerance
    assert report.tolerance == pytest.approx(1e-14 * 6194)
    assert report.max_rel_error < 1e-12


def test_e02_margin_totals(draked):
    out = case("E02_weights_only_rake")["outputs"]["raked_margin_totals"]
    t = svytotal(draked, ["stype", "sch.wide", "comp.imp"])
    assert_close(_stat(t, "estimates"), out["estimate"], what="raked margins")
    se = _stat(t, "se")
    for name, value in out["se"].items():
        if name.startswith("stype"):  # calibrated exactly: R stored rounding noise ~4e-12
            assert se[name] < ABS_ZERO and value < ABS_ZERO
        else:
            assert_close(se[name], value, REL, what=f"se {name}")


def test_e02_means_with_deff(draked):
    outputs = case("E02_weights_only_rake")["outputs"]
    _check_stat(svymean(draked, ["api00", "api99", "enroll"], deff=True),
                outputs["mean_api00_api99_enroll"], "means")
    _check_stat(svymean(draked, "api00", deff="replace"), outputs["mean_api00_deff_replace"], "deff replace")
    _check_stat(svymean(draked, ["awards", "both"], deff=True), outputs["prop_awards_both"], "proportions")
    _check_stat(svytotal(draked, ["enroll", "api.stu"], deff=True), outputs["total_enroll_apistu"], "totals")


def test_e02_unraked_mean(dsrs):
    _check_stat(svymean(dsrs, ["api00", "api99", "enroll"]),
                case("E02_weights_only_rake")["outputs"]["unraked_mean"], "unraked")


def test_e02_targets_in_every_form_give_the_same_weights(dsrs, draked):
    long = pd.DataFrame(
        [(v, level, total) for v, cells in MARGINS.items() for level, total in cells.items()],
        columns=["variable", "level", "total"],
    )
    r_style = [pd.DataFrame({v: list(cells), "Freq": list(cells.values())}) for v, cells in MARGINS.items()]
    for spec in (long, marginal_targets(long), r_style, [as_margins(m)[0] for m in r_style]):
        again = rake(dsrs, spec, epsilon=1e-14, maxit=1000)
        np.testing.assert_array_equal(again.weights, draked.weights)


def test_rake_record_is_rs_raking_record(draked):
    record = draked.calibration[-1]
    assert len(record.margins) == 3 and record.sweeps == 10
    np.testing.assert_array_equal(record.margins[-1].psw, draked.weights)  # last margin: final weights
    assert [int(record.margins[0].groups.max()) + 1] == [3]


def test_raking_record_equals_rs_sequential_sweeps(dsrs, draked, api):
    """The record's group-space computation equals R's 10 sequential sweeps (variance.Raking)."""
    rng = np.random.default_rng(3)
    strat = svydesign(api["apistrat"], weights="pw", strata="stype", fpc="fpc")
    domain = strat.subset(api["apistrat"]["awards"].to_numpy() == "Yes")  # zero weights outside
    ss = _cells(api["apipop"], ["stype", "sch.wide"])
    joint = rake(strat, [ss, {"comp.imp": MARGINS["comp.imp"]}], epsilon=1e-13, maxit=200)
    in_domain = rake(domain, {"stype": MARGINS["stype"]}, epsilon=1e-13)
    for design in (draked, joint, in_domain):
        record = design.calibration[-1]
        x = rng.normal(size=(design.n, 3)) * design.weights[:, None]
        sequential = Raking(record.margins, record.sweeps).apply(x)
        np.testing.assert_allclose(record.apply(x), sequential, rtol=1e-10, atol=1e-12 * np.abs(x).max())
        np.testing.assert_allclose(record.apply(x[:, 0]), sequential[:, 0], rtol=1e-10,
                                   atol=1e-12 * np.abs(x).max())


# -- E03: calibrate --------------------------------------------------------------------------


def test_e03_calibrate_raking(dsrs, draked):
    outputs = case("E03_weights_only_calibrate_raking_and_linear")["outputs"]
    dcal = calibrate(dsrs, ["stype", "sch.wide", "comp.imp"], POP_E03, calfun="raking", epsilon=1e-12, maxit=100)
    expected = weights_file("weights_E03_calibrate.csv")
    assert_close(dcal.weights, expected["calibrate_raking_weight"], rel=1e-12, what="raking weights")
    assert_close(dcal.weights, draked.weights, rel=1e-12, what="calibrate raking = rake")
    _check_stat(svymean(dcal, ["api00", "enroll"]), outputs["raking_mean"], "raking mean")
    report = weighting_report(dcal)
    assert isinstance(report, CalibrationReport) and report.converged and report.criterion < 1e-12


def test_e03_calibrate_linear(dsrs):
    outputs = case("E03_weights_only_calibrate_raking_and_linear")["outputs"]
    dcal = calibrate(dsrs, ["stype", "sch.wide", "comp.imp"], POP_E03)
    expected = weights_file("weights_E03_calibrate.csv")
    assert_close(dcal.weights, expected["calibrate_linear_weight"], rel=1e-12, what="linear weights")
    _check_stat(svymean(dcal, ["api00", "enroll"], deff=True), outputs["linear_mean"], "linear mean")
    _check_stat(svytotal(dcal, "enroll"), outputs["linear_total_enroll"], "linear total")
    _check_stat(svymean(dcal, "awards"), outputs["linear_prop_awards"], "linear proportion")


def test_e03_calibrate_from_margins_equals_totals(dsrs):
    by_totals = calibrate(dsrs, ["stype", "sch.wide", "comp.imp"], POP_E03, calfun="raking", epsilon=1e-12)
    by_margins = calibrate(dsrs, None, MARGINS, calfun="raking", epsilon=1e-12)
    assert_close(by_margins.weights, by_totals.weights, rel=1e-12)
    assert list(calibration_matrix(dsrs, ["stype", "sch.wide", "comp.imp"]).columns) == list(POP_E03)


def test_calibration_matrix_is_rs_model_matrix(apisrs):
    """R: colnames/colSums of model.matrix(~stype*g3 + comp.imp, d), g3 = c("a","b","c")[1 + snum %% 3]."""
    data = apisrs.assign(g3=np.array(["a", "b", "c"])[apisrs["snum"].to_numpy() % 3])
    X = calibration_matrix(data, ["stype", "g3", ("stype", "g3"), "comp.imp"])
    assert list(X.columns) == ["(Intercept)", "stypeH", "stypeM", "g3b", "g3c", "comp.impYes",
                               "stypeH:g3b", "stypeM:g3b", "stypeH:g3c", "stypeM:g3c"]
    assert X.sum().tolist() == [200, 25, 33, 65, 68, 133, 5, 9, 9, 16]


def test_calibrate_model_matrix_and_sequence_totals(dsrs):
    X = calibration_matrix(dsrs, ["stype", "sch.wide", "comp.imp"])
    a = calibrate(dsrs, X, POP_E03)
    b = calibrate(dsrs, X.to_numpy(), list(POP_E03.values()))
    c = calibrate(dsrs, ["stype", "sch.wide", "comp.imp"], POP_E03)  # solved over distinct rows
    np.testing.assert_array_equal(a.weights, b.weights)
    assert_close(c.weights, a.weights, rel=1e-13)
    assert_close(c.calibration[-1].X, a.calibration[-1].X, rel=0)


# -- E07: rake then trimWeights ------------------------------------------------------------


def test_e07_trimmed_weights_and_means(draked):
    outputs = case("E07_weights_only_rake_then_trim")["outputs"]
    expected = weights_file("weights_E07_rake_trim.csv")
    assert_close(draked.weights, expected["raked_weight"], rel=1e-12)
    for strict, column, key in ((False, "trimmed_weight", "trimmed_mean"),
                                (True, "trimmed_strict_weight", "trimmed_strict_mean")):
        dtrim = trim_weights(draked, lower=25, upper=40, strict=strict)
        assert_close(dtrim.weights, expected[column], rel=1e-12, what=column)
        assert dtrim.calibration == draked.calibration  # R keeps the raking record
        _check_stat(svymean(dtrim, ["api00", "sch.wide"]), outputs[key], key)


def test_weight_without_trimming_is_rake(dsrs, draked):
    final, report = weight(dsrs, MARGINS, epsilon=1e-14, maxit=1000)
    np.testing.assert_array_equal(final.weights, draked.weights)
    assert report.achieved == report.rake == weighting_report(draked)
    assert report.margins_hold and report.trimmed == 0 and report.rounds == 0
    assert report.before["kish_deff"] == pytest.approx(1.0)
    assert set(report.margins["margin"]) == set(MARGINS)


def _achieved_errors(design, margins) -> tuple[float, float]:
    """The largest absolute and relative margin errors of a design's weights, from scratch."""
    abs_err = rel_err = 0.0
    for var, cells in margins.items():
        target = pd.Series(cells, dtype=float)
        error = (pd.Series(design.weights).groupby(design.data[var].to_numpy()).sum() - target).abs()
        abs_err, rel_err = max(abs_err, float(error.max())), max(rel_err, float((error / target).max()))
    return abs_err, rel_err


def test_trimmed_weights_are_raked_again_so_the_margins_hold(dsrs, draked):
    """Trim to [22, 36], rake the rest with the trimmed weights held: the bounds and every
    margin hold, and the report gives what the final weights achieve."""
    final, report = weight(dsrs, MARGINS, trim=(22, 36), epsilon=1e-14, maxit=1000)
    w = final.weights
    assert w.min() >= 22 and w.max() <= 36
    assert report.rounds == 2  # the first raking again pushed weights over the bounds
    first = (draked.weights < 22) | (draked.weights > 36)
    assert report.held[first].all() and report.trimmed > int(first.sum())
    np.testing.assert_array_equal(w[report.held], np.clip(w[report.held], 22, 36))
    assert np.isin(w[report.held], [22, 36]).all()
    assert report.margins_hold and report.achieved.converged
    abs_err, rel_err = _achieved_errors(final, MARGINS)
    assert rel_err < 1e-12 and report.achieved.max_rel_error < 1e-12
    assert report.achieved.max_abs_error == pytest.approx(abs_err, abs=1e-10)
    assert report.achieved.iterations > report.rake.iterations
    assert np.abs(report.margins["rel_error"]).max() < 1e-12
    assert report.after["max"] == 36 and report.after["min"] == 22
    assert weighting_report(final) == report.rake  # the raking record is kept, as trimWeights keeps it


def test_bounds_the_targets_rule_out_are_reported_not_converged(dsrs):
    """37 schools with sch.wide No must weigh 1072 while those with comp.imp No (35 of them
    among the 37) may weigh at most 1712 - 25 x 32: within [25, 40] the margins cannot all
    hold. The report says so with the error the final weights really have."""
    with pytest.warns(WeightingWarning, match="margins miss their targets"):
        final, report = weight(dsrs, MARGINS, trim=(25, 40), epsilon=1e-14, maxit=1000)
    assert final.weights.min() >= 25 and final.weights.max() <= 40
    assert not report.margins_hold
    abs_err, rel_err = _achieved_errors(final, MARGINS)
    assert report.achieved.max_abs_error == pytest.approx(abs_err, rel=1e-12)
    assert rel_err > 0.01 and report.achieved.max_rel_error == pytest.approx(rel_err, rel=1e-12)
    assert report.achieved.max_rel_error == pytest.approx(np.abs(report.margins["rel_error"]).max(), rel=1e-12)
    assert report.rake.max_rel_error < 1e-12  # the first raking's fit is not what is reported


@pytest.mark.parametrize("max_rounds", [0, 1])
def test_after_the_last_round_the_weights_are_held_at_the_bounds_and_reported(dsrs, max_rounds):
    """[22, 36] needs two rounds; stopped earlier, the weights still outside are set to the
    bounds without raking again, and the report says the margins do not hold."""
    with pytest.warns(WeightingWarning, match="margins miss their targets"):
        final, report = weight(dsrs, MARGINS, trim=(22, 36), epsilon=1e-14, maxit=1000, max_rounds=max_rounds)
    assert report.rounds == max_rounds and not report.achieved.converged and not report.margins_hold
    assert final.weights.min() == 22 and final.weights.max() == 36
    assert report.achieved.max_rel_error == pytest.approx(_achieved_errors(final, MARGINS)[1], rel=1e-12)


def test_trimming_relative_to_the_median_weight(dsrs, draked):
    median = float(np.median(draked.weights))
    final, report = weight(dsrs, MARGINS, trim=TrimBounds(0.65, 1.1, "median"), epsilon=1e-14, maxit=1000)
    assert report.lower == pytest.approx(np.full(dsrs.n, 0.65 * median))
    assert report.upper == pytest.approx(np.full(dsrs.n, 1.1 * median))
    assert final.weights.min() >= 0.65 * median and final.weights.max() <= 1.1 * median * (1 + 1e-15)
    assert report.trimmed > 0 and report.margins_hold


# -- extra R cases (tests/r/weighting_extra.R) ---------------------------------------------


@pytest.fixture(scope="module")
def api():
    return {name: dataset(name) for name in ("apistrat", "apiclus1", "apisrs", "apipop")}


def _cells(pop: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    return pop.groupby(variables, observed=False).size().rename("Freq").reset_index()


def _extra_design(api, name: str):
    strat = svydesign(api["apistrat"], weights="pw", strata="stype", fpc="fpc")
    pop = api["apipop"]
    pop_cal = {"(Intercept)": 6194, "sch.wideYes": 5122, "comp.impYes": 4482,
               "api99": float(pop["api99"].sum())}
    cal_terms = ["sch.wide", "comp.imp", "api99"]
    ss = _cells(pop, ["stype", "sch.wide"])
    ci = {"comp.imp": MARGINS["comp.imp"]}
    if name == "ps_strat_schwide":
        return poststratify(strat, "sch.wide", pd.DataFrame({"sch.wide": ["No", "Yes"], "Freq": [1072, 5122]}))
    if name == "ps_strat_stype_awards":
        return poststratify(strat, ["stype", "awards"], _cells(pop, ["stype", "awards"]))
    if name == "rake_strat_joint":
        return rake(strat, [ss, ci], epsilon=1e-13, maxit=200)
    if name == "rake_clus1":
        clus = svydesign(api["apiclus1"], weights="pw", ids="dnum", fpc="fpc")
        return rake(clus, {k: MARGINS[k] for k in ("stype", "sch.wide")}, epsilon=1e-13, maxit=200)
    if name == "cal_logit":
        return calibrate(strat, cal_terms, pop_cal, calfun="logit", bounds=(0.5, 2), epsilon=1e-12, maxit=100)
    if name == "cal_linear_bounded":
        return calibrate(strat, cal_terms, pop_cal, calfun="linear", bounds=(0.6, 1.4), epsilon=1e-12, maxit=100)
    if name == "cal_linear_numeric":
        return calibrate(strat, cal_terms, pop_cal)
    if name == "cal_margins_raking":
        return calibrate(strat, None, [ss, ci], calfun="raking", epsilon=1e-12, maxit=100)
    if name == "cal_rescaled_raking":
        ones = svydesign(api["apisrs"].assign(one=1.0), weights="one")
        return calibrate(ones, ["stype", "sch.wide"],
                         {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "sch.wideYes": 5122},
                         calfun="raking", epsilon=1e-12, maxit=100)
    raise KeyError(name)


EXTRA_CASES = [k for k, v in EXTRA.items() if isinstance(v, dict) and "mean" in v]


@pytest.mark.parametrize("name", EXTRA_CASES)
def test_extra_r_cases(api, name):
    expected = EXTRA[name]
    design = _extra_design(api, name)
    assert_close(design.weights, expected["weights"], rel=1e-12, what=f"{name} weights")
    for key, estimator in (("mean", svymean), ("total", svytotal)):
        if key not in expected:
            continue
        names = expected[key]["names"]
        names = [names] if isinstance(names, str) else names
        stat = estimator(design, names)
        assert_close(_stat(stat, "estimates"), expected[key]["estimate"], what=f"{name} {key}")
        k = len(names)
        assert_close(stat.vcov, np.array(expected[key]["vcov"]).reshape(k, k), REL, what=f"{name} {key} vcov")


def test_poststratify_variance_uses_rs_weighted_post_stratum_means(api):
    """With unequal base weights R's postStratify record centres within post-strata at the
    mean weighted by the OLD weights; the raking form (plain mean) is 10% off here."""
    import dataclasses

    from swsurvey.survey.variance import PostStratification

    design = _extra_design(api, "ps_strat_schwide")
    record = design.calibration[-1]
    plain = dataclasses.replace(design, calibration=(PostStratification(record.groups, record.new),))
    expected = np.array(EXTRA["ps_strat_schwide"]["mean"]["vcov"]).reshape(2, 2)
    assert not np.allclose(svymean(plain, ["api00", "enroll"]).vcov, expected, rtol=1e-3)


# -- trimWeights in survey 4.5 (tests/r/trim_weights.R) -------------------------------------


@pytest.fixture(scope="module")
def draked_strat(api):
    strat = svydesign(api["apistrat"], weights="pw", strata="stype", fpc="fpc")
    raked = rake(strat, MARGINS, epsilon=1e-13, maxit=200)
    assert_close(raked.weights, TRIM["raked"], rel=1e-12, what="raked weights")
    return raked


def _trim_bounds(raked, name: str):
    expected = TRIM[name]
    if "lower_times_median" in expected:
        return TrimBounds(expected["lower_times_median"], expected["upper_times_median"], "median",
                          by="stype").resolve(raked)
    return expected["lower"], expected["upper"]


@pytest.mark.parametrize("name", ["once_18_36", "strict_14_36", "strict_18_36", "strict_stype_median"])
def test_trim_weights_as_survey_4_5(draked_strat, name):
    """Weights, warning and svymean (with the raking record kept) as R's trimWeights."""
    expected = TRIM[name]
    lower, upper = _trim_bounds(draked_strat, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trimmed = trim_weights(draked_strat, upper, lower, strict=expected["strict"])
    assert_close(trimmed.weights, expected["weights"], rel=1e-12, what=f"{name} weights")
    failed = [w for w in caught if issubclass(w.category, WeightingWarning)]
    assert len(failed) == len(expected["warnings"])
    assert all("trimming failed" in str(w.message) for w in failed)
    assert trimmed.calibration == draked_strat.calibration
    stat = svymean(trimmed, ["api00", "enroll"])
    assert_close(_stat(stat, "estimates"), expected["mean"], what=f"{name} mean")
    assert_close(stat.vcov, _vcov(expected["vcov"]), REL, what=f"{name} vcov")


def test_strict_trimming_keeps_once_trimmed_weights_at_their_bound(draked_strat):
    """Survey 4.5's rule, by its definition: a weight outside the bounds after the first pass
    is at its bound at the end, and only weights never trimmed took the trimmings, each the
    same amount; survey 4.1's rule (shares to every weight inside) gives other weights."""
    w = draked_strat.weights
    strict = trim_weights(draked_strat, 36, 14, strict=True).weights
    first = (w < 14) | (w > 36)
    np.testing.assert_array_equal(strict[first], np.clip(w[first], 14, 36))
    once = trim_weights(draked_strat, 36, 14).weights
    second = ~first & ((once < 14) | (once > 36))
    assert second.any()
    np.testing.assert_array_equal(strict[second], np.clip(once[second], 14, 36))
    untouched = ~first & ~second & (strict > 14) & (strict < 36)
    shift = strict[untouched] - w[untouched]
    assert shift == pytest.approx(np.full(len(shift), shift[0]), rel=1e-12)
    assert strict.sum() == pytest.approx(w.sum(), rel=1e-12)


def test_bounds_relative_to_the_median_are_rs_median_by_stratum(draked_strat):
    expected = TRIM["strict_stype_median"]
    lower, upper = TrimBounds(0.9, 1.1, "median", by="stype").resolve(draked_strat)
    assert_close(lower / 0.9, expected["median"], rel=1e-12, what="median by stype")
    assert_close(upper / 1.1, expected["median"], rel=1e-12, what="median by stype")
    once = trim_weights(draked_strat, upper, lower).weights
    assert int(((once < lower) | (once > upper)).sum()) == TRIM["once_stype_median_outside"] == 38
    overall = TrimBounds(0.5, 2, "median").resolve(draked_strat)
    assert (overall[0] == 0.5 * np.median(draked_strat.weights)).all()


def test_trim_bounds_are_checked_naming_the_value():
    assert "'mean'" in str(_err(TrimBounds, 0.5, 2, "mean"))
    assert "-0.5" in str(_err(TrimBounds, -0.5, 2, "median"))
    assert "lower 3 > upper 2" in str(_err(TrimBounds, 3, 2))


def test_calibration_that_fails_is_an_error_or_forced_with_rs_criterion(api):
    strat = svydesign(api["apistrat"], weights="pw", strata="stype", fpc="fpc")
    pop_cal = {"(Intercept)": 6194, "sch.wideYes": 5122, "comp.impYes": 4482,
               "api99": float(api["apipop"]["api99"].sum())}
    args = dict(calfun="logit", bounds=(0.7, 1.4), epsilon=1e-12, maxit=100)
    with pytest.raises(InputError, match="calibration failed"):
        calibrate(strat, ["sch.wide", "comp.imp", "api99"], pop_cal, **args)
    with pytest.warns(WeightingWarning, match="did not converge"):
        forced = calibrate(strat, ["sch.wide", "comp.imp", "api99"], pop_cal, force=True, **args)
    expected = EXTRA["cal_logit_failed"]
    assert_close(forced.weights, expected["weights"], rel=1e-12, what="forced weights")
    report = weighting_report(forced)
    assert not report.converged
    assert_close(report.criterion, expected["eps"][0], rel=1e-9, what="achieved criterion")


# -- convergence control -------------------------------------------------------------------


def test_rake_that_stops_early_warns_with_the_achieved_error(dsrs):
    with pytest.warns(WeightingWarning, match=r"did not converge after 2 sweeps.*largest margin error"):
        early = rake(dsrs, MARGINS, epsilon=1e-14, maxit=2)
    report = weighting_report(early)
    assert report.iterations == 2 and not report.converged
    achieved = svytotal(early, ["stype", "sch.wide", "comp.imp"]).as_dict()
    targets = {f"{v}{lv}": t for v, cells in MARGINS.items() for lv, t in cells.items()}
    errors = {k: abs(achieved[k] - targets[k]) for k in targets}
    assert report.max_abs_error == pytest.approx(max(errors.values()), rel=1e-9)
    assert report.max_rel_error == pytest.approx(max(errors[k] / targets[k] for k in targets), rel=1e-9)
    assert report.max_abs_error > 1e-6


def test_rake_r_default_absolute_epsilon(dsrs):
    loose = rake(dsrs, MARGINS, epsilon=1, maxit=10)  # R's defaults: 1 weight unit
    report = weighting_report(loose)
    assert report.converged and report.tolerance == 1 and report.delta < 1


# -- input errors --------------------------------------------------------------------------


def _err(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


def test_category_without_target_is_an_error(dsrs):
    err = _err(rake, dsrs, {"stype": {"E": 4421, "H": 755}})
    assert err.variable == "stype" and err.value == "M" and err.count == 33


def test_target_level_absent_from_data_is_an_error(dsrs):
    err = _err(rake, dsrs, {"stype": {**MARGINS["stype"], "X": 5}})
    assert err.variable == "stype" and err.value == "X"
    # a zero target for an absent category is dropped, as R does
    ok = rake(dsrs, {"stype": {**MARGINS["stype"], "X": 0}}, epsilon=1e-12)
    assert ok.weights.sum() == pytest.approx(6194)


def test_target_with_only_zero_weight_respondents_is_an_error(dsrs):
    dom = dsrs.subset(dsrs.data["stype"].to_numpy() != "H")
    err = _err(rake, dom, {"stype": MARGINS["stype"]})
    assert err.variable == "stype" and err.value == "H"
    raked = rake(dom, {"stype": {"E": 4421, "M": 1018}}, epsilon=1e-12)
    assert raked.weights[dom.data["stype"].to_numpy() == "H"].max() == 0


def test_missing_values_in_a_raking_variable_are_an_error(apisrs):
    data = apisrs.copy()
    data.loc[3, "stype"] = np.nan
    err = _err(rake, svydesign(data, weights="pw"), MARGINS)
    assert err.variable == "stype" and err.count == 1


def test_negative_or_missing_targets_are_errors(dsrs):
    err = _err(rake, dsrs, {"stype": {"E": 4421, "H": -755, "M": 1018}})
    assert err.variable == "stype" and err.value == "H"
    err = _err(rake, dsrs, {"stype": {"E": 4421, "H": math.nan, "M": 1018}})
    assert err.variable == "stype" and err.value == "H"


def test_margins_with_different_totals_are_an_error(dsrs):
    err = _err(rake, dsrs, {**MARGINS, "comp.imp": {"No": 1712, "Yes": 4400}})
    assert "disagree" in str(err) and "comp.imp" in str(err)
    # within the tolerance (relative) they are accepted
    rake(dsrs, {**MARGINS, "comp.imp": {"No": 1712, "Yes": 4482 + 1e-4}}, margin_tolerance=1e-6)


def test_joint_margins_must_agree_on_shared_variables(dsrs, api):
    pop = api["apipop"]
    ss = _cells(pop, ["stype", "sch.wide"])
    sc = _cells(pop, ["stype", "comp.imp"])
    rake(dsrs, [ss, sc], epsilon=1e-12)  # consistent: stype totals agree
    sc.loc[(sc["stype"] == "M") & (sc["comp.imp"] == "Yes"), "Freq"] += 10
    sc.loc[(sc["stype"] == "E") & (sc["comp.imp"] == "Yes"), "Freq"] -= 10  # same grand total
    err = _err(rake, dsrs, [ss, sc])
    assert err.variable == "stype" and err.value == "E"


def test_joint_target_missing_a_cell_and_duplicate_cells(dsrs, api):
    ss = _cells(api["apipop"], ["stype", "sch.wide"])
    err = _err(rake, dsrs, joint_targets(ss.iloc[1:]))
    assert err.variable == "stype:sch.wide" and err.value == "E:No"
    err = _err(rake, dsrs, joint_targets(pd.concat([ss, ss.iloc[:1]])))
    assert "twice" in str(err) and err.value == "E:No"


def test_unknown_variable_and_bad_specs(dsrs):
    assert _err(rake, dsrs, {"nope": {"a": 1}}).variable == "nope"
    _err(rake, dsrs, [])
    _err(rake, dsrs, 42)
    _err(rake, dsrs, MARGINS, maxit=0)


def test_calibrate_input_errors(dsrs):
    terms = ["stype", "sch.wide", "comp.imp"]
    assert _err(calibrate, dsrs, terms, {k: v for k, v in POP_E03.items() if k != "stypeM"}).variable == "stypeM"
    assert _err(calibrate, dsrs, terms, {**POP_E03, "extra": 1}).variable == "extra"
    _err(calibrate, dsrs, terms, [1, 2, 3])
    _err(calibrate, dsrs, terms, POP_E03, calfun="logit")  # needs finite bounds
    _err(calibrate, dsrs, terms, POP_E03, calfun="logit", bounds=(1.1, 2))
    _err(calibrate, dsrs, terms, POP_E03, calfun="cubic")
    _err(calibrate, dsrs, terms, POP_E03, calfun="raking", bounds=(2, 0.5))
    _err(calibrate, dsrs, terms, None)
    assert _err(calibrate, dsrs, ["nope"], {"(Intercept)": 1, "nope": 1}).variable == "nope"
    data = dsrs.data.assign(x=1.0)
    data.loc[0, "x"] = np.nan
    assert _err(calibrate, svydesign(data, weights="pw"), ["x"], {"(Intercept)": 1, "x": 1}).variable == "x"
    # collinear columns in unbounded linear calibration
    data = dsrs.data.assign(x=2.0)
    _err(calibrate, svydesign(data, weights="pw"), ["x"], {"(Intercept)": 6194, "x": 12388})


def test_trim_input_errors_and_no_op(draked):
    _err(trim_weights, draked, lower=40, upper=25)
    _err(trim_weights, draked, lower=40)  # 200 * 40 > 6194: infeasible
    _err(trim_weights, draked, upper=20)
    assert trim_weights(draked, 100, 0) is draked


def test_trim_leaves_zero_weight_rows_at_zero(draked):
    dom = draked.subset(draked.data["stype"].to_numpy() == "E")
    trimmed = trim_weights(dom, lower=30, upper=40)
    outside = dom.data["stype"].to_numpy() != "E"
    assert (trimmed.weights[outside] == 0).all()
    assert trimmed.weights.sum() == pytest.approx(dom.weights.sum(), rel=1e-12)


def test_poststratify_input_errors(dsrs):
    pop = pd.DataFrame({"sch.wide": ["No", "Yes"], "Freq": [1072, 5122]})
    _err(poststratify, dsrs, "stype", pop)
    _err(poststratify, dsrs, "sch.wide", [pop, pop])
    dom = dsrs.subset(dsrs.data["sch.wide"].to_numpy() == "Yes")
    assert _err(poststratify, dom, "sch.wide", pop).value == "No"
    with pytest.warns(WeightingWarning, match="ignored"):
        partial = poststratify(dom, "sch.wide", pop, partial=True)
    assert partial.weights.sum() == pytest.approx(5122)


def test_integer_coded_variable_matches_text_levels(dsrs):
    data = dsrs.data.assign(code=dsrs.data["stype"].cat.codes.astype(int) + 1)
    design = svydesign(data, weights="pw")
    by_text = rake(design, {"code": {"1": 4421, "2": 755, "3": 1018}}, epsilon=1e-12)
    by_int = rake(design, {"code": {1: 4421, 2: 755, 3: 1018}}, epsilon=1e-12)
    np.testing.assert_array_equal(by_text.weights, by_int.weights)


def test_margin_objects():
    m = Margin.from_table(pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"], "total": [1.0, 2.0]}))
    assert m.name == "a:b" and m.n_cells == 2 and m.cell_label(1) == "y:v"
    assert list(m.table()["total"]) == [1.0, 2.0]
    series = pd.Series([3.0, 4.0], index=pd.Index(["x", "y"], name="a"))
    assert as_margins(series)[0].variables == ("a",)
    joint = as_margins({("a", "b"): {("x", "u"): 1, ("y", "v"): 2}})[0]
    assert joint.variables == ("a", "b")
    with pytest.raises(InputError):
        as_margins(pd.Series([1.0, 2.0]))
    with pytest.raises(InputError):
        as_margins({("a", "b"): {"x": 1}})


# -- properties --------------------------------------------------------------------------------


@st.composite
def raking_problems(draw):
    """Data with every cell of a x b x c present (so targets from any positive joint table
    are attainable), random base weights, and a random positive population table."""
    ka, kb, kc = draw(st.integers(2, 4)), draw(st.integers(2, 3)), draw(st.integers(2, 4))
    extra = draw(st.integers(0, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    grid = np.array(np.meshgrid(np.arange(ka), np.arange(kb), np.arange(kc), indexing="ij")).reshape(3, -1).T
    rows = np.vstack([grid, np.column_stack([rng.integers(0, k, extra) for k in (ka, kb, kc)])])
    data = pd.DataFrame({
        "country": np.array([f"C{i}" for i in range(ka)])[rows[:, 0]],
        "gender": np.array(["f", "m", "x"])[rows[:, 1]],
        "age": rows[:, 2],
        "w": rng.uniform(0.5, 5.0, len(rows)),
    })
    population = rng.uniform(1.0, 100.0, (ka, kb, kc))
    return data, population


def _targets(data, population):
    ka, kb, kc = population.shape
    countries = [f"C{i}" for i in range(ka)]
    genders = ["f", "m", "x"][:kb]
    joint_cg = pd.DataFrame(
        [(countries[i], genders[j], population[i, j, :].sum()) for i in range(ka) for j in range(kb)],
        columns=["country", "gender", "total"])
    joint_ca = pd.DataFrame(
        [(countries[i], k, population[i, :, k].sum()) for i in range(ka) for k in range(kc)],
        columns=["country", "age", "total"])
    marginal = pd.DataFrame(
        [("country", countries[i], population[i].sum()) for i in range(ka)]
        + [("gender", genders[j], population[:, j].sum()) for j in range(kb)]
        + [("age", k, population[:, :, k].sum()) for k in range(kc)],
        columns=["variable", "level", "total"])
    return [joint_cg, joint_ca], marginal


def _check_margins(design, margins):
    for m in as_margins(margins):
        for i in range(m.n_cells):
            inside = np.ones(design.n, dtype=bool)
            for v, lv in zip(m.variables, m.levels):
                inside &= design.data[v].to_numpy() == lv[i]
            assert design.weights[inside].sum() == pytest.approx(m.totals[i], rel=1e-8), (m.name, i)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raking_problems())
def test_raked_weights_reproduce_every_target(problem):
    data, population = problem
    design = svydesign(data, weights="w", strata="country")
    joint, marginal = _targets(data, population)
    for margins in (joint, marginal):
        raked = rake(design, margins, epsilon=1e-13, maxit=5000)
        report = weighting_report(raked)
        assert report.converged and report.max_rel_error < 1e-8
        _check_margins(raked, margins)


@settings(max_examples=25, deadline=None)
@given(raking_problems(), st.integers(0, 2**32 - 1))
def test_raking_is_invariant_to_row_order(problem, seed):
    data, population = problem
    joint, _ = _targets(data, population)
    perm = np.random.default_rng(seed).permutation(len(data))
    raked = rake(svydesign(data, weights="w"), joint, epsilon=1e-13, maxit=5000)
    shuffled = rake(svydesign(data.iloc[perm], weights="w"), joint, epsilon=1e-13, maxit=5000)
    np.testing.assert_allclose(shuffled.weights, raked.weights[perm], rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(raking_problems(), st.floats(0.8, 1.25), st.floats(-0.5, 0.5))
def test_linear_calibration_reproduces_its_totals(problem, scale, shift):
    data, _ = problem
    rng = np.random.default_rng(len(data))
    data = data.assign(x=rng.normal(10, 3, len(data)))
    design = svydesign(data, weights="w")
    X = calibration_matrix(design, ["gender", "x", ("country", "gender")])
    sample = X.to_numpy().T @ design.weights
    totals = sample * scale + shift * np.abs(sample).max() * 0.01
    cal = calibrate(design, X, dict(zip(X.columns, totals)))
    np.testing.assert_allclose(X.to_numpy().T @ cal.weights, totals, rtol=1e-9, atol=1e-9 * np.abs(totals).max())
    assert weighting_report(cal).converged


# -- raking a replicate design (R's rake() on a svyrep.design) -----------------------------------

RAKED_REPLICATES = json.loads((Path(__file__).parents[1] / "r" / "raked_replicates.json").read_text())
RAKED_STAGE = json.loads((Path(__file__).parents[1] / "r" / "raked_stage.json").read_text())


def _raked_replicate_wave():
    """tests/r/raked_replicates.R's wave (that of raked_stage.R) and its joint targets."""
    levels = {"country": ["Canada", "Israel", "United States"], "gender": ["Man", "Woman"],
              "age_group": ["Under 35", "35-54", "55 and over"], "any_use": ["No", "Yes"]}
    data = pd.DataFrame({k: pd.Categorical(v, categories=levels[k]) for k, v in RAKED_STAGE["data"].items()})
    assert list(data["country"]) == RAKED_REPLICATES["country"]
    margins = [joint_targets(pd.DataFrame({"country": t["country"], variable: t["level"],
                                           "Freq": t["population_count"]}), ["country", variable], "Freq")
               for variable, t in RAKED_STAGE["targets"].items()]
    return data.assign(one=1.0), margins


def _raked_replicate_results(design):
    from swsurvey.survey.ciprop import svyciprop

    canada = design.subset(design.data["country"] == "Canada")
    israel = design.subset(design.data["country"] == "Israel")
    ci = svyciprop(israel, "any_use", method="beta", value="Yes")
    return {"canada_any_use": svymean(canada, "any_use").se, "canada_gender": svymean(canada, "gender").se,
            "all_any_use": svymean(design, "any_use").se, "israel_ciprop_beta": [ci.se, ci.ci_lower, ci.ci_upper],
            "degf": design.degf(), "degf_israel": israel.degf()}


def test_raking_a_replicate_design_rakes_every_replicate_as_r():
    from swsurvey.survey.replicates import as_svrepdesign

    data, margins = _raked_replicate_wave()
    base = as_svrepdesign(svydesign(data, weights="one", strata="country"), type="JKn")
    raked = rake(base, margins, epsilon=1e-10, maxit=100)
    r = RAKED_REPLICATES["calibrated"]
    assert_close(raked.weights, RAKED_REPLICATES["weights"], rel=1e-12)
    ours = raked.replicate_weights(np.array([0, 1, 899]))
    for mine, theirs in zip(ours, r["replicate_weights"], strict=True):
        assert_close(mine, theirs, rel=1e-12)
    got = _raked_replicate_results(raked)
    for key in ("canada_any_use", "all_any_use"):
        assert_close(got[key], r[key]["se"], rel=REL)
    assert_close(got["canada_gender"], r["canada_gender"]["se"], rel=0, abs_=1e-12)  # both rounding: 1e-13
    ci = r["israel_ciprop_beta"]
    assert_close(got["israel_ciprop_beta"], [ci["se"], *ci["ci"]], rel=REL)
    assert (got["degf"], got["degf_israel"]) == (r["degf"], r["degf_israel"]) == (888, 227)
    # a raking margin (Canada's share of women) has no replicate variation; the raked
    # weights held fixed in the replicates give it a positive SE
    assert max(got["canada_gender"]) < 1e-12
    fixed = as_svrepdesign(svydesign(data.assign(w=raked.weights), weights="w", strata="country"), type="JKn")
    held = _raked_replicate_results(fixed)
    assert min(held["canada_gender"]) > 0.03
    for key in ("canada_any_use", "canada_gender", "all_any_use"):
        assert_close(held[key], RAKED_REPLICATES["fixed"][key]["se"], rel=REL)


def test_a_replicate_is_raked_alone_whatever_replicates_come_with_it():
    from swsurvey.survey.replicates import as_svrepdesign

    data, margins = _raked_replicate_wave()
    base = as_svrepdesign(svydesign(data, weights="one", strata="country"), type="bootstrap", replicates=6, seed=3)
    raked = rake(base, margins, epsilon=1e-10, maxit=100)
    whole = raked.replicate_weights(np.arange(6))
    apart = np.vstack([raked.replicate_weights(np.array([r])) for r in (5, 2, 0, 1, 4, 3)])
    assert np.array_equal(whole[[5, 2, 0, 1, 4, 3]], apart)
    # every replicate hits the margins
    gender = data["country"].astype(str) + ":" + data["gender"].astype(str)
    totals = {f"{c}:{g}": f for c, g, f in zip(RAKED_STAGE["targets"]["gender"]["country"],
                                                 RAKED_STAGE["targets"]["gender"]["level"],
                                                 RAKED_STAGE["targets"]["gender"]["population_count"])}
    for w in whole:
        sums = pd.Series(w).groupby(gender.to_numpy()).sum()
        assert_close(sums.to_numpy(), [totals[k] for k in sums.index], rel=1e-9)
    with pytest.raises(InputError, match="raked already"):
        rake(raked, margins)
