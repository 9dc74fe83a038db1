"""The study's descriptive figures: informal ICT use, its frequency and purposes, and the exclusion flow.

Each figure is a pure function from a results table (the describe stage's long estimates file,
or the cleaning stage's exclusion flow) to a matplotlib Figure. Intervals are the design-based
95% Korn-Graubard intervals in the estimates file (``ci_lower``/``ci_upper``), drawn by hand;
seaborn never computes an interval here. Each ``draw_*`` function reads one CSV and writes one
figure as PNG and SVG through :func:`swsurvey.stages.figures.save`, so each can be its own Snakemake job.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from swsurvey.errors import InputError
from swsurvey.plan import FIGURE_SOURCES  # noqa: E402
from swsurvey.stages.crosswave_trend import BY_YEAR, TREND_LEVEL, read_trend, table_waves, trend_points  # noqa: E402
from swsurvey.stages.figures import DOUBLE_COLUMN, PALETTE, diverging_palette, rc_style, save  # noqa: E402

#: A journal's one-column width, in inches.
SINGLE_COLUMN = 3.5
#: The 2017 channels; any other ``freq_*`` variable a wave has (e.g. 2021's video-conferencing
#: platforms) is drawn too. ``freq_overall`` is a summary of the channels, not one of them.
CHANNELS = ["freq_email", "freq_text", "freq_social_media", "freq_video", "freq_im"]
SUMMARY_FREQUENCIES = {"freq_overall"}


def channels(estimates: pd.DataFrame) -> list[str]:
    """The channel frequency variables of an estimates file: the known ones first, in order."""
    found = [v for v in dict.fromkeys(estimates["variable"]) if v.startswith("freq_") and v not in SUMMARY_FREQUENCIES]
    return [c for c in CHANNELS if c in found] + [c for c in found if c not in CHANNELS]
PURPOSES = [
    "purpose_scheduling",
    "purpose_updates",
    "purpose_resources",
    "purpose_crisis",
    "purpose_therapeutic",
    "purpose_other",
]


def _synthetic(table: pd.DataFrame) -> bool:
    return bool(table["synthetic"].astype(bool).any()) if "synthetic" in table and len(table) else False


def _title(table: pd.DataFrame, text: str) -> str:
    wave = f"Wave {table['wave'].iloc[0]}: " if "wave" in table and len(table) else ""
    return f"{'SYNTHETIC DATA. ' if _synthetic(table) else ''}{wave}{text}"


def _weighted(estimates: pd.DataFrame, variables, level: str | None = None) -> pd.DataFrame:
    rows = estimates[estimates["variable"].isin(list(variables)) & (estimates["weighting"] == "weighted")]
    if "not_asked" in rows:
        rows = rows[~rows["not_asked"].astype(bool)]
    if level is not None:
        rows = rows[rows["level"] == level]
    if rows.empty:
        raise ValueError(f"no weighted estimates for {list(variables)}" + (f" at level {level!r}" if level else ""))
    return rows


def _short_label(variable_label: str) -> str:
    """'Frequency of use with clients: email' -> 'Email'."""
    text = variable_label.split(":", 1)[-1].strip()
    return text[:1].upper() + text[1:]


def countries(domains, pooled: Mapping[str, Sequence[str]]) -> list[str]:
    """The domains that are countries: every domain that is not a pooled set of config's
    ``describe.pooled``, in the table's order (the describe stage's: the instrument's)."""
    return [d for d in dict.fromkeys(domains) if d not in pooled]


def _domain_order(domains, pooled: Mapping[str, Sequence[str]]) -> list[str]:
    """Countries in the table's order, then the pooled sets in config's order."""
    present = list(dict.fromkeys(domains))
    return countries(present, pooled) + [d for d in pooled if d in present]


def all_countries(domains, pooled: Mapping[str, Sequence[str]]) -> str | None:
    """The pooled set whose members are every country of the table (None when there is none)."""
    whole = set(countries(domains, pooled))
    return next((name for name, members in pooled.items() if set(members) == whole), None)


def frequency_scale(rows: pd.DataFrame) -> tuple[list[str], list[str], str | None, list[str]]:
    """The frequency scale's levels as the estimates file lists them (the recode spec's order,
    least often first), split for a diverging bar: the levels left of zero, the centre level
    that straddles zero (none when the scale has an even number of levels), the levels right."""
    levels = list(dict.fromkeys(rows["level"]))
    half = len(levels) // 2
    centre = levels[half] if len(levels) % 2 else None
    return levels, levels[:half], centre, levels[len(levels) - half:]


# --------------------------------------------------------------------------------------------
# 1. Any informal ICT use, by country
# --------------------------------------------------------------------------------------------


def any_use_table(estimates: pd.DataFrame, pooled: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Weighted % 'Yes' to any informal ICT use, one row per domain, countries then pooled."""
    rows = _weighted(estimates, ["any_ict_use"], "Yes").drop_duplicates("domain").set_index("domain")
    return rows.loc[_domain_order(rows.index, pooled)].reset_index()


def any_use_by_country(estimates: pd.DataFrame, pooled: Mapping[str, Sequence[str]],
                       title: str | None = None) -> plt.Figure:
    """Dot plot: weighted % using informal ICT with clients, by country and pooled, with 95% CIs.

    Each interval is one line from ``ci_lower`` to ``ci_upper`` (Korn-Graubard, design-based);
    pooled domains are drawn as diamonds below a rule; small bases are drawn as open markers.
    """
    table = any_use_table(estimates, pooled)
    with plt.rc_context(rc_style()):
        fig, ax = plt.subplots(figsize=(SINGLE_COLUMN, 0.32 * len(table) + 1.2))
        for y, row in enumerate(table.itertuples(index=False)):
            pooled_set = row.domain in pooled
            colour = PALETTE[1] if pooled_set else PALETTE[0]
            ax.plot([row.ci_lower, row.ci_upper], [y, y], color=colour, linewidth=1.4, solid_capstyle="butt",
                    gid=f"ci-{y}", zorder=2)
            small = bool(getattr(row, "small_base", False))
            ax.scatter([row.estimate], [y], marker="D" if pooled_set else "o", s=22, zorder=3,
                       facecolors="white" if small else colour, edgecolors=colour, linewidths=1)
            ax.annotate(f"{row.estimate:.0f}%", (row.ci_upper, y), xytext=(3, 0), textcoords="offset points",
                        va="center", ha="left", fontsize=6.5)
        labels = [
            f"{textwrap.fill(row.domain, 22)}\n(n = {row.base_n:,})" for row in table.itertuples(index=False)
        ]
        ax.set_yticks(range(len(table)), labels)
        n_countries = len(countries(table["domain"], pooled))
        if 0 < n_countries < len(table):
            ax.axhline(n_countries - 0.5, color="0.6", linewidth=0.6, linestyle="--")
        lo = np.floor(min(table["ci_lower"].min(), table["estimate"].min()) / 10) * 10
        hi = np.ceil(max(table["ci_upper"].max(), table["estimate"].max()) / 10) * 10 + 5
        ax.set_xlim(max(lo, 0), min(hi, 105))
        ax.set_ylim(len(table) - 0.5, -0.5)
        ax.set_xlabel("Uses informal ICT with clients\n(weighted %, 95% Korn-Graubard CI)")
        ax.set_ylabel("Country")
        ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        fig.suptitle(textwrap.fill(title or _title(table, "informal ICT use with clients"), 40))
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# 2. Frequency by channel (diverging stacked bars)
# --------------------------------------------------------------------------------------------


def diverging_layout(estimates: pd.DataFrame, domain: str) -> pd.DataFrame:
    """Where each frequency segment sits on a diverging bar: channel, level, left, width, estimate.

    The scale's levels (:func:`frequency_scale`, e.g. Never < Less than monthly < Monthly <
    Weekly < Daily) run left to right: the lower half left of zero (the least often outermost),
    the middle level centred on zero, the upper half right of it (the most often outermost).
    The widths of a channel add up to its total (100 when every level is present). Channels are
    ordered by % in the upper half (e.g. weekly or daily).
    """
    rows = _weighted(estimates, channels(estimates))
    rows = rows[rows["domain"] == domain]
    if rows.empty:
        raise ValueError(f"no weighted frequency estimates for domain {domain!r}")
    levels, below, centre, above = frequency_scale(rows)
    out = []
    for variable in channels(rows):
        part = rows[rows["variable"] == variable]
        share = part.set_index("level")["estimate"].reindex(levels).fillna(0.0)
        label = _short_label(part["variable_label"].iloc[0])
        left = -((share[centre] / 2 if centre else 0.0) + share[below].sum())
        for level in levels:
            out.append({"variable": variable, "channel": label, "level": level, "left": left,
                        "width": share[level], "estimate": share[level]})
            left += share[level]
    layout = pd.DataFrame(out)
    frequent = layout[layout["level"].isin(above)].groupby("channel", sort=False)["width"].sum()
    order = list(frequent.sort_values(ascending=False, kind="stable").index)
    layout["channel"] = pd.Categorical(layout["channel"], order, ordered=True)
    return layout.sort_values("channel", kind="stable").reset_index(drop=True)


def frequency_by_channel(estimates: pd.DataFrame, pooled: Mapping[str, Sequence[str]],
                         domain: str | None = None, title: str | None = None) -> plt.Figure:
    """Diverging stacked bars of how often each channel is used with clients (weighted %), in
    one domain (by default the pooled set of every country, :func:`all_countries`)."""
    domain = domain or all_countries(estimates["domain"], pooled)
    layout = diverging_layout(estimates, domain)
    channels = list(layout["channel"].cat.categories)
    levels = list(dict.fromkeys(layout["level"]))
    centre = frequency_scale(layout)[2]
    colours = dict(zip(levels, diverging_palette(len(levels))))
    with plt.rc_context(rc_style()):
        fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 0.36 * len(channels) + 1.3))
        for level in levels:
            part = layout[layout["level"] == level]
            y = [channels.index(c) for c in part["channel"]]
            ax.barh(y, part["width"], left=part["left"], height=0.7, color=colours[level],
                    edgecolor="white", linewidth=0.5, label=level, gid=f"freq-{level}")
            for yy, row in zip(y, part.itertuples(index=False)):
                if row.width >= 6:
                    r, g, b = colours[level]
                    dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                    ax.text(row.left + row.width / 2, yy, f"{row.width:.0f}", ha="center", va="center",
                            fontsize=6.5, color="white" if dark else "black")
        ax.axvline(0, color="0.2", linewidth=0.8)
        ax.set_yticks(range(len(channels)), channels)
        ax.set_ylim(len(channels) - 0.5, -0.5)
        extent = np.ceil(max(-layout["left"].min(), (layout["left"] + layout["width"]).max()) / 10) * 10
        ax.set_xlim(-extent, extent)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
        straddles = f"; '{centre}' straddles 0" if centre else ""
        ax.set_xlabel(f"Weighted % of respondents (less often to the left of 0, more often to the right{straddles})")
        ax.set_ylabel("Channel")
        ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        ax.set_axisbelow(True)
        ax.legend(ncol=len(levels), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False,
                  title="Frequency of use with clients", title_fontsize=7)
        fig.suptitle(title or _title(layout.assign(**_meta(estimates)), f"how often each channel is used ({domain})"))
        fig.tight_layout()
    return fig


def _meta(table: pd.DataFrame) -> dict:
    meta = {}
    for column in ("wave", "synthetic"):
        if column in table and len(table):
            meta[column] = table[column].iloc[0] if column == "wave" else _synthetic(table)
    return meta


# --------------------------------------------------------------------------------------------
# 3. Purposes of use (heat map)
# --------------------------------------------------------------------------------------------


def purposes_table(estimates: pd.DataFrame, pooled: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Weighted % 'Yes' for each purpose (rows, short variable labels) by domain (columns),
    sorted by the pooled set of every country (:func:`all_countries`), else the first domain."""
    rows = _weighted(estimates, PURPOSES, "Yes").copy()
    rows["purpose"] = rows["variable_label"].map(_short_label)
    table = rows.pivot_table(index="purpose", columns="domain", values="estimate", aggfunc="first")
    table = table[_domain_order(rows["domain"], pooled)]
    sort_by = all_countries(table.columns, pooled) or table.columns[0]
    order = table[sort_by].sort_values(ascending=False, kind="stable").index.tolist()
    order = [p for p in order if p.lower() != "other"] + [p for p in order if p.lower() == "other"]
    table = table.loc[order]
    table.index.name = "Purpose"
    table.columns.name = "Country"
    return table


def purposes_heatmap(estimates: pd.DataFrame, pooled: Mapping[str, Sequence[str]],
                     title: str | None = None) -> plt.Figure:
    """Heat map of the weighted % using ICT for each purpose, by country, annotated with the %."""
    import seaborn as sns  # only the figures that need it pay for importing it

    table = purposes_table(estimates, pooled)
    with plt.rc_context(rc_style()):
        fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 0.32 * len(table) + 1.6))
        sns.heatmap(table, annot=True, fmt=".0f", cmap="viridis", vmin=0, vmax=100, linewidths=0.5,
                    linecolor="white", annot_kws={"fontsize": 7},
                    cbar_kws={"label": "Weighted % yes", "shrink": 0.9}, ax=ax)
        ax.set_xticks(np.arange(len(table.columns)) + 0.5, [textwrap.fill(c, 13) for c in table.columns],
                      rotation=0)
        ax.set_yticks(np.arange(len(table)) + 0.5, [textwrap.fill(p, 34) for p in table.index], rotation=0)
        n_countries = len(countries(table.columns, pooled))
        if 0 < n_countries < len(table.columns):
            ax.axvline(n_countries, color="white", linewidth=3)
        ax.set_xlabel("Country (pooled domains at right)")
        ax.set_ylabel("Purpose of ICT use with clients")
        fig.suptitle(title or _title(estimates, "purposes of informal ICT use with clients (weighted %)"))
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# 4. Exclusion flow
# --------------------------------------------------------------------------------------------


def flow_countries(flow: pd.DataFrame) -> list[str]:
    """The per-stratum excluded columns' names, without ' excluded' (the 'Total' column left out)."""
    return [c[: -len(" excluded")] for c in flow.columns if c.endswith(" excluded") and c != "Total excluded"]


def exclusion_flow(flow: pd.DataFrame, title: str | None = None) -> plt.Figure:
    """Horizontal bars of the responses excluded at each step, stacked by country, remaining annotated."""
    flow = flow.sort_values("order") if "order" in flow else flow
    countries = flow_countries(flow)
    steps = flow[flow["Total excluded"].notna()].reset_index(drop=True)
    first, last = flow.iloc[0], flow.iloc[-1]
    with plt.rc_context(rc_style()):
        fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 0.42 * len(steps) + 1.5))
        y = np.arange(len(steps))
        left = np.zeros(len(steps))
        for country, colour in zip(countries, PALETTE):
            width = steps[f"{country} excluded"].fillna(0).to_numpy(dtype=float)
            ax.barh(y, width, left=left, height=0.65, color=colour, label=country, gid=f"excluded-{country}")
            left += width
        span = float(left.max()) if len(left) and left.max() > 0 else 1.0
        for yy, excluded, remaining, end in zip(y, steps["Total excluded"], steps["Total"], left):
            ax.annotate(f"\u2212{int(excluded):,}  \u2192  {int(remaining):,} remain",
                        (end, yy), xytext=(4, 0), textcoords="offset points", va="center", ha="left",
                        fontsize=6.5)
        labels = [textwrap.fill(f"{i + 1}. {d}", 52) for i, d in enumerate(steps["description"])]
        ax.set_yticks(y, labels)
        ax.set_ylim(len(steps) - 0.5, -0.5)
        ax.set_xlim(0, span * 1.45)
        ax.set_xlabel("Responses excluded at this step")
        ax.set_ylabel("Exclusion step (in order)")
        ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        ax.set_axisbelow(True)
        ax.legend(title="Country", title_fontsize=7, loc="upper right", frameon=False)
        text = f"exclusions, {int(first['Total']):,} raw responses to {int(last['Total']):,} analysed"
        fig.suptitle(title or _title(flow, text))
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# Drawing to files (one function per figure: one Snakemake job each)
# --------------------------------------------------------------------------------------------


def _read(path: str | Path, wave: str | int) -> pd.DataFrame:
    table = pd.read_csv(path)
    if "wave" in table:
        table = table[table["wave"].astype(str) == str(wave)]
        if table.empty:
            raise ValueError(f"{path} has no rows for wave {wave}")
    else:
        table = table.assign(wave=wave)
    return table


def draw_any_use(estimates_csv: str | Path, out_png: str | Path, out_svg: str | Path, *, wave, pooled) -> None:
    """Figure 1 (:func:`any_use_by_country`) from the describe stage's estimates.csv."""
    save(any_use_by_country(_read(estimates_csv, wave), pooled), out_png, out_svg)


def draw_frequency(estimates_csv: str | Path, out_png: str | Path, out_svg: str | Path, *, wave, pooled,
                   domain: str | None = None) -> None:
    """Figure 2 (:func:`frequency_by_channel`) from the describe stage's estimates.csv."""
    save(frequency_by_channel(_read(estimates_csv, wave), pooled, domain), out_png, out_svg)


def draw_purposes(estimates_csv: str | Path, out_png: str | Path, out_svg: str | Path, *, wave, pooled) -> None:
    """Figure 3 (:func:`purposes_heatmap`) from the describe stage's estimates.csv."""
    save(purposes_heatmap(_read(estimates_csv, wave), pooled), out_png, out_svg)


def draw_exclusion_flow(flow_csv: str | Path, out_png: str | Path, out_svg: str | Path, *, wave) -> None:
    """Figure 4 (:func:`exclusion_flow`) from the cleaning stage's exclusion_flow.csv."""
    save(exclusion_flow(_read(flow_csv, wave)), out_png, out_svg)


def odds_ratio_forest(coefficients: pd.DataFrame, model: str) -> plt.Figure:
    """Forest plot of a model's odds ratios with 95% CIs, weighted beside unweighted.

    Drawn on a log scale with a line at 1; the weighted estimate (filled) and the unweighted
    one (open) sit side by side, so the effect of weighting is visible term by term.
    """
    rows = coefficients[(coefficients["model"] == model) & (coefficients["kind"] == "coefficient")]
    rows = rows[rows["term"] != "(Intercept)"].dropna(subset=["odds_ratio"])
    if rows.empty:
        raise InputError("no odds ratios for the model", variable=model)
    terms = list(dict.fromkeys(rows["term"]))
    with plt.rc_context(rc_style()):
        fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 0.28 * len(terms) + 1.4))
        for offset, (weighting, colour, face) in zip(
            (-0.15, 0.15), (("weighted", PALETTE[0], PALETTE[0]), ("unweighted", PALETTE[1], "white"))
        ):
            part = rows[rows["weighting"] == weighting].set_index("term").reindex(terms)
            y = np.arange(len(terms)) + offset
            ax.hlines(y, part["or_lower"], part["or_upper"], color=colour, linewidth=1.2)
            ax.scatter(part["odds_ratio"], y, color=colour, facecolors=face, zorder=3, s=22, label=weighting.capitalize())
        ax.axvline(1.0, color="0.4", linewidth=0.8, linestyle="--")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_yticks(np.arange(len(terms)), terms)
        ax.invert_yaxis()
        ax.set_xlabel("Odds ratio (95% CI, design-based, log scale)")
        ax.set_ylabel("Term (reference: first level)")
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(_title(coefficients, f"odds ratios of the {model.replace('_', ' ')} model"))
        fig.tight_layout()
    return fig


def draw_odds_ratios(coefficients_csv: str | Path, out_png: str | Path, out_svg: str | Path, *, wave,
                     model: str) -> None:
    """Figure 5 (:func:`odds_ratio_forest`) from the inferential stage's coefficients.csv."""
    save(odds_ratio_forest(_read(coefficients_csv, wave), model), out_png, out_svg)


def weighting_shift(effect: pd.DataFrame, pooled: Mapping[str, Sequence[str]],
                    domains: list[str] | None = None) -> plt.Figure:
    """The shift weighting makes to each main result: weighted minus unweighted, in points.

    One panel per domain (countries, then pooled), one row per item. The dot is the shift; the
    bar is the weighted 95% Korn-Graubard interval less the unweighted percentage, so a bar
    crossing the dashed zero line means the unweighted figure lies inside the weighted
    interval. Items a wave did not ask and small bases are left out.
    """
    rows = effect[(effect["domain"] != "not asked") & ~effect["small_base"].astype(bool)]
    if rows.empty:
        raise InputError("no main results to draw", variable="weighting_effect")
    domains = [d for d in (domains or _domain_order(rows["domain"], pooled)) if d in set(rows["domain"])]
    items = list(dict.fromkeys(rows["variable_label"] + ": " + rows["level"]))
    with plt.rc_context(rc_style()):
        fig, axes = plt.subplots(1, len(domains), sharey=True, sharex=True, squeeze=False,
                                 figsize=(DOUBLE_COLUMN, 0.3 * len(items) + 1.5))
        for k, (ax, domain) in enumerate(zip(axes[0], domains)):
            part = rows[rows["domain"] == domain].assign(item=lambda t: t["variable_label"] + ": " + t["level"])
            part = part.set_index("item").reindex(items)
            y = np.arange(len(items))
            colour = PALETTE[1] if domain in pooled else PALETTE[0]
            ax.hlines(y, part["ci_lower"] - part["unweighted"], part["ci_upper"] - part["unweighted"],
                      color=colour, linewidth=1.2)
            ax.scatter(part["shift"], y, color=colour, s=16, zorder=3,
                       marker="D" if domain in pooled else "o")
            ax.axvline(0, color="0.3", linewidth=0.8, linestyle="--")
            ax.set_title(textwrap.fill(domain, 16), fontsize=7)
            ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        axes[0][0].set_yticks(np.arange(len(items)), [textwrap.fill(i, 34) for i in items])
        axes[0][0].invert_yaxis()
        fig.supxlabel("Weighted minus unweighted % (points); bar: weighted 95% CI less the unweighted %", fontsize=7)
        fig.suptitle(_title(effect, "what weighting changes in the main results"))
        fig.tight_layout()
    return fig


def draw_weighting_shift(effect_csv: str | Path, out_png: str | Path, out_svg: str | Path, *, wave, pooled,
                         domains: list[str] | None = None) -> None:
    """Figure 6 (:func:`weighting_shift`) from the describe stage's weighting_effect.csv."""
    save(weighting_shift(_read(effect_csv, wave), pooled, domains), out_png, out_svg)


#: Figure name -> (draw function, which input it reads).
_DRAW = {
    "any_use_by_country": draw_any_use,
    "frequency_by_channel": draw_frequency,
    "purposes_heatmap": draw_purposes,
    "exclusion_flow": draw_exclusion_flow,
    "odds_ratios": draw_odds_ratios,
    "weighting_shift": draw_weighting_shift,
}
#: Each study figure: how it is drawn, and the table it is drawn from (swsurvey.plan says which).
FIGURES = {name: (draw, FIGURE_SOURCES[name]) for name, draw in _DRAW.items()}
#: The tables whose rows are domains (countries, then pooled sets): a figure drawn from one
#: tells the pooled sets from the countries by config's ``describe.pooled``.
BY_DOMAIN = {"estimates", "weighting_effect"}


def draw_figure(name: str, table_csv: str | Path, out_png: str | Path, out_svg: str | Path, *, wave,
                pooled: Mapping[str, Sequence[str]], **settings) -> None:
    """Draw one study figure by its name in :data:`FIGURES` (one Snakemake job per figure);
    ``pooled`` is config's ``describe.pooled``, ``settings`` the figure's own (``figures.<name>``)."""
    try:
        draw, source = FIGURES[name]
    except KeyError:
        raise InputError(f"no figure of that name (known: {', '.join(FIGURES)})", value=name) from None
    if source in BY_DOMAIN:
        settings["pooled"] = pooled
    draw(table_csv, out_png, out_svg, wave=wave, **settings)


# --------------------------------------------------------------------------------------------
# Changes between waves (rule crosswave_figure, drawn from results/crosswave/changes.csv)
# --------------------------------------------------------------------------------------------


def changes_figure(table: pd.DataFrame, pooled: Mapping[str, Sequence[str]]) -> plt.Figure:
    """Dot plot of the weighted change of each key estimate between waves, by country, with 95% CIs.

    One panel per pair of waves, one row per item, one dot per domain (countries, then the
    pooled set of every country, :func:`all_countries`; ``pooled`` is config's
    ``describe.pooled``); items a wave did not ask and small bases are left out and named below
    the plot. With three waves or more the panels wrap two to a row on one change scale, with
    one axis title, and the figure grows a row of panels per two pairs of waves.
    """
    weighted = table[table["weighting"] == "weighted"]
    shown = weighted[(weighted["status"] == "estimated") & ~weighted["small_base"].astype(bool)]
    if shown.empty:
        raise InputError("no estimated change to draw", variable="changes")
    whole = all_countries(table["domain"], pooled)
    domains = [d for d in countries(table["domain"], pooled) + ([whole] if whole else []) if d in set(shown["domain"])]
    pairs = list(dict.fromkeys(zip(weighted["from_wave"], weighted["to_wave"])))
    items = list(dict.fromkeys(shown["variable_label"] + ": " + shown["level"]))
    xlabel = "Change in weighted % (points, 95% CI, independent samples)"
    with plt.rc_context(rc_style()):
        if len(pairs) == 1:
            fig, axes = plt.subplots(1, 1, sharey=True, squeeze=False, figsize=(DOUBLE_COLUMN, 0.42 * len(items) + 1.6))
        else:
            ncols = 2
            nrows = -(-len(pairs) // ncols)
            fig, axes = plt.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False,
                                     figsize=(DOUBLE_COLUMN, nrows * (0.42 * len(items) + 0.5) + 1.6))
        panels = [ax for row in axes for ax in row]
        for ax, (a, b) in zip(panels, pairs):
            part = shown[(shown["from_wave"] == a) & (shown["to_wave"] == b)]
            for k, domain in enumerate(domains):
                rows = part[part["domain"] == domain].assign(item=lambda t: t["variable_label"] + ": " + t["level"])
                rows = rows.set_index("item").reindex(items)
                y = np.arange(len(items)) + (k - (len(domains) - 1) / 2) * 0.14
                ax.hlines(y, rows["ci_lower"], rows["ci_upper"], color=PALETTE[k], linewidth=1.0)
                ax.scatter(rows["change"], y, color=PALETTE[k], marker="D" if domain in pooled else "o", s=14, zorder=3,
                           label=domain)
            ax.axvline(0, color="0.3", linewidth=0.8, linestyle="--")
            ax.set_title(f"{a} to {b}", fontsize=7.5)
            if len(pairs) == 1:
                ax.set_xlabel(xlabel, fontsize=7)
            ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        for ax in panels[len(pairs):]:
            ax.set_visible(False)
        if len(pairs) > 1:
            for ax in panels[len(pairs) - axes.shape[1]:len(pairs)]:
                ax.xaxis.set_tick_params(labelbottom=True)  # the lowest panel of each column
            height = fig.get_size_inches()[1]
            fig.supxlabel(xlabel, fontsize=7, y=0.3 / height, va="bottom")
        axes[0][0].set_yticks(np.arange(len(items)), [textwrap.fill(i, 38) for i in items])
        axes[0][0].invert_yaxis()
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, frameon=False, loc="lower center", ncols=len(domains), fontsize=6.5)
        missing = sorted(set(weighted.loc[weighted["status"] != "estimated", "variable_label"]))
        title = f"{'SYNTHETIC DATA. ' if _synthetic(table) else ''}Change in the key estimates between waves"
        if missing:
            title += "\nNot asked in every wave: " + "; ".join(missing)
        fig.suptitle(title if len(pairs) == 1 else "\n".join(textwrap.fill(t, 90) for t in title.split("\n")))
        fig.tight_layout(rect=(0, 0.06, 1, 1) if len(pairs) == 1 else (0, 0.5 / fig.get_size_inches()[1], 1, 1))
    return fig


def draw_changes(changes_csv: str | Path, out_png: str | Path, out_svg: str | Path, *,
                 pooled: Mapping[str, Sequence[str]]) -> None:
    """The cross-wave figure (:func:`changes_figure`) from results/crosswave/changes.csv."""
    table = pd.read_csv(changes_csv, dtype={"from_wave": str, "to_wave": str})
    save(changes_figure(table, pooled), out_png, out_svg)


# --------------------------------------------------------------------------------------------
# Trends across three waves or more (rule trend_figure, drawn from results/crosswave/trend.csv)
# --------------------------------------------------------------------------------------------


#: A line of the trend figure is solid when its linear trend's p is below
#: :data:`~swsurvey.stages.crosswave_trend.TREND_LEVEL`, dashed when not (or when it has no trend).
SIGNIFICANT, NOT_SIGNIFICANT = "-", "--"


def trend_linestyle(status: str, p_value: float) -> str:
    """The line style of a line of the trend figure: solid (``"-"``) when its linear trend was
    estimated and its p is below :data:`TREND_LEVEL`, dashed (``"--"``) when not, or when the
    line has no trend (asked in fewer than three waves)."""
    significant = status == "estimated" and not pd.isna(p_value) and float(p_value) < TREND_LEVEL
    return SIGNIFICANT if significant else NOT_SIGNIFICANT


def trend_figure(table: pd.DataFrame, pooled: Mapping[str, Sequence[str]]) -> plt.Figure:
    """One panel per headline item: its weighted % in each wave (95% CIs from the waves' estimates
    files) over the waves' years, a line per country and for every country pooled (diamonds),
    solid when the line's linear trend (:mod:`swsurvey.stages.crosswave_trend`) has p below
    :data:`TREND_LEVEL` and dashed when not (:func:`trend_linestyle`); the figure's legend says
    so, and the p values are in the trend table. A panel whose lines have no trend (the item asked
    in fewer than three waves) says why in a note, naming the domains when only some lack one.

    The panels wrap three to a row, so the figure grows with the number of items; the points of
    the domains are spread a little along the year so that their intervals do not hide each other.
    Small bases are left out.
    """
    points = trend_points(table)
    points = points[(points["weighting"] == "weighted") & ~points["small_base"]]
    if points.empty:
        raise InputError("no weighted estimate to draw a trend of", variable="trend")
    whole = all_countries(table["domain"], pooled)
    domains = [d for d in countries(table["domain"], pooled) + ([whole] if whole else []) if d in set(points["domain"])]
    items = list(dict.fromkeys(points["variable_label"] + ": " + points["level"]))
    points = points.assign(item=points["variable_label"] + ": " + points["level"])
    waves = table_waves(table)
    times = points.drop_duplicates("wave").set_index("wave")["time"]
    ticks = {}
    for wave in waves:
        if wave in times.index:
            ticks.setdefault(float(times[wave]), []).append(wave)
    span = (max(ticks) - min(ticks)) if len(ticks) > 1 else 1.0
    dodge = span * 0.012
    # waves of one year (2021, 2021b) drawn side by side about it, their tick label shared
    shift = {wave: (i - (len(group) - 1) / 2) * span * 0.05 for group in ticks.values() for i, wave in enumerate(group)}
    points = points.assign(time=points["time"] + points["wave"].map(shift))
    ncols = min(3, len(items))
    nrows = -(-len(items) // ncols)
    by_year = str(points["time_basis"].iloc[0]) == BY_YEAR
    with plt.rc_context(rc_style()):
        fig, axes = plt.subplots(nrows, ncols, squeeze=False, sharex=True,
                                 figsize=(DOUBLE_COLUMN, 2.05 * nrows + 1.5))
        panels = [ax for row in axes for ax in row]
        for ax, item in zip(panels, items):
            part = points[points["item"] == item]
            for k, domain in enumerate(domains):
                rows = part[part["domain"] == domain].sort_values("time")
                if rows.empty:
                    continue
                x = rows["time"] + (k - (len(domains) - 1) / 2) * dodge
                ax.vlines(x, rows["ci_lower"], rows["ci_upper"], color=PALETTE[k], linewidth=0.9)
                ax.plot(x, rows["estimate"], color=PALETTE[k], linewidth=0.9, label=domain,
                        linestyle=trend_linestyle(rows["status"].iloc[0], rows["p_value"].iloc[0]),
                        marker="D" if domain in pooled else "o", markersize=3)
            ax.set_title(textwrap.fill(item, 34), fontsize=7)
            ax.grid(axis="y", linewidth=0.4, alpha=0.5)
            statuses = part.drop_duplicates("domain").set_index("domain")["status"]
            without = statuses[statuses != "estimated"]
            if len(without):
                if len(without) == len(statuses) and without.nunique() == 1:  # no line has a trend: one note
                    note = f"No trend: {without.iloc[0]}"
                else:
                    note = "No trend: " + "; ".join(f"{d} ({s})" for d, s in without.items())
                note = textwrap.fill(note, 42)
                low, high = ax.get_ylim()
                ax.set_ylim(low, high + (0.2 + 0.1 * note.count("\n")) * (high - low))  # headroom for it
                ax.text(0.5, 0.97, note, transform=ax.transAxes, ha="center", va="top", fontsize=5.5)
        for ax in panels[len(items):]:
            ax.set_visible(False)
        for ax in panels[max(0, len(items) - ncols):len(items)]:
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xticks(list(ticks), ["/".join(w) for w in ticks.values()])
        for row in axes:
            row[0].set_ylabel("Weighted %", fontsize=7)
        handles = [plt.Line2D([], [], color=PALETTE[k], marker="D" if d in pooled else "o", markersize=3,
                              linewidth=0.9) for k, d in enumerate(domains)]
        styles = [plt.Line2D([], [], color="0.35", linewidth=0.9, linestyle=style)
                  for style in (SIGNIFICANT, NOT_SIGNIFICANT)]
        level = f"{TREND_LEVEL:g}"
        height = fig.get_size_inches()[1]
        fig.legend(handles, domains, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 0.2 / height),
                   ncols=len(domains), fontsize=6.5)
        fig.legend(styles, [f"Linear trend p < {level}", f"p \u2265 {level}, or no trend"], frameon=False,
                   loc="lower center", bbox_to_anchor=(0.5, 0), ncols=2, fontsize=6.5, handlelength=2.6)
        when = "year" if by_year else "wave (no year in a wave id: their order)"
        title = [f"{'SYNTHETIC DATA. ' if _synthetic(table) else ''}Trends in the key estimates across waves",
                 f"Weighted % with 95% intervals by {when}",
                 f"Solid line: linear trend p < {level} (independent samples); dashed: not; each p in the trend table"]
        fig.suptitle("\n".join(textwrap.fill(t, 110) for t in title), fontsize=8.5)
        fig.tight_layout(rect=(0, 0.5 / height, 1, 1))
    return fig


def draw_trend(trend_csv: str | Path, out_png: str | Path, out_svg: str | Path, *,
               pooled: Mapping[str, Sequence[str]]) -> None:
    """The trend figure (:func:`trend_figure`) from results/crosswave/trend.csv."""
    save(trend_figure(read_trend(trend_csv), pooled), out_png, out_svg)
