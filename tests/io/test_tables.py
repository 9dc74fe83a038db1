"""The published formats of the tables: Markdown, HTML and Excel from the long estimates."""

from __future__ import annotations

import hashlib
import zipfile

import pandas as pd
import pytest

from swsurvey.io.tables import BANNER, format_tables, markdown_banner, markdown_cell, tables_html, wide_tables

ROWS = [
    # table, variable_label, level, domain, weighting, estimate, ci_lower, ci_upper, small_base
    ("1. Sample", "Gender", "Woman", "Canada", "weighted", 80.2, 78.1, 82.2, False),
    ("1. Sample", "Gender", "Woman", "United Kingdom", "weighted", 79.0, 68.9, 87.0, True),
    ("1. Sample", "Gender", "Man", "Canada", "weighted", 18.8, 16.8, 20.8, False),
    ("1. Sample", "Gender", "Man", "United Kingdom", "weighted", 20.0, 12.1, 30.2, True),
    ("2. Use <ICT>", "Any use", "Yes", "Canada", "weighted", 78.5, 76.0, 80.9, False),
    ("2. Use <ICT>", "Any use", "Yes", "Canada", "unweighted", 77.0, 75.0, 79.0, False),
]


@pytest.fixture()
def estimates():
    frame = pd.DataFrame(
        ROWS,
        columns=["table", "variable_label", "level", "domain", "weighting", "estimate", "ci_lower", "ci_upper", "small_base"],
    )
    return frame.assign(ci_method="beta (Korn-Graubard), 100 design df", synthetic=True)


def test_wide_tables_show_labels_intervals_and_suppress_small_bases(estimates):
    wide = wide_tables(estimates)
    assert list(wide) == ["1. Sample", "2. Use <ICT>"]
    sample = wide["1. Sample"]
    assert list(sample.columns) == ["Canada", "United Kingdom"]
    assert sample.loc[("Gender", "Woman"), "Canada"] == "80.2 (78.1–82.2)"
    assert sample.loc[("Gender", "Man"), "United Kingdom"] == "‡"
    assert wide["2. Use <ICT>"].loc[("Any use", "Yes"), "Canada"] == "78.5 (76.0–80.9)"  # weighted only


def test_html_escapes_text_and_carries_the_banner(estimates):
    page = tables_html(estimates, wave="2017", synthetic=True, min_n=10)
    assert "SYNTHETIC DATA" in page and "2. Use &lt;ICT&gt;" in page and "<ICT>" not in page


def test_all_three_formats_are_written_with_the_same_bytes_on_a_rerun(estimates, tmp_path):
    csv = tmp_path / "estimates.csv"
    estimates.to_csv(csv, index=False)
    digests = []
    for run in ("a", "b"):
        outs = [tmp_path / f"{run}.md", tmp_path / f"{run}.html", tmp_path / f"{run}.xlsx"]
        format_tables(csv, *outs, wave="2017", min_n=10)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in outs])
    assert digests[0] == digests[1]
    with zipfile.ZipFile(tmp_path / "a.xlsx") as book:
        sheets = book.read("xl/workbook.xml").decode()
    for name in ("1. Sample", "2. Use &lt;ICT&gt;", "Estimates (long)"):
        assert f'name="{name}"' in sheets
    assert "‡" in (tmp_path / "a.md").read_text()


def test_markdown_cells_and_the_synthetic_banner():
    assert markdown_cell("a | b\nc") == "a \\| b c"
    assert markdown_banner(True) == f"> **{BANNER}**\n\n"
    assert markdown_banner(False) == ""
