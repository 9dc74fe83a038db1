"""The text conventions every table, codebook and page the pipeline writes shares: the
synthetic-data banner, the markers of a suppressed and a not-asked cell, and Markdown cells
of the pipeline's own text. Standard library only, so that a job that writes records or
pages, not data (the manifest, the RO-Crate), does not import pandas for a banner.
"""

from __future__ import annotations

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
