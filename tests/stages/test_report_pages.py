"""The Snakemake report's pages of a real wave (the stored 2017 synthetic wave through the
real stages): every page written, each a table the report shows in place, every number of a
table with the id that traces it, the codebooks rendered (their Markdown tables as tables, an
export's text never run as HTML), and nothing written when one input is missing."""

from __future__ import annotations

import re

import pytest
from run_stages import default_config, run_stages

from swsurvey.io.explain_ids import parse_id
from swsurvey.stages.report_pages import PAGES, TABLES, write_report_pages

CONFIG = default_config()


@pytest.fixture(scope="module")
def wave(cleaned_2017, tmp_path_factory):
    out = tmp_path_factory.mktemp("stages")
    paths = run_stages(cleaned_2017, out)
    import_md = out / "import_codebook.md"
    import_md.write_text("> **SYNTHETIC DATA**\n\n| Variable | Label |\n|---|---|\n| `Q1` | <script>x</script> |\n")
    clean_md = out / "clean_codebook.md"
    clean_md.write_text("# Codebook\n\n| Variable | Label |\n|---|---|\n| `age_group` | Age group |\n")
    return {**paths, "codebook": cleaned_2017.parent / "clean.json", "import_md": import_md, "clean_md": clean_md}


def write(wave, out):
    outputs = {name: out / f"{name}.html" for name in PAGES}
    write_report_pages(
        "2017", inputs={name: wave[name] for name in TABLES}, codebook=wave["codebook"],
        import_codebook=wave["import_md"], clean_codebook=wave["clean_md"], models=CONFIG["infer"]["models"],
        main_results=CONFIG["describe"]["main_results"], min_n=CONFIG["describe"]["min_n"], outputs=outputs)
    return outputs


def test_every_page_is_a_table_with_every_number_traced(wave, tmp_path):
    outputs = write(wave, tmp_path)
    for name in PAGES:
        page = outputs[name].read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and "<table" in page, name
        if name.endswith("codebook"):
            continue
        assert page.index("SYNTHETIC DATA") < page.index("<h1>"), name
        ids = re.findall(r'data-explain="([^"]+)"', page)
        assert ids, name
        for ident in ids:
            parse_id(ident.replace("&#x27;", "'").replace("&amp;", "&"))  # every id is one explain accepts


def test_a_rerun_writes_the_same_bytes(wave, tmp_path):
    first = {name: path.read_bytes() for name, path in write(wave, tmp_path / "a").items()}
    second = {name: path.read_bytes() for name, path in write(wave, tmp_path / "b").items()}
    assert first == second


def test_the_codebooks_are_rendered_and_an_export_s_text_is_never_run(wave, tmp_path):
    outputs = write(wave, tmp_path)
    raw = outputs["import_codebook"].read_text(encoding="utf-8")
    assert "<td><code>Q1</code></td>" in raw and "<script>" not in raw and "&lt;script&gt;" in raw
    assert "<blockquote>" in raw  # the banner, styled as one


def test_a_missing_input_writes_no_page(wave, tmp_path):
    broken = {**wave, "tests": tmp_path / "no_such.csv"}
    with pytest.raises(FileNotFoundError):
        write(broken, tmp_path)
    assert not list(tmp_path.glob("*.html"))
