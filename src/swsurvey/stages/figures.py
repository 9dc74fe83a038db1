"""Figures, drawn with matplotlib (and seaborn where it draws the plot), saved as PNG and SVG with reproducible bytes.

Every figure is a pure function from a results table to a matplotlib Figure; :func:`save`
writes it without the timestamps and random ids matplotlib would otherwise embed, so the
same table always gives the same files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from swsurvey.io.files import atomic_path  # noqa: E402

#: Colour-blind-safe palette: seaborn's "colorblind" (after Okabe & Ito), as RGB. Stated here
#: rather than asked of seaborn, so that a figure that needs no seaborn plot does not import it
#: (about 0.4 s of every figure job); tests/stages/test_figures.py checks it equals seaborn's.
PALETTE = [to_rgb(colour) for colour in (
    "#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161", "#FBAFE4", "#949494", "#ECE133", "#56B4E9",
)]


def diverging_palette(n: int, name: str = "BrBG") -> list[tuple[float, float, float]]:
    """``n`` colours of a diverging matplotlib colormap, evenly spaced without its two ends:
    what seaborn's ``color_palette(name, n)`` gives (tests/stages/test_figures.py checks it),
    without importing seaborn."""
    return [tuple(float(c) for c in colour[:3]) for colour in colormaps[name](np.linspace(0, 1, n + 2)[1:-1])]


#: A journal's two-column width, in inches.
DOUBLE_COLUMN = 7.0


def rc_style() -> dict:
    """The matplotlib settings of every figure: journal font sizes, SVG text as text, fixed ids."""
    return {
        "font.size": 8,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "svg.hashsalt": "swsurvey",  # fixed SVG element ids
        "svg.fonttype": "none",  # text stays text in the SVG
    }


def save(fig: plt.Figure, png: str | Path, svg: str | Path, dpi: int = 300) -> None:
    """Write ``fig`` as PNG and SVG, atomically, with no date or software-version stamps."""
    with plt.rc_context(rc_style()):
        with atomic_path(png) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
        with atomic_path(svg) as tmp:
            fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)


def margin_shares(margins: pd.DataFrame, stratum: str | None = "country") -> pd.DataFrame:
    """Within-stratum shares of each margin cell, unweighted, weighted and target (long form).

    ``margins`` is the weighting stage's margins table: with a ``stratum`` its margins are
    named ``country:gender__raking`` (a joint one ``country:gender:age_group__raking``) and
    its cells ``Canada:Woman``; without, ``gender__raking`` and ``Woman``, whose shares are of
    the whole sample (the ``country`` column then says "All respondents").
    """
    table = margins.copy()
    name = table["margin"].str.replace("__raking", "", regex=False)
    if stratum:
        table["variable"] = name.str.split(":", n=1).str[1]
        parts = table["level"].str.split(":", n=1)
        table["country"], table["category"] = parts.str[0], parts.str[1]
    else:
        table["variable"], table["country"], table["category"] = name, "All respondents", table["level"]
    rows = []
    for kind, column in (("Sample (unweighted)", "before"), ("Weighted", "after"), ("Population target", "target")):
        total = table.groupby(["variable", "country"])[column].transform("sum")
        rows.append(table.assign(kind=kind, share=100 * table[column] / total))
    return pd.concat(rows, ignore_index=True)[["variable", "country", "category", "kind", "share"]]


#: A weighting method as the figure's title names it ("raking within country").
METHOD_NOUNS = {"rake": "raking", "poststratify": "post-stratification", "linear": "linear calibration",
                "logit": "bounded logit calibration", "none": "base weights compared"}


def weighting_figure(margins: pd.DataFrame, title: str, stratum: str | None = "country") -> plt.Figure:
    """Dot plot of each raking cell's share within its country: sample, weighted, target.

    One panel per raking variable; how far the open circles sit from the targets is how much
    work raking did, and the filled dots on the targets show that it converged.
    """
    shares = margin_shares(margins, stratum)
    variables = list(dict.fromkeys(shares["variable"]))
    with plt.rc_context(rc_style()):
        heights = [shares[shares["variable"] == v][["country", "category"]].drop_duplicates().shape[0] for v in variables]
        fig, axes = plt.subplots(
            len(variables), 1, figsize=(DOUBLE_COLUMN, 0.16 * sum(heights) + 1.2), gridspec_kw={"height_ratios": heights}
        )
        axes = [axes] if len(variables) == 1 else list(axes)
        markers = {"Sample (unweighted)": "o", "Weighted": ".", "Population target": "|"}
        for ax, variable in zip(axes, variables):
            part = shares[shares["variable"] == variable].copy()
            part["cell"] = part["country"] + ": " + part["category"]
            order = list(dict.fromkeys(part["cell"]))
            for (kind, marker), colour in zip(markers.items(), PALETTE):
                sub = part[part["kind"] == kind].set_index("cell").loc[order]
                # An open circle for the sample; filled marks for the weighted and target shares.
                colours = {"facecolors": "none", "edgecolors": colour} if marker == "o" else {"color": colour}
                ax.scatter(
                    sub["share"], range(len(order)), marker=marker, s=60 if marker == "|" else 18,
                    label=kind, zorder=3, **colours,
                )
            ax.set_yticks(range(len(order)), order)
            ax.invert_yaxis()
            ax.set_xlabel(f"Share within {stratum} (%)" if stratum else "Share of all respondents (%)")
            ax.set_title(variable.replace("_", " ").capitalize())
            ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        axes[0].legend(loc="lower right", frameon=False)
        fig.suptitle(title)
        fig.tight_layout()
    return fig


def draw_weighting_figure(margins: str | Path, out_png: str | Path, out_svg: str | Path, *, wave: str,
                          method: str = "rake", stratum: str | None = "country") -> None:
    """The weighting stage's figure from its margins table (see :func:`weighting_figure`); its
    title names the wave's weighting ``method`` and ``stratum``."""
    table = pd.read_csv(margins)
    synthetic = bool(table["synthetic"].all()) if "synthetic" in table else False
    within = f" within {stratum}" if stratum else ""
    title = (f"Wave {wave}{' (SYNTHETIC DATA)' if synthetic else ''}: {METHOD_NOUNS[method]}{within} to population "
             "margins")
    save(weighting_figure(table, title, stratum), out_png, out_svg)
