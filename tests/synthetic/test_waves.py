"""The waves the generator writes (swsurvey.synthetic.waves): the design of each instrument and
wave id: a stored wave's own, a revised wave's made from the wave it revises (through a chain
of revisions), else the nearest stored one; each moved to the wave it stands in for."""

from __future__ import annotations

import dataclasses

import pytest
from testconfig import REPO

from swsurvey.errors import InputError
from swsurvey.study.instrument import load_instrument
from swsurvey.synthetic.design import DESIGN_2017
from swsurvey.synthetic.follow_up import DESIGN_2021
from swsurvey.synthetic.generate import generate_wave
from swsurvey.synthetic.waves import DEFAULT_SEED, default_seed, design_of

INSTRUMENT_2024 = REPO / "tests/new_wave/socialwork_2024.yaml"
INSTRUMENT_2021 = "workflow/instruments/socialwork_2021.yaml"


def test_a_stored_waves_instrument_has_its_own_design(instrument_2017, instrument_2021):
    assert design_of(instrument_2017) is DESIGN_2017
    assert design_of(instrument_2021) is DESIGN_2021


def test_a_wave_without_a_design_or_revises_takes_the_nearest_moved_to_its_year(instrument_2017):
    design = design_of(dataclasses.replace(instrument_2017, wave="2019"))  # 2017 and 2021 tie: the earlier
    assert design.wave == "2019" and design.wave_year == 2019.0 and design.sources is None
    assert design.field_window[1] == ("2019-03-06", "2019-06-30") and design.pre_launch[0] == "2019-02-13"
    assert design.creation_date == b"01 Jun 19" and design.margins_date == "2019-06-01"
    assert all(design.population_size[c] > DESIGN_2017.population_size[c] for c in (1, 2, 3, 4))
    assert "made from the wave 2017 design" in " ".join(design.note)
    assert design_of(dataclasses.replace(instrument_2017, wave="2030")).note[1].startswith("made from the wave 2021")


def test_a_wave_id_naming_no_year_without_revises_is_refused(instrument_2017):
    with pytest.raises(InputError, match="no design for wave 'small', which names no year"):
        generate_wave(dataclasses.replace(instrument_2017, wave="small"), DEFAULT_SEED, scale=0.05)


def test_the_2024_revision_takes_2021s_columns_by_was_through_to_2017s(repo_dir):
    design = design_of(load_instrument(INSTRUMENT_2024))
    assert design.wave == "2024" and design.wave_year == 2024.0 and design.follow_up
    assert design.sources["Q27"] == "Q24"  # 2024 Q27 was 2021 Q25, which was 2017 Q24
    assert design.sources["Q6"] == "birth_year" and design.sources["Q13_6"] == "Q12_6"
    assert design.sources["Q13_7"] is None and design.sources["Q10_8_TEXT"] is None
    assert "Q5" not in design.sources
    assert design.frames["Q7"] == load_instrument(repo_dir / INSTRUMENT_2021)["Q7"].values
    assert design.margin_sources == {"gender": "Q7"}
    assert design.field_window[2] == ("2024-04-03", "2024-07-28") and design.creation_date == b"01 Jun 24"
    assert "made from the wave 2021 design" in " ".join(design.note)


def test_a_chain_of_revisions_resolves_each_name_to_the_first_waves(tmp_path):
    """2027 revises 2024, which revises 2021: 2027's Q28 was 2024's Q27, 2021's Q25, 2017's Q24."""
    text = INSTRUMENT_2024.read_text(encoding="utf-8")
    text = text.replace('wave: "2024"\n', 'wave: "2027"\n').replace(
        f"revises: {{wave: \"2021\", instrument: {INSTRUMENT_2021}}}",
        f"revises: {{wave: \"2024\", instrument: {INSTRUMENT_2024}}}",
    )
    lines = []
    for line in text.splitlines():
        if line.startswith("  - {name: "):
            name = line.split("name: ")[1].split(",")[0]
            rest = line.split(f"{{name: {name}, ", 1)[1]
            rest = rest.split(", ", 1)[1] if rest.startswith("was: ") else rest
            new = "Q28" if name == "Q27" else name
            line = f"  - {{name: {new}, was: {name}, {rest}"
        lines.append(line)
    path = tmp_path / "socialwork_2027.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    instrument = load_instrument(path)
    design = design_of(instrument)
    assert design.sources["Q28"] == "Q24" and design.sources["Q13_7"] is None
    assert design.frames["Q7"] == load_instrument(INSTRUMENT_2021)["Q7"].values  # the column's codes: 2021's
    assert design.wave_year == 2027.0 and "made from the wave 2024 design" in " ".join(design.note)
    data, meta = generate_wave(instrument, 5, scale=0.05)
    assert list(data.columns) == instrument.names and "2027" in meta.file_label
    assert (data["Q7"] == 5).any()


def test_a_revision_of_a_missing_or_mislabelled_instrument_is_refused(tmp_path):
    text = INSTRUMENT_2024.read_text(encoding="utf-8")
    for old, new, message in (
        (f"instrument: {INSTRUMENT_2021}}}", "instrument: workflow/instruments/absent.yaml}", "the instrument it revises is not found"),
        ('{wave: "2021"', '{wave: "2020"', "revises: names wave '2020', but its instrument is wave '2021'"),
        ("{name: Q27, was: Q25,", "{name: Q27, was: Q99,", "was: names no question of the instrument it revises"),
    ):
        path = tmp_path / "revised.yaml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(InputError, match=message):
            design_of(load_instrument(path))


def test_the_default_seed_follows_the_wave():
    assert (default_seed("2017"), default_seed("2021"), default_seed("2024"), default_seed("small")) == (
        20170601, 20210601, 20240601, 20170601
    )
