"""The published formats of the tables: Markdown, HTML and Excel from the long estimates."""

from __future__ import annotations

import hashlib
import zipfile

import pandas as pd
import pytest

from swsurvey.io.table_text import BANNER
from swsurvey.io.tables import format_tables, tables_html, wide_tables

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


def test_the_workbook_holds_numbers_as_numbers_under_each_domain(estimates, tmp_path):
    """Each domain's weighted %, interval ends, SE and n are numbers in their own cells, with
    number formats; a suppressed cell shows only ‡; the headers are bold and frozen."""
    import openpyxl
    csv, outs = tmp_path / "estimates.csv", [tmp_path / "t.md", tmp_path / "t.html", tmp_path / "t.xlsx"]
    estimates.assign(se=[1.05, 4.0, 1.0, 4.0, 1.25, 1.3], base_n=[1200, 9, 1200, 9, 1100, 1100]).to_csv(csv, index=False)
    format_tables(csv, *outs, wave="2017", min_n=10)
    sheet = openpyxl.load_workbook(outs[2])["1. Sample"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[:2] == ["Variable", "Level"])
    assert rows[header][2] == "Canada" and rows[header][7] == "United Kingdom"
    assert rows[header + 1][2:7] == ["%", "95% CI low", "95% CI high", "SE", "n"]
    woman = rows[header + 2]
    assert woman[:7] == ["Gender", "Woman", 80.2, 78.1, 82.2, 1.05, 1200]
    assert woman[7:12] == ["‡", None, None, None, None]  # base under min_n: suppressed
    assert sheet.cell(header + 3, 3).number_format == "0.0" and sheet.cell(header + 3, 7).number_format == "#,##0"
    assert sheet.cell(header + 1, 1).font.b and sheet.freeze_panes == f"C{header + 3}"
    long = openpyxl.load_workbook(outs[2])["Estimates (long)"]
    assert long.freeze_panes == "A2" and long.cell(2, 6).value == 80.2


def test_a_long_table_title_names_its_sheet_at_a_word_s_end(estimates, tmp_path):
    import openpyxl

    csv, outs = tmp_path / "estimates.csv", [tmp_path / "t.md", tmp_path / "t.html", tmp_path / "t.xlsx"]
    estimates.assign(table="4. Policy, supervision, consultation and training").to_csv(csv, index=False)
    format_tables(csv, *outs, wave="2017", min_n=10)
    book = openpyxl.load_workbook(outs[2])
    assert book.sheetnames == ["4. Policy, supervision", "Estimates (long)"]
    assert book["4. Policy, supervision"]["A1"].value == "4. Policy, supervision, consultation and training"


def test_levels_keep_the_long_file_s_order_when_two_variables_share_a_level_name(estimates):
    """A pivot orders each index level on its own: "Other", a level of two variables, once came
    first in the second variable's rows. The wide table keeps the long file's (instrument's) order."""
    rows = [("1. Sample", label, level, "Canada", "weighted", 10.0, 9.0, 11.0, False)
            for label, levels in (("Degree", ["BSW", "Other"]), ("Setting", ["Private practice", "Hospital", "Other"]))
            for level in levels]
    frame = pd.DataFrame(rows, columns=list(estimates.columns[:9])).assign(ci_method="beta")
    assert list(wide_tables(frame)["1. Sample"].index) == [
        ("Degree", "BSW"), ("Degree", "Other"), ("Setting", "Private practice"), ("Setting", "Hospital"),
        ("Setting", "Other"),
    ]


def test_the_note_gives_the_range_of_design_df_not_the_first_cell_s(estimates):
    """Each cell's interval has the design df of its domain and variable; the note names the
    range they span (it once named the first cell's, '2568 design df', where they ran from 130 to
    4,282)."""
    from swsurvey.io.tables import note

    methods = ["beta (Korn-Graubard), 2568 design df", "beta (Korn-Graubard), 130 design df",
               "beta (Korn-Graubard), 4282 design df", "beta (Korn-Graubard), 2568 design df",
               "beta (Korn-Graubard), 977 design df", "beta (Korn-Graubard), 977 design df"]
    text = note(estimates.assign(ci_method=methods), min_n=10)
    assert "beta (Korn-Graubard), 130 to 4,282 design df" in text and "2568" not in text


def test_the_note_names_the_margins_the_weighting_fixes_and_only_when_there_are_some(estimates):
    """With SEs calibrated to the raking, a raking margin's interval is the percentage itself;
    the note says why, naming the variables, and says nothing of it when no interval is a point."""
    from swsurvey.io.tables import note

    assert "weighting fixes" not in note(estimates, min_n=10)
    first = estimates.index[0]
    fixed = estimates.copy()
    fixed.loc[first, ["ci_lower", "ci_upper"]] = fixed.loc[first, "estimate"]
    text = note(fixed, min_n=10)
    assert f"({fixed.loc[first, 'variable_label']}, in some domains) is a margin the weighting fixes" in text
