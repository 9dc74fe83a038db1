"""The report page: banner and title first, figures embedded, the same bytes every time."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from swsurvey.io.document import Banner, Figure, Heading, Paragraph, Row, Table, text_cell  # noqa: E402
from swsurvey.io.html_document import html_page  # noqa: E402


def _png(path):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path


def test_the_page_opens_with_the_banner_then_the_title_and_embeds_its_figures(tmp_path):
    png = _png(tmp_path / "f.png")
    blocks = [Banner("SYNTHETIC DATA"), Heading("Methods"), Paragraph("a < b"), Heading("Wave 2017"),
              Heading("Sample", 2), Table("t1", "Table 1. Flow", "Step", ("Total",), (Row("Raw", (text_cell("9"),)),)),
              Figure(png, "A line & a dot")]
    page = html_page("Study & report", blocks)
    assert page.index('class="banner"') < page.index("<h1>Study &amp; report</h1>") < page.index("<nav>")
    assert '<h2 id="s1">Methods</h2>' in page and '<a href="#s2">Wave 2017</a>' in page and "<h3>Sample</h3>" in page
    assert "<p>a &lt; b</p>" in page and 'id="t1"' in page
    assert f'src="data:image/png;base64,{base64.b64encode(png.read_bytes()).decode()}"' in page
    assert "<b>Figure 1.</b> A line &amp; a dot" in page
    assert page == html_page("Study & report", blocks)


def test_a_figure_with_an_svg_beside_its_png_is_embedded_as_the_svg(tmp_path):
    png = _png(tmp_path / "f.png")
    svg = tmp_path / "f.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
    page = html_page("Report", [Figure(png, "A line")])
    assert f'src="data:image/svg+xml;base64,{base64.b64encode(svg.read_bytes()).decode()}"' in page
    assert "image/png" not in page


def test_no_banner_for_real_data():
    page = html_page("Report", [Heading("Methods"), Paragraph("text")])
    assert 'class="banner"' not in page and "SYNTHETIC" not in page


def test_a_markdown_page_renders_its_tables_and_never_runs_an_export_s_html():
    from swsurvey.io.html_document import markdown_page

    page = markdown_page("Codebook <2017>", "> **BANNER**\n\n| a | b |\n|---|---:|\n| <img src=x onerror=y> | 2 |\n")
    assert "<title>Codebook &lt;2017&gt;</title>" in page
    assert "<blockquote>" in page and '<td style="text-align:right">2</td>' in page
    assert "<img" not in page and "&lt;img src=x onerror=y&gt;" in page
    # the codebooks link each variable to its section, as GitHub anchors its headings
    linked = markdown_page("Codebook", "[`age_group`](#age_group)\n\n## age_group\n\n## Raw Q1: Consent\n")
    assert '<a href="#age_group">' in linked and '<h2 id="age_group">' in linked
    assert '<h2 id="raw-q1-consent">' in linked
