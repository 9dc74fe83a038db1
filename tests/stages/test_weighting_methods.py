"""The weighting stage's methods against R (tests/r/weighting_methods.R): a two-stage design
with base weights (strata country, clusters psu) raked, calibrated (linear and bounded
logit) to joint country x gender and country x age-group totals, and post-stratified on
country x gender x age group (a joint margin of the targets file); the weights to 1e-9, and
the SEs of a margin variable and of an item that is no margin on the design that carries the
weighting's calibration (``calibration_of``, as the describe and infer stages use it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from testconfig import WEIGHTING_CONFIG

from swsurvey.errors import InputError
from swsurvey.stages.describe import describe
from swsurvey.stages.designs import (
    FIXED,
    GREG,
    analysis_setting,
    calibrated,
    linearization_label,
    weights_kind,
)
from swsurvey.stages.weighting import (
    analysis_design,
    calibration_of,
    design_setting,
    method_text,
    read_targets,
    replicate_raking,
    weight_respondents,
    weighting_settings,
)
from swsurvey.survey.estimates import svymean

R = json.loads((Path(__file__).parents[1] / "r" / "weighting_methods.json").read_text())
REL = 1e-9
DESIGN = {"weights": "base", "strata": "country", "ids": ["psu"], "fpc": []}
#: Each method's settings (over the config's weighting), as a wave would give them.
METHODS = {
    "rake": {"method": "rake"},
    "linear": {"method": "linear"},
    "logit": {"method": "logit", "bounds": {"lower": 0.5, "upper": 3}},
    "poststratify": {"method": "poststratify", "margins": [["gender", "age_group"]]},
}


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    """R's data and a long-form targets file (the total column named ``total``; the joint
    margin's rows named gender:age_group)."""
    levels = {"country": ["Canada", "Israel"], "gender": ["Man", "Woman"],
              "age_group": ["Under 35", "35-54", "55 and over"], "any_use": ["No", "Yes"]}
    data = pd.DataFrame({k: pd.Categorical(R["data"][k], categories=v) for k, v in levels.items()})
    data["psu"] = R["data"]["psu"]
    data["base"] = np.asarray(R["data"]["base"], dtype=float)
    names = {"gender": "gender", "age_group": "age_group", "joint": "gender:age_group"}
    targets = pd.concat([pd.DataFrame({"country": t["country"], "variable": names[key], "level": t["level"],
                                       "total": t["total"], "source": "tests/r/weighting_methods.R",
                                       "date": "2026-12-08"}) for key, t in R["targets"].items()])
    path = tmp_path_factory.mktemp("methods") / "targets.csv"
    targets.to_csv(path, index=False)
    return data, path


def _weighting(method: str) -> dict:
    return {**WEIGHTING_CONFIG, "design": DESIGN, "bounds": None, **METHODS[method]}


@pytest.mark.parametrize("method", list(METHODS))
def test_each_method_gives_rs_weights_and_ses_on_a_two_stage_design_with_base_weights(wave, method):
    data, path = wave
    weighting = _weighting(method)
    settings = weighting_settings(weighting)
    population = read_targets(path, settings["stratum"], settings["margins"])
    weights, diagnostics, margins = weight_respondents(data, population, **settings)
    np.testing.assert_allclose(weights, R[method]["weights"], rtol=REL)
    assert diagnostics["max_rel_margin_error"].iloc[-1] < 1e-8
    weighted = data.assign(weight=weights)
    calibration = calibration_of(weighted, path, weighting)
    design = calibrated(analysis_design(weighted, "weight", design_setting(DESIGN, "country")), calibration)
    for item in ("gender", "any_use"):
        ours = svymean(design, item)
        np.testing.assert_allclose(ours.estimates, R[method][item]["estimate"], rtol=REL)
        expected = np.asarray(R[method][item]["se"])
        if item == "gender":  # a margin: SE 0 (R's is rounding, below 1e-11)
            assert np.all(np.abs(ours.se) < 1e-10) and np.all(expected < 1e-10)
        else:
            np.testing.assert_allclose(ours.se, expected, rtol=REL)


def test_method_none_keeps_the_base_weights_and_rs_ses_of_the_design(wave):
    data, path = wave
    weighting = {**WEIGHTING_CONFIG, "design": DESIGN, "method": "none"}
    settings = weighting_settings(weighting)
    weights, diagnostics, margins = weight_respondents(data, read_targets(path, "country", settings["margins"]),
                                                       **settings)
    np.testing.assert_array_equal(weights, data["base"].to_numpy())
    assert diagnostics["max_rel_margin_error"].iloc[-1] > 0.01  # the base weights miss the targets
    weighted = data.assign(weight=weights)
    assert calibration_of(weighted, path, weighting) == ()
    design = analysis_design(weighted, "weight", design_setting(DESIGN, "country"))
    for item in ("gender", "any_use"):
        np.testing.assert_allclose(svymean(design, item).se, R["base"][item]["se"], rtol=REL)


def test_the_method_in_words():
    assert method_text(_weighting("rake")) == "raked within country to gender and age_group"
    assert method_text(_weighting("poststratify")) == "post-stratified within country on gender x age_group"
    assert method_text(_weighting("logit")) == (
        "calibrated (bounded logit, g-weights bounded 0.5 to 3) within country to gender and age_group")
    assert method_text({**WEIGHTING_CONFIG, "design": DESIGN, "method": "none"}) == (
        "not weighted (the base weights, base)")


def test_replicates_repeat_only_raking(wave):
    data, path = wave
    with pytest.raises(InputError, match="repeat only raking, not weighting.method linear"):
        replicate_raking(data, path, _weighting("linear"))


def test_trimming_after_calibration_is_refused_and_points_to_the_bounds(wave):
    data, path = wave
    settings = weighting_settings({**_weighting("linear"), "trim": {"upper": 3}})
    with pytest.raises(InputError, match="weighting.bounds"):
        weight_respondents(data, read_targets(path, "country", settings["margins"]), **settings)


def test_trimmed_post_stratification_keeps_its_cells(wave):
    data, path = wave
    settings = weighting_settings({**_weighting("poststratify"), "trim": {"upper": 4}})
    weights, diagnostics, margins = weight_respondents(data, read_targets(path, "country", settings["margins"]),
                                                       **settings)
    assert diagnostics["trimmed"].iloc[-1] > 0 and diagnostics["margins_hold"].all()
    assert np.abs(margins["rel_error"]).max() < 1e-8


@pytest.mark.parametrize("edit, message", [
    (lambda t: t[t["variable"] != "gender:age_group"], "no rows for a margin"),
    (lambda t: t.assign(level=t["level"].where(t["variable"] != "gender:age_group", "Woman")),
     "one level of each of its 2 variables"),
    (lambda t: t.assign(population_count=1.0), "two total columns"),
])
def test_a_bad_targets_file_is_one_error_naming_file_and_margin(wave, tmp_path, edit, message):
    data, path = wave
    bad = tmp_path / "bad.csv"
    edit(pd.read_csv(path)).to_csv(bad, index=False)
    with pytest.raises(InputError, match=message) as error:
        read_targets(bad, "country", [["gender", "age_group"]])
    assert error.value.file == str(bad)


def test_an_unknown_level_of_a_joint_margin_names_the_margin_and_level(wave, tmp_path):
    data, path = wave
    targets = pd.read_csv(path)
    bad = tmp_path / "bad.csv"
    targets[targets["level"] != "Woman:Under 35"].to_csv(bad, index=False)
    settings = weighting_settings(_weighting("poststratify"))
    with pytest.raises(InputError, match="no population target") as error:
        weight_respondents(data, read_targets(bad, "country", settings["margins"]), **settings)
    assert error.value.variable == "gender:age_group" and error.value.value == "Woman:Under 35"


@pytest.mark.parametrize("method, text", [("rake", "calibrated to the raking margins"),
                                          ("poststratify", "calibrated to the post-strata"),
                                          ("linear", "calibrated to the margins (calibrate)")])
def test_the_variance_label_names_the_calibration_the_design_carries(wave, method, text):
    data, path = wave
    weighting = _weighting(method)
    settings = weighting_settings(weighting)
    weights, _, _ = weight_respondents(data, read_targets(path, "country", settings["margins"]), **settings)
    calibration = calibration_of(data.assign(weight=weights), path, weighting)
    assert linearization_label("country", weights_kind(calibration)) == (
        f"linearization (Taylor series), strata: country, {text}")
    assert weights_kind(None) == FIXED


def test_the_tables_estimate_with_the_weighting_s_two_stage_design_as_r(wave):
    """describe's design is the weighting's (strata, clusters), carrying its calibration: R's
    SE of a non-margin item on the logit-calibrated design, and a label naming the design."""
    data, path = wave
    weighting = _weighting("logit")
    settings = weighting_settings(weighting)
    weights, _, _ = weight_respondents(data, read_targets(path, "country", settings["margins"]), **settings)
    weighted = data.assign(weight=weights)
    design = analysis_setting(weighting, "country")
    estimates = describe(weighted, {"T": ["any_use"]}, labels={}, stratum="country", weight="weight",
                         pooled={"All": ["Canada", "Israel"]}, min_n=1,
                         calibration=calibration_of(weighted, path, weighting), design=design)
    row = estimates[(estimates["domain"] == "All") & (estimates["weighting"] == "weighted")
                    & (estimates["level"] == "Yes")].iloc[0]
    assert row["estimate"] == pytest.approx(100 * R["logit"]["any_use"]["estimate"][1], rel=REL)
    assert row["se"] == pytest.approx(100 * R["logit"]["any_use"]["se"][1], rel=REL)
    assert linearization_label("country", GREG, design) == (
        "linearization (Taylor series), strata: country, clusters: psu, calibrated to the margins (calibrate)")
    assert linearization_label("country") == "linearization (Taylor series), strata: country"


def test_margins_of_the_whole_sample_need_no_stratum_column(wave, tmp_path):
    data, path = wave
    targets = pd.read_csv(path)
    whole = (targets[targets["variable"] != "gender:age_group"].groupby(["variable", "level"], sort=False)
             .agg(total=("total", "sum"), source=("source", "first"), date=("date", "first")).reset_index())
    file = tmp_path / "whole.csv"
    whole.to_csv(file, index=False)
    settings = weighting_settings({**_weighting("rake"), "stratum": None})
    weights, diagnostics, margins = weight_respondents(data, read_targets(file, None, settings["margins"]),
                                                       **settings)
    assert diagnostics["stratum"].tolist() == ["All"] and diagnostics["converged"].all()
    assert set(margins["margin"]) == {"gender__raking", "age_group__raking"}
    assert margins["rel_error"].abs().max() < 1e-8
    women = data["gender"].eq("Woman").to_numpy()
    assert weights[women].sum() == pytest.approx(whole.set_index("level").loc["Woman", "total"], rel=1e-9)
