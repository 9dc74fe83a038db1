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
