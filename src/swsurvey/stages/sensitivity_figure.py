"""The weighting sensitivity figure: each headline result by domain under every scheme.

One panel per headline item (``describe.main_results``) that the wave asked; within it one
row per domain, and in each row every scheme's estimate with its 95% interval side by side,
over the main scheme's interval shaded. An estimate whose conclusion moves (outside the
main scheme's interval, :mod:`swsurvey.stages.sensitivity_flags`) is ringed. Drawn from the
panel's long table (:mod:`swsurvey.stages.sensitivity`) and saved with reproducible bytes
(:func:`swsurvey.stages.figures.save`).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pandas as pd

from swsurvey.stages.figures import DOUBLE_COLUMN, PALETTE, plt, rc_style, save
from swsurvey.stages.sensitivity_flags import ESTIMATE, MAIN

#: The colour of the ring around a moved estimate.
MOVED = "#B00000"


def _flag(series: pd.Series) -> pd.Series:
    return series.astype(str).str.lower().eq("true")


def sensitivity_figure(results: pd.DataFrame, title: str) -> plt.Figure:
    """The panels of :mod:`this module <swsurvey.stages.sensitivity_figure>` from the long table."""
    table = results[(results["kind"] == ESTIMATE) & ~_flag(results["not_asked"])].copy()
    table = table[~_flag(table["small_base"])]
    table["moved"] = _flag(table["moved"])
    schemes = list(dict.fromkeys(zip(table["scheme"], table["scheme_label"])))
    items = list(dict.fromkeys(zip(table["item"], table["item_label"], table["level"])))
    domains = list(dict.fromkeys(table["domain"]))
    columns = 2 if len(items) > 1 else 1
    rows = max(1, math.ceil(len(items) / columns))
    step = 0.7 / max(1, len(schemes))
    with plt.rc_context(rc_style()):
        height = (0.28 * len(domains) + 0.9) * rows + 1.0
        fig, axes = plt.subplots(rows, columns, figsize=(DOUBLE_COLUMN, height), squeeze=False, sharey=True)
        for ax, (item, label, level) in zip(axes.flat, items):
            part = table[table["item"] == item]
            main = part[part["scheme"] == MAIN].set_index("domain")
            for y, domain in enumerate(domains):
                if domain in main.index:
                    lo, hi = main.loc[domain, "ci_lower"], main.loc[domain, "ci_upper"]
                    ax.barh(y, hi - lo, left=lo, height=0.8, color="0.88", zorder=1, linewidth=0)
            for k, ((scheme, scheme_label), colour) in enumerate(zip(schemes, PALETTE)):
                mine = part[part["scheme"] == scheme].set_index("domain").reindex(domains)
                ys = [y - 0.35 + step * (k + 0.5) for y in range(len(domains))]
                ax.errorbar(mine["estimate"], ys, xerr=[mine["estimate"] - mine["ci_lower"],
                                                          mine["ci_upper"] - mine["estimate"]],
                            fmt="o", markersize=3, color=colour, elinewidth=0.8, capsize=0, zorder=3,
                            label=scheme_label)
                moved = mine["moved"].fillna(False).astype(bool).to_numpy()
                if moved.any():
                    ax.scatter(mine["estimate"].to_numpy()[moved], [y for y, m in zip(ys, moved) if m], s=70,
                               facecolors="none", edgecolors=MOVED, linewidths=1.2, zorder=4)
            ax.set_yticks(range(len(domains)), domains)
            ax.set_ylim(len(domains) - 0.5, -0.5)
            ax.set_title("\n".join(textwrap.wrap(f"{label}: {level}", 36)), loc="left")
            ax.grid(axis="x", linewidth=0.4, alpha=0.5)
            ax.set_xlabel("%")
        for ax in list(axes.flat)[len(items):]:
            ax.set_visible(False)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        handles.append(plt.Rectangle((0, 0), 1, 1, color="0.88"))
        labels.append(f"{schemes[0][1] if schemes else 'Main'}: 95% CI")
        handles.append(plt.Line2D([], [], marker="o", markersize=8, markerfacecolor="none", markeredgecolor=MOVED,
                                  linestyle="none"))
        labels.append("moved: outside the main 95% CI")
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3), frameon=False)
        fig.suptitle(title)
        fig.tight_layout(rect=(0, 0.45 / height, 1, 1))  # the legend's two rows below
    return fig


def draw_sensitivity_figure(results: str | Path, out_png: str | Path, out_svg: str | Path, *, wave: str) -> None:
    """The panel's figure from its long table (see :func:`sensitivity_figure`)."""
    table = pd.read_csv(results, keep_default_na=False, na_values=[""], dtype={"wave": str, "level": str})
    synthetic = bool(_flag(table["synthetic"]).all()) if "synthetic" in table else False
    title = f"Wave {wave}{' (SYNTHETIC DATA)' if synthetic else ''}: headline results under each weighting scheme"
    save(sensitivity_figure(table, title), out_png, out_svg)
