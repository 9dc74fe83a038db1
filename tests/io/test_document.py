"""The report's blocks: a cell of text, and the blocks the writers take."""

from __future__ import annotations

from swsurvey.io.document import Row, Table, Value, text_cell


def test_a_text_cell_is_one_line_without_an_id_and_empty_text_is_an_empty_cell():
    assert text_cell("4,354") == (Value("4,354", ""),)
    assert text_cell("") == ()


def test_blocks_are_values_equal_by_content():
    row = Row("Yes", (text_cell("1"),), group="Any use")
    assert Table("k", "T", "", ("Canada",), (row,)) == Table("k", "T", "", ("Canada",), (Row("Yes", ((Value("1"),),),
                                                                                          group="Any use"),))
