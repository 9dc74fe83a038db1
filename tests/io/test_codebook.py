"""The raw codebook: canonical JSON-safe codes and a Markdown rendering people can trust."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from swsurvey.io.codebook import md_cell, missing_declaration, render_raw_codebook
from swsurvey.io.codes import code_key, json_value

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def codebook(synthetic: bool = False, **file) -> dict:
    """A small hand-made codebook dict in the shape the import stage writes."""
    return {
        "file": {
            "name": "wave.sav",
            "sha256": "ab" * 32,
            "format": "sav",
            "magic": "$FL2",
            "compression": "bytecode",
            "label": "SYNTHETIC DATA - test" if synthetic else "Wave 1",
            "encoding": "UTF-8",
            "producing_software": "SPSS DATA FILE Java Writer (c) Qualtrics - 0.1.0",
            "creation": "2017-03-01T10:00:00",
            "header_rows": None,
            "rows": 3,
            "columns": 3,
            "weight_variable": None,
            "documents": ["first line", "second | line"],
            "synthetic": synthetic,
            **file,
        },
        "privacy": {
            "dropped": [{"name": "IPAddress", "reason": "personal data: marked pii in the instrument"}],
            "pseudonymised": [
                {"name": "ResponseId", "replaced_by": "ResponseId_pseudonym", "method": "HMAC"}
            ],
        },
        "variables": [
            {
                "name": "IPAddress",
                "label": "IP Address",
                "type": "string",
                "format": "A2000",
                "measure": "nominal",
                "display_width": 15,
                "value_labels": {},
                "missing": {"values": [], "ranges": []},
                "kept": False,
            },
            {
                "name": "ResponseId",
                "label": "Response ID",
                "type": "string",
                "format": "A50",
                "measure": "nominal",
                "display_width": 15,
                "value_labels": {},
                "missing": {"values": [], "ranges": []},
                "kept": False,
            },
            {
                "name": "Q1",
                "label": "Agree | disagree?\nPick one",
                "type": "numeric",
                "format": "F40.0",
                "measure": "nominal",
                "display_width": 5,
                "value_labels": {"1": "Yes | definitely", "2": "can\x92t say", "-99": "Seen but unanswered"},
                "missing": {"values": [-99], "ranges": [{"lo": "LO", "hi": -100}]},
                "kept": True,
            },
        ],
        "mr_sets": {
            "services": {
                "type": "D",
                "is_dichotomy": True,
                "counted_value": 1,
                "label": "Services",
                "variable_list": ["Q10_1", "Q10_2"],
            }
        },
        "notes": ["Raw codes are kept."],
        "repairs": [{"variable": "Q1", "what": "value label 2", "before": "can\x92t", "after": "can’t"}],
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1"),
        (np.float64(2.0), "2"),
        (-99.0, "-99"),
        (1.5, "1.5"),
        ("M", "M"),
        (3, "3"),
        (-math.inf, "LO"),
        (math.inf, "HI"),
    ],
)
def test_code_key(value, expected: str) -> None:
    assert code_key(value) == expected


def test_json_value_is_json_safe() -> None:
    value = json_value({"a": [1.0, -math.inf, math.inf, 2.5, None, "x", math.nan]})
    assert value == {"a": [1, "LO", "HI", 2.5, None, "x", None]}
    json.dumps(value, allow_nan=False)
    assert isinstance(json_value(np.float64(3.0)), int)


def test_missing_declaration_splits_discrete_and_ranges() -> None:
    declared = missing_declaration([(2000.0, 3000.0), (-1.0, -1.0), (-math.inf, -1.0), ("a", "a")])
    assert declared == {"values": [-1, "a"], "ranges": [{"lo": 2000, "hi": 3000}, {"lo": "LO", "hi": -1}]}


def test_md_cell_escapes() -> None:
    cell = md_cell("a | b\nc <script> d_e *f* can\x92t")
    assert not UNESCAPED_PIPE.search(cell)
    assert "\n" not in cell and "<br>" in cell
    assert "<script>" not in cell and "&lt;script&gt;" in cell
    assert r"d\_e" in cell and r"\*f\*" in cell
    assert "\x92" not in cell and "U+0092" in cell
    assert md_cell(None) == ""


def test_render_sections_and_tables() -> None:
    text = render_raw_codebook(codebook())
    assert text.startswith("# Raw codebook: wave.sav")
    for heading in (
        "## File",
        "## Privacy",
        "## Variables",
        "## Multiple-response sets",
        "## Notes",
        "## Repairs",
    ):
        assert heading in text
    assert "SYNTHETIC" not in text.split("## File")[0]
    assert "not recorded (-1)" in text
    # every row of the variables table has exactly the header's number of cells
    table = text.split("## Variables")[1].split("## Multiple")[0].strip().splitlines()
    widths = {len(UNESCAPED_PIPE.findall(line)) for line in table}
    assert widths == {10}
    assert len(table) == 2 + 3
    q1 = next(line for line in table if "`Q1`" in line)
    assert r"Yes \| definitely" in q1 and "-99 = Seen but unanswered" in q1
    assert "-99, LO THRU -100" in q1
    assert "| **no** |" in next(line for line in table if "`IPAddress`" in line)
    privacy = text.split("## Privacy")[1].split("## Variables")[0]
    assert "`IPAddress`" in privacy and "marked pii" in privacy and "`ResponseId_pseudonym`" in privacy
    assert "`Q10_1`, `Q10_2`" in text
    assert "second | line" in text  # documents are shown verbatim in a code block


def test_synthetic_banner_on_top() -> None:
    lines = render_raw_codebook(codebook(synthetic=True)).splitlines()
    assert "SYNTHETIC DATA" in lines[0]
    assert lines.index("# Raw codebook: wave.sav") > 0
    assert "| Synthetic | **yes — SYNTHETIC DATA** |" in lines


def test_render_without_optional_parts() -> None:
    book = codebook(weight_variable="wt", header_rows=3, documents=[], label=None)
    book["privacy"] = {"dropped": [], "pseudonymised": []}
    book["mr_sets"], book["notes"], book["repairs"] = {}, [], []
    text = render_raw_codebook(book)
    assert "No variable was dropped" in text and "No variable was pseudonymised" in text
    assert "## Repairs" not in text and "### Documents" not in text
    assert "| Weight variable (WEIGHT BY) | `wt` |" in text
    assert "| File label | none |" in text


def test_real_codebook_renders(real_sav_dir: Path, tmp_path: Path) -> None:
    from swsurvey.stages.importing import import_wave

    out = tmp_path / "out"
    book = import_wave(
        real_sav_dir / "savrw__spssio_test.sav",
        out / "d.parquet",
        out / "c.json",
        out / "c.md",
        key_file=tmp_path / "key",
    )
    text = (out / "c.md").read_text(encoding="utf-8")
    assert text == render_raw_codebook(book)
    assert "LO THRU -1" in text and "`weightVar`" in text
    rows = [
        line
        for line in text.split("## Variables")[1].split("## Multiple")[0].splitlines()
        if line.startswith("| ")
    ]
    assert len(rows) == 1 + book["file"]["columns"]
    assert {len(UNESCAPED_PIPE.findall(r)) for r in rows} == {10}
    mr = text.split("## Multiple-response sets")[1]
    assert all(f"`{name}`" in mr for name in ("ages", "incomes", "V"))
