"""Study figures: drawn from hand-built estimates and flow tables, design-based intervals, same bytes on a rerun."""

from __future__ import annotations

import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from swsurvey.stages.figures import PALETTE
from swsurvey.stages.study_figures import (
    CHANNELS,
    PURPOSES,
    all_countries,
    any_use_by_country,
    any_use_table,
    changes_figure,
    diverging_layout,
    draw_any_use,
    draw_changes,
    draw_exclusion_flow,
    draw_figure,
    draw_frequency,
    draw_purposes,
    exclusion_flow,
    frequency_by_channel,
    purposes_heatmap,
    purposes_table,
    weighting_shift,
)

# The study's facts as config and the recode spec state them (the code knows none of them).
COUNTRIES = ["Canada", "United States", "Israel", "United Kingdom"]
POOLED = {"All four countries": COUNTRIES, "Canada, United States and Israel": COUNTRIES[:3]}
FREQUENCY_LEVELS = ["Never", "Less than monthly", "Monthly", "Weekly", "Daily"]
DOMAINS = COUNTRIES + list(POOLED)
CHANNEL_LABELS = {
    "freq_email": "email",
    "freq_text": "text messaging",
    "freq_social_media": "social media",
    "freq_video": "video calls",
    "freq_im": "instant messaging",
}


def _row(variable, label, level, domain, estimate, weighting="weighted", synthetic=True):
    return {
        "wave": 2017, "table": "2. Informal ICT use", "variable": variable, "variable_label": label,
        "level": level, "domain": domain, "weighting": weighting, "n": 10, "base_n": 100 + len(domain),
        "estimate": estimate, "se": 1.0, "ci_lower": estimate - 3.0 - len(domain) / 10,
        "ci_upper": estimate + 2.0 + len(domain) / 20, "ci_method": "beta (Korn-Graubard)", "deff": 1.2,
        "small_base": domain == "United Kingdom", "synthetic": synthetic,
    }


def make_estimates(synthetic: bool = True, domains=DOMAINS) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for i, domain in enumerate(domains):
        yes = 70.0 + i
        for weighting, shift in (("weighted", 0.0), ("unweighted", 5.0)):
            label = "Uses informal ICT with clients between sessions"
            rows.append(_row("any_ict_use", label, "Yes", domain, yes + shift, weighting, synthetic))
            rows.append(_row("any_ict_use", label, "No", domain, 100 - yes - shift, weighting, synthetic))
            for variable in CHANNELS:
                shares = rng.dirichlet(np.ones(len(FREQUENCY_LEVELS))) * 100
                for level, share in zip(FREQUENCY_LEVELS, shares):
                    label = f"Frequency of use with clients: {CHANNEL_LABELS[variable]}"
                    rows.append(_row(variable, label, level, domain, share, weighting, synthetic))
            for j, variable in enumerate(PURPOSES):
                label = f"Purpose of ICT use: {variable.removeprefix('purpose_')}"
                share = 10.0 + 12 * j + i + shift + 0.3
                rows.append(_row(variable, label, "Yes", domain, share, weighting, synthetic))
                rows.append(_row(variable, label, "No", domain, 100 - share, weighting, synthetic))
    return pd.DataFrame(rows)


def make_flow(synthetic: bool = True) -> pd.DataFrame:
    strata = COUNTRIES + ["Other / not stated"]
    remaining = {"Canada": 100, "United States": 60, "Israel": 30, "United Kingdom": 20, "Other / not stated": 10}
    rows = [{"wave": 2017, "synthetic": synthetic, "order": 0, "step": "raw", "description": "Raw responses",
             **{f"{s} excluded": np.nan for s in strata}, "Total excluded": np.nan,
             **remaining, "Total": sum(remaining.values())}]
    for order, (step, cut) in enumerate([("consent", {"Other / not stated": 10}),
                                         ("finished", {"Canada": 7, "United States": 3, "Israel": 1})], start=1):
        remaining = {s: remaining[s] - cut.get(s, 0) for s in strata}
        rows.append({"wave": 2017, "synthetic": synthetic, "order": order, "step": step,
                     "description": f"Step {step}", **{f"{s} excluded": cut.get(s, 0) for s in strata},
                     "Total excluded": sum(cut.values()), **remaining, "Total": sum(remaining.values())})
    rows.append({**rows[-1], "order": 3, "step": "analysed", "description": "Analysed",
                 **{f"{s} excluded": np.nan for s in strata}, "Total excluded": np.nan})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def estimates():
    return make_estimates()


def _labelled(fig):
    for ax in fig.axes[:1]:
        assert ax.get_xlabel() and ax.get_ylabel()
    assert fig.get_suptitle().startswith("SYNTHETIC DATA")


def test_each_figure_is_a_figure_with_labelled_axes(estimates):
    for fig in (any_use_by_country(estimates, POOLED), frequency_by_channel(estimates, POOLED),
                purposes_heatmap(estimates, POOLED), exclusion_flow(make_flow())):
        assert isinstance(fig, plt.Figure)
        _labelled(fig)
        plt.close(fig)


def test_real_data_titles_do_not_say_synthetic():
    fig = any_use_by_country(make_estimates(synthetic=False), POOLED)
    assert "SYNTHETIC" not in fig.get_suptitle()
    plt.close(fig)


def test_any_use_intervals_are_the_files_design_based_intervals(estimates):
    table = any_use_table(estimates, POOLED)
    assert list(table["domain"]) == DOMAINS  # countries first, then the pooled domains
    fig = any_use_by_country(estimates, POOLED)
    ax = fig.axes[0]
    lines = {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("ci-")}
    assert len(lines) == len(DOMAINS)
    expected = estimates[(estimates["variable"] == "any_ict_use") & (estimates["level"] == "Yes")
                         & (estimates["weighting"] == "weighted")].set_index("domain")
    for y, domain in enumerate(DOMAINS):
        line = lines[f"ci-{y}"]
        np.testing.assert_allclose(line.get_xdata(), expected.loc[domain, ["ci_lower", "ci_upper"]].astype(float))
        np.testing.assert_allclose(line.get_ydata(), [y, y])
    # the dots are the weighted estimates (not the unweighted ones)
    dots = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections])
    np.testing.assert_allclose(sorted(dots), sorted(expected.loc[DOMAINS, "estimate"]))
    plt.close(fig)


def test_diverging_bars_put_infrequent_use_left_and_add_to_100(estimates):
    layout = diverging_layout(estimates, "All four countries")
    assert set(layout["channel"].astype(str)) == {label.capitalize() for label in CHANNEL_LABELS.values()}
    for _, part in layout.groupby("channel", observed=True):
        part = part.set_index("level")
        assert part["width"].sum() == pytest.approx(100)
        right = part["left"] + part["width"]
        assert (right.loc[["Never", "Less than monthly"]] <= 1e-9).all()
        assert (part.loc[["Weekly", "Daily"], "left"] >= -1e-9).all()
        assert part.loc["Monthly", "left"] == pytest.approx(-part.loc["Monthly", "width"] / 2)
        assert right.loc["Never"] == pytest.approx(part.loc["Less than monthly", "left"])
    fig = frequency_by_channel(estimates, POOLED)
    ax = fig.axes[0]
    for patch in ax.patches:
        x0, x1 = patch.get_x(), patch.get_x() + patch.get_width()
        if patch.get_gid() in ("freq-Never", "freq-Less than monthly"):
            assert x1 <= 1e-9
        elif patch.get_gid() in ("freq-Weekly", "freq-Daily"):
            assert x0 >= -1e-9
    assert [t.get_text() for t in ax.get_legend().get_texts()] == FREQUENCY_LEVELS
    plt.close(fig)


def test_heatmap_annotations_are_the_weighted_estimates(estimates):
    table = purposes_table(estimates, POOLED)
    assert list(table.columns) == DOMAINS and len(table) == len(PURPOSES)
    fig = purposes_heatmap(estimates, POOLED)
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.texts]
    assert shown == [f"{v:.0f}" for v in table.to_numpy().ravel()]
    weighted = estimates[estimates["variable"].str.startswith("purpose_") & (estimates["level"] == "Yes")
                         & (estimates["weighting"] == "weighted")]
    assert sorted(table.to_numpy().ravel()) == pytest.approx(sorted(weighted["estimate"]))
    plt.close(fig)


def test_exclusion_flow_stacks_each_step_by_country():
    flow = make_flow()
    fig = exclusion_flow(flow)
    ax = fig.axes[0]
    widths = {}
    for patch in ax.patches:
        y = round(patch.get_y() + patch.get_height() / 2)
        widths[y] = widths.get(y, 0) + patch.get_width()
    assert widths == {0: 10, 1: 11}
    assert any("199 remain" in t.get_text() for t in ax.texts)
    plt.close(fig)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("draw", [draw_any_use, draw_frequency, draw_purposes, draw_exclusion_flow])
def test_draw_writes_png_and_svg_with_the_same_bytes_twice(draw, tmp_path):
    source = tmp_path / "in.csv"
    (make_flow() if draw is draw_exclusion_flow else make_estimates()).to_csv(source, index=False)
    digests = []
    for run in range(2):
        png, svg = tmp_path / f"fig{run}.png", tmp_path / f"fig{run}.svg"
        draw(source, png, svg, wave="2017", **({} if draw is draw_exclusion_flow else {"pooled": POOLED}))
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        digests.append((_digest(png), _digest(svg)))
    assert digests[0] == digests[1]
    assert "SYNTHETIC DATA" in (tmp_path / "fig0.svg").read_text()


def test_draw_rejects_a_missing_wave(tmp_path):
    source = tmp_path / "in.csv"
    make_estimates().to_csv(source, index=False)
    with pytest.raises(ValueError, match="wave 2018"):
        draw_any_use(source, tmp_path / "a.png", tmp_path / "a.svg", wave=2018, pooled=POOLED)


def _coefficients() -> pd.DataFrame:
    rows = []
    for weighting, shift in (("weighted", 0.1), ("unweighted", 0.0)):
        for term, est in (("(Intercept)", -1.0), ("ageOld", 0.7), ("privateYes", 0.4)):
            rows.append(
                {"wave": "2017", "model": "m", "weighting": weighting, "term": term, "kind": "coefficient",
                 "odds_ratio": np.exp(est + shift), "or_lower": np.exp(est + shift - 0.3),
                 "or_upper": np.exp(est + shift + 0.3), "synthetic": True}
            )
    return pd.DataFrame(rows)


def test_forest_plot_draws_each_odds_ratio_and_its_interval_weighted_beside_unweighted():
    from swsurvey.stages.study_figures import odds_ratio_forest

    coef = _coefficients()
    fig = odds_ratio_forest(coef, "m")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ageOld", "privateYes"]  # no intercept
    assert ax.get_xscale() == "log" and "SYNTHETIC DATA" in ax.get_title()
    points = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections if hasattr(c, "get_offsets") and len(c.get_offsets()) == 2 and c.get_label() in ("Weighted", "Unweighted")])
    expected = coef[coef["term"] != "(Intercept)"]["odds_ratio"].to_numpy()
    assert np.allclose(np.sort(points), np.sort(expected))
    plt.close(fig)


def test_forest_plot_of_an_unknown_model_is_an_error():
    from swsurvey.errors import InputError
    from swsurvey.stages.study_figures import odds_ratio_forest

    with pytest.raises(InputError, match="nomodel"):
        odds_ratio_forest(_coefficients(), "nomodel")


# A real export of the same survey with a fifth country, pooled sets named otherwise and a
# frequency scale of other labels: the figures follow the table and config, with no code change.
FIVE = COUNTRIES + ["New Zealand"]
OTHER_POOLED = {"All five": FIVE, "North America": ["Canada", "United States"]}
OTHER_LEVELS = ["Not at all", "Rarely", "Sometimes", "Often", "Very often"]


def _fifth_country_estimates() -> pd.DataFrame:
    estimates = make_estimates(domains=FIVE + list(OTHER_POOLED))
    return estimates.assign(level=estimates["level"].replace(dict(zip(FREQUENCY_LEVELS, OTHER_LEVELS))))


def test_a_fifth_country_and_other_pooled_sets_are_drawn_without_code_change(tmp_path):
    estimates = _fifth_country_estimates()
    assert all_countries(estimates["domain"], OTHER_POOLED) == "All five"
    assert list(any_use_table(estimates, OTHER_POOLED)["domain"]) == FIVE + list(OTHER_POOLED)
    fig = any_use_by_country(estimates, OTHER_POOLED)
    ax = fig.axes[0]
    assert [line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "--"] == [len(FIVE) - 0.5]
    plt.close(fig)

    layout = diverging_layout(estimates, "All five")
    for _, part in layout.groupby("channel", observed=True):
        part = part.set_index("level")
        assert (part["left"] + part["width"]).loc[["Not at all", "Rarely"]].max() <= 1e-9
        assert part.loc[["Often", "Very often"], "left"].min() >= -1e-9
        assert part.loc["Sometimes", "left"] == pytest.approx(-part.loc["Sometimes", "width"] / 2)
    fig = frequency_by_channel(estimates, OTHER_POOLED)  # the domain: the pooled set of all five
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == OTHER_LEVELS
    assert "'Sometimes' straddles 0" in fig.axes[0].get_xlabel() and "(All five)" in fig.get_suptitle()
    plt.close(fig)

    table = purposes_table(estimates, OTHER_POOLED)
    assert list(table.columns) == FIVE + list(OTHER_POOLED)
    assert table["All five"].iloc[:-1].is_monotonic_decreasing  # sorted by the pooled set of all

    source = tmp_path / "estimates.csv"
    estimates.to_csv(source, index=False)
    for name, shown in (("any_use_by_country", "New Zealand"), ("frequency_by_channel", "(All five)"),
                        ("purposes_heatmap", "New Zealand")):
        draw_figure(name, source, tmp_path / f"{name}.png", tmp_path / f"{name}.svg", wave="2017",
                    pooled=OTHER_POOLED)
        assert shown in (tmp_path / f"{name}.svg").read_text()


def test_weighting_shift_and_changes_mark_the_pooled_sets_of_config(tmp_path):
    domains = FIVE + list(OTHER_POOLED)
    effect = pd.DataFrame([
        {"wave": "2017", "variable_label": "Any use", "level": "Yes", "domain": d, "unweighted": 50.0,
         "weighted": 51.0 + i, "shift": 1.0 + i, "ci_lower": 48.0, "ci_upper": 55.0 + i, "small_base": False,
         "synthetic": True}
        for i, d in enumerate(domains)
    ])
    fig = weighting_shift(effect, OTHER_POOLED)
    assert [ax.get_title().replace("\n", " ") for ax in fig.axes] == domains
    colours = [tuple(ax.collections[-1].get_facecolor()[0][:3]) for ax in fig.axes]  # the dot's
    assert colours == [PALETTE[0]] * len(FIVE) + [PALETTE[1]] * len(OTHER_POOLED)  # pooled sets apart
    plt.close(fig)

    changes = pd.DataFrame([
        {"from_wave": "2017", "to_wave": "2021", "variable_label": "Any use", "level": "Yes", "domain": d,
         "weighting": "weighted", "change": 1.0 + i, "ci_lower": -1.0, "ci_upper": 3.0 + i,
         "status": "estimated", "small_base": False, "synthetic": True}
        for i, d in enumerate(domains)
    ])
    fig = changes_figure(changes, OTHER_POOLED)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == FIVE + ["All five"]  # the countries, then the pooled set of them all
    plt.close(fig)
    source = tmp_path / "changes.csv"
    changes.to_csv(source, index=False)
    draw_changes(source, tmp_path / "c.png", tmp_path / "c.svg", pooled=OTHER_POOLED)
    assert "New Zealand" in (tmp_path / "c.svg").read_text()


def _overlaps(boxes) -> bool:
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


@pytest.mark.parametrize("n_waves", [3, 5])
def test_the_changes_of_three_waves_or_more_wrap_two_to_a_row_and_no_label_overlaps(n_waves):
    waves = [str(2017 + 3 * k) for k in range(n_waves)]
    items = ["Uses informal ICT with clients between sessions", "Searched online for information about a client"]
    changes = pd.DataFrame([
        {"from_wave": a, "to_wave": b, "variable_label": item, "level": "Yes", "domain": d, "weighting": "weighted",
         "change": 1.0 + i, "ci_lower": -1.0, "ci_upper": 3.0 + i, "status": "estimated", "small_base": False,
         "synthetic": True}
        for a, b in zip(waves, waves[1:]) for item in items for i, d in enumerate(FIVE + ["All five"])
    ])
    fig = changes_figure(changes, OTHER_POOLED)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [f"{a} to {b}" for a, b in zip(waves, waves[1:])]
    assert {round(ax.get_position().x0, 3) for ax in panels} == {round(panels[0].get_position().x0, 3),
                                                                  round(panels[1].get_position().x0, 3)}  # 2 columns
    assert all(ax.get_xlabel() == "" for ax in panels)  # one axis title for the figure, not one per panel
    assert "independent samples" in fig.get_supxlabel()
    # no panel's title, tick labels or the figure's axis title overlap another's
    texts = [ax.title for ax in panels] + [fig._supxlabel]
    texts += [t for ax in panels for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert not _overlaps(boxes)
    assert fig.get_size_inches()[1] > 0.42 * len(items) + 1.6  # taller than the one-pair figure
    plt.close(fig)
