"""The descriptive stage: one long estimates table, by country and pooled, weighted and not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from swsurvey.errors import InputError
from swsurvey.stages.describe import describe, describe_wave

POOLED = {"Canada, United States and Israel": ["Canada", "United States", "Israel"]}
TABLES = {"ICT": ["any_ict_use", "outside_hours"], "Sample": ["gender"]}


@pytest.fixture(scope="module")
def weighted(weighted_2017):
    return weighted_2017


@pytest.fixture(scope="module")
def estimates(weighted):
    return describe(weighted, TABLES, labels={}, stratum="country", weight="weight", pooled=POOLED, min_n=200)


def _row(estimates, variable, level, domain, weighting):
    rows = estimates[
        (estimates["variable"] == variable)
        & (estimates["level"] == level)
        & (estimates["domain"] == domain)
        & (estimates["weighting"] == weighting)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_unweighted_pooled_percentage_is_the_plain_percentage_of_those_who_answered(estimates, weighted):
    pooled = weighted[weighted["country"] != "United Kingdom"]
    answered = pooled["outside_hours"].dropna()
    row = _row(estimates, "outside_hours", "Yes", "Canada, United States and Israel", "unweighted")
    assert row["estimate"] == pytest.approx(100 * (answered == "Yes").mean(), rel=1e-12)
    assert row["base_n"] == len(answered) and row["n"] == int((answered == "Yes").sum())


def test_weighted_country_percentage_uses_the_raked_weights(estimates, weighted):
    israel = weighted[(weighted["country"] == "Israel") & weighted["any_ict_use"].notna()]
    expected = 100 * np.average(israel["any_ict_use"] == "Yes", weights=israel["weight"])
    assert _row(estimates, "any_ict_use", "Yes", "Israel", "weighted")["estimate"] == pytest.approx(expected, rel=1e-12)


def test_every_cell_has_se_ci_within_bounds_method_and_deff(estimates):
    assert set(estimates["weighting"]) == {"weighted", "unweighted"}
    assert set(estimates["domain"]) == {"Canada", "United States", "Israel", "United Kingdom", *POOLED}
    inner = estimates[(estimates["estimate"] > 0) & (estimates["estimate"] < 100)]
    assert (inner["ci_lower"] >= 0).all() and (inner["ci_upper"] <= 100).all()
    assert ((inner["ci_lower"] <= inner["estimate"]) & (inner["estimate"] <= inner["ci_upper"])).all()
    assert (inner["se"] > 0).all() and (inner["deff"] > 0).all()
    assert inner["ci_method"].str.contains("Korn-Graubard").all()
    # Raking makes the weighted estimates less precise than the unweighted ones on average.
    by = inner.groupby("weighting")["deff"].mean()
    assert by["weighted"] > by["unweighted"]


def test_small_bases_are_flagged_and_suppressed(estimates):
    uk = estimates[estimates["domain"] == "United Kingdom"]
    assert uk["small_base"].all()  # 134 respondents < min_n = 200
    assert not estimates[estimates["domain"] == "Canada"]["small_base"].any()


def test_describe_wave_refuses_data_that_are_not_weighted(cleaned_2017, tmp_path):
    out = tmp_path / "e.csv"
    with pytest.raises(InputError, match="weighting stage"):
        describe_wave(cleaned_2017, out, wave="x", tables=TABLES, stratum="country", pooled=POOLED, min_n=10)
    assert not out.exists()


def test_a_table_naming_an_unknown_variable_is_an_error(weighted):
    with pytest.raises(InputError, match="not_a_variable"):
        describe(weighted, {"T": ["not_a_variable"]}, labels={}, stratum="country", weight="weight", pooled={}, min_n=10)


def test_a_variable_the_wave_did_not_ask_is_reported_as_not_asked_never_as_zero(weighted, tmp_path):
    from swsurvey.io.tables import NOT_ASKED_TEXT, wide_tables

    levels = ["Never", "Less than monthly", "Monthly", "Weekly", "Daily"]
    lacking = weighted.assign(
        freq_videoconf=pd.Categorical([None] * len(weighted), categories=levels, ordered=True),
        freq_videoconf__missing=pd.Categorical(["not asked"] * len(weighted)),
    )
    out = describe(lacking, {"ICT": ["any_ict_use", "freq_videoconf"]}, labels={}, stratum="country",
                   weight="weight", pooled=POOLED, min_n=10)
    rows = out[out["variable"] == "freq_videoconf"]
    assert rows["not_asked"].all() and rows["estimate"].isna().all() and (rows["base_n"] == 0).all()
    assert set(rows["level"]) == {"not asked in this wave"}
    assert len(rows) == 2 * 5  # each domain (4 countries + 1 pooled), weighted and not
    assert not out.loc[out["variable"] == "any_ict_use", "not_asked"].any()
    cells = wide_tables(out.assign(synthetic=True))["ICT"].loc[("freq_videoconf", "not asked in this wave")]
    assert set(cells) == {NOT_ASKED_TEXT}
    # a variable merely unanswered by everyone in a domain is not "not asked"
    skipped = lacking.assign(freq_videoconf__missing=pd.Categorical(["seen but unanswered"] * len(weighted)))
    other = describe(skipped, {"ICT": ["freq_videoconf"]}, labels={}, stratum="country", weight="weight",
                     pooled={}, min_n=10)
    assert other.empty


def test_the_tables_note_says_the_base_the_recode_states_for_weekly_use(cleaned_2017, tmp_path):
    """A flag derived from several questions has a base no reader can guess: the recode spec
    states it (weekly_use: users who skipped a channel and answered none weekly are left out),
    and it travels with the data into every row of the variable and the tables' note."""
    from testconfig import REPO, WEIGHTING

    from swsurvey.io.tables import format_tables
    from swsurvey.stages.weighting import weight_wave
    from swsurvey.study.recode import load_recode

    base = load_recode(REPO / "workflow/recode/socialwork_2017.yaml")["weekly_use"].base
    assert base and "unanswered" in base
    weighted = tmp_path / "weighted.parquet"
    weight_wave(cleaned_2017, REPO / "data/synthetic/population_margins_2017.csv", weighted,
                tmp_path / "diagnostics.csv", tmp_path / "margins.csv", wave="2017", **WEIGHTING)
    describe_wave(weighted, tmp_path / "estimates.csv", wave="2017", tables={"ICT": ["any_ict_use", "weekly_use"]},
                  stratum="country", pooled=POOLED, min_n=10)
    est = pd.read_csv(tmp_path / "estimates.csv", keep_default_na=False)
    assert (est.loc[est["variable"] == "weekly_use", "base"] == base).all()
    assert (est.loc[est["variable"] == "any_ict_use", "base"] == "").all()
    outs = [tmp_path / "tables.md", tmp_path / "tables.html", tmp_path / "tables.xlsx"]
    format_tables(tmp_path / "estimates.csv", *outs, wave="2017", min_n=10)
    note = next(line for line in outs[0].read_text().splitlines() if line.startswith("Weighted percentages"))
    assert f'for "Uses any ICT channel with clients weekly or more", {base}' in note
    assert note.count("for \"") == 1  # no base sentence for any_ict_use, whose base is plain


def test_fixed_weights_give_the_plain_designs_ses_and_calibrated_ones_include_the_raking(weighted, tmp_path):
    """weighting.variance fixed: the SEs of svydesign(weights=weight, strata=country), as the
    stage gave before it carried the calibration; calibrated: the same estimates, other SEs,
    and a raking margin's SE 0. The variance column names which."""
    from testconfig import REPO, WEIGHTING_CONFIG
    from weighted_data import write_weighted

    from swsurvey.survey.design import svydesign
    from swsurvey.survey.estimates import svymean

    src = tmp_path / "weighted.parquet"
    write_weighted(weighted, src)
    targets = REPO / "data/synthetic/population_margins_2017.csv"
    out = {}
    for mode in ("fixed", "calibrated"):
        out[mode] = tmp_path / f"{mode}.csv"
        describe_wave(src, out[mode], wave="2017", tables=TABLES, stratum="country", pooled=POOLED, min_n=10,
                      weighting={**WEIGHTING_CONFIG, "variance": mode}, targets=targets)
    fixed, raked = pd.read_csv(out["fixed"]), pd.read_csv(out["calibrated"])
    plain = svydesign(weighted, weights="weight", strata="country")
    for domain in ("Israel", "Canada, United States and Israel"):
        mask = weighted["country"].isin(POOLED.get(domain, [domain])) & weighted["outside_hours"].notna()
        stat = svymean(plain.subset(mask.to_numpy()), "outside_hours")
        row = _row(fixed, "outside_hours", "Yes", domain, "weighted")
        assert row["se"] == pytest.approx(100 * stat.se[list(stat.names).index("outside_hoursYes")], rel=1e-9)
    weighted_rows = fixed["weighting"] == "weighted"
    assert fixed.loc[weighted_rows, "variance"].str.endswith("weights fixed (as SPSS Complex Samples)").all()
    assert raked.loc[weighted_rows, "variance"].str.endswith("calibrated to the raking margins").all()
    assert (fixed.loc[~weighted_rows, "variance"] == "linearization (Taylor series), strata: country").all()
    pd.testing.assert_series_equal(raked["estimate"], fixed["estimate"], rtol=1e-12)
    assert (fixed.loc[~weighted_rows, "se"] == raked.loc[~weighted_rows, "se"]).all()
    woman = _row(raked, "gender", "Woman", "Canada", "weighted")
    assert woman["se"] < 1e-10 and woman["ci_lower"] == woman["ci_upper"] == woman["estimate"]  # fixed by the raking
    assert _row(fixed, "gender", "Woman", "Canada", "weighted")["se"] > 0.5


def test_the_tables_domains_are_describe_by_whatever_the_weighting_stratum(weighted_2017, tmp_path):
    """Weights raked to the whole sample's margins (weighting.stratum null, a targets file with
    no country column) still give tables by country (describe.by), in a design without strata
    (the weighting's design): the whole sample's share of women is a raking margin (SE 0), a
    country's is not."""
    from testconfig import REPO, WEIGHTING_CONFIG

    from swsurvey.stages.designs import analysis_setting, linearization_calibration, weighted_calibration
    from swsurvey.stages.weighting import read_targets, weight_respondents, weighting_settings

    targets = pd.read_csv(REPO / "data/synthetic/population_margins_2017.csv")
    whole = (targets[targets["variable"] != "gender:age_group"].groupby(["variable", "level"], sort=False)
             .agg(population_count=("population_count", "sum"), source=("source", "first"), date=("date", "first"))
             .reset_index())
    path = tmp_path / "whole.csv"
    whole.to_csv(path, index=False)
    weighting = {**WEIGHTING_CONFIG, "stratum": None, "variance": "calibrated"}
    settings = weighting_settings(weighting)
    weights, _, _ = weight_respondents(weighted_2017, read_targets(path, None, settings["margins"]), **settings)
    data = weighted_2017.assign(weight=weights)
    calibration = linearization_calibration(weighted_calibration(data, path, weighting))
    design = analysis_setting(weighting, "country")
    assert design["strata"] is None
    est = describe(data, {"T": ["gender"]}, labels={}, stratum="country", weight="weight",
                   pooled={"All": ["Canada", "United States", "Israel", "United Kingdom"]}, min_n=10,
                   calibration=calibration, design=design)
    women = est[(est["level"] == "Woman") & (est["weighting"] == "weighted")].set_index("domain")
    assert {"Canada", "United States", "Israel", "United Kingdom", "All"} <= set(women.index)
    assert women.loc["All", "se"] < 1e-9 < women.loc["Canada", "se"]
