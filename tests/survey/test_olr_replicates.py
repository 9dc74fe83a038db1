"""svyolr on replicate-weight designs (R's ``svyolr.svyrep.design``) against R's survey package.

The cases of tests/r/olr_replicates.R (written to tests/r/olr_replicates.json): R's own
svyolr example as a JK1 design (with missing values, and in a domain), JKn on the
stratified sample with categorical predictors only (the fit runs on cells) and with
``mse=TRUE``, and R's bootstrap of the cluster sample, its analysis weights read back as
supplied combined weights (olr_replicates_boot_weights.csv), whole and in a domain.

Tolerances. The full-sample fit (MASS::polr's starting values and R's BFGS step for step)
matches R at the reference tolerance for models (1e-9 relative; ~4e-11 seen), as do the
deviance and the degrees of freedom (exactly). The replicate refits run R's BFGS from the
full-sample estimates, where the gradient is a sum with heavy cancellation, and BFGS stops
(reltol 1.5e-8) wherever its path has got to: rounding differences of 1e-16 in that sum
(summing over cells rather than rows, numpy's exp/log and BLAS rather than R's) move the
path, and so where it stops, by up to ~6e-7 standard errors, though every refit takes R's
number of iterations. Our own fit summed over rows instead of cells differs from the
cell-summed one by as much (5e-8 SE on jkn_strat_cells). So the replicate estimates are
compared to within 1e-5 standard errors, the SEs at 1e-6 relative (4e-8 seen) and the
covariance at 1e-6 of ``se_i se_j`` (1e-7 seen): twenty times what is seen, for other CPUs'
BLAS kernels. ``method="newton"`` maximises every refit exactly: it is compared with R's
refits run to convergence (reltol 1e-16; see tight_out in the R file), at 1e-8 in the
estimates and 1e-6 in the SEs and covariance (R's own optimiser error there: 2e-10 and
1e-7). R's default refits stop early enough to move its SEs by up to 1.1% (jkn_strat_mse).

Then: the refits evaluated apart (:func:`svyolr_refit`, chunks of the full design's
replicate weights) give svyolr's result to the last bit, with a domain and missing values,
whatever the chunk size; refits that a replicate cannot inform; the errors.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rsurvey
from rsurvey import REL, assert_close

from swsurvey.errors import InputError
from swsurvey.survey import as_svrepdesign, svrepdesign, svydesign
from swsurvey.survey.glm import reg_term_test
from swsurvey.survey.glmfit import ModelWarning
from swsurvey.survey.olr import SvrepOlr, svyolr, svyolr_refit

R_DIR = Path(__file__).parents[1] / "r"

#: see the module docstring
REP_SE = 1e-5  # replicate estimates, in standard errors
SE_REL = 1e-6  # standard errors, relative
VCOV_SE = 1e-6  # covariance, in se_i se_j


@functools.cache
def expected() -> dict:
    return json.loads((R_DIR / "olr_replicates.json").read_text())


def apiclus1() -> pd.DataFrame:
    """apiclus1 with R's ``mealcat = cut(meals, c(0, 25, 50, 75, 100))``."""
    data = rsurvey.dataset("apiclus1")
    labels = ["(0,25]", "(25,50]", "(50,75]", "(75,100]"]
    data["mealcat"] = pd.cut(data["meals"], [0, 25, 50, 75, 100], labels=labels, ordered=True)
    return data


def apistrat() -> pd.DataFrame:
    """apistrat with R's ``mealcat = cut(meals, c(-1, 25, 50, 75, 100))``."""
    data = rsurvey.dataset("apistrat")
    labels = ["(-1,25]", "(25,50]", "(50,75]", "(75,100]"]
    data["mealcat"] = pd.cut(data["meals"], [-1, 25, 50, 75, 100], labels=labels, ordered=True)
    return data


def jk1_clus1():
    return as_svrepdesign(svydesign(apiclus1(), ids="dnum", weights="pw", fpc="fpc"), "JK1")


def jkn_strat(**kw):
    return as_svrepdesign(svydesign(apistrat(), strata="stype", weights="pw", fpc="fpc"), "JKn", **kw)


def boot_clus1():
    """R's bootstrap replicates of the cluster sample, as supplied combined weights."""
    data = pd.concat([apiclus1(), pd.read_csv(R_DIR / "olr_replicates_boot_weights.csv")], axis=1)
    spec = expected()["boot_clus1"]["design"]
    return svrepdesign(data, repweights="^bw[0-9]+$", weights="pw", type="bootstrap", combined_weights=True,
                       scale=spec["scale"], rscales=spec["rscales"])


def sch_wide(design):
    return design.subset((design.data["sch.wide"] == "Yes").to_numpy())


CASES = {
    "jk1_clus1": (jk1_clus1, "mealcat ~ avg.ed + mobility + stype"),
    "jk1_clus1_domain": (lambda: sch_wide(jk1_clus1()), "mealcat ~ avg.ed + stype"),
    "jkn_strat_cells": (jkn_strat, "mealcat ~ stype + comp.imp + awards"),
    "jkn_strat_mse": (lambda: jkn_strat(mse=True), "mealcat ~ ell + stype"),
    "boot_clus1": (boot_clus1, "mealcat ~ avg.ed + mobility + stype"),
    "boot_clus1_supplied": (boot_clus1, "mealcat ~ avg.ed + mobility + stype"),
    "boot_clus1_domain": (lambda: sch_wide(boot_clus1()), "mealcat ~ avg.ed + stype"),
}


def matrix(spec: dict) -> np.ndarray:
    return np.asarray(spec["values"], dtype=float)


def check_variance(fit, se, vcov, what: str) -> None:
    assert_close(fit.se, se, SE_REL, what=f"{what} se")
    scale = np.outer(fit.se, fit.se)
    worst = np.max(np.abs(fit.vcov - vcov) / scale)
    assert worst <= VCOV_SE, f"{what} vcov differs by {worst:.2e} se_i se_j"


@pytest.mark.parametrize("name", list(CASES))
def test_matches_r(name):
    make, formula = CASES[name]
    e = expected()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # R is silent on every case
        design = make()
        fit = svyolr(design, formula)
    assert isinstance(fit, SvrepOlr) and fit.method == "R"
    assert design.n_replicates == e["design"]["replicates"] and design.degf() == e["design"]["degf"], name
    assert len(design.rows) == e["design"]["nrow"]
    names = list(e["coefficients"]) + list(e["zeta"])
    assert list(fit.all_names) == names and e["vcov"]["rownames"] == names, name
    # the full-sample fit: MASS::polr as R runs it, at the reference tolerance
    assert_close(fit.coefficients, list(e["coefficients"].values()), REL, what=f"{name} beta")
    assert_close(fit.zeta, list(e["zeta"].values()), REL, what=f"{name} zeta")
    assert fit.iterations == e["niter"][1] and fit.converged == (e["convergence"] == 0)
    assert_close(fit.deviance, e["deviance"], REL, what=f"{name} deviance")
    assert fit.df_residual == e["df_residual"]
    assert fit.n_missing == e["n_missing"]
    # the refits and the variance: R's BFGS stopping early (module docstring)
    assert e["replicates"]["colnames"] == names
    worst = np.max(np.abs(fit.replicates - matrix(e["replicates"])) / fit.se)
    assert worst <= REP_SE, f"{name}: replicate estimates differ by {worst:.2e} SE"
    check_variance(fit, list(e["se"].values()), matrix(e["vcov"]), name)
    table = fit.coef_table()
    assert list(table.columns) == e["coef_table"]["colnames"]
    assert_close(table["Value"], matrix(e["coef_table"])[:, 0], REL, what=f"{name} table")
    assert_close(table["Std. Error"], matrix(e["coef_table"])[:, 1], SE_REL, what=f"{name} table se")
    frame = fit.to_frame()
    assert (frame["variance"] == design.variance).all()
    assert frame["ci_method"].iloc[0] == f"Wald 95%, t on {e['df_residual']} df"


@pytest.mark.parametrize("name", ["jkn_strat_mse", "boot_clus1"])
def test_newton_refits_reach_the_exact_maxima(name):
    make, formula = CASES[name]
    tight = expected()[f"{name}_tight"]
    fit = svyolr(make(), formula, method="newton")
    assert fit.converged and fit.method == "newton"
    assert_close(fit.estimates, list(tight["estimates"].values()), 1e-8, what=f"{name} estimates")
    check_variance(fit, list(tight["se"].values()), matrix(tight["vcov"]), f"{name} exact")
    # R's default refits stop short of these maxima: its SEs are not the exact ones
    r_fit = svyolr(make(), formula)
    assert np.max(np.abs(r_fit.se - fit.se) / fit.se) > 1e-4


def test_supplied_bootstrap_weights_are_r_s_design():
    """R's bootstrap design and R's svrepdesign of its exported weights give one result."""
    e = expected()
    design = boot_clus1()
    assert design.scale == e["boot_clus1"]["design"]["scale"]
    for key in ("coefficients", "zeta", "se", "deviance", "df_residual"):
        assert e["boot_clus1_supplied"][key] == e["boot_clus1"][key], key


def test_reg_term_test_on_a_replicate_fit():
    fit = svyolr(jk1_clus1(), "mealcat ~ avg.ed + mobility + stype")
    test = reg_term_test(fit, "stype")
    assert test.df == 2 and test.ddf == fit.df_residual


def test_where_polr_cannot_start_svyolr_s_start_is_used():
    """With the weights ten times larger polr's starting logistic fit does not converge and
    R's svyolr stops (recorded in the fixture); here BFGS starts from svyolr's own starting
    values instead, with a ModelWarning, and reaches the maximum as closely as R's BFGS does."""
    assert expected()["jkn_strat_pw10_error"] == "attempt to find suitable starting values failed"
    data = apistrat().assign(pw10=lambda d: d["pw"] * 10)
    design = as_svrepdesign(svydesign(data, strata="stype", weights="pw10", fpc="fpc"), "JKn")
    formula = "mealcat ~ ell + stype"
    with pytest.warns(ModelWarning, match="attempt to find suitable starting values failed"):
        fit = svyolr(design, formula)
    assert fit.converged and np.isfinite(fit.vcov).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the exact maximum does not depend on where it starts
        exact = svyolr(design, formula, method="newton")
    assert_close(fit.estimates, exact.estimates, 1e-3)
    # the likelihood's maximum does not depend on the weights' scale
    assert_close(exact.estimates, svyolr(jkn_strat(), formula, method="newton").estimates, 1e-10)


# -- the refits evaluated apart (the workflow's chunk jobs) -------------------------------------------


def evaluated_apart(whole, refit, chunk: int = 7) -> np.ndarray:
    """``refit`` on every replicate, in chunks of the replicate weights of all the rows of the
    unsubsetted design ``whole``, as another process would compute them."""
    assert whole.domain is None
    pieces = []
    for start in range(0, whole.n_replicates, chunk):
        for w in whole.replicate_weights(range(start, min(start + chunk, whole.n_replicates))):
            pieces.append(refit(w[refit.rows]))
    return np.vstack(pieces)


def with_missing(design, column: str):
    data = design.data.copy()
    data.loc[data.index[::9], column] = np.nan
    return dataclasses.replace(design, data=data)


def strat_boot():
    design = svydesign(apistrat(), strata="stype", ids="dnum", weights="pw", nest=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return as_svrepdesign(design, "bootstrap", replicates=30, seed=20240611)


APART = {
    "bootstrap, continuous and categorical": (lambda: with_missing(strat_boot(), "ell"), "mealcat ~ ell + awards + stype"),
    "JKn, cells": (lambda: with_missing(as_svrepdesign(svydesign(apistrat(), strata="stype", ids="dnum", weights="pw", nest=True),
                                                       "JKn"), "comp.imp"),
                   "mealcat ~ comp.imp + awards + sch.wide"),
    "supplied combined weights": (boot_clus1, "mealcat ~ avg.ed + mobility + stype"),
}


@pytest.mark.parametrize("method", ["R", "newton"])
@pytest.mark.parametrize("case", list(APART))
def test_refits_evaluated_apart_give_the_same_bytes(case, method):
    make, formula = APART[case]
    whole = make()
    domain = (whole.data["stype"] != "H").to_numpy()
    for design in (whole, whole.subset(domain)):
        refit = svyolr_refit(design, formula, method=method)
        fit = svyolr(design, formula, method=method)
        assert fit.n_missing > 0 or case == "supplied combined weights"
        np.testing.assert_array_equal(refit.theta, fit.estimates)
        variables = ["mealcat"] + [t.strip() for t in formula.split("~")[1].split("+")]
        complete = design.data[variables].notna().all(axis=1).to_numpy()
        np.testing.assert_array_equal(refit.rows, np.intersect1d(design.rows, np.flatnonzero(complete)))
        reps = evaluated_apart(whole, refit)
        np.testing.assert_array_equal(reps, fit.replicates)
        apart = svyolr(design, formula, method=method, replicates=reps)
        for field in ("coefficients", "zeta", "vcov", "hessian", "replicates"):
            np.testing.assert_array_equal(getattr(apart, field), getattr(fit, field), err_msg=field)
        assert (apart.df_residual, apart.deviance, apart.variance) == (fit.df_residual, fit.deviance, fit.variance)
        # any chunking of the design's own refits gives the same bytes
        for chunk in (1, 4):
            np.testing.assert_array_equal(svyolr(dataclasses.replace(design, chunk_size=chunk), formula, method=method).vcov, fit.vcov)


# -- refits that a replicate cannot inform ------------------------------------------------------------------


def lonely_level() -> pd.DataFrame:
    """Synthetic clusters: level "c" of ``g`` only in cluster 0, outcome level "d" only in
    clusters 0 and 1 (so deleting both leaves it empty; JK1 deletes one at a time)."""
    rng = np.random.default_rng(5)
    n = 400
    cluster = np.repeat(np.arange(20), n // 20)
    g = np.where(cluster == 0, "c", rng.choice(["a", "b"], n))
    x = rng.normal(size=n)
    eta = 0.8 * x + (g == "b") * 0.5 + (g == "c") * 0.3
    y = np.digitize(eta + rng.logistic(size=n), [-1.0, 0.5, 2.0])
    y = np.where((y == 3) & (cluster > 1), 2, y)
    labels = np.array(["a", "b", "c", "d"])[y]
    return pd.DataFrame({
        "cluster": cluster, "g": pd.Categorical(g, categories=["a", "b", "c"]), "x": x,
        "y": pd.Categorical(labels, categories=["a", "b", "c", "d"], ordered=True),
        "w": rng.uniform(1, 3, n),
    })


def test_a_level_absent_from_a_replicate_keeps_its_start():
    """Deleting the only cluster with level "c": R's BFGS never moves its coefficient (its
    gradient is exactly zero), and Newton keeps it at the start likewise."""
    design = as_svrepdesign(svydesign(lonely_level(), ids="cluster", weights="w"), "JK1")
    for method in ("R", "newton"):
        fit = svyolr(design, "y ~ x + g", method=method)
        c = fit.all_names.index("gc")
        assert fit.replicates[0, c] == fit.estimates[c], method
        assert np.isfinite(fit.replicates).all() and (fit.replicates[1:, c] != fit.estimates[c]).all()


def test_an_empty_category_in_a_replicate():
    """Outcome "d" only in clusters 0 and 1: a replicate (bootstrap) without both has no
    finite maximum. R's BFGS stops somewhere (its estimate is kept, as R); Newton's refit is
    NaN, dropped from the variance with a warning (as R's svrVar drops NA replicates)."""
    data = lonely_level()
    design = svydesign(data, ids="cluster", weights="w")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = as_svrepdesign(design, "bootstrap", replicates=20, seed=3)
    factors = boot.repweights.factors(np.arange(20))
    empty = (factors[:, 0] == 0) & (factors[:, 1] == 0)
    assert empty.any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r_fit = svyolr(boot, "y ~ x")
    assert np.isfinite(r_fit.replicates).all()
    with pytest.warns(UserWarning, match=f"{int(empty.sum())} replicates gave missing results"):
        exact = svyolr(boot, "y ~ x", method="newton")
    assert np.isnan(exact.replicates[empty]).all() and np.isfinite(exact.replicates[~empty]).all()
    assert np.isfinite(exact.vcov).all()


# -- errors -----------------------------------------------------------------------------------------------


def test_errors():
    design = jk1_clus1()
    formula = "mealcat ~ avg.ed + stype"
    with pytest.raises(InputError, match="15 replicates"):
        svyolr(design, formula, replicates=np.zeros((15, 4)))
    with pytest.raises(InputError, match="15 replicates"):
        svyolr(design, formula, replicates=np.zeros((14, 6)))
    linear = svydesign(apiclus1(), ids="dnum", weights="pw", fpc="fpc")
    with pytest.raises(InputError, match="replicate-weight designs"):
        svyolr(linear, formula, replicates=np.zeros((15, 6)))
    with pytest.raises(InputError, match="replicate-weight designs"):
        svyolr_refit(linear, formula)
    with pytest.raises(InputError, match="method"):
        svyolr_refit(design, formula, method="bfgs")
    with pytest.raises(InputError, match="method"):
        svyolr(design, formula, method="bfgs")
