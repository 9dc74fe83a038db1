"""The text conventions every table, codebook and page the pipeline writes shares: the
synthetic-data banner, the markers of a suppressed and a not-asked cell, Markdown cells
of the pipeline's own text, and the words that say how a wave's ``weighting`` setting weighted
it. Standard library only, so that a job that writes records or
pages, not data (the manifest, the RO-Crate), does not import pandas for a banner.
"""

from __future__ import annotations

from collections.abc import Mapping

SUPPRESSED = "‡"
#: A not-asked variable's cells (its level says "not asked in this wave"): no number, never 0.
NOT_ASKED_TEXT = "—"
#: The first line of every table, codebook and page made from synthetic data (stated once here).
BANNER = "SYNTHETIC DATA — not real survey responses"


def markdown_cell(text: object) -> str:
    """A Markdown table cell of the pipeline's own text (recode labels, step descriptions, file
    names): pipes escaped, newlines flattened. Text from a raw export, which may hold anything,
    goes through the stricter :func:`swsurvey.io.codebook.md_cell`."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_banner(synthetic: bool) -> str:
    """The synthetic-data banner as a Markdown page's first paragraph (nothing for real data)."""
    return f"> **{BANNER}**\n\n" if synthetic else ""


#: The adjective of each method: "the raked weights", "raked or unweighted".
WEIGHTS_WORD = {"rake": "raked", "poststratify": "post-stratified", "linear": "calibrated", "logit": "calibrated",
                "none": "base"}


def weights_word(weighting: Mapping | None) -> str:
    """The weights' adjective: "raked", "post-stratified", "calibrated", or "base" (no
    weighting to margins)."""
    return WEIGHTS_WORD[(weighting or {}).get("method", "rake")]


def weighted_how(weighting: Mapping | None) -> str:
    """How the weighted percentages were weighted, for the tables' notes and the captions:
    "raked within country" (also without settings), "post-stratified within country",
    "calibrated within country (logit)", or the base weights."""
    method = (weighting or {}).get("method", "rake")
    stratum = (weighting or {}).get("stratum", "country")
    within = f" within {stratum}" if stratum else ""
    return {"rake": f"raked{within}", "poststratify": f"post-stratified{within}",
            "linear": f"calibrated{within} (linear)", "logit": f"calibrated{within} (logit)",
            "none": "base weights, not adjusted to margins"}[method]
