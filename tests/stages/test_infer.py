"""The inferential stage: country tests (Rao-Scott F, Holm) and survey-weighted models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from testconfig import base_config
from weighted_data import write_weighted

from swsurvey.errors import InputError
from swsurvey.stages.country_tests import country_tests, holm
from swsurvey.stages.infer import infer_wave
from swsurvey.stages.models import fit_models
from swsurvey.survey import svydesign
from swsurvey.survey.chisq import svychisq

#: The study's country tests and models, as config.yaml states them.
DEFAULT_ITEMS = tuple(base_config()["infer"]["items"])
DEFAULT_MODELS = base_config()["infer"]["models"]

BROKEN = {
    # private_practice is constant in its own domain: the fit raises InputError.
    "constant": {
        "formula": "weekly_use ~ private_practice + age_group",
        "family": "quasibinomial",
        "domain": {"private_practice": ["Yes"]},
    },
    # Nobody without any ICT use uses it weekly: quasi-complete separation.
    "separated": {"formula": 'I(weekly_use == "Yes") ~ any_ict_use + age_group', "family": "quasibinomial"},
}


@pytest.fixture(scope="module")
def weighted(weighted_2017):
    return weighted_2017


@pytest.fixture(scope="module")
def tests_frame(weighted):
    return country_tests(weighted, list(DEFAULT_ITEMS), stratum="country", weight="weight")


@pytest.fixture(scope="module")
def fitted(weighted):
    return fit_models(weighted, {**DEFAULT_MODELS, **BROKEN}, stratum="country", weight="weight")


def test_holm_matches_a_hand_example():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # capped at 1, monotone, NaN left out of the family
    out = holm([0.5, np.nan, 0.2])
    assert out[0] == pytest.approx(0.5) and out[2] == pytest.approx(0.4) and np.isnan(out[1])
    assert holm([0.3, 0.2]) == pytest.approx([0.4, 0.4])  # step-down: never below an earlier step
    assert holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])
    assert holm([]).shape == (0,)


def test_country_test_equals_a_direct_svychisq_call(tests_frame, weighted):
    design = svydesign(weighted, weights="weight", strata="country")
    direct = svychisq(design, "any_ict_use", "country", statistic="F")
    row = tests_frame[(tests_frame["item"] == "any_ict_use") & (tests_frame["weighting"] == "weighted")].iloc[0]
    assert row["statistic"] == pytest.approx(direct.statistic, rel=1e-12)
    assert row["p_value"] == pytest.approx(direct.p_value, rel=1e-12)
    assert (row["ndf"], row["ddf"]) == pytest.approx((direct.parameter["ndf"], direct.parameter["ddf"]))
    assert row["method"] == direct.method and row["n"] == int(weighted["any_ict_use"].notna().sum())
    unweighted = svychisq(
        svydesign(weighted.assign(one=1.0), weights="one", strata="country"), "any_ict_use", "country"
    )
    urow = tests_frame[(tests_frame["item"] == "any_ict_use") & (tests_frame["weighting"] == "unweighted")].iloc[0]
    assert urow["statistic"] == pytest.approx(unweighted.statistic, rel=1e-12)


def test_weighted_and_unweighted_rows_with_holm_within_each(tests_frame):
    assert len(tests_frame) == 2 * len(DEFAULT_ITEMS)
    for weighting in ("weighted", "unweighted"):
        block = tests_frame[tests_frame["weighting"] == weighting]
        assert list(block["item"]) == list(DEFAULT_ITEMS)
        assert block["p_holm"].to_numpy() == pytest.approx(holm(block["p_value"].to_numpy()))
        assert (block["p_holm"] >= block["p_value"]).all()
    assert not tests_frame["statistic"].isna().any()


def test_unknown_item_is_an_input_error(weighted):
    with pytest.raises(InputError):
        country_tests(weighted, ["no_such_item"])


def test_logistic_model_gives_odds_ratios_with_cis_containing_them(fitted):
    coefs, _, _ = fitted
    for name in ("weekly_use", "supervision"):
        for weighting in ("weighted", "unweighted"):
            block = coefs[(coefs["model"] == name) & (coefs["weighting"] == weighting)]
            assert len(block) > 5
            assert block["odds_ratio"].to_numpy() == pytest.approx(np.exp(block["estimate"].to_numpy()), rel=1e-12)
            assert ((block["or_lower"] < block["odds_ratio"]) & (block["odds_ratio"] < block["or_upper"])).all()
            assert ((block["ci_lower"] < block["estimate"]) & (block["estimate"] < block["ci_upper"])).all()
    # weighting changes the estimates
    w = coefs[(coefs["model"] == "weekly_use") & (coefs["weighting"] == "weighted")]["estimate"].to_numpy()
    u = coefs[(coefs["model"] == "weekly_use") & (coefs["weighting"] == "unweighted")]["estimate"].to_numpy()
    assert not np.allclose(w, u)


def test_ordinal_model_has_cut_points_and_odds_ratios_for_coefficients(fitted):
    coefs, _, status = fitted
    block = coefs[(coefs["model"] == "frequency") & (coefs["weighting"] == "weighted")]
    assert (block["kind"] == "cut-point").sum() == 4  # five ordered levels of freq_overall
    betas = block[block["kind"] == "coefficient"]
    assert betas["odds_ratio"].to_numpy() == pytest.approx(np.exp(betas["estimate"].to_numpy()))
    assert status.set_index(["model", "weighting"]).loc[("frequency", "weighted"), "converged"]


def test_a_term_test_for_each_term_of_each_fitted_model(fitted):
    _, terms, _ = fitted
    expected = {
        "weekly_use": ["age_group", "experience_band", "gender", "private_practice", "psychotherapy", "country"],
        "frequency": ["age_group", "experience_band", "gender", "private_practice", "psychotherapy", "country"],
        "supervision": ["workplace_policy", "setting", "age_group"],
    }
    for model, model_terms in expected.items():
        for weighting in ("weighted", "unweighted"):
            block = terms[(terms["model"] == model) & (terms["weighting"] == weighting)]
            assert list(block["term"]) == model_terms
            assert ((block["p"] >= 0) & (block["p"] <= 1)).all() and (block["F"] >= 0).all()
    # a single-coefficient term's F is the square of its t
    coefs = fitted[0]
    t = coefs[
        (coefs["model"] == "weekly_use") & (coefs["weighting"] == "weighted") & (coefs["term"] == "psychotherapyYes")
    ]
    f = terms[
        (terms["model"] == "weekly_use") & (terms["weighting"] == "weighted") & (terms["term"] == "psychotherapy")
    ]
    assert f["F"].iloc[0] == pytest.approx(t["t"].iloc[0] ** 2, rel=1e-10)


def test_supervision_model_is_fitted_in_its_domain(fitted, weighted):
    _, _, status = fitted
    row = status[(status["model"] == "supervision") & (status["weighting"] == "weighted")].iloc[0]
    domain = DEFAULT_MODELS["supervision"]["domain"]
    in_domain = (weighted["country"] == "Canada") & weighted["setting"].isin(domain["setting"])
    # Its base is those with a supervisor, as the published analysis's: "I do not have a
    # supervisor" is not "No" (and there are such respondents in the settings).
    no_supervisor = weighted["talk_supervisor"] == "I do not have a supervisor"
    assert (in_domain & no_supervisor).sum() > 0
    in_domain &= weighted["talk_supervisor"].isin(["Yes", "No"])
    assert row["n_domain"] == int(in_domain.sum())
    assert row["n_used"] + row["n_missing"] == row["n_domain"]
    assert row["converged"] and row["error"] == ""


def test_failing_and_separated_models_are_reported_not_dropped(fitted):
    coefs, terms, status = fitted
    assert len(status) == 2 * (len(DEFAULT_MODELS) + len(BROKEN))
    constant = status[status["model"] == "constant"]
    assert len(constant) == 2 and constant["error"].str.contains("single level").all()
    assert "constant" not in set(coefs["model"]) and "constant" not in set(terms["model"])
    separated = status[status["model"] == "separated"]
    assert len(separated) == 2 and separated["separation"].str.contains("any_ict_use").all()
    ok = status[~status["model"].isin(list(BROKEN))]
    assert (ok["error"] == "").all() and (ok["separation"] == "").all() and ok["converged"].all()


def test_unknown_family_is_an_input_error(weighted):
    with pytest.raises(InputError):
        fit_models(
            weighted, {"m": {"formula": "weekly_use ~ country", "family": "probit"}}, stratum="country", weight="weight"
        )


def _outs(tmp_path):
    return [tmp_path / f"{n}.csv" for n in ("tests", "coefficients", "terms", "status")]


def test_infer_wave_writes_four_files_with_wave_and_synthetic_flag(weighted, tmp_path):
    src = tmp_path / "responses.parquet"
    write_weighted(weighted, src)
    outs = _outs(tmp_path)
    models = {"supervision": DEFAULT_MODELS["supervision"], "constant": BROKEN["constant"]}
    infer_wave(src, *outs, wave="2017", items=["any_ict_use", "talk_peers"], models=models, stratum="country")
    frames = [pd.read_csv(p) for p in outs]
    for frame in frames:
        assert len(frame) > 0 and frame.columns[0] == "wave"
        assert (frame["wave"] == 2017).all() and frame["synthetic"].all()
    assert len(frames[0]) == 4
    assert set(frames[3]["model"]) == {"supervision", "constant"}
    assert not list(tmp_path.glob(".*.part"))


def test_infer_wave_leaves_no_file_on_failure(weighted, tmp_path):
    src = tmp_path / "responses.parquet"
    write_weighted(weighted, src)
    outs = _outs(tmp_path)
    with pytest.raises(InputError):
        infer_wave(src, *outs, wave="2017", items=["no_such_item"], models=DEFAULT_MODELS, stratum="country")
    assert not any(p.exists() for p in outs)
    # a failure while moving the files into place (the first output is a folder) leaves none
    outs[0].mkdir()
    with pytest.raises(OSError):
        infer_wave(src, *outs, wave="2017", items=["any_ict_use"], models={}, stratum="country")
    assert not any(p.exists() for p in outs[1:])
    assert not list(tmp_path.glob(".*.part"))




def test_fixed_weights_give_the_plain_designs_fits_and_calibrated_ones_include_the_raking(weighted, tmp_path):
    """weighting.variance fixed: the weighted model's SEs are svyglm's on
    svydesign(weights=weight, strata=country); calibrated: the same coefficients, SEs that
    include the raking; each table's variance column names which."""
    from testconfig import REPO, WEIGHTING_CONFIG

    from swsurvey.survey.glm import svyglm

    src = tmp_path / "responses.parquet"
    write_weighted(weighted, src)
    models = {"weekly_use": DEFAULT_MODELS["weekly_use"]}
    frames = {}
    for mode in ("fixed", "calibrated"):
        outs = [tmp_path / f"{mode}_{n}.csv" for n in ("tests", "coefficients", "terms", "status")]
        infer_wave(src, *outs, wave="2017", items=["outside_hours"], models=models, stratum="country",
                   weighting={**WEIGHTING_CONFIG, "variance": mode},
                   targets=REPO / "data/synthetic/population_margins_2017.csv")
        frames[mode] = [pd.read_csv(p) for p in outs]
    spec = DEFAULT_MODELS["weekly_use"]
    plain = svyglm(svydesign(weighted, weights="weight", strata="country"), spec["formula"], family=spec["family"],
                   reference=spec["reference"])
    coefs = {mode: f[1][(f[1]["weighting"] == "weighted") & (f[1]["kind"] == "coefficient")] for mode, f in frames.items()}
    np.testing.assert_allclose(coefs["fixed"]["se"], plain.se, rtol=1e-9)
    np.testing.assert_allclose(coefs["calibrated"]["estimate"], coefs["fixed"]["estimate"], rtol=1e-9)
    ratio = coefs["calibrated"]["se"].to_numpy() / coefs["fixed"]["se"].to_numpy()
    assert not np.allclose(ratio, 1.0, rtol=1e-6) and (ratio > 0.5).all() and (ratio < 1.5).all()
    for table in frames["calibrated"]:
        weighted_rows = table["weighting"] == "weighted"
        assert table.loc[weighted_rows, "variance"].str.endswith("calibrated to the raking margins").all()
    for table in frames["fixed"]:
        weighted_rows = table["weighting"] == "weighted"
        assert table.loc[weighted_rows, "variance"].str.endswith("weights fixed (as SPSS Complex Samples)").all()


def test_a_domain_model_on_the_calibrated_design_is_the_domains_model_with_other_ses(weighted):
    """The calibrated design keeps every row in a domain (as R's raked design does), so the
    setting "Private practice", outside the supervision model's domain, must not become a
    level of the model: the fit is the one with fixed weights, its SEs change."""
    from testconfig import REPO, WEIGHTING_CONFIG

    from swsurvey.stages.designs import weighted_calibration

    calibration = weighted_calibration(weighted, REPO / "data/synthetic/population_margins_2017.csv",
                                       {**WEIGHTING_CONFIG, "variance": "calibrated"})
    spec = {"supervision": DEFAULT_MODELS["supervision"]}
    fixed, raked = fit_models(weighted, spec), fit_models(weighted, spec, calibration=calibration)
    assert (raked[2]["error"] == "").all()
    assert raked[2][["n_domain", "n_used", "n_missing"]].equals(fixed[2][["n_domain", "n_used", "n_missing"]])
    assert list(raked[0]["term"]) == list(fixed[0]["term"])
    # the same fit up to IRLS's convergence (R's weights are rescaled over all the rows it holds)
    np.testing.assert_allclose(raked[0]["estimate"], fixed[0]["estimate"], rtol=1e-6)
    weighted_rows = (raked[0]["weighting"] == "weighted").to_numpy()
    assert not np.allclose(raked[0]["se"][weighted_rows], fixed[0]["se"][weighted_rows], rtol=1e-6)
    np.testing.assert_array_equal(raked[0]["se"][~weighted_rows], fixed[0]["se"][~weighted_rows])
