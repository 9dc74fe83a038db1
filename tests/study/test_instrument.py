"""The project's instrument file says exactly what the study's raw data contract says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testconfig import REPO

from swsurvey.errors import InputError
from swsurvey.study.instrument import Revision, load_instrument


def test_project_instrument_matches_the_shared_contract(repo_dir, shared_instrument_dir):
    ours = yaml.safe_load((repo_dir / "workflow/instruments/socialwork_2017.yaml").read_text())
    theirs = yaml.safe_load((shared_instrument_dir / "socialwork_2017.yaml").read_text())
    assert ours == theirs


def test_loader_reads_every_variable_in_file_order(instrument_2017):
    names = instrument_2017.names
    assert names[0] == "StartDate" and names[-1] == "Q25"
    assert len(names) == len(set(names)) == 61


def test_personal_data_are_the_pii_and_free_text_fields(instrument_2017):
    assert set(instrument_2017.personal_names) == {
        "IPAddress",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "Q6_4_TEXT",
        "Q9_7_TEXT",
        "Q25",
    }


def test_scales_skip_logic_and_checkbox_sets_are_resolved(instrument_2017):
    q12 = instrument_2017["Q12_3"]
    assert q12.values[5] == "Daily" and q12.asked_if == ("Q11", 1)
    assert instrument_2017.checkbox_sets()["Q19"] == ["Q19_1", "Q19_2", "Q19_3", "Q19_4"]
    assert instrument_2017.valid_codes("Q13_2") == {1, -99}
    assert instrument_2017.valid_codes("Q20") == {1, 2, 3, 98, -99}


def test_unknown_variable_is_an_error_naming_it(instrument_2017):
    with pytest.raises(InputError, match="Q99"):
        instrument_2017["Q99"]


def test_skip_logic_on_an_unknown_variable_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "instrument": "x",
                "questions": [{"name": "Q1", "label": "a", "values": {1: "Yes"}, "asked_if": "Q0 == 1"}],
            }
        )
    )
    with pytest.raises(InputError, match=r"bad\.yaml.*Q1.*Q0"):
        load_instrument(path)


#: The invented 2024 revision of issue 16, and the instrument it revises (as its revises: says).
INSTRUMENT_2024 = REPO / "tests/new_wave/socialwork_2024.yaml"
INSTRUMENT_2021 = "workflow/instruments/socialwork_2021.yaml"


def test_revises_is_loaded_and_a_bad_value_is_one_clear_error(tmp_path, instrument_2017):
    assert load_instrument(INSTRUMENT_2024).revises == Revision("2021", Path(INSTRUMENT_2021))
    assert instrument_2017.revises is None
    text = INSTRUMENT_2024.read_text(encoding="utf-8")
    for bad in ('"2021"', "{wave: 2021}", "{wave: 2021, instrument: x.yaml, also: 1}", "{wave: 2021, instrument: 3}"):
        path = tmp_path / "bad.yaml"
        path.write_text(text.replace(f"revises: {{wave: \"2021\", instrument: {INSTRUMENT_2021}}}", f"revises: {bad}"))
        with pytest.raises(InputError, match="revises must read") as caught:
            load_instrument(path)
        assert "bad.yaml" in str(caught.value)


def test_the_2024_revision_is_2021s_with_exactly_the_six_planted_changes(repo_dir):
    """Issue 16's planted revision, which `wave draft --like 2021` must find: Q5 dropped, Q25 now
    Q27 (last), Q13_7 and Q10_8_TEXT added, Q7 gains code 5, Q21's text edited; the rest as 2021."""
    new = yaml.safe_load(INSTRUMENT_2024.read_text(encoding="utf-8"))
    old = yaml.safe_load((repo_dir / INSTRUMENT_2021).read_text(encoding="utf-8"))
    assert new["wave"] == "2024" and new["revises"] == {"wave": "2021", "instrument": INSTRUMENT_2021}
    same = ("instrument", "eligibility", "missing_codes", "metadata", "scales")
    assert {k: new[k] for k in same} == {k: old[k] for k in same}
    before = {q["name"]: q for q in old["questions"]}
    after = {q["name"]: q for q in new["questions"]}
    assert "Q5" not in after and [q["name"] for q in new["questions"]][-2:] == ["Q26", "Q27"]
    names = [q["name"] for q in new["questions"]]
    assert names.index("Q13_7") == names.index("Q13_6") + 1
    assert names.index("Q10_8_TEXT") == names.index("Q10_7_TEXT") + 1
    assert after["Q13_7"]["asked_if"] == "Q12 == 1" and after["Q13_7"]["scale"] == "frequency"
    assert after["Q10_8_TEXT"]["type"] == "string" and after["Q10_8_TEXT"]["free_text"] is True
    assert "was" not in after["Q13_7"] and "was" not in after["Q10_8_TEXT"]
    changed = {}
    for name, q in after.items():
        if name in ("Q13_7", "Q10_8_TEXT"):
            continue
        was = q.pop("was")
        assert was == ("Q25" if name == "Q27" else name), name
        earlier = {k: v for k, v in before[was].items() if k != "was"} | {"name": name}
        if name == "Q6":  # its note names 2024's years
            assert "1939-2003" in q.pop("note") and "1936-2000" in earlier.pop("note")
        if q != earlier:
            changed[name] = {k for k in q if q[k] != earlier.get(k)}
    assert changed == {"Q7": {"values"}, "Q21": {"label"}}
    assert after["Q7"]["values"] == {**before["Q7"]["values"], 5: "Two-Spirit"}
    assert after["Q21"]["label"] == "In your view, is it ever appropriate to search online for information about a client?"
    assert sum(new["countries_synthetic_n"].values()) < sum(old["countries_synthetic_n"].values())
