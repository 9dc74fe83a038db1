"""Replicate-weight variance of the descriptive tables, in chunks, against the library's svymean."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from testconfig import REPO, WEIGHTING_CONFIG

from swsurvey.stages.describe import describe
from swsurvey.stages.describe_replicates import CellShares, replicate_variance
from swsurvey.stages.designs import replicate_design, weighted_calibration
from swsurvey.study.variance_setting import chunk_replicates, n_chunks
from swsurvey.survey import svymean
from swsurvey.survey.replicates import replicate_estimates

TABLES = {"ICT": ["any_ict_use", "initiator"], "Sample": ["gender"]}
POOLED = {"All four countries": ["Canada", "United States", "Israel", "United Kingdom"]}
BOOT = {"method": "bootstrap", "replicates": 40, "seed": 7, "chunk": 15}


@pytest.fixture(scope="module")
def data(weighted_2017):
    return weighted_2017


@pytest.fixture(scope="module")
def estimates(data):
    return describe(data, TABLES, labels={}, stratum="country", weight="weight", pooled=POOLED, min_n=10)


def _chunks(data, variance, tmp_path, size, raking=None):
    design = replicate_design(data, weight="weight", stratum="country", variance=variance, raking=raking)
    shares = CellShares(data, TABLES, stratum="country", pooled=POOLED)
    paths = []
    for chunk in range(n_chunks(design.n_replicates, size)):
        part = replicate_estimates(design, shares, chunk_replicates(design.n_replicates, chunk, size))
        path = tmp_path / f"{size}_{chunk}.npy"
        np.save(path, part, allow_pickle=False)
        paths.append(path)
    return paths


def test_the_cell_shares_are_the_weighted_estimates(data, estimates):
    shares = CellShares(data, TABLES, stratum="country", pooled=POOLED)
    theta = shares(data["weight"].to_numpy())
    weighted = estimates[estimates["weighting"] == "weighted"]
    merged = shares.cells.assign(share=100 * theta).merge(weighted, on=["table", "variable", "level", "domain"])
    assert len(merged) == len(weighted) == len(shares.cells)
    np.testing.assert_allclose(merged["share"], merged["estimate"], rtol=1e-12)


def test_the_replicate_se_of_a_cell_is_the_library_svymean_on_the_replicate_design(data, estimates, tmp_path):
    out = replicate_variance(data, estimates, _chunks(data, BOOT, tmp_path, 15), tables=TABLES, stratum="country",
                             pooled=POOLED, variance=BOOT)
    design = replicate_design(data, weight="weight", stratum="country", variance=BOOT)
    for domain, mask in [("Canada", data["country"] == "Canada"), ("All four countries", data["country"].notna())]:
        base = (mask & data["initiator"].notna()).to_numpy()
        stat = svymean(design.subset(base), "initiator")
        row = out[(out["variable"] == "initiator") & (out["domain"] == domain) & (out["weighting"] == "weighted")]
        np.testing.assert_allclose(row["se"].to_numpy(), 100 * np.asarray(stat.se), rtol=1e-10)
        assert row["variance"].str.startswith("replicate weights: bootstrap").all()
        assert row["ci_method"].str.contains("replicate df").all()
    unweighted = out[out["weighting"] == "unweighted"]
    assert unweighted["variance"].str.startswith("linearization").all()
    pd.testing.assert_frame_equal(unweighted.drop(columns="variance"),
                                  estimates[estimates["weighting"] == "unweighted"], check_like=True)


def test_the_result_has_the_same_bytes_whatever_the_chunking(data, estimates, tmp_path):
    digests = set()
    for size in (1, 7, 40):
        out = replicate_variance(data, estimates, _chunks(data, {**BOOT, "chunk": size}, tmp_path, size),
                                 tables=TABLES, stratum="country", pooled=POOLED, variance={**BOOT, "chunk": size})
        path = tmp_path / f"out{size}.csv"
        out.to_csv(path, index=False, float_format="%.10g")
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_a_stratified_jackknife_is_close_to_linearization(data, tmp_path):
    data = data.sample(600, random_state=1).reset_index(drop=True)  # 600 replicates: one per respondent
    estimates = describe(data, TABLES, labels={}, stratum="country", weight="weight", pooled=POOLED, min_n=10)
    jkn = {"method": "JKn", "chunk": 600}
    out = replicate_variance(data, estimates, _chunks(data, jkn, tmp_path, 600), tables=TABLES, stratum="country",
                             pooled=POOLED, variance=jkn)
    weighted = out[out["weighting"] == "weighted"].set_index(["variable", "level", "domain"])
    linear = estimates[estimates["weighting"] == "weighted"].set_index(["variable", "level", "domain"])
    inside = weighted[(weighted["estimate"] > 0) & (weighted["estimate"] < 100)]
    ratio = inside["se"] / linear.loc[inside.index, "se"]
    assert len(ratio) > 30 and ratio.between(0.95, 1.1).all(), ratio.describe()
    assert ((inside["ci_lower"] < inside["estimate"]) & (inside["estimate"] < inside["ci_upper"])).all()


def test_chunks_that_do_not_match_the_design_are_an_error(data, estimates, tmp_path):
    from swsurvey.errors import InputError

    paths = _chunks(data, BOOT, tmp_path, 15)
    with pytest.raises(InputError, match="replicates"):
        replicate_variance(data, estimates, paths[:-1], tables=TABLES, stratum="country", pooled=POOLED, variance=BOOT)


def test_replicates_raked_again_give_a_raking_margin_no_se_and_the_same_bytes_whatever_the_chunking(
        data, estimates, tmp_path):
    """weighting.variance calibrated: each replicate raked again to the margins (Canada's share
    of women, a raking margin, then has replicate SE 0); fixed: a positive SE."""
    raking = weighted_calibration(data, REPO / "data/synthetic/population_margins_2017.csv",
                                  {**WEIGHTING_CONFIG, "variance": "calibrated"}, BOOT)
    digests, outs = set(), {}
    (tmp_path / "raked").mkdir()
    for size in (1, 7, 40):
        variance = {**BOOT, "chunk": size}
        out = replicate_variance(data, estimates, _chunks(data, variance, tmp_path / "raked", size, raking),
                                 tables=TABLES, stratum="country", pooled=POOLED, variance=variance, raking=raking)
        outs[size] = out
        digests.add(hashlib.sha256(out.to_csv(index=False, float_format="%.10g").encode()).hexdigest())
    assert len(digests) == 1
    fixed = replicate_variance(data, estimates, _chunks(data, BOOT, tmp_path, 15), tables=TABLES, stratum="country",
                               pooled=POOLED, variance=BOOT)

    def woman(out):
        rows = out[(out["variable"] == "gender") & (out["level"] == "Woman") & (out["domain"] == "Canada")
                   & (out["weighting"] == "weighted")]
        assert len(rows) == 1
        return rows.iloc[0]

    # (the share among those stating a gender: "Not stated" is a raking cell of its own)
    assert woman(outs[40])["se"] < 1e-8 and woman(fixed)["se"] > 0.1  # percentage points
    assert woman(outs[40])["variance"].endswith("; each replicate raked again to the margins")
    assert woman(fixed)["variance"].endswith("; raked weights held fixed in the replicates (raking not repeated)")
