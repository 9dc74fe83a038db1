"""Figures: drawn from the results tables, with the same bytes for the same table."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from testconfig import WEIGHTING as SETTINGS

from swsurvey.stages.figures import draw_weighting_figure, margin_shares
from swsurvey.stages.weighting import read_targets, weight_respondents


@pytest.fixture(scope="module")
def margins_csv(cleaned_2017, repo_dir, tmp_path_factory):
    targets = read_targets(repo_dir / "data/synthetic/population_margins_2017.csv", "country", ["gender", "age_group"])
    _, _, margins = weight_respondents(pd.read_parquet(cleaned_2017), targets, **SETTINGS)
    path = tmp_path_factory.mktemp("fig") / "margins.csv"
    margins.assign(synthetic=True).to_csv(path, index=False)
    return path


def test_shares_are_within_country_and_add_to_100(margins_csv):
    shares = margin_shares(pd.read_csv(margins_csv))
    totals = shares.groupby(["variable", "country", "kind"])["share"].sum()
    assert ((totals - 100).abs() < 1e-9).all()
    assert set(shares["kind"]) == {"Sample (unweighted)", "Weighted", "Population target"}


def test_weighting_figure_has_the_same_bytes_on_a_rerun(margins_csv, tmp_path):
    digests = []
    for run in ("a", "b"):
        png, svg = tmp_path / f"{run}.png", tmp_path / f"{run}.svg"
        draw_weighting_figure(margins_csv, png, svg, wave="2017")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        text = svg.read_text()
        assert "SYNTHETIC DATA" in text and "Share within country" in text
        digests.append((hashlib.sha256(png.read_bytes()).digest(), hashlib.sha256(svg.read_bytes()).digest()))
    assert digests[0] == digests[1]


def test_the_palette_is_seaborns_colorblind_palette():
    """figures.PALETTE states seaborn's "colorblind" palette so that figures without a seaborn
    plot need not import seaborn; it must stay the palette seaborn gives."""
    import seaborn as sns

    from swsurvey.stages.figures import PALETTE

    assert PALETTE == [tuple(colour) for colour in sns.color_palette("colorblind")]


def test_a_figure_without_a_seaborn_plot_does_not_import_seaborn():
    import subprocess
    import sys

    code = "import sys, swsurvey.stages.study_figures, swsurvey.stages.figures; print('seaborn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize("n", [2, 3, 5, 7])
def test_the_diverging_palette_is_seaborns(n):
    import seaborn as sns

    from swsurvey.stages.figures import diverging_palette

    assert diverging_palette(n) == [tuple(colour) for colour in sns.color_palette("BrBG", n)]


def test_a_joint_margin_and_an_unstratified_weighting_are_drawn_as_their_cells(cleaned_2017, repo_dir, tmp_path):
    """A joint margin's cells (country:gender:age_group) are its variable's, not age_group's;
    without a stratum the shares are of the whole sample and the figure says so."""
    data = pd.read_parquet(cleaned_2017)
    path = repo_dir / "data/synthetic/population_margins_2017.csv"
    joint = {**SETTINGS, "margins": [["gender", "age_group"]]}
    _, _, margins = weight_respondents(data, read_targets(path, "country", joint["margins"]), **joint)
    shares = margin_shares(margins)
    stated = shares["category"] != "Not stated"  # a joint cell is not stated when any of its variables is
    assert set(shares["variable"]) == {"gender:age_group"} and shares.loc[stated, "category"].str.contains(":").all()
    totals = shares.groupby(["variable", "country", "kind"])["share"].sum()
    assert ((totals - 100).abs() < 1e-9).all() and len(totals) == 4 * 3
    whole = pd.read_csv(path).groupby(["variable", "level"], sort=False).agg(
        population_count=("population_count", "sum"), source=("source", "first"), date=("date", "first")).reset_index()
    whole_path = tmp_path / "whole.csv"
    whole.to_csv(whole_path, index=False)
    plain = {**SETTINGS, "stratum": None}
    _, _, margins = weight_respondents(data, read_targets(whole_path, None, plain["margins"]), **plain)
    shares = margin_shares(margins, None)
    assert set(shares["country"]) == {"All respondents"} and set(shares["variable"]) == {"gender", "age_group"}
    target = shares[shares["kind"] == "Population target"].set_index("category")["share"]
    counts = whole.set_index("level")["population_count"]  # "Not stated" keeps its own share: compare ratios
    assert target["Woman"] / target["Man"] == pytest.approx(counts["Woman"] / counts["Man"], rel=1e-9)
    png, svg = tmp_path / "w.png", tmp_path / "w.svg"
    margins.assign(synthetic=True).to_csv(tmp_path / "margins.csv", index=False)
    draw_weighting_figure(tmp_path / "margins.csv", png, svg, wave="2017", stratum=None)
    assert "Share of all respondents" in svg.read_text() and "raking to population margins" in svg.read_text()
