"""A model's terms in words, from the codebook: never a raw term name."""

from __future__ import annotations

import pytest

from swsurvey.stages.model_terms import (
    codebook_variables,
    reference_level,
    response_label,
    split_term,
    term_labels,
)

CODEBOOK = {"variables": [
    {"name": "age_group", "label": "Age group", "levels": [{"label": l} for l in
                                                          ("Under 30", "30-39", "60 or older")]},
    {"name": "age", "label": "Age in years"},
    {"name": "setting", "label": "Setting", "levels": [{"label": l} for l in ("Private practice", "Hospital", "School")]},
    {"name": "private_practice", "label": "Works in private practice", "levels": [{"label": "Yes"}, {"label": "No"}]},
    {"name": "weekly_use", "label": "Weekly use", "levels": [{"label": "Yes"}, {"label": "No"}]},
]}
VARIABLES = codebook_variables(CODEBOOK)


def test_a_level_is_shown_with_its_variable_and_the_reference_it_is_compared_with():
    formula = 'I(weekly_use == "Yes") ~ age_group + private_practice + age'
    terms = [("(Intercept)", "coefficient"), ("age_group30-39", "coefficient"),
             ("age_group60 or older", "coefficient"), ("private_practiceYes", "coefficient"), ("age", "coefficient")]
    labels = term_labels(terms, formula, VARIABLES, reference={"private_practice": "No"})
    assert labels == {
        "(Intercept)": "Intercept",
        "age_group30-39": "Age group: 30-39 (ref. Under 30)",
        "age_group60 or older": "Age group: 60 or older (ref. Under 30)",
        "private_practiceYes": "Works in private practice: Yes (ref. No)",
        "age": "Age in years",
    }


def test_the_reference_is_the_first_level_left_out_that_the_domain_allows():
    assert reference_level("setting", ["School"], VARIABLES, {}, {"setting": ["Hospital", "School"]}) == "Hospital"
    assert reference_level("setting", ["School"], VARIABLES, {}, {}) == "Private practice"
    assert reference_level("setting", ["School"], VARIABLES, {"setting": "School"}, {}) == "School"
    assert reference_level("unknown", [], VARIABLES, {}, {}) is None


def test_cut_points_and_the_response_are_in_words():
    labels = term_labels([("Never|Monthly", "cut-point")], "freq ~ age_group", VARIABLES)
    assert labels == {"Never|Monthly": "Cut-point: Never | Monthly"}
    assert response_label('I(weekly_use == "Yes")', VARIABLES) == "Weekly use: Yes"
    assert response_label("weekly_use", VARIABLES) == "Weekly use"


@pytest.mark.parametrize(("term", "split"), [("age_group30-39", ("age_group", "30-39")), ("age", ("age", "")),
                                             ("ageless", ("age", "less")), ("other", None)])
def test_a_term_splits_at_the_longest_predictor_it_starts_with(term, split):
    assert split_term(term, ["age", "age_group"]) == split
