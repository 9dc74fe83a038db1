"""The study's weighting stage: raking within country to the population margins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from swsurvey.errors import InputError
from swsurvey.weights import margin_targets, raking_levels, read_targets, weight_respondents, weight_wave

from conftest import WEIGHTING as SETTINGS


@pytest.fixture(scope="module")
def cleaned_path(cleaned_2017):
    return cleaned_2017


@pytest.fixture(scope="module")
def targets(repo_dir):
    return read_targets(repo_dir / "data/synthetic/population_margins_2017.csv", "country", ["gender", "age_group"])


@pytest.fixture(scope="module")
def weighted(cleaned_path, targets):
    data = pd.read_parquet(cleaned_path)
    weights, diagnostics, margins = weight_respondents(data, targets, **SETTINGS)
    return data.assign(weight=weights), diagnostics, margins


def test_unstated_answers_become_their_own_level_and_mapped_levels_merge():
    values = pd.Series(["Woman", None, "Prefer to self-describe", "Man"], name="gender", dtype="category")
    out = raking_levels(values, {"Prefer to self-describe": "Non-binary"}, ["Woman", "Man", "Non-binary"], "Not stated")
    assert list(out) == ["Woman", "Not stated", "Non-binary", "Man"]


def test_a_level_without_target_is_an_error_naming_it():
    values = pd.Series(["Woman", "Other"], name="gender")
    with pytest.raises(InputError, match=r"gender.*'Other'"):
        raking_levels(values, {}, ["Woman", "Man"], "Not stated")


def test_unstated_keep_their_sample_share_and_empty_cells_are_shared_out():
    population = pd.DataFrame(
        {"stratum": ["A", "A", "A"], "variable": "g", "level": ["x", "y", "z"], "population_count": [60.0, 30.0, 10.0]}
    )
    raking = pd.Series(["x", "x", "y", "Not stated"], name="g__raking")
    stratum = pd.Series(["A"] * 4, name="country")
    table = margin_targets(population, raking, stratum, "g", "Not stated").set_index("g__raking")["total"]
    assert table["Not stated"] == pytest.approx(25.0)  # a quarter of the sample, a quarter of 100
    assert "z" not in table  # nobody answered z: its 10 go to x and y in proportion
    assert table["x"] == pytest.approx(75.0 * 60 / 90) and table["y"] == pytest.approx(75.0 * 30 / 90)
    assert table.sum() == pytest.approx(100.0)


def test_weighted_margins_hit_the_targets_in_every_country(weighted, targets):
    data, diagnostics, margins = weighted
    assert (margins["rel_error"].abs() < 1e-8).all()
    assert bool(diagnostics["converged"].all())
    population = targets.groupby("stratum")["population_count"].sum() / 2  # two variables
    by_country = data.groupby("country", observed=True)["weight"].sum()
    for country, total in population.items():
        assert by_country[country] == pytest.approx(total, rel=1e-9)


def test_weighting_moves_the_gender_split_towards_the_population(weighted, targets):
    data, _, _ = weighted
    for country, group in data.groupby("country", observed=True):
        stated = group[group["gender"].isin(["Woman", "Man"])]
        unweighted = (stated["gender"] == "Woman").mean()
        weighted_share = np.average(stated["gender"] == "Woman", weights=stated["weight"])
        pop = targets[(targets["stratum"] == country) & (targets["variable"] == "gender")].set_index("level")
        target = pop.loc["Woman", "population_count"] / pop.loc[["Woman", "Man"], "population_count"].sum()
        assert abs(weighted_share - target) < abs(unweighted - target) / 3, country


def test_diagnostics_give_kish_design_effect_and_effective_n(weighted):
    _, diagnostics, _ = weighted
    row = diagnostics.set_index("country").loc["Canada"]
    assert row["n"] == 2609 and 1.0 < row["kish_deff"] < 3.0
    assert row["kish_neff"] == pytest.approx(row["n"] / row["kish_deff"])


def test_weight_wave_writes_weights_and_says_synthetic(cleaned_path, repo_dir, tmp_path):
    out = {k: tmp_path / f"{k}" for k in ("data.parquet", "diag.csv", "margins.csv")}
    weight_wave(
        cleaned_path,
        repo_dir / "data/synthetic/population_margins_2017.csv",
        out["data.parquet"],
        out["diag.csv"],
        out["margins.csv"],
        wave="2017",
        **SETTINGS,
    )
    table = pq.read_table(out["data.parquet"])
    assert b'"stage": "weight"' in table.schema.metadata[b"swsurvey"]
    assert b'"synthetic": true' in table.schema.metadata[b"swsurvey"]
    assert (table.column("weight").to_numpy() > 0).all()
    assert pd.read_csv(out["diag.csv"])["synthetic"].all()


def test_weight_wave_refuses_data_that_are_not_cleaned_and_writes_nothing(repo_dir, tmp_path):
    raw = tmp_path / "raw.parquet"
    pd.DataFrame({"country": ["Canada"]}).to_parquet(raw)
    outs = [tmp_path / "w.parquet", tmp_path / "d.csv", tmp_path / "m.csv"]
    with pytest.raises(InputError, match="cleaning stage"):
        weight_wave(raw, repo_dir / "data/synthetic/population_margins_2017.csv", *outs, wave="x", **SETTINGS)
    assert not any(p.exists() for p in outs)


def test_a_targets_file_without_sources_or_dates_is_refused(repo_dir, tmp_path):
    table = pd.read_csv(repo_dir / "data/synthetic/population_margins_2017.csv")
    table.loc[3, "date"] = None
    path = tmp_path / "targets.csv"
    table.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"targets\.csv.*date.*1 row.*source and date"):
        read_targets(path, "country", ["gender", "age_group"])
    table.drop(columns="source").to_csv(path, index=False)
    with pytest.raises(InputError, match="source"):
        read_targets(path, "country", ["gender", "age_group"])
