"""The study report's sections, on small frames shaped like the result tables."""

from __future__ import annotations

import pandas as pd

from swsurvey.io.explain_ids import parse_cell_id
from swsurvey.io.table_text import weighted_how, weights_word
from swsurvey.io.tables import SUPPRESSED
from swsurvey.stages.study_sections import (
    changes_tables,
    country_tests_table,
    descriptive_tables,
    flow_table,
    fmt_signed,
    margins_table,
    methods_paragraph,
    model_table,
    weighting_words,
)

VARIANCE = "linearization (Taylor series), strata: country"


def _estimate(table, variable, level, domain, weighting, estimate, *, df=100, small=False, not_asked=False):
    return dict(wave="2017", table=table, variable=variable, variable_label=variable.replace("_", " ").capitalize(),
                level=level, domain=domain, weighting=weighting, n=10, base_n=50, estimate=estimate, se=1.0,
                ci_lower=estimate - 2, ci_upper=estimate + 2,
                ci_method=None if not_asked else f"beta (Korn-Graubard), {df} design df",
                deff=1.1, small_base=small, not_asked=not_asked, variance=VARIANCE, base="", synthetic=True)


ESTIMATES = pd.DataFrame([
    _estimate("1. Sample", "gender", "Non-binary / gender diverse", "Canada", "weighted", 1.0, df=99),
    _estimate("1. Sample", "gender", "Non-binary / gender diverse", "Canada", "unweighted", 1.5),
    _estimate("1. Sample", "gender", "Non-binary / gender diverse", "Israel", "weighted", 2.0, small=True),
    _estimate("2. Use", "any_use", "Yes", "Canada", "weighted", 77.2, df=4186),
    _estimate("2. Use", "any_use", "Yes", "Canada", "unweighted", 78.5),
    _estimate("2. Use", "any_use", "Yes", "Israel", "weighted", 70.0, df=385),
    _estimate("2. Use", "any_use", "Yes", "Israel", "unweighted", 71.0),
    _estimate("2. Use", "videoconf", "not asked in this wave", "Canada", "weighted", float("nan"), not_asked=True),
])


def test_every_estimate_carries_an_id_naming_its_own_row_and_main_results_show_the_unweighted():
    first, second = descriptive_tables(ESTIMATES, wave="2017", main_results={"any_use": "Yes"}, min_n=10)
    assert first.columns == ("Canada", "Israel") and first.title == "Sample (study table 1), wave 2017"
    (row,) = first.rows
    assert row.group == "Gender [gender]" and row.label == "Non-binary / gender diverse"
    canada, israel = row.cells
    assert [v.text for v in canada] == ["1.0 (-1.0–3.0)"]  # not a main result: no unweighted line
    assert israel[0].text == SUPPRESSED
    cell = parse_cell_id(canada[0].explain)
    assert (cell.wave, cell.table, cell.variable, cell.level, cell.domain, cell.weighting) == (
        "2017", "T1", "gender", "Non-binary / gender diverse", "Canada", "weighted")
    use, videoconf = second.rows
    assert [(v.text, v.explain) for v in use.cells[0]] == [
        ("77.2 (75.2–79.2)", "2017/T2/any_use/Yes/Canada/weighted"),
        ("unw. 78.5", "2017/T2/any_use/Yes/Canada/unweighted")]
    assert [(v.text, v.explain) for v in videoconf.cells[0]] == [("—", "")] and videoconf.cells[1] == ()
    # the interval's df as the range the table spans, and how to trace a cell
    assert "385 to 4,186 design df" in second.note and "swsurvey explain" in second.note


def test_the_flow_shows_what_remains_and_what_each_step_excluded():
    flow = pd.DataFrame({"step": ["raw", "consent", "analysed"], "description": ["Raw responses", "No consent", "Analysed"],
                         "Canada excluded": [None, 3, None],
                         "Total excluded": [None, 5, None], "Canada": [10, 7, 7], "Total": [20, 15, 15]})
    table = flow_table("2017", flow)
    assert table.columns == ("Canada", "Total")
    assert [[v.text for v in c] for c in table.rows[1].cells] == [["7", "−3"], ["15", "−5"]]
    assert {v.explain for c in table.rows[1].cells for v in c} == {"2017/exclusion_flow/consent"}


def test_margins_are_shares_within_the_country_raked_to():
    margins = pd.DataFrame({"margin": ["country:gender__raking"] * 3, "level": ["A:Woman", "A:Man", "B:Woman"],
                            "n": [3, 1, 5], "before": [3, 1, 5], "target": [60, 40, 10], "after": [60, 40, 10],
                            "rel_error": [0, 1e-12, 0]})
    table = margins_table("2017", margins, {"country": {"label": "Country"}, "gender": {"label": "Gender"}})
    assert table.rows[0].group == "Country × Gender" and table.rows[0].label == "A: Woman"
    assert [c[0].text for c in table.rows[0].cells] == ["3", "75.0", "60.0", "60.0"]
    assert [c[0].text for c in table.rows[2].cells] == ["5", "100.0", "100.0", "100.0"]


def test_a_model_is_a_regression_table_with_terms_in_words():
    coefficients = pd.DataFrame([
        dict(model="m", weighting=w, term=t, kind="coefficient", estimate=0.1, se=0.1, t=1.0, p=p, ci_lower=-0.1,
             ci_upper=0.3, ci_method="Wald 95%, t on 99 df", odds_ratio=o, or_lower=o - 0.5, or_upper=o + 0.5,
             variance=VARIANCE)
        for w in ("weighted", "unweighted") for t, p, o in (("(Intercept)", 0.5, 1.0), ("age_group60+", 0.0001, 2.5))])
    status = pd.DataFrame([dict(model="m", weighting=w, family="quasibinomial", formula='I(use == "Yes") ~ age_group',
                                n_used=90, separation=None, error=None, notes=None) for w in ("weighted", "unweighted")])
    variables = {"age_group": {"label": "Age group", "levels": ["<60", "60+"]}, "use": {"label": "Use", "levels": []}}
    table = model_table("2017", "m", coefficients, status, variables, {})
    assert table.columns == ("Weighted OR (95% CI)", "Weighted p", "Unweighted OR (95% CI)", "Unweighted p")
    assert [r.label for r in table.rows] == ["Intercept", "Age group: 60+ (ref. <60)"]
    assert [c[0].text for c in table.rows[1].cells] == ["2.50 (2.00–3.00)", "<0.001", "2.50 (2.00–3.00)", "<0.001"]
    assert [c[0].explain for c in table.rows[1].cells] == ["2017/coefficients/m/age_group60+/weighted"] * 2 + [
        "2017/coefficients/m/age_group60+/unweighted"] * 2
    assert "Use: Yes" in table.title and "weighted n = 90" in table.note
    failed = model_table("2017", "other", coefficients, status.assign(model="other"), variables, {})
    assert "not estimated" in failed.text


def test_tests_and_changes_name_their_items_and_status():
    tests = pd.DataFrame([dict(item="any_use", weighting=w, statistic=2.0, ndf=1.3, ddf=500.0, p_value=0.04,
                               p_holm=0.2, method="Rao & Scott") for w in ("weighted", "unweighted")])
    table = country_tests_table("2017", tests, {"any_use": {"label": "Any use", "levels": []}})
    assert table.rows[0].label == "Any use" and [c[0].text for c in table.rows[0].cells][:3] == ["2.00 (1.30, 500)",
                                                                                                 "0.040", "0.200"]
    changes = pd.DataFrame([dict(from_wave="a", to_wave="b", variable="v", variable_label="V", level="Yes",
                                 domain="Canada", weighting="weighted", estimate_from=e1, estimate_to=e2, change=c,
                                 ci_lower=c - 1, ci_upper=c + 1, p_value=0.01, method="Wald", status=s,
                                 small_base=False)
                            for e1, e2, c, s in ((10.0, 20.0, 10.0, "estimated"),
                                                 (float("nan"), 5.0, float("nan"), "not asked in a"))])
    (table,) = changes_tables(changes)
    assert [c[0].text for c in table.rows[0].cells] == ["10.0", "20.0", "+10.0 (+9.0 to +11.0)", "0.010"]
    assert table.rows[1].cells[2][0].text == "not asked in a" and table.rows[1].cells[3] == ()
    assert table.rows[0].cells[0][0].explain == "crosswave/changes/a/b/v/Yes/Canada/weighted"


def test_the_methods_say_what_the_run_did():
    diagnostics = pd.DataFrame({"country": ["Canada", "Israel", "All"], "kish_deff": [1.15, 1.2, 3.0],
                                "trimmed": [0, 0, 0]})
    margins = pd.DataFrame({"margin": ["country:gender__raking"]})
    paragraph = methods_paragraph({"2017": ESTIMATES}, {"2017": diagnostics}, {"2017": margins},
                                  {"stratum": "country", "epsilon": 1e-10, "maxit": 100, "trim": None},
                                  {"country": {"label": "Country"}, "gender": {"label": "Gender"}},
                                  {"Python": "3.11.7", "great-tables": "1.1.0"})
    text = paragraph.text
    assert "beta (Korn-Graubard), 99 to 4,186 design df" in text and VARIANCE in text
    assert "Country × Gender" in text and "1.15 to 1.20" in text and "no trimming" in text
    assert "Python 3.11.7, great-tables 1.1.0" in text


def test_the_methods_name_each_wave_s_own_weighting_method():
    variables = {"country": {"label": "Country"}, "gender": {"label": "Gender"}}
    common = {"stratum": "country", "epsilon": 1e-10, "maxit": 100, "trim": None}
    words = {method: weighting_words({**common, **extra}, variables, "Country × Gender", 0) for method, extra in {
        "rake": {}, "poststratify": {"method": "poststratify"},
        "logit": {"method": "logit", "bounds": {"lower": 0.5, "upper": 3}, "design": {"weights": "BASEWT"}},
        "none": {"method": "none"}}.items()}
    assert words["rake"] == ("weights raked within country to the population margins Country × Gender (iterative "
                             "proportional fitting, convergence tolerance 1e-10, at most 100 sweeps; no trimming)")
    assert words["poststratify"].startswith("weights post-stratified within country to the population cells")
    assert words["logit"].startswith("base weights (BASEWT) calibrated within country to the population margins "
                                     "Country × Gender (bounded logit calibration, g-weights between 0.5 and 3;")
    assert words["none"] == "no weighting to population margins: the weights are the base weights (all 1)"
    diagnostics = pd.DataFrame({"country": ["Canada", "All"], "kish_deff": [1.15, 3.0], "trimmed": [0, 0]})
    margins = pd.DataFrame({"margin": ["country:gender__raking"]})
    paragraph = methods_paragraph({"2017": ESTIMATES}, {"2017": diagnostics}, {"2017": margins}, common, variables,
                                  {"Python": "3.11.7"}, wave_weighting={"2017": {**common, "method": "poststratify"}})
    assert "post-stratified within country" in paragraph.text
    assert weighted_how(None) == weighted_how(common) == "raked within country"
    assert weighted_how({**common, "method": "logit"}) == "calibrated within country (logit)"
    assert weighted_how({**common, "method": "poststratify", "stratum": None}) == "post-stratified"
    assert [weights_word({**common, "method": m}) for m in ("rake", "poststratify", "logit", "none")] == [
        "raked", "post-stratified", "calibrated", "base"]
    assert weights_word(None) == "raked"


def test_a_signed_number_that_rounds_to_zero_has_no_sign():
    assert [fmt_signed(x) for x in (-0.04, 0.04, 0.0, -0.06, 1.25)] == ["0.0", "0.0", "0.0", "-0.1", "+1.2"]
