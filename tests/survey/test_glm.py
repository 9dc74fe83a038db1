"""svyglm and regTermTest against R's survey package.

Shared reference cases G04 (logistic, weights only, with regTermTest), G05 (logistic and
linear on the raked design of E02) and G06 (linear, weights only and stratified), plus the
extra cases of tests/r/models_extra.R (quasipoisson, stratified-clustered and clustered
designs with fpc, missing values, domains, a post-stratified domain, a relevelled factor,
confidence intervals). Everything at the reference tolerances: 1e-9 relative for
estimates, SEs, statistics; 1e-7 for p-values.
"""

from __future__ import annotations

import functools
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rsurvey
from rsurvey import REL, REL_P, assert_close
from swsurvey.errors import InputError
from swsurvey.survey import svydesign
from swsurvey.survey.variance import Raking
from swsurvey.survey.glm import SeparationWarning, reg_term_test, svyglm
from swsurvey.survey.glmfit import NonConvergenceWarning

EXTRA = Path(__file__).parents[1] / "r" / "models_extra.json"


@functools.cache
def extra() -> dict:
    return json.loads(EXTRA.read_text())


def check_glm(fit, expected: dict, what: str) -> None:
    """Every output R reports for a svyglm, named as R names them."""
    names = list(expected["coefficients"])
    assert list(fit.names) == names, what
    assert_close(fit.coefficients, list(expected["coefficients"].values()), REL, what=f"{what} coefficients")
    assert_close(fit.se, list(expected["se"].values()), REL, what=f"{what} se")
    assert_close(fit.t_value, list(expected["t_value"].values()), REL, what=f"{what} t")
    assert_close(fit.p_value, list(expected["p_value"].values()), REL_P, what=f"{what} p")
    assert expected["vcov"]["rownames"] == names
    assert_close(fit.vcov, expected["vcov"]["values"], REL, abs_=1e-15, what=f"{what} vcov")
    assert fit.df_residual == expected["df_residual"], what
    assert_close(fit.dispersion, expected["dispersion"], REL, what=f"{what} dispersion")
    assert_close(fit.deviance, expected["deviance"], REL, what=f"{what} deviance")
    assert_close(fit.null_deviance, expected["null_deviance"], REL, what=f"{what} null deviance")
    # R's n_used is length(m$y), which counts zero-weight rows a calibrated domain keeps
    assert fit.n_used == expected.get("n_nonzero_weight", expected["n_used"]), what
    if "iterations" in expected:
        assert fit.iterations == expected["iterations"], what
        assert fit.converged is bool(expected["converged"]), what


def check_term_test(fit, term, expected: dict) -> None:
    rt = reg_term_test(fit, term)
    assert_close(rt.statistic, expected["Ftest"], REL, what="regTermTest F")
    assert rt.df == expected["df"]
    assert rt.ddf == expected["ddf"]
    assert_close(rt.p_value, expected["p"], REL_P, what="regTermTest p")


# -- shared reference cases -----------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["irls", "statsmodels"])
def test_g04_logistic_weights_only(engine):
    case = rsurvey.case("G04_weights_only_svyglm_logit")["outputs"]
    design = svydesign(rsurvey.dataset("apistrat"), weights="pw")
    fit = svyglm(design, "awards ~ ell + meals + stype", family="quasibinomial", engine=engine)
    check_glm(fit, case, "G04")
    check_term_test(fit, "stype", case["regTermTest_stype"])


def test_g05_raked_logistic_and_linear():
    case = rsurvey.case("G05_weights_only_raked_svyglm")["outputs"]
    design = rsurvey.raked_apisrs()
    logistic = svyglm(design, 'I(awards == "Yes") ~ api99 + meals + stype', family="quasibinomial")
    check_glm(logistic, case["logistic"], "G05 logistic")
    linear = svyglm(design, "api00 ~ api99 + stype")
    check_glm(linear, case["linear"], "G05 linear")


@pytest.mark.parametrize("which", ["weights_only", "strata_no_fpc"])
def test_g06_gaussian(which):
    case = rsurvey.case("G06_weights_only_svyglm_gaussian")["outputs"][which]
    data = rsurvey.dataset("apistrat")
    design = svydesign(data, weights="pw", strata="stype" if which == "strata_no_fpc" else None)
    fit = svyglm(design, "api00 ~ ell + meals + mobility", family="gaussian")
    check_glm(fit, case, f"G06 {which}")
    # samplics' published values for the same models (the case's cross-check)
    if which == "weights_only":
        assert_close(fit.se, [10.97091, 0.3971755, 0.2917333, 0.4012498], rel=1e-6)


# -- extra cases (tests/r/models_extra.R) ------------------------------------------------------------


def _designs():
    strat = rsurvey.dataset("apistrat")
    return {
        "dstrat": svydesign(strat, weights="pw", strata="stype", fpc="fpc"),
        "dsc": svydesign(strat, ids="dnum", strata="stype", weights="pw", nest=True),
        "dclus1": svydesign(rsurvey.dataset("apiclus1"), ids="dnum", weights="pw", fpc="fpc"),
    }


EXTRA_GLMS = {
    # name in models_extra.json: (design, formula, family, {term label: terms})
    "quasipoisson_strat_fpc": ("dstrat", "api.stu ~ ell + meals + stype", "quasipoisson", {"stype": "stype"}),
    "logit_strat_clus": (
        "dsc", "sch.wide ~ ell + meals + mobility + stype", "quasibinomial",
        {"stype": "stype", "ell_meals": ["ell", "meals"]},
    ),
    "gaussian_clus1_fpc": ("dclus1", "api00 ~ ell + meals + both", "gaussian", {"both": "both"}),
    "gaussian_missing": ("dstrat", "api00 ~ acs.46 + stype", "gaussian", {"stype": "stype"}),
    "logit_missing_clus": ("dsc", "sch.wide ~ acs.46 + ell", "quasibinomial", {}),
}


@pytest.mark.parametrize("engine", ["irls", "statsmodels"])
@pytest.mark.parametrize("name", list(EXTRA_GLMS))
def test_extra_models(name, engine):
    design_name, formula, family, tests = EXTRA_GLMS[name]
    rsurvey.dataset("apistrat")  # skips when the reference data are absent
    fit = svyglm(_designs()[design_name], formula, family=family, engine=engine)
    expected = extra()[name]
    check_glm(fit, expected, name)
    for label, term in tests.items():
        check_term_test(fit, term, expected[f"regTermTest_{label}"])


def test_missing_values_leave_the_domain_and_are_counted():
    design = _designs()["dstrat"]
    fit = svyglm(design, "api00 ~ acs.46 + stype")
    assert fit.n_missing == 66
    assert fit.missing == {"acs.46": 66}
    assert fit.n_used == 134


def test_uncalibrated_domain():
    design = _designs()["dstrat"]
    sub = design.subset(design.data["comp.imp"] == "Yes")
    check_glm(svyglm(sub, "api00 ~ ell + meals"), extra()["gaussian_domain"], "domain")


def test_poststratified_domain():
    weighting = pytest.importorskip("swsurvey.survey.weighting")
    design = weighting.poststratify(_designs()["dclus1"], "stype", {"stype": {"E": 4421, "H": 755, "M": 1018}})
    sub = design.subset(design.data["comp.imp"] == "Yes")
    check_glm(svyglm(sub, "api00 ~ ell + meals"), extra()["gaussian_poststrat_domain"], "post-stratified domain")


def test_reference_level_override():
    expected = extra()["logit_relevel"]
    design = svydesign(rsurvey.dataset("apistrat"), weights="pw")
    fit = svyglm(design, "awards ~ ell + meals + stype", family="quasibinomial", reference={"stype": "M"})
    assert fit.names == ("(Intercept)", "ell", "meals", "stypeE", "stypeH")
    assert fit.levels["stype"] == ["M", "E", "H"]
    renamed = {k.replace("stype2", "stype"): v for k, v in expected["coefficients"].items()}
    assert_close(fit.coefficients, list(renamed.values()), REL)
    assert_close(fit.se, list(expected["se"].values()), REL)
    assert_close(fit.vcov, expected["vcov"]["values"], REL, abs_=1e-15)
    check_term_test(fit, "stype", expected["regTermTest_stype2"])


def test_confidence_intervals_and_odds_ratios():
    expected = extra()["logit_strat_clus"]
    fit = svyglm(_designs()["dsc"], "sch.wide ~ ell + meals + mobility + stype", family="quasibinomial")
    ci = fit.confint()
    assert_close(ci, expected["confint"]["values"], REL)
    assert list(fit.coef.index) == list(expected["coefficients"])
    frame = fit.to_frame()
    assert list(frame.columns) == [
        "term", "estimate", "se", "t", "p", "ci_lower", "ci_upper", "ci_method",
        "odds_ratio", "odds_ratio_lower", "odds_ratio_upper",
    ]
    assert frame["term"].tolist() == list(expected["coefficients"])
    assert_close(frame["odds_ratio"], np.exp(list(expected["coefficients"].values())), REL)
    assert_close(frame[["odds_ratio_lower", "odds_ratio_upper"]].to_numpy(), np.exp(expected["confint"]["values"]), REL)
    assert frame["ci_method"].iloc[0] == f"Wald 95%, t on {expected['df_residual']} df"
    assert "odds_ratio" not in svyglm(_designs()["dsc"], "api00 ~ ell").to_frame()


# -- failure modes ------------------------------------------------------------------------------------


def _toy(n=400, seed=1):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "x": rng.normal(size=n),
        "g": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["a", "b", "c"]),
        "w": rng.uniform(0.5, 2.0, n),
    })
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-frame["x"]))).astype(int)
    return frame


def test_quasi_complete_separation_is_flagged_with_the_term():
    frame = _toy()
    frame.loc[frame["g"] == "c", "y"] = 1  # every "c" is a success
    design = svydesign(frame, weights="w")
    with pytest.warns(SeparationWarning, match="g = c: every response is 1"):
        fit = svyglm(design, "y ~ x + g", family="quasibinomial")
    assert fit.separation and "g = c" in fit.separation[0]
    with pytest.raises(InputError, match="g = c"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            svyglm(design, "y ~ x + g", family="quasibinomial", separation="raise")


def test_complete_separation_by_a_numeric_predictor():
    frame = _toy()
    frame["y"] = (frame["x"] > 0).astype(int)
    design = svydesign(frame, weights="w")
    with pytest.warns(SeparationWarning, match="largest standardised coefficient is x"):
        with pytest.warns(NonConvergenceWarning):
            fit = svyglm(design, "y ~ x + g", family="quasibinomial")
    assert fit.separation and not fit.converged


def test_no_separation_no_warning():
    design = svydesign(_toy(), weights="w")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = svyglm(design, "y ~ x + g", family="quasibinomial")
    assert fit.converged and not fit.separation


def test_non_convergence_is_flagged():
    design = svydesign(_toy(), weights="w")
    with pytest.warns(NonConvergenceWarning, match="did not converge"):
        fit = svyglm(design, "y ~ x + g", family="quasibinomial", maxit=2)
    assert fit.converged is False
    assert fit.iterations == 2


def test_rank_deficiency_names_the_aliased_columns():
    frame = _toy()
    frame["x2"] = 2 * frame["x"] + 1
    design = svydesign(frame, weights="w")
    with pytest.raises(InputError, match="x2"):
        svyglm(design, "y ~ x + g + x2", family="quasibinomial")
    # a level present only outside the domain: R drops those rows of an uncalibrated design,
    # so the level is unused; a calibrated design keeps them (zero weight), so its dummy is
    # zero on every row used: aliased (R reports an NA coefficient)
    sub = design.subset(frame["g"] != "b")
    fit = svyglm(sub, "y ~ x + g", family="quasibinomial")
    assert fit.names == ("(Intercept)", "x", "gc")
    assert fit.n_used == int((frame["g"] != "b").sum())
    calibrated = sub.with_weights(sub.weights, Raking(()))
    with pytest.raises(InputError, match="gb"):
        svyglm(calibrated, "y ~ x + g", family="quasibinomial")


@pytest.mark.parametrize(
    ("formula", "family", "message"),
    [
        ("y ~ nope", "gaussian", "nope"),
        ("y ~ x", "binomial2", "family"),
        ("x ~ g", "quasibinomial", "0/1"),
        ("y ~ x*g", "gaussian", "unsupported term"),
        ("g ~ x", "gaussian", "categorical response"),
        ("y ~ x", "quasipoisson", None),
    ],
)
def test_input_errors(formula, family, message):
    design = svydesign(_toy(), weights="w")
    if message is None:
        svyglm(design, formula, family=family)  # a 0/1 response is a valid Poisson response
        return
    with pytest.raises(InputError, match=message):
        svyglm(design, formula, family=family)


def test_response_forms_agree():
    frame = rsurvey.dataset("apistrat")
    frame["award_flag"] = (frame["awards"] == "Yes").astype(int)
    frame["award_bool"] = frame["awards"] == "Yes"
    design = svydesign(frame, weights="pw")
    ref = svyglm(design, "awards ~ ell + meals + stype", family="quasibinomial")
    for response in ('I(awards == "Yes")', "award_flag", "award_bool", 'I(awards != "No")'):
        fit = svyglm(design, f"{response} ~ ell + meals + stype", family="quasibinomial")
        assert_close(fit.coefficients, ref.coefficients, 1e-13)
        assert_close(fit.se, ref.se, 1e-13)


def test_reg_term_test_unknown_term():
    design = svydesign(_toy(), weights="w")
    fit = svyglm(design, "y ~ x + g", family="quasibinomial")
    with pytest.raises(InputError, match="not a term"):
        reg_term_test(fit, "h")
    chi = reg_term_test(fit, "g", df=math.inf)
    assert chi.ddf == math.inf and chi.statistic == pytest.approx(chi.chisq)


def test_grouping_rows_into_covariate_patterns_is_exact(monkeypatch):
    """Fitting on distinct covariate patterns (summed weights) gives the row-by-row fit."""
    from swsurvey.survey import glm

    design = _designs()["dsc"]
    formula = "I(api00 > 700) ~ stype + yr.rnd + comp.imp"
    grouped = svyglm(design, formula, family="quasibinomial")
    monkeypatch.setattr(glm, "covariate_patterns", lambda codes, n: None)
    by_row = svyglm(design, formula, family="quasibinomial")
    assert grouped.iterations == by_row.iterations
    for attr in ("coefficients", "vcov", "naive_cov"):
        assert_close(getattr(grouped, attr), getattr(by_row, attr), 1e-12, abs_=1e-16, what=attr)
    for attr in ("dispersion", "deviance", "null_deviance"):
        assert_close(getattr(grouped, attr), getattr(by_row, attr), 1e-12, what=attr)


def test_numeric_comparison_response_and_constant_response():
    frame = rsurvey.dataset("apistrat")
    frame["high"] = (frame["api00"] > 700).astype(float)
    design = svydesign(frame, weights="pw")
    a = svyglm(design, "I(api00 > 700) ~ ell + stype", family="quasibinomial")
    b = svyglm(design, "high ~ ell + stype", family="quasibinomial")
    assert_close(a.coefficients, b.coefficients, 1e-14)
    frame["one"] = 1
    with pytest.raises(InputError, match="every row"):
        svyglm(svydesign(frame, weights="pw"), "one ~ ell", family="quasibinomial")
