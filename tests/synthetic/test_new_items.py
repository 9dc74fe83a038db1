"""What a revised questionnaire changed, drawn (swsurvey.synthetic.new_items), and so a
synthetic wave for any instrument and wave id (issue 16): the invented 2024 revision
(tests/new_wave/socialwork_2024.yaml) synthesized as the end-to-end test and the README's
walk-through do, a new question without a revision, a typed number the generator cannot draw,
and a stored wave's instrument labelled as another wave."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from testconfig import REPO

from swsurvey.cli import main
from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file
from swsurvey.io.spss import read_metadata
from swsurvey.io.spss_header import read_header
from swsurvey.stages.export_check import check_export
from swsurvey.study.contract import check_dictionary
from swsurvey.study.instrument import Variable, load_instrument
from swsurvey.synthetic.generate import generate_wave, write_wave
from swsurvey.synthetic.new_items import code_map
from swsurvey.synthetic.population import JOINT_MARGIN
from swsurvey.synthetic.questionnaire import question_pages
from swsurvey.synthetic.sav import FILE_LABEL_PREFIX
from swsurvey.synthetic.waves import design_of

INSTRUMENT_2024 = REPO / "tests/new_wave/socialwork_2024.yaml"
SEED_2024 = 20240601


@pytest.fixture(scope="module")
def instrument_2024():
    return load_instrument(INSTRUMENT_2024)


@pytest.fixture(scope="module")
def written_2024(tmp_path_factory):
    """The 2024 export at a tenth of full size, written by the CLI as the walk-through does."""
    out = tmp_path_factory.mktemp("wave2024")
    sav, csv = out / "socialwork_2024.sav", out / "population_margins_2024.csv"
    argv = ["synthesize", "--instrument", str(INSTRUMENT_2024), "--wave", "2024", "--seed", str(SEED_2024),
            "--scale", "0.1", "--out", str(sav), "--margins", str(csv)]
    assert main(argv) == 0
    return sav, csv


@pytest.fixture(scope="module")
def read_2024(written_2024):
    return pyreadstat.read_sav(str(written_2024[0]), user_missing=True)


def test_the_2024_export_has_exactly_the_2024_instruments_variables_and_code_frames(
    written_2024, read_2024, instrument_2024, tmp_path
):
    data, meta = read_2024
    assert list(data.columns) == instrument_2024.names
    raw = written_2024[0]
    check_dictionary(read_metadata(raw, read_header(raw), None).variables, instrument_2024, file=raw)
    assert check_export(raw, INSTRUMENT_2024, tmp_path / "check.json")["result"] == "passed"
    for var in instrument_2024.variables:
        if var.values and not var.metadata:
            expected = {float(c): label for c, label in var.values.items()} | {-99.0: "Seen but unanswered"}
            assert meta.variable_value_labels[var.name] == expected, var.name
    assert "Q5" not in data and data["Q27"].isin([1, 2, -99]).sum() > 0


def test_codes_map_by_label_a_relabelled_code_keeps_its_number():
    before = {1: "Woman", 2: "Man", 3: "Non-binary", 4: "Self-describe", 99: "Prefer not to say"}
    after = {1: "Man", 2: "Woman", 3: "Non-binary / gender diverse", 5: "Two-Spirit", 99: "Prefer not to say"}
    mapping, added, removed = code_map(before, after)
    assert mapping == {1: 2, 2: 1, 3: 3, 99: 99} and added == [5] and removed == [4]


def test_an_added_code_occurs_and_the_others_keep_theirs(read_2024):
    data, _ = read_2024
    gender = data["Q7"].dropna()
    assert set(gender) <= {1, 2, 3, 4, 5, 99, -99}
    assert 0 < (gender == 5).sum() < 0.1 * len(gender)
    assert (gender == 1).mean() > 0.6  # still mostly women, as 2021's


def test_a_new_grid_row_follows_its_skip_logic_and_scale(read_2024):
    data, meta = read_2024
    asked = data["Q12"] == 1
    assert data.loc[~asked, "Q13_7"].isna().all()
    answered = data.loc[asked, "Q13_7"].dropna()
    assert len(answered) > 0.9 * asked.sum() and set(answered) <= {1, 2, 3, 4, 5, -99}
    assert answered.isin([1, 2, 3, 4, 5]).mean() > 0.95 and answered.nunique() >= 4
    assert meta.variable_measure["Q13_7"] == meta.variable_measure["Q13_6"] == "ordinal"


def test_a_new_choice_text_is_free_text_written_only_for_its_choice(read_2024, instrument_2024):
    data, _ = read_2024
    assert instrument_2024["Q10_8_TEXT"].free_text and "Q10_8_TEXT" in instrument_2024.personal_names
    written = data["Q10_8_TEXT"].fillna("") != ""
    assert written.any() and (data.loc[written, "Q10"] == 8).all()


def test_the_file_is_labelled_2024_and_its_margins_are_the_2024_population(written_2024, read_2024, repo_dir):
    _, meta = read_2024
    assert meta.file_label == f"{FILE_LABEL_PREFIX} - #socialwork 2024 stand-in, seed {SEED_2024}"
    assert "wave 2024" in " ".join(meta.notes) and "made from the wave 2021 design" in " ".join(meta.notes)
    margins = pd.read_csv(written_2024[1])
    before = pd.read_csv(repo_dir / "data/synthetic/population_margins_2021.csv")
    assert list(margins.columns) == list(before.columns)
    assert margins[["country", "variable", "level"]].equals(before[["country", "variable", "level"]])
    assert (margins["date"] == "2024-06-01").all() and JOINT_MARGIN in set(margins["variable"])
    sizes = [frame[frame["variable"] == "gender"].groupby("country")["population_count"].sum() for frame in (margins, before)]
    assert (sizes[0] > sizes[1]).all()
    data, _ = read_2024
    dates = data["StartDate"]
    assert dates.min().year == dates.max().year == 2024


def test_the_same_instrument_seed_scale_and_wave_give_the_same_bytes(written_2024, tmp_path):
    again = tmp_path / "again.sav"
    write_wave(INSTRUMENT_2024, again, tmp_path / "again.csv", SEED_2024, scale=0.1, wave="2024")
    assert sha256_file(again) == sha256_file(written_2024[0])
    assert (tmp_path / "again.csv").read_bytes() == written_2024[1].read_bytes()
    write_wave(INSTRUMENT_2024, tmp_path / "other.sav", tmp_path / "other.csv", SEED_2024 + 1, scale=0.1)
    assert sha256_file(tmp_path / "other.sav") != sha256_file(again)


def test_the_cli_names_its_files_after_the_wave_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the revised instrument is then found above the 2024 file
    assert main(["synthesize", "--instrument", str(INSTRUMENT_2024), "--scale", "0.03"]) == 0
    assert (tmp_path / "data/synthetic/socialwork_2024.sav").is_file()
    assert (tmp_path / "data/synthetic/population_margins_2024.csv").is_file()
    _, meta = pyreadstat.read_sav(str(tmp_path / "data/synthetic/socialwork_2024.sav"), metadataonly=True)
    assert meta.file_label.endswith(f"seed {SEED_2024}")


def test_a_new_coded_question_without_revises_is_drawn_from_its_code_frame(instrument_2017):
    new = Variable(name="Q26", label="Would you take part again?", kind="numeric", section="policy",
                   values={1: "Yes", 2: "No", 3: "Maybe", 99: "Prefer not to say"})
    instrument = dataclasses.replace(instrument_2017, variables=(*instrument_2017.variables, new))
    data, meta = generate_wave(instrument, 9, scale=0.05)
    assert list(data.columns) == instrument.names
    answered = data["Q26"].dropna()
    assert set(answered) <= {1, 2, 3, 99, -99} and {1, 2, 3} <= set(answered)
    assert meta.variable_value_labels["Q26"][3.0] == "Maybe"
    assert question_pages(instrument, design_of(instrument))["Q26"] == question_pages(instrument, design_of(instrument))["Q25"]
    # Breaking off before the last page leaves it empty, as it does the section's other questions.
    assert data["Q26"].isna().equals(data["Q24"].isna())
    # The 2017 questions are drawn exactly as before.
    before, _ = generate_wave(instrument_2017, 9, scale=0.05)
    pd.testing.assert_frame_equal(data.drop(columns="Q26"), before)


def test_a_new_typed_number_of_unknown_range_is_refused_and_one_with_a_range_drawn(instrument_2017):
    new = Variable(name="Q26", label="How many clients do you see a week?", kind="numeric", section="policy")
    instrument = dataclasses.replace(instrument_2017, variables=(*instrument_2017.variables, new))
    with pytest.raises(InputError, match="cannot draw this new typed number: its range is unknown") as caught:
        generate_wave(instrument, 9, scale=0.05)
    assert "Q26" in str(caught.value)
    ranged = dataclasses.replace(new, note="typed number; valid 0-40")
    instrument = dataclasses.replace(instrument_2017, variables=(*instrument_2017.variables, ranged))
    values = generate_wave(instrument, 9, scale=0.05)[0]["Q26"].dropna()
    assert values[values != -99].between(0, 40).all() and values.nunique() > 10


def test_the_2021_instrument_as_wave_2025_is_labelled_and_dated_2025(instrument_2021):
    data, meta = generate_wave(instrument_2021, 7, scale=0.03, wave="2025")
    assert meta.file_label == f"{FILE_LABEL_PREFIX} - #socialwork 2025 stand-in, seed 7"
    assert "Stands in for wave 2025; generated on the wave 2021 design." in meta.note
    assert "a stand-in for an invented wave 2025 of the #socialwork survey," in meta.note
    eligible = data[data["Status"] == 0]
    assert eligible["StartDate"].dt.year.eq(2025).all()
    born = eligible["Q6"]
    assert (born == 2025).any() and not (born == 2021).any()  # the survey year typed for the year of birth
    assert np.isin(data["Q7"].dropna(), [1, 2, 3, 4, 99, -99]).all()


def test_a_removed_codes_answers_are_redistributed_and_an_added_code_takes_a_few(tmp_path):
    """Degree (Q9) loses "Other" (4) and gains "Social work diploma" (5): no 4 is left, 5 takes
    about 3% of the substantive answers, and the other codes keep their shares' order."""
    text = INSTRUMENT_2024.read_text(encoding="utf-8").replace(
        "instrument: workflow/instruments/socialwork_2021.yaml}",
        f"instrument: {REPO / 'workflow/instruments/socialwork_2021.yaml'}}}",
    ).replace('3: "Doctorate (PhD/DSW)", 4: "Other"}', '3: "Doctorate (PhD/DSW)", 5: "Social work diploma"}')
    path = tmp_path / "revised.yaml"
    path.write_text(text, encoding="utf-8")
    data, meta = generate_wave(load_instrument(path), 3, scale=0.3)
    degree = data["Q9"].dropna()
    substantive = degree[degree > 0]
    assert not (degree == 4).any() and set(degree) <= {1, 2, 3, 5, -99}
    assert 0.02 <= (substantive == 5).mean() <= 0.04
    assert (substantive == 2).mean() > (substantive == 1).mean() > (substantive == 3).mean()
    assert meta.variable_value_labels["Q9"][5.0] == "Social work diploma"


def test_a_new_checkbox_a_comment_box_and_a_changed_format_are_drawn_from_their_entries(tmp_path):
    """A new service (Q11_7) is ticked like the set's other items, -99 with them; a new comment
    box (Q28) is written by some; degree (Q9) asked as typed years of study (0-12) is drawn anew."""
    text = INSTRUMENT_2024.read_text(encoding="utf-8").replace(
        "instrument: workflow/instruments/socialwork_2021.yaml}",
        f"instrument: {REPO / 'workflow/instruments/socialwork_2021.yaml'}}}",
    )
    lines = []
    for line in text.splitlines():
        if line.startswith("  - {name: Q9,"):
            line = ('  - {name: Q9, was: Q9, section: demographics, type: numeric, label: "Years of social work '
                    'study", note: "typed number; valid 0-12"}')
        lines.append(line)
        if line.startswith("  - {name: Q11_6,"):
            lines.append('  - {name: Q11_7, section: setting, checkbox: true, label: "Which services do you '
                         'provide? - Telehealth"}')
        if line.startswith("  - {name: Q27,"):
            lines.append('  - {name: Q28, section: policy, type: string, free_text: true, label: "Any last words?"}')
    path = tmp_path / "revised.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    instrument = load_instrument(path)
    assert design_of(instrument).sources["Q9"] is None
    data, meta = generate_wave(instrument, 4, scale=0.2)
    ticks = data["Q11_7"]
    assert set(ticks.dropna()) <= {1, -99} and (ticks == 1).sum() > 10
    assert ((ticks == -99) == (data["Q11_1"] == -99)).all()
    assert meta.variable_value_labels["Q11_7"] == {1.0: "Telehealth", -99.0: "Seen but unanswered"}
    written = data["Q28"].fillna("") != ""
    assert 0.05 < written.mean() < 0.3
    years = data["Q9"].dropna()
    assert years[years != -99].between(0, 12).all() and years.nunique() > 5
