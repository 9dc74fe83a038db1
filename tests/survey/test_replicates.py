"""Replicate-weight variance (swsurvey.survey.replicates) against R's survey package.

The shared case R1_strat_JKn (../shared/reference/r-survey/replicates.json) and the cases of
tests/r/replicates_extra.R (written to tests/r/replicates_extra.json with R's replicate
weights for the bootstrap designs and a supplied JK1 file): JK1 on the cluster sample, JKn
on the stratified and the stratified cluster samples (and mse=TRUE), BRR and Fay on paired
strata and on R's scd example, supplied JK1 weights, and R's own bootstrap and Rao-Wu
bootstrap weights read back as supplied ones. Each case checks the design's replicates,
scale, rscales and degrees of freedom, means, proportions, a total, a domain, svyby with the
joint covariance, svyciprop by every method, svyglm (quasibinomial and gaussian) and
svychisq, at the reference tolerances (1e-9 relative; p-values 1e-7). Then the seeded
bootstrap's properties, chunk invariance and the memory-conscious path, and the errors.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rsurvey
from rsurvey import REL, REL_P, assert_close
from testconfig import SHARED_ABSENT

from swsurvey.errors import InputError
from swsurvey.survey import (
    SvrepGlm,
    SvrepStat,
    as_svrepdesign,
    combine,
    replicate_estimates,
    repweights,
    svrepdesign,
    svyby,
    svychisq,
    svyciprop,
    svydesign,
    svyglm,
    svymean,
    svyratio,
    svytotal,
    with_replicates,
)
from swsurvey.survey import replicates as rep
from swsurvey.survey.design import held_weights
from swsurvey.survey.hadamard import hadamard

R_DIR = Path(__file__).parents[1] / "r"


@functools.cache
def extra() -> dict:
    return json.loads((R_DIR / "replicates_extra.json").read_text())


def apistrat() -> pd.DataFrame:
    return rsurvey.dataset("apistrat")


def apiclus1() -> pd.DataFrame:
    return rsurvey.dataset("apiclus1")


def paired() -> pd.DataFrame:
    """apistrat with two schools per pseudo-stratum: paired by snum within school type."""
    data = apistrat()
    rank = data.groupby("stype", observed=True)["snum"].rank().astype(int)
    data["pair"] = data["stype"].astype(str) + ((rank + 1) // 2).map("{:03d}".format)
    return data


def scd() -> pd.DataFrame:
    """R's data(scd): cardiac arrests attended by ambulance teams, 3 strata of 2 PSUs."""
    return pd.DataFrame(
        {
            "ESA": [1, 1, 2, 2, 3, 3],
            "ambulance": [1, 2, 1, 2, 1, 2],
            "arrests": [120, 78, 185, 228, 670, 530],
            "alive": [25, 24, 30, 49, 80, 70],
            "fpc": [5.0] * 6,
        }
    )


def with_counts(data: pd.DataFrame, file: str) -> pd.DataFrame:
    counts = pd.read_csv(R_DIR / file)
    return pd.concat([data, counts], axis=1)


# -- the designs of the R cases --------------------------------------------------------------------


def jk1_clus1(**kw):
    return as_svrepdesign(svydesign(apiclus1(), weights="pw", ids="dnum", fpc="fpc"), "JK1", **kw)


def jkn_strat(**kw):
    return as_svrepdesign(svydesign(apistrat(), weights="pw", strata="stype", fpc="fpc"), "JKn", **kw)


def jkn_strat_clus():
    return as_svrepdesign(svydesign(apistrat(), weights="pw", strata="stype", ids="dnum", nest=True), "JKn")


def brr_pairs(**kw):
    return as_svrepdesign(svydesign(paired(), weights="pw", strata="pair"), **kw)


def supplied_jk1():
    data = pd.concat([apiclus1(), pd.read_csv(R_DIR / "replicates_jk1_weights.csv")], axis=1)
    scale = extra()["jk1_clus1"]["design"]["scale"]
    return svrepdesign(data, repweights="repw[0-9]+", weights="pw", type="JK1", scale=scale)


def bootstrap_strat():
    """R's bootstrap replicates (as.svrepdesign(type="bootstrap")) as supplied factors."""
    data = with_counts(apistrat(), "replicates_boot_counts.csv")
    scale = extra()["bootstrap_strat"]["design"]["scale"]
    return svrepdesign(data, repweights="^boot", weights="pw", type="bootstrap", combined_weights=False, scale=scale)


def subbootstrap_strat_clus():
    """R's Rao-Wu replicates: counts of n_h - 1 draws times n_h/(n_h - 1), as R makes them."""
    data = with_counts(apistrat(), "replicates_subboot_counts.csv")
    n_h = data.groupby("stype", observed=True)["dnum"].transform("nunique").to_numpy(dtype=float)
    for name in [c for c in data if c.startswith("sub")]:
        data[name] = data[name] * n_h / (n_h - 1)
    return svrepdesign(data, repweights="^sub[0-9]", weights="pw", type="bootstrap", combined_weights=False)


CASES = {
    "jk1_clus1": (jk1_clus1, "stype", ("stype", "E")),
    "jkn_strat": (jkn_strat, "awards", ("awards", "Yes")),
    "jkn_strat_clus": (jkn_strat_clus, "awards", ("awards", "Yes")),
    "brr_pairs": (lambda: brr_pairs(type="BRR"), "awards", ("awards", "Yes")),
    "fay_pairs": (lambda: brr_pairs(type="Fay", fay_rho=0.3), "awards", ("awards", "Yes")),
    "supplied_jk1": (supplied_jk1, "stype", ("stype", "E")),
    "bootstrap_strat": (bootstrap_strat, "awards", ("awards", "Yes")),
    "subbootstrap_strat_clus": (subbootstrap_strat_clus, "awards", ("awards", "Yes")),
}


def matrix(expected: dict, shape: tuple[int, int]) -> np.ndarray:
    """R's matrix (a 1 x 1 one is written as a plain list)."""
    return np.reshape(np.asarray(expected["values"], dtype=float), shape)


def check_stat(result, expected: dict, what: str) -> None:
    assert list(result.names) == expected["names"], what
    assert_close(result.estimates, expected["estimates"], REL, what=f"{what} estimates")
    assert_close(result.vcov, matrix(expected["vcov"], result.vcov.shape), REL, abs_=1e-12 * np.abs(result.vcov).max(), what=f"{what} vcov")


def check_by(result, expected: dict, what: str) -> None:
    order = [result.vcov_names.index(name) for name in expected["names"]]
    assert_close(result.estimates[order], expected["estimates"], REL, what=f"{what} estimates")
    se = np.sqrt(np.diag(result.vcov))
    if np.ndim(expected["se"]) == 1:  # one estimate per domain (else R's SE is a matrix)
        assert_close(se[order], expected["se"], REL, abs_=1e-9 * se.max(), what=f"{what} se")
    assert_close(result.vcov[np.ix_(order, order)], matrix(expected["vcov"], (len(order),) * 2), REL,
                 abs_=1e-12 * np.abs(result.vcov).max(), what=f"{what} vcov")


def check_glm(fit, expected: dict, what: str) -> None:
    assert isinstance(fit, SvrepGlm), what
    assert list(fit.names) == expected["names"], what
    assert_close(fit.coefficients, expected["coefficients"], REL, what=f"{what} coefficients")
    assert_close(fit.se, expected["se"], REL, what=f"{what} se")
    assert_close(fit.p_value, expected["p_value"], REL_P, what=f"{what} p")
    assert_close(fit.vcov, expected["vcov"]["values"], REL, abs_=1e-12 * np.abs(fit.vcov).max(), what=f"{what} vcov")
    assert fit.df_residual == expected["df_residual"], what
    assert_close(fit.dispersion, expected["dispersion"], REL, what=f"{what} dispersion")


# -- R's cases -----------------------------------------------------------------------------------------


def test_r1_strat_jkn_shared_reference():
    path = rsurvey.ROOT / "replicates.json"
    if not path.exists():
        pytest.skip(f"{path} is absent ({SHARED_ABSENT})")
    case = json.loads(path.read_text())["cases"]["R1_strat_JKn"]["outputs"]
    design = jkn_strat()
    assert design.n_replicates == case["replicates"] and design.scale == case["scale"]
    mean, total = svymean(design, "api00"), svytotal(design, "enroll")
    assert_close(mean.estimates, [case["mean_api00"]["estimate"]], REL, what="mean")
    assert_close(mean.se, [case["mean_api00"]["se"]], REL, what="mean se")
    assert_close(total.estimates, [case["total_enroll"]["estimate"]], REL, what="total")
    assert_close(total.se, [case["total_enroll"]["se"]], REL, what="total se")
    fit = svyglm(design, "sch.wide ~ ell + meals", family="quasibinomial")
    assert list(fit.names) == case["glm"]["names"]
    assert_close(fit.coefficients, case["glm"]["coef"], REL, what="glm coef")
    assert_close(fit.se, case["glm"]["se"], REL, what="glm se")


@pytest.mark.parametrize("name", list(CASES))
def test_replicate_design_matches_r(name):
    make, factor, (dom_var, dom_value) = CASES[name]
    expected = extra()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R's own warnings (guessed scale, dropped fpc) are tested apart
        design = make()
    spec = expected["design"]
    assert design.n_replicates == spec["replicates"], name
    assert_close(design.scale, spec["scale"], 1e-14, what=f"{name} scale")
    assert_close(design.rscales, spec["rscales"], 1e-14, what=f"{name} rscales")
    assert design.degf() == spec["degf"], name
    domain = design.subset(design.data[dom_var] == dom_value)
    assert domain.degf() == expected["degf_domain"], name
    check_stat(svymean(design, ["api00", factor]), expected["mean"], f"{name} mean")
    check_stat(svytotal(design, "enroll"), expected["total"], f"{name} total")
    assert_close(svymean(design, ["api00", factor], deff=True).deff, expected["deff_mean"], REL, what=f"{name} deff")
    assert_close(svytotal(design, "enroll", deff="replace").deff, [expected["deff_total_replace"]], REL, what=f"{name} deff")
    check_stat(svymean(domain, "api00"), expected["mean_domain"], f"{name} domain mean")
    check_by(svyby(design, "api00", factor, svymean, covmat=True), expected["by_mean"], f"{name} svyby mean")
    check_by(svyby(design, "sch.wide", factor, svymean, covmat=True), expected["by_prop"], f"{name} svyby proportions")
    for method, ci in expected["ciprop"].items():
        with warnings.catch_warnings():
            # R's likelihood interval is NA on replicate designs: summary.svrepglm's dispersion
            # is the Pearson sum, not its mean, so the profile never reaches the cut-off
            warnings.filterwarnings("ignore", "the profile likelihood did not reach")
            result = svyciprop(design, "sch.wide", method=method, value="Yes")
        assert_close(result.estimate, ci["estimate"], REL, what=f"{name} ciprop {method}")
        assert_close(result.se, ci["se"], REL, what=f"{name} ciprop {method} se")
        assert_close([result.ci_lower, result.ci_upper], ci["ci"], REL, what=f"{name} ciprop {method} ci")
    check_glm(svyglm(design, "sch.wide ~ ell + meals", family="quasibinomial"), expected["glm"], f"{name} glm")
    check_glm(svyglm(design, "api00 ~ ell + meals + awards"), expected["glm_gaussian"], f"{name} gaussian glm")
    check_glm(svyglm(domain, "api00 ~ ell + meals"), expected["glm_domain"], f"{name} domain glm")
    for statistic, test in expected["chisq"].items():
        result = svychisq(design, "sch.wide", factor, statistic=statistic)
        assert_close(result.statistic, test["statistic"], REL, what=f"{name} chisq {statistic}")
        assert_close(list(result.parameter.values()), list(test["parameter"].values()), REL, what=f"{name} chisq {statistic} df")
        assert_close(result.p_value, test["p_value"], REL_P, what=f"{name} chisq {statistic} p")
        assert result.variance == design.variance


def test_jkn_missing_values_and_mse():
    expected = extra()
    check_stat(svymean(jkn_strat(), "acs.k3", na_rm=True), expected["jkn_strat"]["mean_na_rm"], "na_rm")
    fit = svyglm(jkn_strat(), "api00 ~ acs.k3 + meals")
    check_glm(fit, expected["jkn_strat"]["glm_missing"], "glm with missing values")
    assert fit.n_missing == 103
    design = jkn_strat(mse=True)
    assert design.mse and "mse" in design.variance
    check_stat(svymean(design, ["api00", "awards"]), expected["jkn_strat_mse"]["mean"], "mse mean")
    check_glm(svyglm(design, "sch.wide ~ ell + meals", family="quasibinomial"), expected["jkn_strat_mse"]["glm"], "mse glm")


def scd_design():
    """R's prob=~1: weights 1 given, not derived from the fpc."""
    return svydesign(scd().assign(one=1.0), weights="one", strata="ESA", ids="ambulance", fpc="fpc", nest=True)


def test_scd_brr_fay_and_supplied_as_r_documents_them():
    expected = extra()["scd"]
    with pytest.warns(UserWarning, match="finite population correction is dropped"):
        brr = as_svrepdesign(scd_design(), "BRR")
    assert brr.n_replicates == expected["brr"]["design"]["replicates"] and brr.scale == expected["brr"]["design"]["scale"]
    np.testing.assert_array_equal(brr.repweights.factors(np.arange(brr.n_replicates)).T, expected["brr"]["psu_factors"]["values"])
    check_stat(svymean(brr, ["alive", "arrests"]), expected["brr"]["mean"], "scd BRR mean")
    check_stat(svytotal(brr, "alive"), expected["brr"]["total"], "scd BRR total")
    with pytest.warns(UserWarning, match="finite population correction"):
        fay = as_svrepdesign(scd_design(), "Fay", fay_rho=0.3)
    assert_close(fay.scale, expected["fay"]["design"]["scale"], 1e-15)
    check_stat(svymean(fay, ["alive", "arrests"]), expected["fay"]["mean"], "scd Fay mean")
    data = scd()
    halves = 2 * np.array([[1, 0, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1], [0, 1, 1, 0, 0, 1], [0, 1, 0, 1, 1, 0]]).T
    for j in range(4):
        data[f"half{j + 1}"] = halves[:, j]
    with pytest.warns(UserWarning, match="no sampling weights"):
        supplied = svrepdesign(data, repweights=[f"half{j + 1}" for j in range(4)], type="BRR", combined_weights=False)
    check_stat(svymean(supplied, ["alive", "arrests"]), expected["supplied"]["mean"], "scd supplied mean")


def test_jk1_replicate_factors_are_r_s():
    design = jk1_clus1()
    factors = design.repweights.factors(np.arange(design.n_replicates))
    psus = repweights.first_appearance(design.repweights.psu, factors.shape[1])  # R's rows: PSUs as they come
    np.testing.assert_array_equal(factors.T[psus], extra()["jk1_clus1"]["psu_factors"]["values"])


def hadamard_md5(n: int) -> tuple[int, str]:
    H = hadamard(n)
    text = "".join("".join(str(int(v)) for v in row) + "\n" for row in H)
    return H.shape[0], hashlib.md5(text.encode()).hexdigest()


@pytest.mark.parametrize("case", extra()["hadamard"], ids=lambda c: f"n{c['n']}")
def test_hadamard_matrices_are_r_s(case):
    assert hadamard_md5(case["n"]) == (case["size"], case["md5"])


def test_our_conversions_have_r_s_scale_for_the_bootstrap_designs():
    expected = extra()
    ours = as_svrepdesign(svydesign(apistrat(), weights="pw", strata="stype", fpc="fpc"), "bootstrap", replicates=50, seed=1)
    assert ours.scale == expected["bootstrap_strat"]["design"]["scale"]
    with pytest.warns(UserWarning, match="finite population correction"):
        dsc = svydesign(apistrat(), weights="pw", strata="stype", ids="dnum", nest=True, fpc="fpc")
        ours = as_svrepdesign(dsc, "subbootstrap", replicates=50, seed=1)
    assert ours.scale == expected["subbootstrap_strat_clus"]["design"]["scale"]
    assert (ours.rscales == 1).all()


# -- the seeded bootstrap ----------------------------------------------------------------------------


def strat_boot(type_="bootstrap", replicates=40, seed=20240501, **kw):
    design = svydesign(apistrat(), weights="pw", strata="stype", ids="dnum", nest=True, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return as_svrepdesign(design, type_, replicates=replicates, seed=seed)


@pytest.mark.parametrize("type_", ["bootstrap", "subbootstrap"])
def test_bootstrap_factors_resample_each_stratum(type_):
    design = strat_boot(type_)
    factors = design.repweights.factors(np.arange(design.n_replicates))
    stratum = design.repweights.psu_stratum
    n_h = np.bincount(stratum)
    for h in range(len(n_h)):
        sums = factors[:, stratum == h].sum(axis=1)  # every replicate keeps the stratum's n_h
        np.testing.assert_allclose(sums, n_h[h], rtol=1e-13)
    draws = n_h if type_ == "bootstrap" else n_h - 1
    counts = factors if type_ == "bootstrap" else factors * ((n_h - 1) / n_h)[stratum]
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-12)  # whole numbers of draws
    assert (np.round(counts).sum(axis=1) == draws.sum()).all()
    assert len({tuple(row) for row in factors}) == design.n_replicates  # the replicates differ
    harmonic = 1 / np.mean(1 / n_h)
    scale = harmonic / ((harmonic - 1) * 39) if type_ == "bootstrap" else 1 / 39
    assert design.scale == pytest.approx(scale, rel=1e-15) and (design.rscales == 1).all()
    assert "seed 20240501" in design.variance and "40 replicates" in design.variance


def test_bootstrap_with_fpc_draws_without_replacement():
    data = apistrat()
    n_h = data.groupby("stype", observed=True)["snum"].transform("size")
    data["N"] = np.where(data["stype"] == "E", n_h, 2 * n_h)  # E: every school; H, M: half of them
    design = as_svrepdesign(svydesign(data, weights="pw", strata="stype", fpc="N"), "bootstrap", replicates=30, seed=4)
    assert "without replacement" in design.variance
    factors = design.replicate_weights(range(30)) / design.weights
    census = (data["stype"] == "E").to_numpy()
    np.testing.assert_array_equal(factors[:, census], 1.0)  # a stratum sampled whole is never resampled
    assert factors[:, ~census].max() == 2.0  # each school stands for two in the population
    for stype in ("H", "M"):
        assert (factors[:, (data["stype"] == stype).to_numpy()].sum(axis=1) == 50).all()


def test_bootstrap_replicates_depend_only_on_seed_and_number():
    a, b = strat_boot(replicates=40), strat_boot(replicates=60)
    np.testing.assert_array_equal(a.replicate_weights(range(40)), b.replicate_weights(range(40)))
    np.testing.assert_array_equal(a.replicate_weights([7, 3]), a.replicate_weights(range(8))[[7, 3]])
    other = strat_boot(seed=7)
    assert not np.array_equal(a.replicate_weights([0]), other.replicate_weights([0]))
    np.testing.assert_array_equal(
        svymean(a, "api00").vcov, svymean(strat_boot(replicates=40), "api00").vcov
    )


def test_bootstrap_se_is_near_the_linearization_se():
    design = svydesign(apistrat(), weights="pw", strata="stype", ids="dnum", nest=True)
    boot = as_svrepdesign(design, "subbootstrap", replicates=400, seed=3)
    ratio = svymean(boot, "api00").se[0] / svymean(design, "api00").se[0]
    assert 0.85 < ratio < 1.15


# -- chunks and memory ----------------------------------------------------------------------------------


def results_bytes(design) -> bytes:
    parts = [
        svymean(design, ["api00", "stype"]).vcov,
        svytotal(design, "enroll").vcov,
        svyby(design, "api00", "awards", svymean, covmat=True).vcov,
        svyglm(design, "sch.wide ~ ell + meals", family="quasibinomial").vcov,
        np.array([svyciprop(design, "sch.wide", method="logit", value="Yes").ci_lower]),
        np.array([svychisq(design, "sch.wide", "awards").statistic]),
    ]
    return b"".join(p.tobytes() for p in parts)


@pytest.mark.parametrize("make", [lambda: strat_boot(replicates=30), jkn_strat_clus, lambda: brr_pairs(type="Fay", fay_rho=0.5)])
def test_results_are_the_same_bytes_whatever_the_chunk_size(make):
    design = make()
    whole = results_bytes(rep.dataclasses.replace(design, chunk_size=design.n_replicates))
    for size in (1, 7):
        assert results_bytes(rep.dataclasses.replace(design, chunk_size=size)) == whole, size


def test_chunks_of_replicates_gathered_and_combined():
    design = strat_boot(replicates=30)
    rows = design.rows
    X = design.data[["api00", "enroll"]].to_numpy(dtype=float)[rows]

    def ratio(w):
        return np.array([w @ X[:, 0] / (w @ X[:, 1])])

    theta = ratio(design.weights[rows])
    pieces = [replicate_estimates(design, ratio, range(a, min(a + 8, 30))) for a in range(0, 30, 8)]
    gathered = np.vstack(pieces)
    np.testing.assert_array_equal(gathered, replicate_estimates(design, ratio))
    vcov = combine(theta, gathered, design.scale, design.rscales, design.mse)
    result = with_replicates(design, ratio, names=["api00/enroll"])
    np.testing.assert_array_equal(result.vcov, vcov)
    assert isinstance(result, SvrepStat) and result.variance == design.variance


def test_memory_conscious_path_never_makes_all_replicate_weights(monkeypatch):
    n, R = 20_000, 50
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"y": rng.normal(size=n), "g": rng.integers(0, 40, n), "w": rng.uniform(1, 3, n)})
    design = as_svrepdesign(svydesign(data, weights="w", strata="g"), "bootstrap", replicates=R, seed=11)
    monkeypatch.setattr(repweights, "CHUNK_ENTRIES", n * 4)  # four replicates' weights at a time
    monkeypatch.setattr(repweights, "RANK_ENTRIES", 10_000)  # the rank of the construction, not a QR
    largest = []
    original = repweights.Bootstrap.weights

    def spy(self, replicates, rows, pweights):
        out = original(self, replicates, rows, pweights)
        largest.append(out.size)
        return out

    monkeypatch.setattr(repweights.Bootstrap, "weights", spy)
    result = svymean(design, "y")
    assert max(largest) <= 4 * n and len(largest) == math.ceil(R / 4)
    assert result.df == R - 1
    monkeypatch.setattr(repweights, "CHUNK_ENTRIES", 2**24)
    np.testing.assert_array_equal(svymean(design, "y").vcov, result.vcov)


@pytest.mark.parametrize(
    "make",
    [jk1_clus1, jkn_strat, jkn_strat_clus, lambda: brr_pairs(type="BRR"), lambda: strat_boot(replicates=300),
     lambda: strat_boot("subbootstrap", replicates=30)],
)
def test_rank_of_the_construction_is_the_numerical_rank(make, monkeypatch):
    design = make()
    masks = [None, (design.data["awards"] == "Yes").to_numpy(), (design.data["stype"] == "E").to_numpy()]
    exact = [design.degf(m) for m in masks]
    monkeypatch.setattr(repweights, "RANK_ENTRIES", 0)
    assert [rep.dataclasses.replace(design, _degf={}).degf(m) for m in masks] == exact


# -- errors and what is not available ---------------------------------------------------------------------


def test_brr_needs_two_psus_in_every_stratum():
    design = svydesign(apistrat(), weights="pw", strata="stype")
    with pytest.raises(InputError, match="exactly two PSUs") as err:
        as_svrepdesign(design, "BRR")
    assert err.value.variable == "stype" and err.value.value == {"E": 100, "H": 50, "M": 50}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"type": "jackknife"}, "type must be one of"),
        ({"type": "JK1"}, "JK1 is for unstratified designs"),
        ({"type": "Fay"}, "needs fay_rho"),
        ({"type": "JKn", "replicates": 10}, "replicates= is for the bootstrap"),
        ({"type": "bootstrap", "replicates": 1}, "at least two replicates"),
        ({"type": "mrbbootstrap"}, "type must be one of"),
    ],
)
def test_conversion_errors_name_the_value(kwargs, message):
    design = svydesign(apistrat(), weights="pw", strata="stype")
    with pytest.raises(InputError, match=message):
        as_svrepdesign(design, **kwargs)


def test_unstratified_design_needs_jk1_or_bootstrap():
    with pytest.raises(InputError, match="JKn needs strata"):
        as_svrepdesign(svydesign(apiclus1(), weights="pw", ids="dnum"), "JKn")
    with pytest.raises(InputError, match="BRR and Fay need strata"):
        as_svrepdesign(svydesign(apiclus1(), weights="pw", ids="dnum"), "BRR")


def test_supplied_weights_errors():
    data = with_counts(apistrat(), "replicates_boot_counts.csv")
    with pytest.raises(InputError, match="no column of the data matches") as err:
        svrepdesign(data, repweights="^repw", weights="pw", type="bootstrap")
    assert err.value.value == "^repw"
    with pytest.raises(InputError, match="not in the data"):
        svrepdesign(data, repweights=["boot01", "nope"], weights="pw", type="bootstrap")
    with pytest.raises(InputError, match="type must be one of"):
        svrepdesign(data, repweights="^boot", weights="pw", type="jackknife")
    with pytest.raises(InputError, match="needs rscales"), pytest.warns(UserWarning, match="combined weights"):
        svrepdesign(data, repweights="^boot", weights="pw", type="JKn")
    with pytest.raises(InputError, match="needs fay_rho"):
        svrepdesign(data, repweights="^boot", weights="pw", type="Fay", combined_weights=False)
    data.loc[3, "boot02"] = np.nan
    with pytest.raises(InputError, match="missing") as err:
        svrepdesign(data, repweights="^boot", weights="pw", type="bootstrap", combined_weights=False)
    assert err.value.variable == "boot02"


def test_supplied_weights_warn_as_r_does():
    data = with_counts(apistrat(), "replicates_boot_counts.csv")
    with pytest.warns(UserWarning, match="do not look like combined weights"):
        svrepdesign(data, repweights="^boot", weights="pw", type="bootstrap")
    with pytest.warns(UserWarning, match="guessing n = the number of replicates"):
        svrepdesign(supplied_jk1().data, repweights="^repw", weights="pw", type="JK1")


def test_linearization_only_estimators_say_so():
    design = jkn_strat()
    with pytest.raises(InputError, match="not available for replicate designs"):
        svyratio(design, "api00", "enroll")
    with pytest.raises(InputError, match="statistic must be one of"):
        svychisq(design, "sch.wide", "awards", statistic="saddlepoint")
    raked = rsurvey.raked_apisrs()
    with pytest.raises(InputError, match="calibrated"):
        as_svrepdesign(raked, "JK1")


def test_jkn_lonely_psu_rules_follow_the_design():
    data = apistrat().iloc[:101].copy()  # stratum "H" keeps its first school only
    data = pd.concat([data[data["stype"] != "H"], data[data["stype"] == "H"].iloc[:1]])
    with pytest.raises(InputError, match="only one PSU") as err:
        as_svrepdesign(svydesign(data, weights="pw", strata="stype"), "JKn")
    assert err.value.value == "H"
    removed = as_svrepdesign(svydesign(data, weights="pw", strata="stype", lonely_psu="remove"), "JKn")
    assert removed.n_replicates == len(data) - 1
    adjusted = as_svrepdesign(svydesign(data, weights="pw", strata="stype", lonely_psu="adjust"), "JKn")
    assert adjusted.n_replicates == len(data) and adjusted.rscales[-1] == pytest.approx(2 / 3)


def test_tables_name_the_variance_method():
    design = jkn_strat()
    frame = svymean(design, "api00").to_frame()
    assert frame["variance"].tolist() == ["replicate weights: JKn jackknife, 200 replicates"]
    assert svyglm(design, "api00 ~ ell").to_frame()["variance"].unique().tolist() == [design.variance]
    assert svyciprop(design, "sch.wide", value="Yes").to_frame()["variance"][0] == design.variance
    by = svyby(design, "api00", "awards").to_frame()
    assert (by["variance"] == design.variance).all()
    assert "Fay's BRR, rho = 0.3, 104 replicates" in brr_pairs(type="Fay", fay_rho=0.3).variance
    assert "variance" not in svymean(svydesign(apistrat(), weights="pw"), "api00").to_frame()


# -- replicate statistics evaluated apart (the workflow's chunk jobs) ----------------------------------


def evaluated_apart(design, statistic, chunk: int = 7) -> np.ndarray:
    """``statistic`` on every replicate, in chunks of the full design's replicate weights of all
    rows, as another process would compute it."""
    # the full-sample weights as as_svrepdesign holds them (R's 1 / (1 / pw))
    full = rep.dataclasses.replace(design, domain=None, weights=held_weights(design.data["pw"].to_numpy(dtype=float)))
    pieces = []
    for start in range(0, full.n_replicates, chunk):
        for w in full.replicate_weights(range(start, min(start + chunk, full.n_replicates))):
            pieces.append(statistic(np.ascontiguousarray(w[statistic.rows])))
    return np.vstack(pieces)


def with_missing_meals(design):
    data = design.data.copy()
    data.loc[data.index[::9], "meals"] = np.nan
    return rep.dataclasses.replace(design, data=data)


@pytest.mark.parametrize("make", [lambda: strat_boot(replicates=30), jkn_strat_clus])
def test_svyglm_refits_evaluated_apart_give_the_same_bytes(make):
    design = with_missing_meals(make())
    domain = (design.data["stype"] != "H").to_numpy()
    for d in (design, design.subset(domain)):
        for formula, family in (("sch.wide ~ ell + meals + stype", "quasibinomial"), ("api00 ~ ell + meals", "gaussian")):
            refit = rep_svyglm_refit(d, formula, family)
            reps = evaluated_apart(d, refit)
            whole, apart = svyglm(d, formula, family=family), svyglm(d, formula, family=family, replicates=reps)
            np.testing.assert_array_equal(apart.coefficients, whole.coefficients)
            np.testing.assert_array_equal(apart.vcov, whole.vcov)
            assert apart.df_residual == whole.df_residual and apart.variance == whole.variance


def rep_svyglm_refit(design, formula, family):
    from swsurvey.survey.glm import svyglm_refit

    return svyglm_refit(design, formula, family=family)


@pytest.mark.parametrize("statistic", ["F", "Chisq", "Wald", "adjWald"])
def test_svychisq_statistic_evaluated_apart_gives_the_same_bytes(statistic):
    from swsurvey.survey.chisq import svychisq_statistic

    design = strat_boot(replicates=30)
    data = design.data.copy()
    data["awards"] = data["awards"].astype(object).where(np.arange(len(data)) % 7 != 0)  # some missing
    design = rep.dataclasses.replace(design, data=data)
    for d in (design, design.subset((data["stype"] != "E").to_numpy())):
        stat = svychisq_statistic(d, "sch.wide", "awards", statistic=statistic)
        whole = svychisq(d, "sch.wide", "awards", statistic=statistic)
        apart = svychisq(d, "sch.wide", "awards", statistic=statistic, replicates=evaluated_apart(d, stat))
        assert (apart.statistic, apart.p_value, apart.parameter) == (whole.statistic, whole.p_value, whole.parameter)


def test_replicate_estimates_given_must_fit_the_design():
    design = strat_boot(replicates=30)
    with pytest.raises(InputError, match="30 replicates"):
        svyglm(design, "api00 ~ ell", replicates=np.zeros((29, 2)))
    with pytest.raises(InputError, match="replicate-weight designs"):
        svyglm(svydesign(apistrat(), weights="pw"), "api00 ~ ell", replicates=np.zeros((30, 2)))


@pytest.mark.parametrize("make", [lambda: strat_boot(replicates=30), lambda: strat_boot("subbootstrap", replicates=20)])
def test_rank_settled_on_a_spread_of_psus_is_the_full_rank(make, monkeypatch):
    design = make()
    masks = [None, (design.data["awards"] == "Yes").to_numpy(), (design.data["stype"] != "E").to_numpy()]
    probed = [design.degf(m) for m in masks]
    assert hasattr(design.repweights, "_probe_cache")  # the spread of PSUs settled them
    monkeypatch.setattr(repweights, "PROBE_PER_REPLICATE", 10**6)
    assert [rep.dataclasses.replace(design, _degf={}).degf(m) for m in masks] == probed
