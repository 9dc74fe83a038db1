"""``swsurvey wave draft``: the drafts of a new wave from its export (study.wave_draft, recode_draft).

The truth is the stored waves: the 2021 instrument's ``was:`` keys (written by hand) for the
2021 export drafted like 2017, nothing changed for the 2017 export drafted like 2017, and the
planted 2024 revision (tests/new_wave_export.py) drafted like 2021.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from new_wave_export import PLANTED, write_2024_export
from testconfig import REPO, write_test_config

from swsurvey.cli import main
from swsurvey.errors import InputError
from swsurvey.study.instrument import load_instrument
from swsurvey.study.recode import load_recode
from swsurvey.study.validation import check_recode_against_instrument
from swsurvey.study.wave_draft import draft_wave


def draft(tmp_path, export, like, wave, **kwargs):
    config = write_test_config(tmp_path)
    return draft_wave(str(export), like, wave, config=config, out=tmp_path / "draft", root=REPO, **kwargs)


def reviewed(folder: Path, tmp_path: Path):
    """The drafts with every review mark deleted (what a reviewer hands on), loaded and checked."""
    ins = yaml.safe_load((folder / "instrument.yaml").read_text(encoding="utf-8"))
    ins.pop("review", None)
    for question in ins["questions"]:
        question.pop("review", None)
    spec = yaml.safe_load((folder / "recode.yaml").read_text(encoding="utf-8"))
    for var in spec["variables"]:
        var.pop("review", None)
    (tmp_path / "i.yaml").write_text(yaml.safe_dump(ins, sort_keys=False), encoding="utf-8")
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    instrument, recode = load_instrument(tmp_path / "i.yaml"), load_recode(tmp_path / "r.yaml")
    check_recode_against_instrument(recode, instrument)
    return instrument, recode


def marks(folder: Path) -> dict[str, object]:
    ins = yaml.safe_load((folder / "instrument.yaml").read_text(encoding="utf-8"))
    spec = yaml.safe_load((folder / "recode.yaml").read_text(encoding="utf-8"))
    found = {q["name"]: q["review"] for q in ins["questions"] if "review" in q}
    found.update({f"recode:{v['name']}": v["review"] for v in spec["variables"] if "review" in v})
    return found


@pytest.fixture(scope="module")
def drafted_2021(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("draft2021")
    out, report = draft(tmp, "data/synthetic/socialwork_2021.sav", "2017", "2021")
    return out, report, tmp


def test_the_2021_export_drafted_like_2017_finds_the_hand_written_was_keys(drafted_2021):
    out, report, _ = drafted_2021
    truth = load_instrument(REPO / "workflow/instruments/socialwork_2021.yaml").renamed_from
    drafted = yaml.safe_load((out / "instrument.yaml").read_text(encoding="utf-8"))
    found = {q["name"]: q.get("was") for q in drafted["questions"]}
    assert {name: was for name, was in found.items() if was} == {n: w for n, w in truth.items() if n != "Q6"}
    # Q6, the year of birth that replaced 2017's age bands (Q5), is not matched silently: it is
    # marked for review with Q5 among its candidates, and Q5 is reported dropped.
    q6 = next(q for q in drafted["questions"] if q["name"] == "Q6")
    assert "Q5" in q6["review"]["candidates"]
    items = {(i["name"] or i["was"], i["status"]): i for i in report["items"]}
    assert items[("Q6", "added")]["uncertain"] and ("Q5", "dropped") in items


def test_the_2021_draft_loads_once_reviewed_and_harmonises_the_2017_variables(drafted_2021, tmp_path):
    out, _, _ = drafted_2021
    instrument, recode = reviewed(out, tmp_path)
    spec_2017 = load_recode(REPO / "workflow/recode/socialwork_2017.yaml")
    assert set(spec_2017.names) <= set(recode.names)
    assert (recode.name, recode.wave_year) == ("socialwork_2021", 2021)
    assert recode["gender"].rule.source == "Q7" and recode["training"].rule.source == "Q25"
    # age_group's source (2017's Q5) is gone: declared not asked with its 2017 levels, marked.
    assert recode["age_group"].rule.cases == () and recode["age_group"].rule.reason == "not asked"
    assert recode["age_group"].rule.levels == ("Under 30", "30-39", "40-49", "50-59", "60 or older")
    found = marks(out)
    assert "code 8" in found["recode:private_practice"] and "no level" in found["recode:private_practice"]
    assert "freq_videoconf" in found["recode:q13_6"]
    assert instrument["Q13_6"].asked_if == ("Q12", 1)


def test_the_2017_export_drafted_like_2017_finds_nothing_changed(tmp_path):
    out, report = draft(tmp_path, "data/synthetic/socialwork_2017.sav", "2017", "2017")
    s = report["summary"]
    assert s["unchanged"] == len(report["items"]) == 61
    assert s["uncertain"] == s["added"] == s["dropped"] == s["renamed"] == s["changed"] == 0
    assert marks(out) == {}
    original = (REPO / "workflow/recode/socialwork_2017.yaml").read_text(encoding="utf-8")
    assert (out / "recode.yaml").read_text(encoding="utf-8").endswith(original)
    instrument, _ = reviewed(out, tmp_path)
    before = load_instrument(REPO / "workflow/instruments/socialwork_2017.yaml")
    assert [(v.name, v.values, v.asked_if, v.checkbox, v.personal) for v in instrument.variables] == [
        (v.name, v.values, v.asked_if, v.checkbox, v.personal) for v in before.variables
    ]


@pytest.fixture(scope="module")
def drafted_2024(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("draft2024")
    export = write_2024_export(tmp / "socialwork_2024.sav")
    out, report = draft(tmp, export, "2021", "2024")
    return out, report, export


def test_the_planted_2024_revision_is_found_exactly(drafted_2024):
    _, report, _ = drafted_2024
    items = report["items"]
    of = lambda status: [i["name"] or i["was"] for i in items if i["status"] == status]  # noqa: E731
    assert of("dropped") == PLANTED["dropped"]
    assert {i["name"]: i["was"] for i in items if i["status"] == "renamed"} == PLANTED["renamed"]
    assert sorted(of("added")) == sorted(PLANTED["added"])
    assert [i["name"] for i in items if i["details"].get("free_text") and i["status"] == "added"] == (
        PLANTED["free_text_added"])
    assert {i["name"]: i["details"]["codes_added"] for i in items if "codes_added" in i["details"]} == (
        PLANTED["codes_added"])
    assert {i["name"]: i["details"]["text_edited"]["now"] for i in items if "text_edited" in i["details"]} == (
        PLANTED["text_edited"])
    assert sorted(of("changed")) == ["Q21", "Q7"]
    assert report["summary"]["uncertain"] == 0


def test_the_2024_drafts_carry_the_review_marks_and_load_once_reviewed(drafted_2024, tmp_path):
    out, _, export = drafted_2024
    found = marks(out)
    assert set(found) == {
        "Q13_7", "Q10_8_TEXT", "recode:took_part_2017", "recode:birth_year", "recode:age", "recode:gender",
        "recode:q13_7", "recode:search_appropriate", "recode:search_appropriate_any",
    }
    assert 'code 5 "Two-Spirit" of Q7' in found["recode:gender"]
    instrument, recode = reviewed(out, tmp_path)
    assert instrument["Q27"].was == "Q25" and instrument["Q10_8_TEXT"].free_text
    assert instrument["Q13_7"].asked_if == ("Q12", 1) and instrument["Q13_7"].values == instrument["Q13_6"].values
    assert recode["training"].rule.source == "Q27"
    assert recode["took_part_2017"].rule.levels == ("Yes", "No", "Not sure")
    assert recode["age"].label == "Age in 2024 (years)" and recode.wave_year == 2024
    assert (recode["birth_year"].rule.valid_min, recode["birth_year"].rule.valid_max) == (1939, 2003)
    drafted = yaml.safe_load((out / "instrument.yaml").read_text(encoding="utf-8"))
    assert drafted["wave"] == "2024"
    assert drafted["revises"] == {"wave": "2021", "instrument": "workflow/instruments/socialwork_2021.yaml"}
    entry = yaml.safe_load((out / "config.yaml").read_text(encoding="utf-8"))["waves"]["2024"]
    assert entry["raw"] == str(export) and len(entry["sha256"]) == 64
    assert entry["instrument"] == "workflow/instruments/socialwork_2024.yaml"
    assert entry["recode"] == "workflow/recode/socialwork_2024.yaml"
    assert entry["targets"] == "data/synthetic/population_margins_2024.csv"
    changes = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert changes["wave"] == "2024" and changes["like"] == "2021"
    md = (out / "changes.md").read_text(encoding="utf-8")
    assert '| Q7 | Q7 | added 5 "Two-Spirit" |' in md and "| Q27 | Q25 |" in md


def test_drafts_are_the_same_bytes_every_time_and_never_overwritten_without_force(drafted_2024, tmp_path):
    out, _, export = drafted_2024
    with pytest.raises(InputError, match="already there"):
        draft(out.parent, export, "2021", "2024")
    again, _ = draft(tmp_path, export, "2021", "2024")
    for name in ("instrument.yaml", "recode.yaml", "config.yaml", "changes.md", "changes.json"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    draft(tmp_path, export, "2021", "2024", force=True)


def test_the_command_writes_the_drafts_and_prints_a_summary(tmp_path, monkeypatch, capsys):
    write_test_config(tmp_path)
    monkeypatch.chdir(REPO)
    out = tmp_path / "drafts"
    args = ["wave", "draft", "data/synthetic/socialwork_2017.sav", "--like", "2017", "--wave", "2017",
            "--config", str(tmp_path / "config.yaml"), "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}/" in printed and "61 unchanged" in printed
    assert main(args) == 1
    assert "--force" in capsys.readouterr().err


def reverse_frequency_and_declare_refused(frame, meta):
    """Q12_1's frequency scale exported in reverse code order; Q1 gains a user-missing -98 "Refused"."""
    labels = meta["variable_value_labels"]["Q12_1"]
    substantive = sorted(c for c in labels if c > 0)
    labels.update({c: labels[r] for c, r in zip(substantive, reversed(substantive))})
    meta["variable_value_labels"]["Q1"][-98.0] = "Refused"
    meta["missing_ranges"]["Q1"] = [*meta["missing_ranges"]["Q1"], {"lo": -98.0, "hi": -98.0}]


def test_a_reversed_scale_and_a_new_missing_code_reach_the_drafts(tmp_path):
    from exports import write_export

    export = write_export(tmp_path / "reversed.sav", reverse_frequency_and_declare_refused)
    out, report = draft(tmp_path, export, "2017", "2017")
    (q12_1,) = [i for i in report["items"] if i["name"] == "Q12_1"]
    assert (q12_1["status"], q12_1["was"], q12_1["details"]) == ("changed", "Q12_1", {"scale_reversed": True})
    assert "scale reversed" in (out / "changes.md").read_text(encoding="utf-8")
    assert "reversed" in marks(out)["recode:freq_email"]
    drafted = yaml.safe_load((out / "instrument.yaml").read_text(encoding="utf-8"))
    assert drafted["missing_codes"]["user_missing"] == {-99: "Seen but unanswered", -98: "Refused"}
    assert report["summary"]["changed"] == 1 and report["summary"]["uncertain"] == 0
