"""The study report of a real wave (the stored 2017 synthetic wave through the real stages):
every estimate in the Word tables as estimates.csv has it and in the HTML with its id, the
same bytes on a rerun, both files or neither, and no banner for real data."""

from __future__ import annotations

import html
import re
from pathlib import Path

import docx
import pandas as pd
import pytest
from run_stages import default_config, run_stages
from study_report_checks import assert_docx_matches_estimates

from swsurvey.io.explain_ids import RowId, cell_id, parse_id
from swsurvey.provenance.lineage import find_row
from swsurvey.stages.study_figures import draw_any_use
from swsurvey.stages.study_report import WAVE_TABLES, write_study_report

CONFIG = default_config()


@pytest.fixture(scope="module")
def wave(cleaned_2017, tmp_path_factory):
    """The 2017 wave's result tables, and one figure drawn as the workflow draws it."""
    paths = run_stages(cleaned_2017, tmp_path_factory.mktemp("stages"))
    figures = tmp_path_factory.mktemp("results") / "2017" / "figures"
    figures.mkdir(parents=True)
    draw_any_use(paths["estimates"], figures / "any_use_by_country.png", figures / "any_use_by_country.svg",
                 wave="2017", pooled=CONFIG["describe"]["pooled"])
    return {**paths, "codebook": cleaned_2017.parent / "clean.json", "figure": figures / "any_use_by_country.png"}


def write(wave, out: Path, **changed):
    arguments = dict(
        waves=["2017"], inputs={key: [wave[key]] for key in WAVE_TABLES}, codebooks=[wave["codebook"]],
        figures=[wave["figure"]], weighting_figures=[], published=[wave["published"]], changes=[], changes_figure=[],
        figure_settings=CONFIG["figures"], models=CONFIG["infer"]["models"],
        main_results=CONFIG["describe"]["main_results"], min_n=CONFIG["describe"]["min_n"],
        weighting=CONFIG["weighting"], out_html=out / "study.html", out_docx=out / "study.docx")
    return write_study_report(**{**arguments, **changed})


@pytest.fixture(scope="module")
def report(wave, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    write(wave, out)
    return out


def test_the_word_tables_hold_every_estimate_as_estimates_csv_has_it(wave, report):
    estimates = pd.read_csv(wave["estimates"], keep_default_na=False, na_values=[""], dtype={"wave": str})
    checked = assert_docx_matches_estimates(report / "study.docx", estimates, CONFIG["describe"]["main_results"])
    assert checked == int((estimates["weighting"] == "weighted").sum()) > 500


def test_every_estimate_in_the_html_has_the_id_of_its_own_row(wave, report):
    page = (report / "study.html").read_text(encoding="utf-8")
    assert page.index("SYNTHETIC DATA") < page.index("<h1>")
    estimates = pd.read_csv(wave["estimates"], dtype=str, keep_default_na=False)
    tables = {t: k for k, t in enumerate(dict.fromkeys(estimates["table"]), 1)}
    main = CONFIG["describe"]["main_results"]
    expected = [
        cell_id("2017", tables[r.table], r.variable, r.level, r.domain, r.weighting)
        for r in estimates.itertuples()
        if r.not_asked != "True" and (r.weighting == "weighted" or (main.get(r.variable) == r.level
                                                                    and r.small_base != "True"))
    ]
    shown = [i for i in re.findall(r'data-explain="([^"]+)"', page) if re.fullmatch(r"T\d+", i.split("/")[1])]
    assert sorted(shown) == sorted(cell_id_html(e) for e in expected)
    # the models are in words, never raw term names
    assert "Age group: 60 or older (ref. Under 30)" in page and ">age_group60 or older<" not in page
    assert "Published figures reproduced" in page and 'src="data:image/svg+xml;base64,' in page  # the SVG beside


def cell_id_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#x27;").replace('"', "&quot;")


def test_a_rerun_gives_the_same_bytes(wave, report, tmp_path):
    write(wave, tmp_path)
    for name in ("study.html", "study.docx"):
        assert (tmp_path / name).read_bytes() == (report / name).read_bytes(), name


def test_a_failure_writes_neither_file(wave, tmp_path):
    with pytest.raises(FileNotFoundError):
        write(wave, tmp_path, figures=[tmp_path / "2017" / "figures" / "any_use_by_country.png"])
    assert not list(tmp_path.glob("*study*"))


def test_real_data_get_no_banner(wave, tmp_path):
    estimates = pd.read_csv(wave["estimates"], dtype=str, keep_default_na=False).assign(synthetic="False")
    estimates.to_csv(tmp_path / "estimates.csv", index=False)
    write({**wave, "estimates": tmp_path / "estimates.csv"}, tmp_path)
    page = (tmp_path / "study.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" not in page and 'class="banner"' not in page


def test_every_other_number_s_id_names_a_row_of_its_own_result_table(wave, report):
    files = {"exclusion_flow": "flow", "margins": "margins", "diagnostics": "diagnostics", "published": "published",
             "coefficients": "coefficients", "country_tests": "tests", "medians": "medians"}
    page = (report / "study.html").read_text(encoding="utf-8")
    rows = [parse_id(html.unescape(i)) for i in dict.fromkeys(re.findall(r'data-explain="([^"]+)"', page))]
    rows = [r for r in rows if isinstance(r, RowId)]
    assert {r.table for r in rows} == set(files)
    for row in rows:
        assert row.wave == "2017"
        found = find_row(Path(wave[files[row.table]]), row.columns(), row.key)
        assert tuple(found[c] for c in row.columns()) == row.key


def test_the_medians_follow_study_table_1_in_both_files(wave, report):
    medians = pd.read_csv(wave["medians"], keep_default_na=False, na_values=[""], dtype={"wave": str})
    row = medians[(medians["variable"] == "years_practice") & (medians["domain"] == "Canada")
                  & (medians["weighting"] == "weighted") & (medians["statistic"] == "median")].iloc[0]
    text = f"{row['estimate']:.0f} ({row['ci_lower']:.0f}–{row['ci_upper']:.0f})"
    title = "Medians of the numeric items (study table 1, continued), wave 2017"
    page = (report / "study.html").read_text(encoding="utf-8")
    assert page.index("(study table 1), wave 2017") < page.index(title) < page.index("(study table 2), wave 2017")
    ident = cell_id_html("2017/medians/years_practice/Canada/weighted/median")
    assert f'data-explain="{ident}"' in page and text in page
    document = docx.Document(str(report / "study.docx"))
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    numbered = [c for c in captions if "(study table" in c]
    assert title in numbered[1] and "(study table 2)" in numbered[2]
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert any(c.startswith(text + "\nIQR ") for c in cells)
    assert "Woodruff (CDF interval), qrule math" in page


def test_three_waves_add_a_trends_section_with_its_table_and_figure_to_both_formats(wave, tmp_path):
    from swsurvey.stages.crosswave import read_estimates
    from swsurvey.stages.crosswave_trend import write_trend
    from swsurvey.stages.study_figures import draw_trend

    estimates = read_estimates(wave["estimates"])
    paths = []
    for year in ("2017", "2021", "2024"):  # three independent waves (here the same numbers)
        paths.append(tmp_path / f"estimates_{year}.csv")
        estimates.assign(wave=year).to_csv(paths[-1], index=False)
    trend = tmp_path / "crosswave" / "trend.csv"
    trend.parent.mkdir()
    write_trend(paths, trend, trend.with_suffix(".md"), trend.with_suffix(".html"),
                main_results=CONFIG["describe"]["main_results"], min_n=CONFIG["describe"]["min_n"])
    draw_trend(trend, trend.with_suffix(".png"), trend.with_suffix(".svg"), pooled=CONFIG["describe"]["pooled"])
    write(wave, tmp_path, trend=[trend], trend_figure=[trend.with_suffix(".png")])
    page = (tmp_path / "study.html").read_text(encoding="utf-8")
    assert "Trends across waves" in page and "Slope, points per year (95% CI)" in page
    assert 'data-explain="crosswave/trend/any_ict_use/Yes/Canada/weighted"' in page
    assert "solid where its linear trend has p &lt; 0.05 and dashed where not" in page
    document = docx.Document(tmp_path / "study.docx")
    assert "Trends across waves" in [p.text for p in document.paragraphs]
    cells = {cell.text for t in document.tables for row in t.rows[:3] for cell in row.cells}
    assert "Slope, points per year (95% CI)" in cells
    assert len(document.inline_shapes) == 2  # the wave's figure and the trend figure
