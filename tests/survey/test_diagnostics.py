"""Weight summaries and margin tables.

Summaries are compared with the reference cases' weight summaries (E02, E03, E07: every
``*_weights_summary`` output) and with tests/r/weight_summary.R (beside its JSON): summaries
by group and of small vectors (one weight, two, ties), all R's plain arithmetic with
type-7 quantiles, at the conventions' 1e-9 relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rsurvey import REL, assert_close, case, dataset

from swsurvey.errors import InputError
from swsurvey.survey.design import svydesign
from swsurvey.survey.diagnostics import SUMMARY_FIELDS, margin_table, weight_summary
from swsurvey.survey.weighting import calibrate, rake, trim_weights

R_SUMMARY = json.loads((Path(__file__).parents[1] / "r" / "weight_summary.json").read_text())

MARGINS = {
    "stype": {"E": 4421, "H": 755, "M": 1018},
    "sch.wide": {"No": 1072, "Yes": 5122},
    "comp.imp": {"No": 1712, "Yes": 4482},
}
POP_E03 = {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "sch.wideYes": 5122, "comp.impYes": 4482}


@pytest.fixture(scope="module")
def dsrs():
    return svydesign(dataset("apisrs"), weights="pw")


@pytest.fixture(scope="module")
def draked(dsrs):
    return rake(dsrs, MARGINS, epsilon=1e-14, maxit=1000)


def _summary(result) -> dict[str, float]:
    return {k: float(v) for k, v in result.items()}


def test_e02_raked_weights_summary(draked):
    expected = case("E02_weights_only_rake")["outputs"]["raked_weights_summary"]
    assert_close(_summary(weight_summary(draked)), expected, REL)


def test_e03_calibrated_weights_summaries(dsrs):
    outputs = case("E03_weights_only_calibrate_raking_and_linear")["outputs"]
    terms = ["stype", "sch.wide", "comp.imp"]
    raking = calibrate(dsrs, terms, POP_E03, calfun="raking", epsilon=1e-12, maxit=100)
    linear = calibrate(dsrs, terms, POP_E03)
    assert_close(_summary(weight_summary(raking)), outputs["raking_weights_summary"], REL)
    assert_close(_summary(weight_summary(linear)), outputs["linear_weights_summary"], REL)


def test_e07_trimmed_weights_summaries(draked):
    outputs = case("E07_weights_only_rake_then_trim")["outputs"]
    for strict, key in ((False, "trimmed_weights_summary"), (True, "trimmed_strict_weights_summary")):
        trimmed = trim_weights(draked, lower=25, upper=40, strict=strict)
        assert_close(_summary(weight_summary(trimmed.weights)), outputs[key], REL, what=key)


def test_summary_overall_and_by_group_match_r():
    strat = dataset("apistrat")
    w = np.array(R_SUMMARY["weights"])
    assert_close(_summary(weight_summary(w)), R_SUMMARY["overall"], REL)
    for column, key in (("stype", "by_stype"), ("awards", "by_awards")):
        table = weight_summary(w, by=strat[column])
        assert list(table.columns) == list(SUMMARY_FIELDS)
        assert [str(i) for i in table.index] == list(R_SUMMARY[key])
        for level, expected in R_SUMMARY[key].items():
            assert_close(_summary(table.loc[level]), expected, REL, what=f"{column}={level}")


def test_summary_by_design_column_and_domain():
    strat = dataset("apistrat")
    design = svydesign(strat.assign(w=R_SUMMARY["weights"]), weights="w", strata="stype")
    table = weight_summary(design, by="stype")
    assert_close(_summary(table.loc["H"]), R_SUMMARY["by_stype"]["H"], REL)
    domain = design.subset(strat["stype"].to_numpy() == "M")
    assert_close(_summary(weight_summary(domain)), R_SUMMARY["by_stype"]["M"], REL)


@pytest.mark.parametrize("name", sorted(R_SUMMARY["small"]))
def test_summary_of_small_vectors(name):
    item = R_SUMMARY["small"][name]
    result = _summary(weight_summary(np.array(item["weights"])))
    expected = item["summary"]
    if expected["sd"] is None:  # R's NA for a single weight
        assert np.isnan(result.pop("sd"))
        expected = {k: v for k, v in expected.items() if k != "sd"}
    assert_close(result, expected, REL)


def test_summary_by_group_vectorised_equals_per_group():
    rng = np.random.default_rng(7)
    w = rng.gamma(2.0, 10.0, 5000)
    groups = rng.choice(["a", "b", "c", "d"], 5000)
    table = weight_summary(w, by=groups)
    for g in "abcd":
        assert_close(_summary(table.loc[g]), _summary(weight_summary(w[groups == g])), 1e-12, what=g)


def test_summary_input_errors(dsrs):
    with pytest.raises(InputError):
        weight_summary(np.array([1.0, np.nan]))
    with pytest.raises(InputError):
        weight_summary(np.array([1.0, -2.0]))
    with pytest.raises(InputError):
        weight_summary(np.array([1.0, 2.0]), by=["a"])
    with pytest.raises(InputError):
        weight_summary(np.array([1.0, 2.0]), by="stype")
    with pytest.raises(InputError):
        weight_summary(dsrs, by="no_such_column")
    with pytest.raises(InputError):
        weight_summary(np.array([]))


def test_margin_table(dsrs, draked):
    table = margin_table(dsrs, draked, MARGINS)
    assert list(table["margin"].unique()) == list(MARGINS)
    data = dsrs.data
    for _, row in table.iterrows():
        inside = data[row["margin"]].to_numpy() == row["level"]
        assert row["n"] == inside.sum()
        assert row["before"] == pytest.approx(dsrs.weights[inside].sum(), rel=1e-12)
        assert row["after"] == pytest.approx(row["target"], rel=1e-12)
        assert row["target"] == MARGINS[row["margin"]][row["level"]]
        assert row["n_share"] == pytest.approx(inside.mean(), rel=1e-12)
    shares = table.groupby("margin")[["n_share", "before_share", "after_share", "target_share"]].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0, rtol=1e-12)
    assert np.abs(table["rel_error"]).max() < 1e-12


def test_margin_table_by_domain(dsrs):
    pop = dataset("apipop")
    joint = pop.groupby(["stype", "sch.wide"], observed=False).size().rename("total").reset_index()
    raked = rake(dsrs, [joint, {"comp.imp": MARGINS["comp.imp"]}], epsilon=1e-13, maxit=500)
    table = margin_table(dsrs, raked, [joint, {"comp.imp": MARGINS["comp.imp"]}], by="stype")
    assert list(table.columns[:3]) == ["stype", "margin", "level"]
    assert list(table["stype"].unique()) == ["E", "H", "M"]
    own = table[table["margin"] == "stype:sch.wide"]
    assert len(own) == 6  # each joint cell once, in its own domain
    assert np.abs(own["rel_error"]).max() < 1e-10
    np.testing.assert_allclose(own.groupby("stype")["target_share"].sum(), 1.0)
    other = table[table["margin"] == "comp.imp"]
    assert len(other) == 6 and other["target"].isna().all()  # no comp.imp target per stype
    np.testing.assert_allclose(other.groupby("stype")["after_share"].sum(), 1.0)
    with pytest.raises(InputError):
        margin_table(dsrs, svydesign(dsrs.data.iloc[:5], weights="pw"), MARGINS)
