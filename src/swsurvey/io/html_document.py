"""A report (:mod:`swsurvey.io.document` blocks) as one self-contained HTML page to e-mail.

Figures are embedded as data URIs (SVG where there is one), tables are great-tables' (:mod:`swsurvey.io.gt_tables`),
and a banner (synthetic data) stands above the title, both in view when the page opens. The
page has no date or random id in it: the same blocks give the same bytes.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt

from swsurvey.io.document import Banner, Block, Figure, Heading, Paragraph, Table
from swsurvey.io.gt_tables import table_html

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#222;
max-width:1100px;margin:0 auto;padding:1em 1.5em 4em}
h1{font-size:1.8em;margin:.4em 0}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin-top:1.5em}
.banner{background:#b00000;color:#fff;font-weight:bold;font-size:1.15em;padding:.6em 1em;margin:0;
border-radius:4px;letter-spacing:.02em}
section.table{margin:1.5em 0}
figure{margin:1.5em 0}figure img{max-width:100%;height:auto;display:block}
figcaption{font-size:.92em;color:#444;margin-top:.4em}
nav ol{columns:2;font-size:.95em}
.estimate{cursor:help}
td.gt_row{white-space:nowrap}
body>table{border-collapse:collapse;font-size:13px;margin:1em 0}
body>table th,body>table td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
body>blockquote{background:#b00000;color:#fff;padding:.4em 1em;margin:0;border-radius:4px}
"""


def _anchor(k: int) -> str:
    return f"s{k}"


def figure_html(figure: Figure, number: int) -> str:
    """The figure embedded as a data URI: its SVG when one lies beside the PNG (the pipeline
    saves both; the SVG is about a sixth of the size and sharp at any zoom), else the PNG. An
    SVG in an ``<img>`` runs no script."""
    svg = figure.path.with_suffix(".svg")
    source, mime = (svg, "image/svg+xml") if svg.is_file() else (figure.path, "image/png")
    data = base64.b64encode(source.read_bytes()).decode("ascii")
    caption = html.escape(figure.caption)
    return (f'<figure><img src="data:{mime};base64,{data}" alt="{caption}">'
            f"<figcaption><b>Figure {number}.</b> {caption}</figcaption></figure>")


def _head(title: str) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
    ]


#: Markdown as CommonMark with GitHub's tables (the codebooks' form); raw HTML in the text is
#: shown as text, never run (a codebook holds an export's labels, which may hold anything).
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def heading_id(text: str) -> str:
    """A heading's anchor as GitHub makes it ("respondent_id" for "respondent_id", "a-b" for
    "A b"), which the codebooks' links (``[`x`](#x)``) point to."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchor_headings(state) -> None:
    tokens = state.tokens
    for k, token in enumerate(tokens[:-1]):
        if token.type == "heading_open" and tokens[k + 1].type == "inline":
            token.attrSet("id", heading_id(tokens[k + 1].content))


MARKDOWN.core.ruler.push("anchor_headings", _anchor_headings)


def markdown_page(title: str, text: str) -> str:
    """A Markdown document (a codebook) as one HTML page, styled like :func:`html_page`, each
    heading with the anchor its links use."""
    return "\n".join([*_head(title), MARKDOWN.render(text), "</body></html>"]) + "\n"


def html_page(title: str, blocks: Sequence[Block]) -> str:
    """The page: the banners, the title, a contents list of the level-1 headings, the blocks."""
    esc = html.escape
    banners = [b for b in blocks if isinstance(b, Banner)]
    sections = [b for b in blocks if isinstance(b, Heading) and b.level == 1]
    parts = [
        *_head(title),
        *(f'<p class="banner" role="alert">{esc(b.text)}</p>' for b in banners),
        f"<h1>{esc(title)}</h1>",
        "<nav><ol>" + "".join(f'<li><a href="#{_anchor(k)}">{esc(h.text)}</a></li>'
                              for k, h in enumerate(sections, 1)) + "</ol></nav>",
    ]
    section, figures = 0, 0
    for block in blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                section += 1
                parts.append(f'<h2 id="{_anchor(section)}">{esc(block.text)}</h2>')
            else:
                parts.append(f"<h{block.level + 1}>{esc(block.text)}</h{block.level + 1}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{esc(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(f'<section class="table">{table_html(block)}</section>')
        elif isinstance(block, Figure):
            figures += 1
            parts.append(figure_html(block, figures))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
