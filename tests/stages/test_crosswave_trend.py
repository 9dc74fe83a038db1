"""Trends across three waves: the linear contrast of independent design-based estimates on the
waves' years, items a wave did not ask, and the table's Markdown, page and figure."""

from __future__ import annotations

import numpy as np
import pytest
from crosswave_waves import ITEMS, POOLED, wave_estimates
from scipy import stats

from swsurvey.errors import InputError
from swsurvey.stages.crosswave_trend import (
    BY_PLACE,
    BY_YEAR,
    TREND_LEVEL,
    read_trend,
    trend_markdown,
    trends,
    write_trend,
)
from swsurvey.stages.study_figures import draw_trend, trend_figure, trend_linestyle

YEARS = (2017, 2021, 2024)


@pytest.fixture(scope="module")
def waves(weighted_2017):
    # three independent "waves" of different samples; the first did not ask outside_hours
    return [wave_estimates(weighted_2017, "2017", not_asked=["outside_hours"]),
            wave_estimates(weighted_2017, "2021", drop_rows=800), wave_estimates(weighted_2017, "2024", drop_rows=1600)]


def _cell(frame, variable, domain, weighting):
    rows = frame[(frame["variable"] == variable) & (frame["level"] == "Yes") & (frame["domain"] == domain)
                 & (frame["weighting"] == weighting)]
    return rows.iloc[0]


def test_a_trend_is_the_least_squares_slope_on_the_years_with_independent_variances(waves):
    table = trends(waves, ITEMS)
    assert len(table) == len(ITEMS) * 5 * 2  # items x (4 countries + pooled) x weightings
    estimated = table[table["variable"] == "any_ict_use"]
    assert (estimated["status"] == "estimated").all() and (estimated["time_basis"] == BY_YEAR).all()
    c = np.array(YEARS, dtype=float) - np.mean(YEARS)
    for row in estimated.to_dict("records"):
        cells = [_cell(w, "any_ict_use", row["domain"], row["weighting"]) for w in waves]
        p = np.array([cell["estimate"] for cell in cells])
        se = np.array([cell["se"] for cell in cells])
        assert row["slope"] == pytest.approx(np.polyfit(YEARS, p, 1)[0], rel=1e-10)
        assert row["se"] == pytest.approx(np.sqrt(np.sum(c**2 * se**2)) / np.sum(c**2), rel=1e-12)
        assert row["contrast"] == pytest.approx(c @ p, rel=1e-12)
        assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(row["slope"]) / row["se"]), rel=1e-9)
        z = stats.norm.ppf(0.975)
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((row["slope"] - z * row["se"],
                                                                      row["slope"] + z * row["se"]))
        assert [row[f"estimate_{w}"] for w in ("2017", "2021", "2024")] == pytest.approx(list(p))
        assert (row["waves"], row["n_waves"]) == ("2017; 2021; 2024", 3)


def test_an_item_asked_in_two_waves_has_no_trend_and_says_so(waves):
    table = trends(waves, ITEMS)
    lacking = table[table["variable"] == "outside_hours"]
    assert (lacking["status"] == "asked in 2 waves: 2021, 2024").all()
    assert lacking["slope"].isna().all() and lacking["p_value"].isna().all()
    assert lacking["estimate_2017"].isna().all() and lacking["estimate_2021"].notna().all()  # never a zero
    text = trend_markdown(table, 10)
    assert "| Item | Domain | 2017 % | 2021 % | 2024 % | Slope, points/year (95% CI) | p |" in text
    assert "asked in 2 waves: 2021, 2024" in text and "SYNTHETIC DATA" in text


def test_wave_ids_without_years_are_placed_in_order_and_fewer_than_three_waves_are_refused(waves):
    renamed = [w.assign(wave=name) for w, name in zip(waves, ("first", "second", "third"))]
    table = trends(renamed, {"any_ict_use": "Yes"})
    assert (table["time_basis"] == BY_PLACE).all() and (table["times"] == "0; 1; 2").all()
    row = table.iloc[0]
    assert row["slope"] == pytest.approx((row["estimate_third"] - row["estimate_first"]) / 2)
    with pytest.raises(InputError, match="at least 3 waves"):
        trends(waves[:2], ITEMS)
    with pytest.raises(InputError, match="no_such"):
        trends(waves, {"no_such": "Yes"})


def test_write_trend_writes_the_table_its_page_and_a_figure_of_it(waves, tmp_path):
    paths = []
    for frame in waves:
        path = tmp_path / f"estimates_{frame['wave'].iloc[0]}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    written = write_trend(paths, tmp_path / "trend.csv", tmp_path / "trend.md", tmp_path / "trend.html",
                          main_results=ITEMS, min_n=10)
    again = read_trend(tmp_path / "trend.csv")
    assert list(again.columns) == list(written.columns) and len(again) == len(written)
    page = (tmp_path / "trend.html").read_text()
    assert "data-explain=\"crosswave/trend/any_ict_use/Yes/Canada/weighted\"" in page
    assert page.index("SYNTHETIC DATA") < page.index("<h1>")
    fig = trend_figure(again, POOLED)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(ITEMS)  # one panel per item
    assert all(ax.get_legend() is None for ax in visible)  # no legend in a panel: the p values are in the table
    assert [line.get_label() for line in visible[0].lines] == [*POOLED["All four countries"], "All four countries"]
    assert any("No trend: asked in 2 waves" in t.get_text() for t in visible[1].texts)
    assert {line.get_linestyle() for line in visible[1].lines} == {"--"}  # no trend: dashed
    key = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert key[-2:] == ["Linear trend p < 0.05", "p \u2265 0.05, or no trend"]
    assert "Solid line: linear trend p < 0.05" in fig.get_suptitle()


def test_a_line_is_solid_when_its_trend_has_p_below_5_percent_and_dashed_when_not(waves):
    table = trends(waves, ITEMS)
    cell = (table["variable"] == "any_ict_use") & (table["weighting"] == "weighted")
    p = {"Canada": 0.001, "United States": 0.0499, "Israel": 0.05, "United Kingdom": 0.6, "All four countries": 0.2}
    table.loc[cell, "p_value"] = table.loc[cell, "domain"].map(p)
    panel = next(ax for ax in trend_figure(table, POOLED).axes if ax.get_visible())
    styles = {line.get_label(): line.get_linestyle() for line in panel.lines}
    assert styles == {"Canada": "-", "United States": "-", "Israel": "--", "United Kingdom": "--",
                      "All four countries": "--"}
    assert TREND_LEVEL == 0.05
    assert trend_linestyle("estimated", 0.01) == "-" and trend_linestyle("estimated", np.nan) == "--"
    assert trend_linestyle("asked in 2 waves: 2021, 2024", 0.01) == "--"  # a p without a trend is not drawn solid



def test_the_trend_figure_has_the_same_bytes_on_a_rerun_and_its_svg_keeps_the_dashes(waves, tmp_path):
    source = tmp_path / "trend.csv"
    trends(waves, ITEMS).to_csv(source, index=False)
    files = []
    for run in range(2):
        png, svg = tmp_path / f"trend{run}.png", tmp_path / f"trend{run}.svg"
        draw_trend(source, png, svg, pooled=POOLED)
        files.append((png.read_bytes(), svg.read_bytes()))
    assert files[0] == files[1]
    assert b"stroke-dasharray" in files[0][1] and b"or no trend" in files[0][1]

def test_a_cell_without_an_estimate_in_a_wave_leaves_that_wave_out_of_its_trend(waves):
    third = waves[2].copy()
    empty = (third["variable"] == "any_ict_use") & (third["domain"] == "Israel")
    third.loc[empty, ["estimate", "se"]] = np.nan  # e.g. no respondent in the domain that wave
    table = trends([waves[0], waves[1], third], {"any_ict_use": "Yes"})
    israel = table[table["domain"] == "Israel"]
    assert (israel["status"] == "estimated in 2 waves: 2017, 2021").all() and israel["slope"].isna().all()
    assert (table.loc[table["domain"] != "Israel", "status"] == "estimated").all()
    panel = next(ax for ax in trend_figure(table, POOLED).axes if ax.get_visible())
    assert {line.get_label(): line.get_linestyle() for line in panel.lines}["Israel"] == "--"
    notes = [t.get_text().replace("\n", " ") for t in panel.texts]
    assert notes == ["No trend: Israel (estimated in 2 waves: 2017, 2021)"]
