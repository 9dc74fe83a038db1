"""The weighting sensitivity panel: its flag logic, the schemes' weights, the extreme weights,
and the main and unweighted schemes' results agreeing with the main tables'."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from testconfig import REPO, WEIGHTING_CONFIG, base_config

from swsurvey.errors import InputError
from swsurvey.stages.country_tests import country_tests
from swsurvey.stages.describe import describe
from swsurvey.stages.designs import weighted_calibration
from swsurvey.stages.sensitivity import (
    extreme_weights,
    scheme_settings,
    scheme_weights,
    schemes_of,
    sensitivity,
    sensitivity_markdown,
)
from swsurvey.stages.sensitivity_flags import flag_moves, moved_sentence
from swsurvey.stages.sensitivity_sections import sensitivity_blocks

TARGETS_2017 = REPO / "data/synthetic/population_margins_2017.csv"
CONFIG = base_config()


def _rows(*rows):
    columns = ["scheme", "kind", "item", "level", "domain", "estimate", "ci_lower", "ci_upper", "p", "small_base"]
    return pd.DataFrame(rows, columns=columns)


# -- the flag logic -----------------------------------------------------------------------------


def test_an_estimate_outside_the_main_interval_moves_and_one_inside_does_not():
    results = _rows(
        ("main", "estimate", "a", "Yes", "Canada", 50.0, 47.0, 53.0, np.nan, False),
        ("other", "estimate", "a", "Yes", "Canada", 53.5, 50.0, 57.0, np.nan, False),  # above the upper bound
        ("main", "estimate", "a", "Yes", "Israel", 40.0, 35.0, 45.0, np.nan, False),
        ("other", "estimate", "a", "Yes", "Israel", 44.9, 40.0, 50.0, np.nan, False),  # inside
        ("main", "estimate", "b", "Yes", "Canada", 20.0, 18.0, 22.0, np.nan, False),
        ("other", "estimate", "b", "Yes", "Canada", 22.0, 20.0, 24.0, np.nan, False),  # on the bound: stays
    )
    flagged = flag_moves(results, "main", "main weighting")
    assert flagged["moved"].tolist() == [False, True, False, False, False, False]
    assert flagged["why"].iloc[1] == "53.5% is outside the main weighting's 95% CI (47.0–53.0%, estimate 50.0%)"
    assert flagged["why"].iloc[3] == ""


def test_a_small_base_is_never_flagged():
    results = _rows(
        ("main", "estimate", "a", "Yes", "UK", 50.0, 30.0, 70.0, np.nan, True),
        ("other", "estimate", "a", "Yes", "UK", 90.0, 80.0, 95.0, np.nan, True),
    )
    assert not flag_moves(results, "main", "main")["moved"].any()


def test_a_test_that_changes_significance_moves_and_one_that_keeps_it_does_not():
    results = _rows(
        ("main", "model_term", "m", "age_group", "", 3.0, np.nan, np.nan, 0.257, False),
        ("other", "model_term", "m", "age_group", "", 4.0, np.nan, np.nan, 0.045, False),
        ("main", "country_test", "x", "", "by country", 9.0, np.nan, np.nan, 0.001, False),
        ("other", "country_test", "x", "", "by country", 7.0, np.nan, np.nan, 0.030, False),  # both significant
        ("main", "country_test", "y", "", "by country", 1.0, np.nan, np.nan, 0.5, False),
        ("other", "country_test", "y", "", "by country", np.nan, np.nan, np.nan, np.nan, False),  # no test
    )
    flagged = flag_moves(results, "main", "main weighting")
    assert flagged["moved"].tolist() == [False, True, False, False, False, False]
    assert flagged["why"].iloc[1] == ("significant at 5% (p = 0.045); not significant under the main weighting "
                                      "(p = 0.257)")
    sentence = moved_sentence(flagged.assign(scheme_label=flagged["scheme"], item_label=flagged["item"]))
    assert sentence.startswith("1 headline result moves — under other: the term age_group of model m: significant")
    assert moved_sentence(flagged.assign(moved=False)).startswith("No headline result moves")


# -- the schemes --------------------------------------------------------------------------------


def test_a_scheme_overrides_only_the_keys_it_gives():
    settings = scheme_settings(WEIGHTING_CONFIG, {"label": "Trimmed", "trim": {"upper": 5}})
    assert settings == {**WEIGHTING_CONFIG, "trim": {"upper": 5}}
    names = [name for name, _, _ in schemes_of(WEIGHTING_CONFIG, CONFIG["sensitivity"]["schemes"])]
    assert names == ["main", "unweighted", "joint", "trimmed_5", "poststratified"]
    with pytest.raises(InputError, match="main"):
        schemes_of(WEIGHTING_CONFIG, {"main": {"label": "x"}})


def test_unweighted_gives_every_respondent_weight_1(weighted_2017):
    settings = scheme_settings(WEIGHTING_CONFIG, {"label": "Unweighted", "method": "none"})
    weights = scheme_weights(weighted_2017, TARGETS_2017, settings)
    assert weights.shape == (len(weighted_2017),) and (weights == 1.0).all()


def test_the_raking_scheme_is_the_weighting_stage_s_weights(weighted_2017):
    weights = scheme_weights(weighted_2017, TARGETS_2017, scheme_settings(WEIGHTING_CONFIG, {"label": "Same"}))
    np.testing.assert_allclose(weights, weighted_2017["weight"], rtol=1e-12)


@pytest.mark.parametrize("upper", [5, 3])
def test_a_trimmed_scheme_keeps_every_weight_within_its_multiple_of_the_country_median(weighted_2017, upper):
    settings = scheme_settings(WEIGHTING_CONFIG, {"label": "Trimmed", "trim": {"upper": upper}})
    weights = scheme_weights(weighted_2017, TARGETS_2017, settings)
    raked = weighted_2017["weight"].to_numpy()
    country = weighted_2017["country"].to_numpy()
    for level in np.unique(country):
        inside = country == level
        bound = upper * np.median(raked[inside])  # the bounds are multiples of the raked weights' median
        assert weights[inside].max() <= bound * (1 + 1e-9), level
    if upper == 3:  # a bound that bites: weights held at it, and the countries' totals kept
        assert (np.isclose(weights, upper * pd.Series(raked).groupby(country).transform("median"))).sum() > 0
        totals = pd.Series(weights).groupby(country).sum() / pd.Series(raked).groupby(country).sum()
        np.testing.assert_allclose(totals, 1, rtol=1e-6)


@pytest.mark.parametrize("scheme, cells", [
    ({"label": "Joint", "margins": [["gender", "age_group"]]}, ["country", "gender", "age_group"]),
    ({"label": "Post-stratified", "method": "poststratify", "margins": ["gender"]}, ["country", "gender"]),
])
def test_a_one_margin_scheme_weights_each_cell_alike_and_keeps_the_country_totals(weighted_2017, scheme, cells):
    """From weights 1, raking to one (joint) margin or post-stratifying on it gives every
    respondent of a cell the same weight, its target over its count; the countries' totals are
    the targets', as the main raking's are."""
    weights = pd.Series(scheme_weights(weighted_2017, TARGETS_2017, scheme_settings(WEIGHTING_CONFIG, scheme)))
    assert (weights > 0).all()
    keys = [weighted_2017[c].astype(object).fillna("Not stated").to_numpy() for c in cells]
    spread = weights.groupby(keys).agg(lambda w: w.max() / w.min() - 1)
    assert spread.max() < 1e-9, spread.sort_values().tail()
    assert weights.groupby(keys).mean().nunique() > 10  # the cells are weighted differently
    country = weighted_2017["country"].to_numpy()
    np.testing.assert_allclose(weights.groupby(country).sum(), weighted_2017["weight"].groupby(country).sum(),
                               rtol=1e-9)
    assert not np.allclose(weights, weighted_2017["weight"])


def test_a_method_the_schema_does_not_know_is_an_error_naming_it(weighted_2017):
    with pytest.raises(InputError, match="bogus"):
        scheme_weights(weighted_2017, TARGETS_2017, scheme_settings(WEIGHTING_CONFIG, {"method": "bogus"}))


# -- extreme weights ----------------------------------------------------------------------------


def test_the_extreme_cell_is_the_one_carrying_most_weight_for_its_number():
    # 100 UK respondents: 3 under 30 carry 11.6% of the weight; 97 others weight 1
    x = 0.116 * 97 / (3 * (1 - 0.116))
    age = ["Under 30"] * 3 + ["30-44"] * 47 + ["45+"] * 50
    gender = ["Man"] * 10 + ["Woman"] * 90
    data = pd.DataFrame({"country": pd.Categorical(["United Kingdom"] * 100), "age_group": age, "gender": gender})
    weights = np.array([x] * 3 + [1.0] * 97)
    out = extreme_weights(data, weights, stratum="country", margins=["gender", "age_group"], unknown="Not stated")
    row = out.iloc[0]
    assert (row["margin"], row["cell"], row["n"]) == ("age_group", "Under 30", 3)
    assert row["text"].startswith("United Kingdom, Under 30: 3 respondents carry 11.6% of the United Kingdom weight")
    assert row["max_over_median"] == pytest.approx(x)
    assert row["kish_deff"] == pytest.approx(100 * (weights ** 2).sum() / weights.sum() ** 2)
    equal = extreme_weights(data, np.ones(100), stratum="country", margins=["gender"], unknown="Not stated")
    assert equal["text"].iloc[0] == "United Kingdom: no cell carries more than its share of the weight; Kish deff 1.00"


# -- the panel on the stored 2017 wave ----------------------------------------------------------


@pytest.fixture(scope="module")
def panel(weighted_2017):
    return sensitivity(weighted_2017, TARGETS_2017, weighting=WEIGHTING_CONFIG,
                       schemes=CONFIG["sensitivity"]["schemes"], main_results=CONFIG["describe"]["main_results"],
                       pooled=CONFIG["describe"]["pooled"], items=CONFIG["infer"]["items"],
                       models=CONFIG["infer"]["models"], min_n=CONFIG["describe"]["min_n"])


def test_the_main_and_unweighted_schemes_are_the_main_tables_numbers(weighted_2017, panel):
    results, _ = panel
    main_results = CONFIG["describe"]["main_results"]
    calibration = weighted_calibration(weighted_2017, TARGETS_2017, WEIGHTING_CONFIG)
    tables = describe(weighted_2017, {"t": list(main_results)}, labels={}, stratum="country", weight="weight",
                      pooled=CONFIG["describe"]["pooled"], min_n=10, calibration=calibration)
    for scheme, weighting in (("main", "weighted"), ("unweighted", "unweighted")):
        mine = results[(results["scheme"] == scheme) & (results["kind"] == "estimate") & ~results["not_asked"]]
        for r in mine.itertuples():
            cell = tables[(tables["weighting"] == weighting) & (tables["variable"] == r.item)
                          & (tables["level"] == r.level) & (tables["domain"] == r.domain)].iloc[0]
            assert (r.estimate, r.ci_lower, r.ci_upper, r.n) == pytest.approx(
                (cell["estimate"], cell["ci_lower"], cell["ci_upper"], cell["base_n"]), rel=1e-12), (scheme, r)
    tests = country_tests(weighted_2017, CONFIG["infer"]["items"], calibration=calibration)
    for scheme, weighting in (("main", "weighted"), ("unweighted", "unweighted")):
        mine = results[(results["scheme"] == scheme) & (results["kind"] == "country_test")]
        expected = tests[tests["weighting"] == weighting]
        np.testing.assert_allclose(mine["p"], expected["p_holm"], rtol=1e-10)


def test_the_panel_s_table_names_every_scheme_s_variance_and_marks_what_moved(panel):
    results, extremes = panel
    assert not results.loc[results["scheme"] == "main", "moved"].any()
    assert results.groupby("scheme")["variance"].nunique().eq(1).all()
    assert "held fixed" in results.loc[results["scheme"] == "trimmed_5", "variance"].iloc[0]
    assert set(extremes["scheme"]) == {"main", *CONFIG["sensitivity"]["schemes"]}
    assert len(extremes) == (1 + len(CONFIG["sensitivity"]["schemes"])) * 4  # a line per scheme and country
    text = sensitivity_markdown(results.assign(wave="2017"), extremes, wave="2017", synthetic=True, min_n=10)
    assert text.count("†") == int(results["moved"].sum()) + 1  # and the legend's
    assert moved_sentence(results) in text
    blocks = sensitivity_blocks("2017", results, extremes, None)
    # the sentence, the two tables, and the extreme weights: a line per scheme, the main one first
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Table", "Table",
                                                  *["Paragraph"] * (1 + len(CONFIG["sensitivity"]["schemes"]))]


def test_the_figure_rings_what_moved_and_has_the_same_bytes_on_a_redraw(panel, tmp_path):
    from matplotlib.colors import to_rgba

    from swsurvey.stages.sensitivity_figure import MOVED, draw_sensitivity_figure, sensitivity_figure

    results, _ = panel
    estimates = results["kind"] == "estimate"
    moved = results.assign(moved=results["moved"] | (estimates & (results["scheme"] == "unweighted")
                                                    & (results["domain"] == "Canada")))
    fig = sensitivity_figure(moved, "t")
    rings = [c for ax in fig.axes for c in ax.collections
             if len(c.get_edgecolors()) and tuple(c.get_edgecolors()[0]) == to_rgba(MOVED)]
    asked = moved.loc[estimates & ~moved["not_asked"], "item"].nunique()
    assert sum(len(c.get_offsets()) for c in rings) == asked  # one ring per asked item, in Canada
    csv = tmp_path / "s.csv"
    moved.assign(wave="2017", synthetic=True).to_csv(csv, index=False)
    draw_sensitivity_figure(csv, tmp_path / "a.png", tmp_path / "a.svg", wave="2017")
    draw_sensitivity_figure(csv, tmp_path / "b.png", tmp_path / "b.svg", wave="2017")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
