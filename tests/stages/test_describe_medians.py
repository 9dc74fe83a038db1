"""The medians of the numeric items (rule describe_medians): R's svyquantile with its default
rule and Woodruff's interval, on the design the categorical tables use, by country and pooled.

The R comparison is tests/r/medians_stage.json (written by tests/r/medians_stage.R): the
small synthetic wave of tests/r/raked_stage.R with years of practice added, raked within
country; the quartiles and median of Canada and of the whole sample on the raked design, the
raked weights held fixed, all weights 1, and the jackknife raked again in every replicate.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from testconfig import REPO, WEIGHTING, WEIGHTING_CONFIG
from weighted_data import raked_stage_wave

from swsurvey.errors import InputError
from swsurvey.io.tables import median_text, medians_markdown
from swsurvey.stages.describe_medians import QUANTILES, describe_medians, medians
from swsurvey.stages.designs import CALIBRATED, FIXED, linearization_label, weighted_calibration
from swsurvey.stages.not_asked import NOT_ASKED_LEVEL
from swsurvey.stages.weighting import weight_wave

R = json.loads((Path(__file__).parents[1] / "r" / "medians_stage.json").read_text())
R_WAVE = json.loads((Path(__file__).parents[1] / "r" / "raked_stage.json").read_text())
REL = 1e-9
SETTINGS = {**WEIGHTING_CONFIG, "variance": CALIBRATED}
ALL = {"All": ["Canada", "Israel", "United States"]}
JKN = {"method": "JKn"}


# -- against R ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def r_wave(tmp_path_factory):
    """R's synthetic wave with its years of practice, weighted by the weighting stage, and its
    targets file."""
    data, targets = raked_stage_wave(tmp_path_factory.mktemp("medians"))
    years = np.array([np.nan if v is None else v for v in R["years_practice"]], dtype=float)
    return data.assign(years_practice=years), targets


def _quantiles(data, calibration=None, variance=None):
    return medians(data, ["years_practice"], labels={}, stratum="country", weight="weight", pooled=ALL, min_n=10,
                   variance=variance, calibration=calibration)


def _check(table, weighting, expected, df="design df"):
    for domain, r_domain in (("Canada", "Canada"), ("All", "all")):
        rows = table[(table["domain"] == domain) & (table["weighting"] == weighting)]
        assert list(rows["statistic"]) == list(QUANTILES)
        want = expected[r_domain]
        for column in ("estimate", "se", "ci_lower", "ci_upper"):
            np.testing.assert_allclose(rows[column], want[column], rtol=REL, err_msg=f"{domain} {column}")
        assert (rows["ci_method"] == f"Woodruff (CDF interval), qrule math, t on {want['degf']} {df}").all()


def test_the_weighted_quantiles_on_the_raked_design_are_rs(r_wave):
    data, targets = r_wave
    table = _quantiles(data, weighted_calibration(data, targets, SETTINGS))
    _check(table, "weighted", R["raked"])
    _check(table, "unweighted", R["unweighted"])
    assert set(table.loc[table["weighting"] == "weighted", "variance"]) == {linearization_label("country", CALIBRATED)}
    assert set(table.loc[table["weighting"] == "unweighted", "variance"]) == {linearization_label("country")}
    # the respondents with a value in the domain
    canada = data[(data["country"] == "Canada") & data["years_practice"].notna()]
    assert (table.loc[table["domain"] == "Canada", "n"] == len(canada)).all()


def test_the_quantiles_with_the_weights_held_fixed_are_rs(r_wave):
    data, _ = r_wave
    table = _quantiles(data)
    _check(table, "weighted", R["fixed"])
    assert set(table.loc[table["weighting"] == "weighted", "variance"]) == {linearization_label("country", FIXED)}


def test_the_quantiles_on_the_jackknife_raked_in_every_replicate_are_rs(r_wave):
    data, targets = r_wave
    table = _quantiles(data, weighted_calibration(data, targets, SETTINGS, JKN), JKN)
    _check(table, "weighted", R["jkn_raked"], df="replicate df")
    _check(table, "unweighted", R["unweighted"])
    label = table.loc[table["weighting"] == "weighted", "variance"].iloc[0]
    assert "JKn" in label and label.endswith("each replicate raked again to the margins")


def test_calibration_narrows_the_intervals_as_in_r(r_wave):
    """Not a tautology of the comparison above: the calibrated and the fixed design give the same
    quantiles and different intervals, so the stage really passes the calibration on."""
    data, targets = r_wave
    raked = _quantiles(data, weighted_calibration(data, targets, SETTINGS))
    fixed = _quantiles(data)
    weighted = raked["weighting"] == "weighted"
    assert np.array_equal(raked.loc[weighted, "estimate"], fixed.loc[weighted, "estimate"])
    assert not np.allclose(raked.loc[weighted, "se"], fixed.loc[weighted, "se"])


# -- the stage on the stored wave ---------------------------------------------------------------


@pytest.fixture(scope="module")
def weighted_file(cleaned_2017, tmp_path_factory):
    out = tmp_path_factory.mktemp("medians_2017")
    targets = REPO / "data/synthetic/population_margins_2017.csv"
    weight_wave(cleaned_2017, targets, out / "weighted.parquet", out / "diagnostics.csv", out / "margins.csv",
                wave="2017", **WEIGHTING)
    return out / "weighted.parquet", targets


@pytest.fixture(scope="module")
def stage_2017(weighted_file, tmp_path_factory):
    data, targets = weighted_file
    out = tmp_path_factory.mktemp("medians_out")
    table = describe_medians(data, out / "medians.csv", out / "medians.md", wave="2017",
                             numeric=["years_practice", "age"], stratum="country", pooled=ALL, min_n=10,
                             weighting=SETTINGS, targets=targets)
    return table, out


def test_the_stage_writes_every_domain_weighting_and_quartile_and_age_as_not_asked(stage_2017, weighted_file):
    table, out = stage_2017
    written = pd.read_csv(out / "medians.csv", keep_default_na=False, na_values=[""], dtype={"wave": str})
    assert list(written.columns) == list(table.columns) and len(written) == len(table)
    years = written[written["variable"] == "years_practice"]
    domains = ["Canada", "United States", "Israel", "United Kingdom", "All"]
    assert list(dict.fromkeys(years["domain"])) == domains
    assert len(years) == len(domains) * 2 * len(QUANTILES)
    assert (years["ci_lower"] <= years["estimate"]).all() and (years["estimate"] <= years["ci_upper"]).all()
    assert (years["se"] > 0).all() and years["synthetic"].all() and (years["wave"] == "2017").all()
    assert years["variable_label"].iloc[0] == "Years of social work practice"
    # the wave's data have no age (2017 asked age bands): one row per domain and weighting, no numbers
    age = written[written["variable"] == "age"]
    assert len(age) == len(domains) * 2 and age["not_asked"].all() and age["estimate"].isna().all()
    assert (age["statistic"] == NOT_ASKED_LEVEL).all()
    # the unweighted median of a country is the plain median's upper value (R's qrule "math")
    data = pd.read_parquet(weighted_file[0])
    israel = np.sort(data.loc[(data["country"] == "Israel"), "years_practice"].dropna().to_numpy())
    row = years[(years["domain"] == "Israel") & (years["weighting"] == "unweighted") & (years["statistic"] == "median")]
    assert row["estimate"].iloc[0] == israel[int(np.ceil(0.5 * len(israel))) - 1]
    assert row["n"].iloc[0] == len(israel)
    md = (out / "medians.md").read_text()
    assert "| Age in 2021" not in md and "| age | weighted | — | — |" in md and "SYNTHETIC DATA" in md
    assert "Woodruff (CDF interval), qrule math, t on" in md


def test_a_categorical_item_is_refused_naming_it(weighted_file, tmp_path):
    data, targets = weighted_file
    with pytest.raises(InputError, match="not numeric") as caught:
        describe_medians(data, tmp_path / "m.csv", tmp_path / "m.md", wave="2017", numeric=["gender"],
                         stratum="country", pooled={}, min_n=10, weighting=SETTINGS, targets=targets)
    assert "gender" in str(caught.value) and str(data) in str(caught.value)
    assert not (tmp_path / "m.csv").exists()


def test_a_small_domain_is_suppressed_in_the_markdown(stage_2017):
    table, _ = stage_2017
    rows = table[(table["variable"] == "years_practice") & (table["domain"] == "Israel")
                 & (table["weighting"] == "weighted")]
    assert median_text(rows).startswith(f"{rows['estimate'].iloc[1]:.0f} (")
    small = table.assign(small_base=table["n"] < 10_000)
    assert "‡" in medians_markdown(small, wave="2017", synthetic=False, min_n=10_000)
    assert median_text(small[small.index.isin(rows.index)]) == "‡"


def test_no_numeric_items_give_an_empty_table_that_says_so(weighted_file, tmp_path):
    data, targets = weighted_file
    table = describe_medians(data, tmp_path / "m.csv", tmp_path / "m.md", wave="2017", numeric=[], stratum="country",
                             pooled=ALL, min_n=10, weighting=SETTINGS, targets=targets)
    assert table.empty and list(pd.read_csv(tmp_path / "m.csv").columns) == list(table.columns)
    assert "describe.numeric is empty" in (tmp_path / "m.md").read_text()


def test_quantiles_are_shown_whole_or_with_one_decimal_and_a_missing_end_as_na():
    from swsurvey.io.tables import quantile_text

    assert [quantile_text(x) for x in (18.0, 17.5, 0.0, np.nan)] == ["18", "17.5", "0", "NA"]


def test_the_medians_take_the_wave_s_clusters_as_the_categorical_tables_do(r_wave):
    """With clusters in the wave's design setting (weighting.design.ids), the medians' SEs are
    the clustered design's, R's svyquantile(~x, svydesign(ids=~psu, strata=~country,
    weights=~w), ci=TRUE), and the variance label names the clusters; they differ from the
    unclustered SEs (so the setting is not ignored)."""
    from swsurvey.stages.weighting import design_setting
    from swsurvey.survey.design import svydesign
    from swsurvey.survey.quantile import svyquantile

    data, _ = r_wave
    frame = data.assign(psu=data.groupby("country", observed=True).cumcount() // 4)
    frame["psu"] = frame["country"].astype(str) + "-" + frame["psu"].astype(str)
    clustered = medians(frame, ["years_practice"], labels={}, stratum="country", weight="weight", pooled=ALL,
                        min_n=10, design=design_setting({"ids": ["psu"]}, "country"))
    plain = _quantiles(frame)
    mine = clustered[(clustered["domain"] == "All") & (clustered["weighting"] == "weighted")]
    design = svydesign(frame[frame["years_practice"].notna()], ids="~psu", strata="~country", weights="~weight")
    expected = svyquantile(design, "~years_practice", list(QUANTILES.values()), qrule="math")
    np.testing.assert_allclose(mine["se"], expected.se, rtol=1e-12)
    assert "clusters: psu" in mine["variance"].iloc[0]
    unclustered = plain[(plain["domain"] == "All") & (plain["weighting"] == "weighted")]
    assert not np.allclose(mine["se"], unclustered["se"])
