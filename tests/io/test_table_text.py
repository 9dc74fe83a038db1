from __future__ import annotations

import subprocess
import sys

from swsurvey.io.table_text import BANNER, markdown_banner, markdown_cell


def test_markdown_cells_and_the_synthetic_banner():
    assert markdown_cell("a | b\nc") == "a \\| b c"
    assert markdown_banner(True) == f"> **{BANNER}**\n\n"
    assert markdown_banner(False) == ""


def test_the_run_s_records_and_pages_are_written_without_importing_pandas():
    """The manifest and the RO-Crate job reads records, not data: it takes the banner from this
    module, not from the table writers, and so pays nothing for pandas (the last job of a run)."""
    code = (
        "import sys, swsurvey.io.table_text, swsurvey.provenance.run_outputs;"
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
