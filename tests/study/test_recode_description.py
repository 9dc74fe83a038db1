"""The recode spec described for the codebook, from the spec and the instrument alone."""

from __future__ import annotations

import pytest
from import_frames import SPEC

from swsurvey.study.recode import AllOf, AnyOf, Match, Not, load_recode
from swsurvey.study.recode_description import (
    analysis_sources,
    condition_words,
    describe_rule,
    raw_sources,
    type_name,
)


@pytest.fixture(scope="module")
def spec():
    return load_recode(SPEC)


def test_conditions_in_words_quote_labels_never_codes(spec):
    cond = AllOf((Match("Q11", values=(1,)), Not(Match("weekly_use", values=("Yes",)))))
    assert condition_words(cond, spec) == '(Q11 = 1 and not (weekly_use = "Yes"))'
    cond = AnyOf((Match("Q22", values=(2, 3)), Match("Q23", answered=False)))
    assert condition_words(cond, spec) == "(Q22 in {2, 3} or Q23 missing)"


def test_a_variable_described_by_type_rule_and_sources(spec, instrument_2017):
    assert type_name(spec["age_group"]) == "ordered categorical"
    assert type_name(spec["gender"]) == "categorical"
    assert type_name(spec["years_practice"]) == "numeric"
    assert type_name(spec["recorded_date"]) == "datetime"
    assert analysis_sources(spec["experience_band"], spec) == ["years_practice"]
    assert raw_sources(spec["experience_band"], spec, instrument_2017) == ["Q7"]
    assert raw_sources(spec["weekly_use"], spec, instrument_2017)[:2] == ["Q11", "Q12_1"]
    assert describe_rule(spec["age_group"], spec, instrument_2017).startswith("Q5 codes as labels (ordered): ")
    assert "1940" in describe_rule(spec["years_practice"], spec, instrument_2017)
