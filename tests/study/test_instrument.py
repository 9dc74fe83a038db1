"""The project's instrument file says exactly what the study's raw data contract says."""

from __future__ import annotations

import pytest
import yaml

from swsurvey.errors import InputError
from swsurvey.study.instrument import load_instrument


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
