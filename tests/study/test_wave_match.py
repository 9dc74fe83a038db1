"""Matching a new export's variables to the earlier wave's questions (study.wave_match)."""

from __future__ import annotations

from swsurvey.study.wave_match import (
    Item,
    codes_similarity,
    compare_items,
    match_items,
    scale_reversed,
    text_similarity,
)

FREQ = {1: "Never", 2: "Less than monthly", 3: "Monthly", 4: "Weekly", 5: "Daily"}
YES_NO = {1: "Yes", 2: "No"}


def q(name, label, values=None, kind="numeric", checkbox=False, metadata=False):
    return Item(name, label, kind, dict(values or {}), checkbox, metadata)


def by_name(matches):
    return {(m.name or m.was): m for m in matches}


def test_a_renumbered_question_is_matched_by_its_text_not_its_old_name():
    old = [q("Q5", "What is your gender?", {1: "Woman", 2: "Man"}), q("Q6", "How many years have you practised?")]
    new = [q("Q6", "What is your gender?", {1: "Woman", 2: "Man"}), q("Q7", "How many years have you practised?")]
    m = by_name(match_items(new, old))
    assert (m["Q6"].status, m["Q6"].was, m["Q6"].uncertain) == ("renamed", "Q5", False)
    assert (m["Q7"].status, m["Q7"].was) == ("renamed", "Q6")
    assert m["Q6"].details == {}


def test_an_edited_question_text_is_matched_and_reported():
    old = [q("Q21", "Is it appropriate to search online for information about a client?", YES_NO)]
    new = [q("Q21", "In your view, is it ever appropriate to search online for information about a client?", YES_NO)]
    (m,) = match_items(new, old)
    assert (m.status, m.was, m.uncertain) == ("changed", "Q21", False)
    assert m.details["text_edited"]["was"].startswith("Is it appropriate")


def test_a_reversed_scale_is_matched_and_named_reversed():
    reversed_freq = {code: FREQ[6 - code] for code in FREQ}
    assert scale_reversed(reversed_freq, FREQ) and not scale_reversed(FREQ, FREQ)
    old = [q("Q13_1", "How often? - Email", FREQ), q("Q13_2", "How often? - Text messaging", FREQ)]
    new = [q("Q13_1", "How often? - Email", reversed_freq), q("Q13_2", "How often? - Text messaging", FREQ)]
    m = by_name(match_items(new, old))
    assert m["Q13_1"].was == "Q13_1" and m["Q13_1"].details == {"scale_reversed": True}
    assert m["Q13_2"].status == "unchanged"


def test_a_code_added_removed_or_relabelled_is_reported():
    old = q("Q7", "What is your gender?", {1: "Woman", 2: "Man", 3: "Other", 99: "Prefer not to say"})
    new = q("Q7", "What is your gender?", {1: "Woman", 2: "Man", 4: "Two-Spirit", 99: "Rather not say"})
    details = compare_items(new, old)
    assert details == {
        "codes_added": {4: "Two-Spirit"},
        "codes_removed": {3: "Other"},
        "codes_relabelled": {99: {"was": "Prefer not to say", "now": "Rather not say"}},
    }
    (m,) = match_items([new], [old])
    assert m.status == "changed" and m.was == "Q7"


def test_a_close_runner_up_makes_the_match_uncertain_with_candidates_and_scores():
    old = [q("Q22", "Have you discussed ICT use with a supervisor?", YES_NO),
           q("Q23", "Have you discussed ICT use with a colleague?", YES_NO)]
    new = [q("Q30", "Have you discussed ICT use with a manager?", YES_NO)]
    (m, *dropped) = match_items(new, old)
    assert m.uncertain
    assert set(m.candidates) == {"Q22", "Q23"}
    assert all(0 < score <= 1 for score in m.candidates.values())
    assert [d.status for d in dropped] == ["dropped"]


def test_a_question_with_another_answer_format_is_not_matched_silently():
    old = [q("Q5", "What is your age?", {1: "Under 30", 2: "30-39", 3: "40 or older"})]
    new = [q("Q6", "In what year were you born? (four digits, e.g. 1975)")]
    added, dropped = match_items(new, old)
    assert (added.status, added.was, dropped.status, dropped.was) == ("added", None, "dropped", "Q5")
    assert added.uncertain and "Q5" in added.candidates


def test_a_new_string_variable_is_free_text_and_pii_when_its_label_names_contact_details():
    new = [q("Q10_8_TEXT", "What is your setting? - Virtual practice - Text", kind="string"),
           q("Q30", "Your e-mail address, if you want the results", kind="string")]
    m = by_name(match_items(new, []))
    assert m["Q10_8_TEXT"].details == {"free_text": True}
    assert m["Q30"].details == {"free_text": True, "pii": True}


def test_metadata_columns_match_by_name_only():
    old = [q("ResponseId", "Response ID", kind="string", metadata=True), q("Q1", "Consent?", YES_NO)]
    new = [q("ResponseId", "Response ID", kind="string"), q("Q1", "Consent?", YES_NO)]
    m = by_name(match_items(new, old))
    assert (m["ResponseId"].status, m["ResponseId"].details) == ("unchanged", {"metadata": True})
    assert m["Q1"].status == "unchanged"


def test_grid_rows_are_told_apart_by_their_item_and_code_frames_by_their_labels():
    assert text_similarity("How often? - Email", "How often? - Email") == 1.0
    assert text_similarity("How often? - Email", "How often? - Text messaging") < 0.7
    assert codes_similarity(q("a", "", FREQ), q("b", "", FREQ)) == 1.0
    assert codes_similarity(q("a", "", YES_NO), q("b", "", FREQ)) == 0.0
