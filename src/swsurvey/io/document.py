"""A report as a sequence of plain blocks (headings, paragraphs, tables, figures) that the
HTML and Word writers (:mod:`swsurvey.io.html_document`, :mod:`swsurvey.io.docx`) both render,
so the two files say the same thing in the same order.

A table's cell is one or more lines (:class:`Value`); a line that is an estimate carries the
id ``swsurvey explain`` takes (:mod:`swsurvey.io.explain_ids`), which the HTML puts on the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Value:
    """One line of a table cell, and the id that traces it to the raw data ("" for none)."""

    text: str
    explain: str = ""


#: A table cell: its lines, top to bottom (an empty tuple is an empty cell).
Cell = tuple[Value, ...]


@dataclass(frozen=True)
class Row:
    """A table row: its label (the stub), a cell per column, and the group it is shown under."""

    label: str
    cells: tuple[Cell, ...]
    group: str = ""


@dataclass(frozen=True)
class Table:
    """A numbered table: ``key`` is its stable HTML id (a rerun must give the same bytes)."""

    key: str
    title: str
    stub: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    note: str = ""
    #: The columns (by position) that hold text, aligned left; the others hold numbers, aligned right.
    text_columns: tuple[int, ...] = ()


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Banner:
    """A warning the reader must not miss (the synthetic-data banner), shown at the top."""

    text: str


@dataclass(frozen=True)
class Figure:
    """A PNG image and its caption."""

    path: Path
    caption: str


Block = Heading | Paragraph | Banner | Table | Figure


def text_cell(text: str) -> Cell:
    """A cell of one line with no id (a label, a count that is not an estimate)."""
    return (Value(text),) if text != "" else ()
