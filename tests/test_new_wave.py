"""A new wave arrives (issue 16), end to end as the README's walk-through does it.

A third synthetic wave, 2024, on a revised instrument (``tests/new_wave/socialwork_2024.yaml``:
an item renamed, one dropped, two added, a code frame and a question text changed) goes from
its export to the report: ``swsurvey synthesize`` writes the export, ``swsurvey wave draft
--like 2021`` drafts its instrument, recode and config entry and reports the changes, the test
makes the review edits a person would (each written below, on the drafts' text), ``swsurvey
wave check`` passes, and the main command runs the three waves, with the trend across them.
"""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
import yaml
from new_wave_export import PLANTED
from workflow_runs import job_counts, make_copy, snakemake, swsurvey

pytestmark = pytest.mark.workflow

#: The revised instrument the 2024 export is synthesized from (the planted changes).
REVISED = "tests/new_wave/socialwork_2024.yaml"
EXPORT = "data/new/socialwork_2024.sav"
TARGETS = "data/new/population_margins_2024.csv"


def ok(proc) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def delete_review_marks(text: str) -> str:
    """What a reviewer does once each mark's decision is made: delete the ``review:`` key, in
    the flow-style questions of an instrument and the block-style variables of a recode."""
    text = re.sub(r", review: (\{.*\}|\"[^\"\n]*\")\}$", "}", text, flags=re.MULTILINE)
    return re.sub(r"^ *review: .*\n", "", text, flags=re.MULTILINE)


def review_recode(text: str) -> str:
    """The reviewer's decisions on the drafted 2024 recode, as edits of its text."""
    # Q7's new code 5 "Two-Spirit" is counted with the gender-diverse level (the population
    # figures the wave is weighted to do not tell them apart).
    gender = text.index("  - name: gender\n")
    block_end = text.index("  - name: ", gender + 10)
    block = text[gender:block_end]
    assert "codes: [3, 4]}" in block
    text = text[:gender] + block.replace("codes: [3, 4]}", "codes: [3, 4, 5]}") + text[block_end:]
    # The new grid row gets a name and label of the study's kind.
    text = text.replace("- name: q13_7\n", "- name: freq_portal\n")
    text = re.sub(r"(- name: freq_portal\n\s+label: )\".*\"",
                  r'\1"Frequency of use with clients: secure messaging through a client portal"', text)
    return delete_review_marks(text)


@pytest.fixture(scope="module")
def new_wave(repo_dir, tmp_path_factory):
    """The three-wave run, and what each step printed."""
    workdir = make_copy(repo_dir, tmp_path_factory.mktemp("new_wave"), extra=("tests/new_wave",))
    steps = {}
    steps["synthesize"] = ok(swsurvey(
        workdir, "synthesize", "--instrument", REVISED, "--wave", "2024", "--seed", "20240601", "--scale", "0.5",
        "--out", EXPORT, "--margins", TARGETS,
    ))
    steps["draft"] = ok(swsurvey(workdir, "wave", "draft", EXPORT, "--like", "2021", "--wave", "2024"))
    drafts = workdir / "drafts/2024"

    # The drafts go where the config entry says, and the entry into config.yaml (with the
    # population totals the wave is weighted to); the check then lists what is left to decide.
    instrument_file = workdir / "workflow/instruments/socialwork_2024.yaml"
    recode_file = workdir / "workflow/recode/socialwork_2024.yaml"
    shutil.copy(drafts / "instrument.yaml", instrument_file)
    shutil.copy(drafts / "recode.yaml", recode_file)
    entry = yaml.safe_load((drafts / "config.yaml").read_text(encoding="utf-8"))["waves"]["2024"]
    entry["targets"] = TARGETS
    config_file = workdir / "config.yaml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["waves"]["2024"] = entry
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    steps["check_unreviewed"] = swsurvey(workdir, "wave", "check", "2024")
    steps["dry_run_unreviewed"] = snakemake(workdir, "--dry-run", check=False)

    # The review: accept the instrument's guesses for the new questions, say when the wave was
    # fielded, and decide the recode's marks.
    instrument = delete_review_marks(instrument_file.read_text(encoding="utf-8"))
    instrument = re.sub(r"^fielded: .*$", 'fielded: "2024, online (Qualtrics), the third wave"', instrument,
                        flags=re.MULTILINE)
    instrument_file.write_text(instrument, encoding="utf-8")
    recode_file.write_text(review_recode(recode_file.read_text(encoding="utf-8")), encoding="utf-8")

    steps["check"] = ok(swsurvey(workdir, "wave", "check", "2024"))
    steps["run"] = ok(snakemake(workdir, check=False))
    return workdir, steps


def test_the_change_report_lists_exactly_the_planted_changes(new_wave):
    workdir, _ = new_wave
    report = json.loads((workdir / "drafts/2024/changes.json").read_text(encoding="utf-8"))
    items = report["items"]
    assert [i["was"] for i in items if i["status"] == "dropped"] == PLANTED["dropped"]
    assert {i["name"]: i["was"] for i in items if i["status"] == "renamed"} == PLANTED["renamed"]
    assert sorted(i["name"] for i in items if i["status"] == "added") == sorted(PLANTED["added"])
    assert [i["name"] for i in items if i["status"] == "added" and i["details"].get("free_text")] == (
        PLANTED["free_text_added"])
    assert {i["name"]: i["details"]["codes_added"] for i in items if "codes_added" in i["details"]} == (
        PLANTED["codes_added"])
    assert {i["name"]: i["details"]["text_edited"]["now"] for i in items if "text_edited" in i["details"]} == (
        PLANTED["text_edited"])
    assert sorted(i["name"] for i in items if i["status"] == "changed") == ["Q21", "Q7"]
    assert report["summary"]["uncertain"] == 0
    assert "| Q27 | Q25 |" in (workdir / "drafts/2024/changes.md").read_text(encoding="utf-8")


def test_the_unreviewed_drafts_do_not_pass_the_check_nor_run(new_wave):
    workdir, steps = new_wave
    proc = steps["check_unreviewed"]
    assert proc.returncode == 1, proc.stdout
    lines = proc.stdout.splitlines()
    # one line per mark left, naming the file and the question or variable
    assert any("socialwork_2024.yaml" in line and "gender" in line and "review mark left" in line for line in lines)
    assert any("Q13_7" in line and "review mark left" in line for line in lines)
    assert any(line.endswith("socialwork_2024.yaml: review mark left: fielded copied from wave 2021: say this wave's; "
               "decide and delete the review: key") for line in lines), lines
    dry = steps["dry_run_unreviewed"]
    assert dry.returncode == 1 and "review mark left" in dry.stderr and "Traceback" not in dry.stderr


def test_the_reviewed_wave_passes_the_check(new_wave):
    _, steps = new_wave
    assert "ok" in steps["check"]


def test_the_three_waves_run_to_the_report(new_wave):
    workdir, _ = new_wave
    cleaned = pd.read_parquet(workdir / "results/2024/clean/responses.parquet")
    # the reviewer's decisions reached the data: the new row under its name, the new gender
    # code in the gender-diverse level, the dropped question not asked, ages in 2024
    assert cleaned["freq_portal"].notna().sum() > 100
    assert set(cleaned["gender"].dropna()) == {"Woman", "Man", "Non-binary / gender diverse"}
    assert cleaned["took_part_2017"].isna().all()
    assert set(cleaned["took_part_2017__missing"]) == {"not asked"}
    assert cleaned["age"].min() >= 21 and "Q10_8_TEXT" not in cleaned
    estimates = pd.read_csv(workdir / "results/2024/describe/estimates.csv", dtype={"wave": str})
    assert set(estimates["wave"]) == {"2024"} and estimates["synthetic"].astype(bool).all()
    trend = pd.read_csv(workdir / "results/crosswave/trend.csv", dtype={"waves": str})
    estimated = trend[trend["status"] == "estimated"]
    assert set(estimated["waves"]) == {"2017; 2021; 2024"} and estimated["p_value"].notna().all()
    assert (workdir / "results/crosswave/trend.png").stat().st_size > 0
    study = (workdir / "results/report/study.html").read_text(encoding="utf-8")
    assert "2024" in study and "Trends across waves" in study


def test_a_second_run_finds_nothing_to_do(new_wave):
    workdir, _ = new_wave
    proc = snakemake(workdir, "--dry-run")
    assert "Nothing to be done" in proc.stdout + proc.stderr, job_counts(proc.stdout + proc.stderr)
