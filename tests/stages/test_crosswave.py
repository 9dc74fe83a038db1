"""Changes between waves: differences of independent design-based estimates, and items not asked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from crosswave_waves import ITEMS, POOLED, wave_estimates
from scipy import stats

from swsurvey.errors import InputError
from swsurvey.stages.crosswave import changes, changes_markdown, write_changes
from swsurvey.stages.study_figures import changes_figure


@pytest.fixture(scope="module")
def waves(weighted_2017):
    # two "waves": the synthetic wave, and the same without its first 800 respondents
    return wave_estimates(weighted_2017, "2017"), wave_estimates(weighted_2017, "2021", drop_rows=800)


def _cell(frame, variable, domain, weighting="weighted"):
    rows = frame[(frame["variable"] == variable) & (frame["level"] == "Yes") & (frame["domain"] == domain)
                 & (frame["weighting"] == weighting)]
    return rows.iloc[0]


def test_a_change_is_the_difference_of_the_two_waves_cells_with_independent_variances(waves):
    before, after = waves
    table = changes([before, after], ITEMS)
    assert len(table) == len(ITEMS) * 5 * 2  # items x (4 countries + pooled) x weightings
    for row in table.itertuples(index=False):
        a, b = _cell(before, row.variable, row.domain, row.weighting), _cell(after, row.variable, row.domain, row.weighting)
        assert row.change == pytest.approx(b["estimate"] - a["estimate"])
        assert row.se == pytest.approx(np.sqrt(a["se"] ** 2 + b["se"] ** 2))
        z = stats.norm.ppf(0.975)
        assert (row.ci_lower, row.ci_upper) == pytest.approx((row.change - z * row.se, row.change + z * row.se))
        assert row.p_value == pytest.approx(2 * stats.norm.sf(abs(row.change) / row.se))
        assert (row.from_wave, row.to_wave, row.status) == ("2017", "2021", "estimated")
        assert (row.variance_from, row.variance_to) == (a["variance"], b["variance"])  # each wave's SEs named


def test_an_item_a_wave_did_not_ask_is_not_a_change_from_zero(weighted_2017, waves):
    before = wave_estimates(weighted_2017, "2017", not_asked=["outside_hours"])
    table = changes([before, waves[1]], ITEMS)
    lacking = table[table["variable"] == "outside_hours"]
    assert (lacking["status"] == "not asked in 2017").all() and lacking["change"].isna().all()
    text = changes_markdown(table, 10)
    assert "not asked in 2017" in text
    assert (table.loc[table["variable"] == "any_ict_use", "status"] == "estimated").all()


def test_one_wave_or_an_unknown_item_is_an_error(waves):
    with pytest.raises(InputError, match="two waves"):
        changes([waves[0]], ITEMS)
    with pytest.raises(InputError, match="no_such"):
        changes(list(waves), {"no_such": "Yes"})


def test_the_files_and_the_figure(waves, tmp_path):
    paths = []
    for frame in waves:
        path = tmp_path / f"{frame['wave'].iloc[0]}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    table = write_changes(paths, tmp_path / "changes.csv", tmp_path / "changes.md", tmp_path / "changes.html",
                          main_results=ITEMS, min_n=10)
    again = pd.read_csv(tmp_path / "changes.csv", dtype={"from_wave": str, "to_wave": str})
    assert len(again) == len(table) and again["from_wave"].eq("2017").all()
    markdown = (tmp_path / "changes.md").read_text()
    assert markdown.startswith("> **SYNTHETIC DATA")
    assert "Each wave's SEs: 2017 by linearization (Taylor series), strata: country; 2021 by" in markdown
    # the page the Snakemake report shows: the banner, then the study report's table, each change traced
    page = (tmp_path / "changes.html").read_text()
    assert page.index("SYNTHETIC DATA") < page.index("<h1>") and "data-explain=\"crosswave/changes/2017/2021/" in page
    fig = changes_figure(again, POOLED)
    ax = fig.axes[0]
    assert ax.get_title() == "2017 to 2021" and "Change" in ax.get_xlabel()
    assert fig.get_suptitle().startswith("SYNTHETIC DATA")
