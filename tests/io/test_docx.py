"""The report as Word: real tables in a built-in style, pictures, the same bytes every time."""

from __future__ import annotations

import io
import zipfile

import docx
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from swsurvey.io.document import Banner, Figure, Heading, Paragraph, Row, Table, Value, text_cell  # noqa: E402
from swsurvey.io.docx import DOCUMENT_DATE, TABLE_STYLE, ZIP_TIME, docx_bytes, write_docx  # noqa: E402

TABLE = Table(
    key="t1", title="Table 1. Informal ICT use", stub="Level", columns=("Canada", "Israel"),
    rows=(Row("Yes", ((Value("77.2 (75.3–78.9)", "id1"), Value("unw. 78.5", "id2")), text_cell("‡")), group="Any use"),
          Row("No", (text_cell("22.8 (21.1–24.7)"), ()), group="Any use")),
    note="Trace a cell with swsurvey explain '<wave>/T<table>/...'",
)


@pytest.fixture
def blocks(tmp_path):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    fig.savefig(tmp_path / "f.png", metadata={"Software": None})
    plt.close(fig)
    return [Banner("SYNTHETIC DATA"), Heading("Wave 2017"), Paragraph("Text."), TABLE, Figure(tmp_path / "f.png", "A line")]


def test_the_document_reads_back_as_written(blocks):
    document = docx.Document(io.BytesIO(docx_bytes("Study report", blocks)))
    texts = [(p.style.name, p.text) for p in document.paragraphs]
    assert texts[0] == ("Normal", "SYNTHETIC DATA") and texts[1] == ("Title", "Study report")
    assert ("Heading 1", "Wave 2017") in texts and ("Caption", "Table 1. Informal ICT use") in texts
    assert ("Caption", "Figure 1. A line") in texts
    assert any("swsurvey explain" in text for _, text in texts)
    (table,) = document.tables
    assert table.style.name == TABLE_STYLE
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Level", "Canada", "Israel"]
    assert rows[1] == ["Any use"] * 3  # the group's row spans the table
    assert rows[2] == ["Yes", "77.2 (75.3–78.9)\nunw. 78.5", "‡"] and rows[3] == ["No", "22.8 (21.1–24.7)", ""]
    assert len(document.inline_shapes) == 1
    assert document.core_properties.created == DOCUMENT_DATE == document.core_properties.modified


def test_two_writes_give_the_same_bytes_with_fixed_entry_times(blocks, tmp_path):
    write_docx(tmp_path / "a.docx", "Study report", blocks)
    write_docx(tmp_path / "b.docx", "Study report", blocks)
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.docx") as package:
        assert {entry.date_time for entry in package.infolist()} == {ZIP_TIME}
        assert package.testzip() is None


def test_a_failed_write_leaves_no_file(blocks, tmp_path):
    broken = [*blocks, Figure(tmp_path / "missing.png", "gone")]
    with pytest.raises(FileNotFoundError):
        write_docx(tmp_path / "out.docx", "Study report", broken)
    assert list(tmp_path.glob("out.docx*")) == [] and list(tmp_path.glob(".out.docx*")) == []
