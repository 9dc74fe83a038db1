"""The weighted design of the describe and infer stages: its SEs carry the raking's
calibration (``weighting.variance: calibrated``, R's raked design) or hold the weights fixed
(``fixed``, SPSS Complex Samples), and every label says which.

The R comparison is tests/r/raked_stage.json (written by tests/r/raked_stage.R): a small
synthetic wave raked within country to joint country x gender and country x age-group totals
by R's ``rake()``, with svymean, svyciprop, svychisq and svyglm on the raked design and on a
plain design of the same weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from testconfig import REPO, WEIGHTING_CONFIG
from weighted_data import raked_stage_wave

from swsurvey.errors import InputError
from swsurvey.stages.describe import describe
from swsurvey.stages.designs import (
    CALIBRATED,
    FIXED,
    REPLICATES_FIXED,
    REPLICATES_RAKED,
    linearization_label,
    replicate_label,
    variance_label,
    weighted_calibration,
    weighting_design,
)
from swsurvey.stages.weighting import raked_design, read_targets
from swsurvey.survey.chisq import svychisq
from swsurvey.survey.ciprop import svyciprop
from swsurvey.survey.design import held_weights
from swsurvey.survey.estimates import svymean
from swsurvey.survey.glm import svyglm

R = json.loads((Path(__file__).parents[1] / "r" / "raked_stage.json").read_text())
R_REPLICATES = json.loads((Path(__file__).parents[1] / "r" / "raked_replicates.json").read_text())
REL = 1e-9
ABS_ZERO = 1e-7
TARGETS_2017 = REPO / "data/synthetic/population_margins_2017.csv"
SETTINGS = {**WEIGHTING_CONFIG, "variance": CALIBRATED}


# -- the default wave ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def calibration_2017(weighted_2017):
    return weighted_calibration(weighted_2017, TARGETS_2017, SETTINGS)


def _cell(estimates, variable, level, domain):
    rows = estimates[(estimates["variable"] == variable) & (estimates["level"] == level)
                     & (estimates["domain"] == domain) & (estimates["weighting"] == "weighted")]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_raking_margin_has_se_zero_on_the_raked_design_and_a_positive_se_with_fixed_weights(
        weighted_2017, calibration_2017):
    args = dict(labels={}, stratum="country", weight="weight", pooled={}, min_n=10)
    tables = {"Sample": ["gender", "any_ict_use"]}
    raked = describe(weighted_2017, tables, calibration=calibration_2017, **args)
    fixed = describe(weighted_2017, tables, **args)
    # Raking fixes Canada's weighted share of women (country x gender is a raking margin).
    woman_raked, woman_fixed = _cell(raked, "gender", "Woman", "Canada"), _cell(fixed, "gender", "Woman", "Canada")
    # (the same estimate: the calibrated design keeps every row, so sums run over more zeros)
    assert woman_raked["estimate"] == pytest.approx(woman_fixed["estimate"], rel=1e-12)
    assert abs(woman_raked["se"]) < 1e-10 and woman_fixed["se"] > 0.5  # percentage points
    # An item that is not a raking margin keeps an SE of the same size, a little smaller.
    use_raked, use_fixed = _cell(raked, "any_ict_use", "Yes", "Canada"), _cell(fixed, "any_ict_use", "Yes", "Canada")
    assert use_raked["estimate"] == pytest.approx(use_fixed["estimate"], rel=1e-12)
    assert 0.5 * use_fixed["se"] < use_raked["se"] < use_fixed["se"]


def test_the_labels_name_calibrated_or_fixed_weights(weighted_2017, calibration_2017):
    label = variance_label(weighted_2017, "country", "weight", "weighted", None, calibration_2017)
    assert label == linearization_label("country", CALIBRATED) and "calibrated to the raking margins" in label
    fixed = variance_label(weighted_2017, "country", "weight", "weighted", None, None)
    assert fixed == linearization_label("country", FIXED) and "weights fixed (as SPSS Complex Samples)" in fixed
    assert variance_label(weighted_2017, "country", "weight", "unweighted", None, calibration_2017) == (
        "linearization (Taylor series), strata: country")


def test_fixed_and_supplied_replicates_carry_no_calibration(weighted_2017):
    assert weighted_calibration(weighted_2017, TARGETS_2017, {**SETTINGS, "variance": FIXED}) is None
    assert weighted_calibration(weighted_2017, TARGETS_2017, None) is None
    bootstrap = {"method": "bootstrap", "replicates": 5, "seed": 1}
    assert weighted_calibration(weighted_2017, TARGETS_2017, {**SETTINGS, "variance": FIXED}, bootstrap) is None
    supplied = {"method": "supplied", "type": "JK1", "columns": "^repw"}
    assert weighted_calibration(weighted_2017, TARGETS_2017, SETTINGS, supplied) is None
    label = variance_label(weighted_2017, "country", "weight", "weighted", bootstrap)
    assert label.startswith("replicate weights: bootstrap") and label.endswith(
        "raked weights held fixed in the replicates (raking not repeated)")


def _canada_gender_se(design):
    """The SE of Canada's share of women (those not stating a gender are a raking cell too)."""
    return svymean(design.subset(design.data["country"] == "Canada"), "woman").se


def test_calibrated_replicates_are_each_raked_again_and_fixed_ones_hold_the_weights(weighted_2017):
    weighted_2017 = weighted_2017.assign(woman=(weighted_2017["gender"] == "Woman").astype(float))
    bootstrap = {"method": "bootstrap", "replicates": 5, "seed": 1}
    raking = weighted_calibration(weighted_2017, TARGETS_2017, SETTINGS, bootstrap)
    raked = weighting_design(weighted_2017, "country", "weight", "weighted", bootstrap, raking)
    fixed = weighting_design(weighted_2017, "country", "weight", "weighted", bootstrap, None)
    np.testing.assert_allclose(raked.weights, weighted_2017["weight"], rtol=1e-12, atol=0)
    # the weight column, as R's as.svrepdesign holds it (1 / (1 / w))
    assert np.array_equal(fixed.weights, held_weights(weighted_2017["weight"].to_numpy()))
    # a raking margin: each raked replicate hits it (SE 0); with the weights fixed it varies
    assert np.all(_canada_gender_se(raked) < 1e-9) and np.all(_canada_gender_se(fixed) > 1e-3)
    # the replicates' other estimates vary either way
    assert svymean(raked, "any_ict_use", na_rm=True).se.min() > 1e-4
    label = variance_label(weighted_2017, "country", "weight", "weighted", bootstrap, raking)
    assert label == replicate_label(raked) and label.endswith("; each replicate raked again to the margins")
    assert replicate_label(fixed).endswith("; raked weights held fixed in the replicates (raking not repeated)")
    # the linearization rows of a replicate wave keep fixed weights, and say so
    assert variance_label(weighted_2017, "country", "weight", "unweighted", bootstrap, raking) == (
        "linearization (Taylor series), strata: country")


def test_replicates_cannot_repeat_a_raking_with_trimming(weighted_2017):
    bootstrap = {"method": "bootstrap", "replicates": 5, "seed": 1}
    with pytest.raises(InputError, match="cannot repeat a raking with trimming"):
        weighted_calibration(weighted_2017, TARGETS_2017, {**SETTINGS, "trim": {"upper": 5}}, bootstrap)


def test_weights_not_made_with_the_targets_and_settings_are_refused(weighted_2017):
    other = weighted_2017.assign(weight=weighted_2017["weight"] * (1 + 1e-9))
    with pytest.raises(InputError, match="other weights than the weighting stage wrote"):
        weighted_calibration(other, TARGETS_2017, SETTINGS)
    with pytest.raises(InputError, match="other weights"):
        weighted_calibration(weighted_2017, TARGETS_2017, {**SETTINGS, "epsilon": 1e-2})


# -- against R's raked design -------------------------------------------------------------------


@pytest.fixture(scope="module")
def r_wave(tmp_path_factory):
    """R's synthetic wave, weighted by the weighting stage, and its targets file."""
    return raked_stage_wave(tmp_path_factory.mktemp("raked"))


def _close(actual, expected, rel=REL):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    zero = np.abs(expected) < ABS_ZERO
    np.testing.assert_allclose(actual[zero], expected[zero], rtol=0, atol=ABS_ZERO)
    np.testing.assert_allclose(actual[~zero], expected[~zero], rtol=rel)


def _results(design):
    canada, israel = design.subset(design.data["country"] == "Canada"), design.subset(design.data["country"] == "Israel")
    m_use, m_gender, m_all = svymean(canada, "any_use"), svymean(canada, "gender"), svymean(design, "any_use")
    ci = svyciprop(israel, "any_use", method="beta", value="Yes")
    chisq = svychisq(design, "any_use", "country", statistic="F")
    fit = svyglm(design, 'I(any_use == "Yes") ~ gender + age_group + country', family="quasibinomial")
    return {
        "canada_any_use": (m_use.estimates, m_use.se),
        "canada_gender": (m_gender.estimates, m_gender.se),
        "all_any_use": (m_all.estimates, m_all.se),
        "israel_ciprop_beta": ([ci.estimate], [ci.se], [ci.ci_lower, ci.ci_upper]),
        "chisq_F": ([chisq.statistic], [chisq.parameter["ndf"], chisq.parameter["ddf"]], [chisq.p_value]),
        "glm": (fit.coefficients, fit.se),
    }


def _expected(r):
    return {
        "canada_any_use": (list(r["canada_any_use"]["estimate"].values()), list(r["canada_any_use"]["se"].values())),
        "canada_gender": (list(r["canada_gender"]["estimate"].values()), list(r["canada_gender"]["se"].values())),
        "all_any_use": (list(r["all_any_use"]["estimate"].values()), list(r["all_any_use"]["se"].values())),
        "israel_ciprop_beta": ([r["israel_ciprop_beta"]["estimate"]], [r["israel_ciprop_beta"]["se"]],
                               r["israel_ciprop_beta"]["ci"]),
        "chisq_F": ([r["chisq_F"]["statistic"]], [r["chisq_F"]["ndf"], r["chisq_F"]["ddf"]], [r["chisq_F"]["p"]]),
        "glm": (r["glm"]["estimate"], r["glm"]["se"]),
    }


def test_the_weighting_stage_gives_rs_raked_weights(r_wave):
    data, _ = r_wave
    _close(data["weight"], R["weights"])


@pytest.mark.parametrize("mode", [CALIBRATED, FIXED])
def test_the_weighted_design_agrees_with_r(r_wave, mode):
    """Calibrated: R's raked design; fixed: R's svydesign of the raked weights."""
    data, targets = r_wave
    calibration = weighted_calibration(data, targets, {**SETTINGS, "variance": mode})
    design = weighting_design(data, "country", "weight", "weighted", None, calibration)
    ours, theirs = _results(design), _expected(R["raked" if mode == CALIBRATED else "fixed"])
    for key, expected in theirs.items():
        for a, b in zip(ours[key], expected, strict=True):
            _close(a, b, rel=1e-7 if key == "chisq_F" else REL)  # the p-value: R's pf, 1e-7
    woman = ours["canada_gender"][1][1]
    assert (woman < ABS_ZERO) if mode == CALIBRATED else (woman > 0.01)


def test_with_trimming_the_record_sweeps_with_the_final_weights_so_a_margin_keeps_se_zero(r_wave):
    data, targets = r_wave
    population = read_targets(targets, "country", ["gender", "age_group"])
    settings = {k: v for k, v in SETTINGS.items() if k not in ("variance", "unknown_level")}
    trimmed = raked_design(data, population, unknown=SETTINGS["unknown_level"],
                           **{**settings, "trim": {"lower": 0.5}})
    assert not np.allclose(trimmed.weights, data["weight"])  # the bound held some weights
    # and the margins hold: the raking record is the final weights'
    record = trimmed.calibration[-1]
    assert all(np.array_equal(m.psw, trimmed.weights) for m in record.margins)
    design = weighting_design(data.assign(weight=trimmed.weights), "country", "weight", "weighted", None,
                              trimmed.calibration)
    woman = svymean(design.subset(design.data["country"] == "Canada"), "gender")
    assert woman.se[1] < ABS_ZERO


@pytest.mark.parametrize("mode", [CALIBRATED, FIXED])
def test_the_jackknife_design_agrees_with_r(r_wave, mode):
    """Calibrated: R's rake(as.svrepdesign(design, type = "JKn"), ...); fixed: R's
    as.svrepdesign of the raked weights (tests/r/raked_replicates.R)."""
    data, targets = r_wave
    jkn = {"method": "JKn"}
    calibration = weighted_calibration(data, targets, {**SETTINGS, "variance": mode}, jkn)
    design = weighting_design(data, "country", "weight", "weighted", jkn, calibration)
    expected = R_REPLICATES["calibrated" if mode == CALIBRATED else "fixed"]
    canada, israel = (design.subset(design.data["country"] == c) for c in ("Canada", "Israel"))
    _close(svymean(canada, "any_use").se, expected["canada_any_use"]["se"])
    _close(svymean(design, "any_use").se, expected["all_any_use"]["se"])
    _close(svymean(canada, "gender").se, expected["canada_gender"]["se"])  # R's 6e-14 when calibrated: 0
    ci = svyciprop(israel, "any_use", method="beta", value="Yes")
    _close([ci.se, ci.ci_lower, ci.ci_upper], [expected["israel_ciprop_beta"]["se"], *expected["israel_ciprop_beta"]["ci"]])
    assert (design.degf(), israel.degf()) == (expected["degf"], expected["degf_israel"])
    assert replicate_label(design).endswith(REPLICATES_RAKED if mode == CALIBRATED else REPLICATES_FIXED)
