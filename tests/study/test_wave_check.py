"""swsurvey wave check: each check's failure on real files (copies of the stored instruments,
recodes, targets and .sav exports, edited in a temporary folder), read by its message."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from swsurvey.preflight import check_config
from swsurvey.provenance.settings import resolve_wave_settings
from swsurvey.study.config_variables import formula_variables
from swsurvey.study.wave_check import check_wave
from swsurvey.study.wave_check_cache import cached_check_wave

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
COPIED = ("config.yaml", "workflow/schemas", "workflow/instruments", "workflow/recode", "workflow/published", "data/synthetic")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name)
        else:
            shutil.copy2(src, tmp_path / name)
    return tmp_path


def load_config(root: Path, edit=None) -> dict:
    config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    if edit is not None:
        edit(config)
    resolve_wave_settings(config)
    check_config(config, SCHEMA, validate)
    return config


def edit_yaml(path: Path, change) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def item(items: list, name: str) -> dict:
    return next(i for i in items if i["name"] == name)


def only(problems: list[str], *needles: str) -> str:
    """The one problem line that has every needle."""
    found = [p for p in problems if all(n in p for n in needles)]
    assert len(found) == 1, "\n".join(problems)
    return found[0]


INSTRUMENT_2021 = "workflow/instruments/socialwork_2021.yaml"
RECODE_2021 = "workflow/recode/socialwork_2021.yaml"
TARGETS_2021 = "data/synthetic/population_margins_2021.csv"


def test_the_stored_waves_are_ready_to_run(root):
    config = load_config(root)
    assert check_wave(config, "2017", root) == []
    assert check_wave(config, "2021", root) == []


def test_formula_variables_are_the_names_not_the_functions_or_quoted_levels():
    formula = 'I(weekly_use == "Yes") ~ age_group + experience_band + gender'
    assert formula_variables(formula) == ["weekly_use", "age_group", "experience_band", "gender"]


# -- 1. the raw file and its checksum -------------------------------------------------------


def test_a_wrong_checksum_and_a_missing_raw_file(root):
    config = load_config(root, lambda c: c["waves"]["2021"].update(sha256="0" * 64))
    line = only(check_wave(config, "2021", root), "SHA-256")
    assert line.startswith("wave 2021: the raw file data/synthetic/socialwork_2021.sav has SHA-256 0cc26ea6")
    assert "waves.2021.sha256 says 0000" in line
    config = load_config(root, lambda c: c["waves"]["2021"].update(raw="data/raw/moved.sav", sha256=None))
    only(check_wave(config, "2021", root), "data/raw/moved.sav", "waves.2021.raw", "does not exist")


# -- 2. the export's dictionary against the instrument ---------------------------------------


def test_the_export_against_an_edited_instrument_every_problem_at_once(root):
    def change(doc):
        questions = doc["questions"]
        gender = item(questions, "Q7")
        gender["values"] = {**gender["values"], 5: "Two-Spirit"}  # a code the export does not label
        item(questions, "Q10")["values"][1] = "Hospice"  # a label the export says otherwise
        questions.remove(item(questions, "Q21"))  # a variable of the export the instrument lacks
        questions.append({"name": "Q30", "label": "A question not exported", "values": {1: "Yes", 2: "No"}})
        item(doc["metadata"], "DistributionChannel").update(type="numeric", range=[0, 10])  # a number the export holds as text

    edit_yaml(root / INSTRUMENT_2021, change)
    problems = check_wave(load_config(root), "2021", root)
    raw = "data/synthetic/socialwork_2021.sav"
    assert only(problems, "Q30").startswith(f"wave 2021: {raw}, variable Q30: 1 variable of the instrument")
    line = only(problems, "variable Q7, value 5")
    assert line == (f"wave 2021: {raw}, variable Q7, value 5: the instrument socialwork_2021.yaml defines code 5 "
                    "'Two-Spirit', which the file does not label: the code frame changed; check the export's "
                    "questionnaire")
    assert "the file labels code 1 'Private practice' but the instrument" in only(problems, "variable Q10,")
    assert "not defined by the instrument socialwork_2021.yaml" in only(problems, "sav, variable Q21:")
    only(problems, f"{RECODE_2021}, variable Q21: not defined by the instrument {INSTRUMENT_2021}")
    assert "is stored as string" in only(problems, "variable DistributionChannel")
    # ... and the recode does not handle the new code of the question it groups
    line = only(problems, "variable gender, value 5")
    assert line == (f"wave 2021: {RECODE_2021}, variable gender, value 5: code 5 'Two-Spirit' of Q7 (instrument "
                    "socialwork_2021.yaml) is not handled: give it a level in code.levels (or a reason in "
                    "code.missing)")


def test_a_code_the_export_labels_that_the_instrument_lacks(root):
    edit_yaml(root / INSTRUMENT_2021, lambda doc: item(doc["questions"], "Q7")["values"].pop(4))
    problems = check_wave(load_config(root), "2021", root)
    line = only(problems, "variable Q7, value 4", "does not define")
    assert "the file labels code 4 'Prefer to self-describe', which the instrument" in line


# -- 3. review marks ----------------------------------------------------------------------


def test_every_review_mark_left_is_one_line(root):
    edit_yaml(root / INSTRUMENT_2021, lambda doc: item(doc["questions"], "Q7").update(
        review="code 5 'Two-Spirit' is new: which level of gender?"))
    edit_yaml(root / RECODE_2021, lambda doc: item(doc["variables"], "training").update(
        review={"why": "Q26 matched by text only", "candidates": {"Q26": 0.92, "Q25": 0.41}}))
    edit_yaml(root / INSTRUMENT_2021, lambda doc: doc.update(review="fielded copied from wave 2017: say this wave's"))
    problems = check_wave(load_config(root), "2021", root)
    assert (f"wave 2021: instrument {INSTRUMENT_2021}: review mark left: fielded copied from wave 2017: say this "
            "wave's; decide and delete the review: key") in problems
    assert (f"wave 2021: instrument {INSTRUMENT_2021}, question Q7: review mark left: code 5 'Two-Spirit' is new: "
            "which level of gender?; decide and delete the review: key") in problems
    assert (f"wave 2021: recode {RECODE_2021}, variable training: review mark left: Q26 matched by text only "
            "(candidates: Q26 0.92, Q25 0.41); decide and delete the review: key") in problems
    assert len(problems) == 3, problems


# -- 4. the recode against the instrument and the config ----------------------------------


def test_the_recode_against_the_instrument_every_problem_at_once(root):
    def change(doc):
        item(doc["variables"], "training")["code"]["source"] = "Q99"
        item(doc["variables"], "country")["code"]["levels"][0]["codes"] = [1, 77]

    edit_yaml(root / RECODE_2021, change)
    problems = check_wave(load_config(root), "2021", root)
    only(problems, f"{RECODE_2021}, variable Q99: not defined by the instrument")
    only(problems, "variable country, value 77", "code 77 of", "is not defined by the instrument")


def test_an_analysis_variable_the_config_uses_must_be_defined_or_declared_not_asked(root):
    def change(config):
        config["describe"]["tables"]["2. Informal ICT use"].append("freq_hologram")
        config["infer"]["models"]["weekly_use"]["formula"] += " + region"

    problems = check_wave(load_config(root, change), "2017", root)
    line = only(problems, "variable freq_hologram")
    assert line.startswith("wave 2017: workflow/recode/socialwork_2017.yaml, variable freq_hologram: analysis "
                           "variable used by config describe.tables['2. Informal ICT use'] is not defined")
    only(problems, "variable region", "infer.models.weekly_use.formula")
    assert len(problems) == 2, problems  # freq_videoconf, declared not asked in 2017, is defined


# -- 5. the wave id against the recode ----------------------------------------------------


def test_a_2024_wave_given_the_2021_files(root):
    def change(config):
        config["waves"]["2024"] = dict(config["waves"]["2021"])

    problems = check_wave(load_config(root, change), "2024", root)
    only(problems, "assumes the year 2021", "the wave id says 2024")
    only(problems, INSTRUMENT_2021, "the instrument is for wave 2021, but the wave id says 2024")


def test_a_2024_recode_whose_years_of_birth_still_imply_2021_s_ages(root):
    shutil.copy(root / RECODE_2021, root / "workflow/recode/socialwork_2024.yaml")

    def change_recode(doc):
        doc["wave_year"] = 2024
        item(doc["variables"], "age")["label"] = "Age in 2024 (years)"
        item(doc["variables"], "birth_year")["label"] = "Year of birth (aged 21-85 in 2021)"

    edit_yaml(root / "workflow/recode/socialwork_2024.yaml", change_recode)
    shutil.copy(root / INSTRUMENT_2021, root / "workflow/instruments/socialwork_2024.yaml")
    edit_yaml(root / "workflow/instruments/socialwork_2024.yaml", lambda doc: doc.update(wave="2024"))

    def change(config):
        config["waves"]["2024"] = {**config["waves"]["2021"], "recode": "workflow/recode/socialwork_2024.yaml",
                                   "instrument": "workflow/instruments/socialwork_2024.yaml"}

    problems = check_wave(load_config(root, change), "2024", root)
    assert only(problems, "variable birth_year, value 2021").endswith(
        "the label 'Year of birth (aged 21-85 in 2021)' names the year 2021, but the specification's wave_year "
        "is 2024")
    line = only(problems, "variable birth_year, value '1936-2000'")
    assert ("numeric.valid 1936-2000 implies ages 24-88 in 2024, but wave 2021 (socialwork_2021.yaml) implies "
            "21-85") in line
    assert "write valid: {min: 1939, max: 2003} (the years shifted by 3)" in line
    assert len(problems) == 2, problems


# -- 6. the targets file ------------------------------------------------------------------


def rewrite_targets(path: Path, change) -> None:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows = change(rows, fields)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_the_targets_file_against_the_strata_and_levels(root):
    def change(rows, fields):
        rows = [r for r in rows if r["country"] != "Israel"]  # a stratum missing
        rows = [r for r in rows if not (r["country"] == "Canada" and r["level"] == "30-39")]  # a level missing
        for r in rows:
            if r["country"] == "United Kingdom" and r["level"] == "Man":
                r["population_count"] = "-3"
            if r["country"] == "United States" and r["level"] == "Woman":
                r["level"] = "Women"  # a level the recode does not define
        return rows

    rewrite_targets(root / TARGETS_2021, change)
    problems = check_wave(load_config(root), "2021", root)
    only(problems, f"{TARGETS_2021}, variable country, value 'Israel': no row for the stratum 'Israel'")
    only(problems, "variable age_group, value '30-39': no population count for level '30-39' in stratum 'Canada'")
    only(problems, "variable gender, value 'Man'", "population count '-3'", "is not a positive number")
    only(problems, "variable gender, value 'Woman': no population count for level 'Woman' in stratum 'United States'")
    assert len(problems) == 4, problems


def test_a_joint_margin_needs_every_cell_and_the_columns_must_be_there(root):
    joint = load_config(root, lambda c: c["weighting"].update(margins=[["gender", "age_group"]]))
    assert check_wave(joint, "2021", root) == []  # the stored file has the joint margin's cells
    rewrite_targets(root / TARGETS_2021, lambda rows, fields: [
        r for r in rows if not (r["country"] == "Israel" and r["level"] == "Man:60 or older")])
    assert check_wave(joint, "2021", root) == [
        f"wave 2021: {TARGETS_2021}, variable gender:age_group, value 'Man:60 or older': no population count for "
        "level 'Man:60 or older' in stratum 'Israel' (its levels as the recode socialwork_2021.yaml defines them, "
        "after weighting.level_map)"]
    rewrite_targets(root / TARGETS_2021, lambda rows, fields: [r for r in rows if r["variable"] != "gender:age_group"])
    line = only(check_wave(joint, "2021", root), "variable gender:age_group")
    assert "targets file has no rows for the margin 'gender:age_group'" in line

    rewrite_targets(root / TARGETS_2021, lambda rows, fields: (fields.remove("source"),
                                                               [{k: r[k] for k in fields} for r in rows])[1])
    only(check_wave(load_config(root), "2021", root), f"{TARGETS_2021}, variable source: targets file lacks a column")
    (root / TARGETS_2021).unlink()
    only(check_wave(load_config(root), "2021", root), "targets file not found")


def test_level_map_maps_the_recode_s_levels_onto_the_targets(root):
    def change(rows, fields):
        for r in rows:
            r["level"] = {"Woman": "Female", "Man": "Male"}.get(r["level"], r["level"])
        return rows

    rewrite_targets(root / TARGETS_2021, change)
    assert check_wave(load_config(root), "2021", root)  # Woman and Man have no targets
    mapped = load_config(root, lambda c: c["weighting"].update(level_map={"gender": {"Woman": "Female",
                                                                                     "Man": "Male"}}))
    assert check_wave(mapped, "2021", root) == []
    # a level mapped onto weighting.unknown_level is raked as not stated: it needs no target
    rewrite_targets(root / TARGETS_2021, lambda rows, fields: [r for r in rows if r["level"] != "Male"])
    assert check_wave(mapped, "2021", root)
    mapped["waves"]["2021"]["weighting"]["level_map"]["gender"]["Man"] = "Not stated"
    assert check_wave(mapped, "2021", root) == []


# -- the cache and the command -------------------------------------------------------------


def test_a_passing_check_is_remembered_until_a_file_it_read_changes(root):
    config = load_config(root)
    cache = root / ".snakemake/swsurvey/wave_check.json"
    assert cached_check_wave(config, "2021", root, cache) == []
    assert set(json.loads(cache.read_text())) == {"2021"}
    edit_yaml(root / RECODE_2021, lambda doc: item(doc["variables"], "training").update(review="check me"))
    assert cached_check_wave(config, "2021", root, cache) == [
        f"wave 2021: recode {RECODE_2021}, variable training: review mark left: check me; decide and delete the "
        "review: key"]
    config["describe"]["tables"]["2. Informal ICT use"].append("freq_hologram")  # a config value it uses
    assert any("freq_hologram" in p for p in cached_check_wave(config, "2017", root, cache))


def wave_check(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "swsurvey.cli", "wave", "check", *args], cwd=root,
                          capture_output=True, text=True, timeout=300)


def test_the_command_says_ok_on_the_default_config(root):
    proc = wave_check(root, "2021")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok: wave 2021 (data/synthetic/socialwork_2021.sav") and proc.stdout.count("\n") == 1
    edit_yaml(root / RECODE_2021, lambda doc: item(doc["variables"], "training").update(review="check me"))
    proc = wave_check(root, "2021", "--config", "config.yaml")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"wave 2021: recode {RECODE_2021}, variable training: review mark left: check me; decide and delete the "
        "review: key"]
    proc = wave_check(root, "2030")
    assert proc.returncode == 1 and "no wave '2030' in the config" in proc.stderr


def test_variables_the_import_takes_care_of_are_not_problems_but_a_new_question_is(root):
    import pyreadstat

    raw = root / "data/synthetic/socialwork_2021.sav"
    frame, meta = pyreadstat.read_sav(str(raw), user_missing=True)
    frame["REPWT1"] = 1.0
    frame["EmbeddedScore"] = 2.0  # a number without labels: imported, read by nothing
    frame["Q10_8_TEXT"] = ""  # free text the instrument does not know: the import drops it
    frame["Q13_7"] = 1.0  # a new question, coded
    labels = {**meta.variable_value_labels, "Q13_7": {1: "Never", 2: "Less than monthly"}}
    pyreadstat.write_sav(frame, str(raw), column_labels=meta.column_names_to_labels,
                         variable_value_labels=labels, missing_ranges=meta.missing_ranges,
                         variable_format=meta.original_variable_types)

    def change(config):
        config["waves"]["2021"].update(sha256=None, variance={"method": "supplied", "columns": "^REPWT[0-9]+$",
                                                               "type": "JK1"})

    problems = check_wave(load_config(root, change), "2021", root)
    assert problems == [
        "wave 2021: data/synthetic/socialwork_2021.sav, variable Q13_7: 1 variable of the export is not defined by "
        "the instrument socialwork_2021.yaml: a question added since the instrument was written? Add it to the "
        "instrument (or give the wave the instrument it follows)"]
