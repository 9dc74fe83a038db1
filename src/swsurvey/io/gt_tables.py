"""A report table (:class:`swsurvey.io.document.Table`) as HTML, made with great-tables.

Every line of a cell that is an estimate is a ``<span>`` with the id ``swsurvey explain``
takes as its tooltip (``title``) and in ``data-explain``; rows are grouped under their group's
label (a variable's label) with the levels as the stub. The table's HTML id is the table's own
key, never great-tables' random one, so a rerun gives the same bytes.
"""

from __future__ import annotations

import html

import pandas as pd
from great_tables import GT

from swsurvey.io.document import Cell, Table

#: The frame's stub and group columns (value columns are c0, c1, ...).
LABEL, GROUP = "__label", "__group"


def cell_html(cell: Cell) -> str:
    """A cell's lines as HTML, each estimate a span carrying its id."""
    lines = []
    for value in cell:
        text = html.escape(value.text)
        if value.explain:
            ident = html.escape(value.explain, quote=True)
            text = f'<span class="estimate" title="swsurvey explain \'{ident}\'" data-explain="{ident}">{text}</span>'
        lines.append(text)
    return "<br>".join(lines)


def _trusted(value: object) -> str:
    """great-tables escapes cells no formatter touched; ours are already safe HTML."""
    return str(value)


def table_frame(table: Table) -> pd.DataFrame:
    """The table as a frame of HTML strings: the group, the label, then one column per column."""
    columns = [f"c{k}" for k in range(len(table.columns))]
    records = [
        {GROUP: row.group, LABEL: row.label, **{c: cell_html(cell) for c, cell in zip(columns, row.cells)}}
        for row in table.rows
    ]
    return pd.DataFrame.from_records(records, columns=[GROUP, LABEL, *columns]).fillna("")


def gt_table(table: Table) -> GT:
    """The great-tables table of a report table."""
    frame = table_frame(table)
    grouped = bool((frame[GROUP] != "").any())
    if not grouped:
        frame = frame.drop(columns=GROUP)
    columns = [c for c in frame.columns if c not in (GROUP, LABEL)]
    gt = GT(frame, rowname_col=LABEL, groupname_col=GROUP if grouped else None, id=table.key)
    gt = (
        gt.tab_header(title=table.title)
        .tab_stubhead(label=table.stub)
        .cols_label(**dict(zip(columns, table.columns)))
        .fmt(_trusted, columns=columns)
        .cols_align("right", columns=[c for k, c in enumerate(columns) if k not in table.text_columns])
        .tab_options(table_font_size="13px", table_width="100%", heading_align="left",
                     row_group_font_weight="bold", data_row_padding="3px")
    )
    if table.text_columns:
        gt = gt.cols_align("left", columns=[columns[k] for k in table.text_columns])
    if table.note:
        gt = gt.tab_source_note(table.note)
    return gt


def table_html(table: Table) -> str:
    """The table as an HTML fragment (its ``<style>`` scoped to its id, then the ``<table>``)."""
    return gt_table(table).as_raw_html()
