"""The report's description and captions: key numbers read from a real wave's result tables,
rendered the way Snakemake renders them."""

from __future__ import annotations

from types import SimpleNamespace

import jinja2
import pandas as pd
import pytest
from run_stages import REPO, default_config, run_stages

from swsurvey.stages.report_text import TABLES, render_caption, render_description, wave_numbers, write_report_text

CONFIG = default_config()


def snakemake_render(text: str, params=None, **wildcards) -> str:
    """Render a caption as Snakemake's report does (its Jinja settings, a job's wildcards and params)."""
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    job = SimpleNamespace(wildcards=SimpleNamespace(**wildcards), params=params)
    return env.from_string(text).render(snakemake=job)


@pytest.fixture(scope="module")
def tables(cleaned_2017, tmp_path_factory):
    return run_stages(cleaned_2017, tmp_path_factory.mktemp("stages"))


@pytest.fixture(scope="module")
def numbers(tables):
    return wave_numbers({key: tables[key] for key in TABLES}, tables["published"])


def test_numbers_are_the_result_tables_own(numbers, tables):
    flow = pd.read_csv(tables["flow"])
    assert numbers["flow"]["raw"] == flow["Total"].iloc[0] == 5369
    assert numbers["flow"]["by_country"] == {"Canada": 2609, "United States": 1225, "Israel": 386, "United Kingdom": 134}
    estimates = pd.read_csv(tables["estimates"])
    cell = estimates[(estimates["variable"] == "any_ict_use") & (estimates["level"] == "Yes")
                     & (estimates["domain"] == "Canada") & (estimates["weighting"] == "weighted")].iloc[0]
    assert numbers["any_use"]["Canada"]["est"] == cell["estimate"]
    assert numbers["any_use"]["Canada"]["text"] == f"{cell['estimate']:.1f}% ({cell['ci_lower']:.1f}–{cell['ci_upper']:.1f})"
    diagnostics = pd.read_csv(tables["diagnostics"])
    countries = diagnostics[diagnostics["country"] != "All"]
    assert numbers["weights"]["deff_max"] == pytest.approx(countries["kish_deff"].max())
    assert list(numbers["weights"]["neff"]) == ["Canada", "United States", "Israel", "United Kingdom"]
    assert numbers["synthetic"] is True
    assert set(numbers["models"]) == set(CONFIG["infer"]["models"])
    assert numbers["published"]["figures"] == len(pd.read_csv(tables["published"]))
    tests = pd.read_csv(tables["tests"])
    weighted = tests[tests["weighting"] == "weighted"]
    assert numbers["tests"]["weighted"]["significant"] == weighted.loc[weighted["p_holm"] < 0.05, "item"].tolist()


def test_a_caption_file_gives_each_wave_and_figure_its_own_text():
    template = "Wave {{ wave }} of {{ figure }}: {{ n.x }} {{ snakemake_expr('snakemake.params.settings.domain') }}"
    numbers = {"2017": {"x": "{{ not jinja }} {% neither %}"}, "2021": {"x": 7}}
    text = render_caption(template, numbers, ["a", "b"])
    canada = SimpleNamespace(settings=SimpleNamespace(domain="Canada"))
    rendered = snakemake_render(text, params=canada, wave="2017", figure="b").strip()
    assert rendered == "Wave 2017 of b: {{ not jinja }} {% neither %} Canada"
    assert snakemake_render(text, params=canada, wave="2021", figure="a").strip() == "Wave 2021 of a: 7 Canada"
    plain = render_caption("{{ wave }}: {{ n.x }}", numbers)
    assert snakemake_render(plain, wave="2021").strip() == "2021: 7"


def test_a_template_naming_a_number_that_does_not_exist_fails():
    with pytest.raises(jinja2.UndefinedError):
        render_caption("{{ n.missing }}", {"2017": {}})


def test_the_real_templates_render_with_the_real_numbers(numbers, tables, tmp_path):
    captions = sorted((REPO / "workflow/report").glob("*.rst"))
    captions = [c for c in captions if c.name != "workflow.rst"]
    out = [tmp_path / "captions" / c.name for c in captions]
    write_report_text(
        tables={key: [tables[key]] for key in TABLES}, published=[tables["published"]],
        waves={"2017": CONFIG["waves"]["2017"]}, description_template=REPO / "workflow/report/workflow.rst",
        caption_templates=captions, out_description=tmp_path / "workflow.rst", out_captions=out,
        figures=list(CONFIG["figures"]),
    )
    figures = (tmp_path / "captions/figures.rst").read_text()
    figure = snakemake_render(figures, wave="2017", figure="any_use_by_country")
    assert numbers["any_use"]["Canada"]["text"] in figure
    frequency = {"model": "frequency"}
    odds = snakemake_render(figures, params=SimpleNamespace(settings=frequency), wave="2017", figure="odds_ratios")
    assert "the frequency model" in odds
    frequency_top, weekly_top = numbers["models"]["frequency"]["top"], numbers["models"]["weekly_use"]["top"]
    assert frequency_top["text"] != weekly_top["text"]
    assert f"Fitted to {numbers['models']['frequency']['n_used']:,} respondents" in odds
    assert frequency_top["text"] in odds and weekly_top["text"] not in odds
    models = snakemake_render((tmp_path / "captions/coefficients.rst").read_text(), wave="2017")
    status = pd.read_csv(tables["status"])
    for _, row in status[status["weighting"] == "weighted"].iterrows():  # each model as the run fitted it
        response = row["formula"].partition("~")[0].strip()
        assert f"Model {row['model']}: " in models and f"``{response}``" in models
    assert "proportional-odds (ordinal logistic) regression of ``freq_overall``" in models
    assert "texting" not in models  # the model is of the most frequent channel, not texting
    tests = snakemake_render((tmp_path / "captions/country_tests.rst").read_text(), wave="2017")
    weighted = numbers["tests"]["weighted"]
    assert f"Weighted: {len(weighted['significant'])} of {len(CONFIG['infer']['items'])} items differ" in tests
    for caption in out:  # no Python object's repr leaks into a caption (a rerun would differ)
        assert " at 0x" not in caption.read_text(), caption.name
    flow = snakemake_render((tmp_path / "captions/exclusion_flow.rst").read_text(), wave="2017")
    assert "Of 5,369 raw responses, 4,354 are analysed" in flow
    front = snakemake_render((tmp_path / "workflow.rst").read_text())
    assert "SYNTHETIC DATA: wave 2017" in front
    # A front page short enough that its title and banner are in view when the report opens (the
    # report centres it vertically beside the workflow's graph): each wave in one paragraph; the
    # main results are a report item of their own.
    words = " ".join(front.split())
    assert "4,354 analysed" in words and '"main results, weighted and unweighted"' in words
    assert len(front.splitlines()) < 45 and "list-table" not in front


def test_the_description_has_no_banner_for_real_data(numbers):
    real = {**numbers, "synthetic": False}
    text = snakemake_render(render_description((REPO / "workflow/report/workflow.rst").read_text(), {"2017": real},
                                               {"2017": CONFIG["waves"]["2017"]}))
    assert "SYNTHETIC DATA:" not in text and "(SYNTHETIC)" not in text and "Wave 2017" in text


def test_the_front_page_and_captions_say_how_the_wave_was_weighted(tables):
    """The wave's own weighting method, not the study's raking, in the front page and the
    captions that name the weights."""
    settings = {**CONFIG["waves"]["2017"].get("weighting", {}), "method": "poststratify", "stratum": "country"}
    post = wave_numbers({key: tables[key] for key in TABLES}, tables["published"], settings)
    front = snakemake_render(render_description((REPO / "workflow/report/workflow.rst").read_text(), {"2017": post},
                                                {"2017": CONFIG["waves"]["2017"]}))
    assert "Post-stratified within country" in front and "Raked within" not in front
    caption = render_caption((REPO / "workflow/report/country_tests.rst").read_text(), {"2017": post})
    assert "with the post-stratified weights" in caption and "raked" not in caption
    plain = wave_numbers({key: tables[key] for key in TABLES}, tables["published"])
    assert (plain["weighted_how"], plain["weights_word"]) == ("raked within country", "raked")


def test_an_import_warning_is_on_the_front_page_and_in_the_codebook_caption(numbers):
    assert numbers["import_warnings"] == []  # the stored wave declares -99 missing everywhere
    warned = {**numbers, "import_warnings": ["Code -99 (Seen but unanswered) is not declared user-missing"]}
    front = snakemake_render(render_description((REPO / "workflow/report/workflow.rst").read_text(),
                                                {"2017": warned}, {"2017": CONFIG["waves"]["2017"]}))
    assert "<b>Warning, import of wave 2017:</b> Code -99" in front
    caption = snakemake_render(render_caption((REPO / "workflow/report/import_codebook.rst").read_text(),
                                              {"2017": warned}), wave="2017")
    assert "**Warning:** Code -99" in caption
    quiet = snakemake_render(render_description((REPO / "workflow/report/workflow.rst").read_text(),
                                                {"2017": numbers}, {"2017": CONFIG["waves"]["2017"]}))
    assert "Warning, import of wave" not in quiet


@pytest.mark.parametrize(
    ("trim", "says"),
    [
        (None, ["Raking converged; the largest relative margin error is"]),
        ({"lower": 0.3, "upper": 3, "relative_to": "median"},
         ["The margins hold after trimming; the largest relative margin error is", "weights held at a bound",
          "Canada 5.362 to 53.62", "the margins hold)"]),
        ({"lower": 0.5, "upper": 2, "relative_to": "median"},
         ["The margins DO NOT HOLD after trimming in Israel, United Kingdom: the largest relative margin error is 0.24",
          "dots\noff the bars are the targets the trimmed weights miss (Israel, United Kingdom",
          "the margins DO NOT HOLD in Israel, United Kingdom)"]),
    ],
)
def test_weighting_captions_never_say_converged_when_the_margins_are_off(
        tables, cleaned_2017, tmp_path, trim, says):
    import warnings

    from swsurvey.stages.weighting import weight_wave, weighting_settings

    weighting = CONFIG["weighting"]
    diagnostics = tmp_path / "diagnostics.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bounds the targets rule out warn
        weight_wave(cleaned_2017, REPO / CONFIG["waves"]["2017"]["targets"], tmp_path / "w.parquet", diagnostics,
                    tmp_path / "margins.csv", wave="2017", **{**weighting_settings(weighting), "trim": trim})
    numbers = {"2017": wave_numbers({**{key: tables[key] for key in TABLES}, "diagnostics": diagnostics},
                                    tables["published"])}
    text = "\n".join(
        snakemake_render(render_caption((REPO / "workflow/report" / name).read_text(), numbers), wave="2017")
        for name in ("weight_diagnostics.rst", "weighting_figure.rst"))
    text += snakemake_render(render_description((REPO / "workflow/report/workflow.rst").read_text(), numbers,
                                                {"2017": CONFIG["waves"]["2017"]}))
    for phrase in says:
        assert phrase in text
    held = pd.read_csv(diagnostics).set_index("country")
    if trim is not None and not held["margins_hold"].all():
        assert "converged" not in text.lower() and "meet every target" not in text


def test_a_fifth_country_and_other_pooled_sets_are_read_from_the_tables(tables, tmp_path):
    """A real export with a fifth country and pooled sets named otherwise: the countries come
    from the wave's own tables (its estimates' domains with a column in its exclusion flow)."""
    five = {key: tables[key] for key in TABLES}
    estimates = pd.read_csv(tables["estimates"], keep_default_na=False, na_values=[""])
    renamed = estimates["domain"].replace({"All four countries": "All five", "Canada, United States and Israel": "Three"})
    fifth = estimates[estimates["domain"] == "Canada"].assign(domain="New Zealand")
    countries = renamed.isin(["Canada", "United States", "Israel", "United Kingdom"])
    estimates = pd.concat([estimates.assign(domain=renamed)[countries], fifth,
                           estimates.assign(domain=renamed)[~countries]])
    flow = pd.read_csv(tables["flow"])
    flow.insert(flow.columns.get_loc("Other / not stated excluded"), "New Zealand excluded", flow["Canada excluded"])
    flow.insert(flow.columns.get_loc("Other / not stated"), "New Zealand", flow["Canada"])
    diagnostics = pd.read_csv(tables["diagnostics"])
    diagnostics = pd.concat([diagnostics, diagnostics[diagnostics["country"] == "Canada"].assign(country="New Zealand")])
    for key, table in (("estimates", estimates), ("flow", flow), ("diagnostics", diagnostics)):
        five[key] = tmp_path / f"{key}.csv"
        table.to_csv(five[key], index=False)
    numbers = wave_numbers(five)
    expected = ["Canada", "United States", "Israel", "United Kingdom", "New Zealand"]
    assert list(numbers["flow"]["by_country"]) == expected
    assert numbers["flow"]["by_country"]["New Zealand"] == 2609
    assert list(numbers["weights"]["neff"]) == expected
    assert set(numbers["any_use"]) == {*expected, "All five", "Three"}
