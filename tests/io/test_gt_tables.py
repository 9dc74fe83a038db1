"""Report tables through great-tables: escaped text, ids on the estimates, a fixed table id."""

from __future__ import annotations

import re

from swsurvey.io.document import Row, Table, Value, text_cell
from swsurvey.io.gt_tables import cell_html, table_html

TABLE = Table(
    key="t-2017-2", title="Informal <ICT> use & more", stub="Level", columns=("Canada", "Israel / other"),
    rows=(
        Row("Yes", ((Value("77.2 (75.3–78.9)", "2017/T2/any_ict_use/Yes/Canada/weighted"),
                     Value("unw. 78.5", "2017/T2/any_ict_use/Yes/Canada/unweighted")), text_cell("‡")),
            group="Uses ICT [any_ict_use]"),
        Row("No", (text_cell("22.8 (21.1–24.7)"), ()), group="Uses ICT [any_ict_use]"),
        Row("Daily", (text_cell("<5"), text_cell("—")), group="Frequency"),
    ),
    note="Note with <tags> & ampersands",
)


def test_an_estimate_carries_its_id_as_tooltip_and_data_attribute_and_text_is_escaped():
    html = cell_html((Value("1 < 2", "w/T1/v/a %2F b/d/weighted"), Value("plain")))
    assert html == ('<span class="estimate" title="swsurvey explain \'w/T1/v/a %2F b/d/weighted\'" '
                    'data-explain="w/T1/v/a %2F b/d/weighted">1 &lt; 2</span><br>plain')


def test_the_table_has_its_own_id_title_groups_and_every_id():
    html = table_html(TABLE)
    assert 'id="t-2017-2"' in html and "#t-2017-2 " in html
    assert "Informal &lt;ICT&gt; use &amp; more" in html and "Note with &lt;tags&gt; &amp; ampersands" in html
    assert re.findall(r'data-explain="([^"]+)"', html) == ["2017/T2/any_ict_use/Yes/Canada/weighted",
                                                           "2017/T2/any_ict_use/Yes/Canada/unweighted"]
    assert html.index("Uses ICT [any_ict_use]") < html.index("Frequency")  # groups in the rows' order
    assert "&lt;5" in html and "<5" not in html.replace("&lt;5", "")
    assert "Israel / other" in html


def test_the_same_table_gives_the_same_bytes():
    assert table_html(TABLE) == table_html(TABLE)


def test_text_columns_are_aligned_left_and_numbers_right():
    table = Table("t", "T", "Figure", ("Published %", "Published base"),
                  (Row("Any use", (text_cell("78"), text_cell("all respondents"))),), text_columns=(1,))
    html = table_html(table)
    assert re.search(r'<td headers="[^"]*t-c0" class="gt_row gt_right">78</td>', html)
    assert re.search(r'<td headers="[^"]*t-c1" class="gt_row gt_left">all respondents</td>', html)


def test_a_table_without_groups_has_no_group_rows():
    plain = Table("plain", "Plain", "Item", ("p",), (Row("a", (text_cell("0.1"),)), Row("b", (text_cell("0.2"),))))
    html = table_html(plain)
    assert "gt_group_heading_row" not in html and ">a</th>" in html
