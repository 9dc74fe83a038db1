"""Checks of a written study report against the estimates it was made from, shared by the
stage's test (tests/stages/test_study_report.py) and the workflow run (tests/test_workflow.py)."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pandas as pd
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from swsurvey.io.tables import cell_text

#: A descriptive table's caption ("Table 4. Sample characteristics (study table 1), wave 2017").
STUDY_TABLE = re.compile(r"\(study table (\d+)\), wave (.+)$")


def docx_estimate_cells(path: Path) -> dict[tuple[str, int, str, str, str], list[str]]:
    """Every cell of the DOCX's descriptive tables: (wave, table number, variable, level, domain) ->
    the cell's lines, read back with python-docx."""
    cells: dict[tuple[str, int, str, str, str], list[str]] = {}
    caption = None
    for block in docx.Document(str(path)).iter_inner_content():
        if isinstance(block, DocxParagraph):
            caption = STUDY_TABLE.search(block.text) or caption if block.style.name == "Caption" else caption
            continue
        assert isinstance(block, DocxTable)
        if caption is None:
            continue
        number, wave = int(caption.group(1)), caption.group(2)
        caption = None
        header, *rows = [[cell.text for cell in row.cells] for row in block.rows]
        variable = None
        for row in rows:
            if len(set(row)) == 1 and row[0].endswith("]"):  # a variable's row, spanning the table
                variable = row[0].rsplit("[", 1)[1][:-1]
                continue
            for domain, text in zip(header[1:], row[1:]):
                cells[(wave, number, variable, row[0], domain)] = text.split("\n") if text else []
    return cells


def assert_docx_matches_estimates(path: Path, estimates: pd.DataFrame, main_results: dict[str, str]) -> int:
    """Every weighted estimate is in the DOCX as the tables print it, the main results' unweighted
    beneath; nothing else is there. The number of cells checked."""
    cells = docx_estimate_cells(path)
    wave = str(estimates["wave"].iloc[0])
    tables = {t: k for k, t in enumerate(dict.fromkeys(estimates["table"]), 1)}
    seen = set()
    for _, row in estimates[estimates["weighting"] == "weighted"].iterrows():
        key = (wave, tables[row["table"]], row["variable"], row["level"], row["domain"])
        assert key in cells, key
        lines = cells[key]
        assert lines[0] == cell_text(row), (key, lines)
        if main_results.get(row["variable"]) == row["level"] and not row["small_base"] and not row["not_asked"]:
            unweighted = estimates[(estimates["weighting"] == "unweighted") & (estimates["variable"] == row["variable"])
                                   & (estimates["level"] == row["level"]) & (estimates["domain"] == row["domain"])]
            assert lines[1:] == [f"unw. {unweighted['estimate'].iloc[0]:.1f}"], (key, lines)
        else:
            assert len(lines) == 1, (key, lines)
        seen.add(key)
    assert {k for k in cells if k[0] == wave} == seen
    return len(seen)
