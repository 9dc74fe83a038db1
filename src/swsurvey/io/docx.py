"""A report (:mod:`swsurvey.io.document` blocks) as a Word document, with python-docx.

Tables are real Word tables in a built-in table style (:data:`TABLE_STYLE`), a row per group
label spanning the table, each cell's lines as paragraphs; the table's note below it says how
to trace a cell (the report writes that into the note). Figures are pictures with captions.
Bytes are the same on a rerun: the core properties carry a fixed date (:data:`DOCUMENT_DATE`)
and the package is re-zipped with fixed entry times (python-docx stamps each entry with the
time of writing).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from swsurvey.io.document import Banner, Block, Figure, Heading, Paragraph, Table
from swsurvey.io.files import atomic_path

#: Fixed document date (core properties) and zip entry time: a rerun gives the same bytes.
DOCUMENT_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
TABLE_STYLE = "Light List Accent 1"
TABLE_FONT = Pt(8)
RED = RGBColor(0xB0, 0x00, 0x00)


def _banner(document, text: str) -> None:
    run = document.add_paragraph().add_run(text)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(16), RED


def _cell_lines(cell, lines: Sequence[str], *, bold: bool = False, right: bool = False) -> None:
    """Write a cell's lines, one paragraph each, in the tables' font."""
    paragraphs = cell.paragraphs
    for k, line in enumerate(lines):
        paragraph = paragraphs[0] if k == 0 else cell.add_paragraph()
        if right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run(line)
        run.font.size, run.bold = TABLE_FONT, bold


def _table(document, table: Table) -> None:
    title = document.add_paragraph(style="Caption")
    title.add_run(table.title).bold = True
    grid = document.add_table(rows=1, cols=1 + len(table.columns))
    grid.style = document.styles[TABLE_STYLE]
    for cell, text in zip(grid.rows[0].cells, (table.stub, *table.columns)):
        _cell_lines(cell, [text], bold=True)
    group = None
    for row in table.rows:
        if row.group and row.group != group:
            cells = grid.add_row().cells
            merged = cells[0].merge(cells[-1])
            _cell_lines(merged, [row.group], bold=True)
            group = row.group
        cells = grid.add_row().cells
        _cell_lines(cells[0], [row.label])
        for k, (cell, values) in enumerate(zip(cells[1:], row.cells)):
            _cell_lines(cell, [v.text for v in values], right=k not in table.text_columns)
    if table.note:
        note = document.add_paragraph()
        run = note.add_run(table.note)
        run.italic, run.font.size = True, Pt(8)


def _figure(document, figure: Figure, number: int) -> None:
    document.add_picture(str(figure.path), width=Cm(16))
    caption = document.add_paragraph(style="Caption")
    caption.add_run(f"Figure {number}. ").bold = True
    caption.add_run(figure.caption)


def docx_document(title: str, blocks: Sequence[Block]):
    """The python-docx Document of the blocks, on A4 with narrow margins, dated :data:`DOCUMENT_DATE`."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, "swsurvey", "swsurvey"
    properties.created = properties.modified = properties.last_printed = DOCUMENT_DATE
    properties.revision = 1
    for banner in (b for b in blocks if isinstance(b, Banner)):
        _banner(document, banner.text)
    document.add_heading(title, level=0)
    figures = 0
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=min(block.level, 9))
        elif isinstance(block, Paragraph):
            document.add_paragraph(block.text)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Figure):
            figures += 1
            _figure(document, block, figures)
    return document


def fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry's time set to :data:`ZIP_TIME` (order and content kept)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(info, source.read(entry))
    return out.getvalue()


def docx_bytes(title: str, blocks: Sequence[Block]) -> bytes:
    buffer = io.BytesIO()
    docx_document(title, blocks).save(buffer)
    return fixed_zip(buffer.getvalue())


def write_docx(path: str | Path, title: str, blocks: Sequence[Block]) -> None:
    """Write the document atomically: a failure leaves no partial file."""
    data = docx_bytes(title, blocks)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
