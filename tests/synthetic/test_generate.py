"""The entry points (swsurvey.synthetic.generate): each stored wave's seed gives its bytes, the
same seed the same bytes, a failed write nothing, and a small wave for fast tests."""

from __future__ import annotations

import time

import pandas as pd
import pyreadstat
import pytest
from raw_wave import INSTRUMENT, STORED_SAV, eligible_completes, mess_counts, stored, wave  # noqa: F401 (fixtures)
from testconfig import base_config

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file
from swsurvey.synthetic.generate import generate_wave, write_wave
from swsurvey.synthetic.sav import FILE_LABEL_PREFIX
from swsurvey.synthetic.waves import DEFAULT_SEED, SEEDS

#: SHA-256 of each stored wave, as its seed regenerates it: the tests' config records them
#: (testconfig), and test_config checks the shipped config.yaml records the same.
STORED_SHA256 = {wave: settings["sha256"] for wave, settings in base_config()["waves"].items()}


@pytest.mark.parametrize("wave", sorted(STORED_SHA256))
def test_each_waves_seed_reproduces_the_stored_files_bytes(repo_dir, tmp_path, wave):
    out_sav, out_csv = tmp_path / "wave.sav", tmp_path / "margins.csv"
    write_wave(repo_dir / f"workflow/instruments/socialwork_{wave}.yaml", out_sav, out_csv, SEEDS[wave])
    assert sha256_file(out_sav) == STORED_SHA256[wave]
    assert sha256_file(repo_dir / f"data/synthetic/socialwork_{wave}.sav") == STORED_SHA256[wave]
    assert sha256_file(out_csv) == sha256_file(repo_dir / f"data/synthetic/population_margins_{wave}.csv")


def test_default_seed_reproduces_the_stored_data_and_metadata(stored, wave):
    data, meta = wave
    read_data, read_meta = stored
    pd.testing.assert_frame_equal(read_data, data)
    assert read_meta.file_label == meta.file_label
    assert read_meta.column_names_to_labels == meta.column_labels
    assert read_meta.variable_value_labels == meta.variable_value_labels
    assert read_meta.missing_ranges == {k: [{"lo": v, "hi": v} for v in vs] for k, vs in meta.missing_ranges.items()}
    assert {k: read_meta.original_variable_types[k] for k in meta.variable_format} == meta.variable_format
    assert read_meta.variable_measure == meta.variable_measure
    assert read_meta.notes == meta.note


def test_same_seed_same_bytes_other_seed_other_bytes(repo_dir, tmp_path, instrument_2017):
    paths = []
    for i, seed in enumerate((7, 7, 8)):
        paths.append(tmp_path / f"w{i}.sav")
        write_wave(repo_dir / INSTRUMENT, paths[-1], tmp_path / f"m{i}.csv", seed, scale=0.05)
        if i == 0:
            time.sleep(1.1)  # a second later: ReadStat's clock fields would differ if not pinned
    digests = [sha256_file(p) for p in paths]
    assert digests[0] == digests[1] != digests[2]
    data, meta = pyreadstat.read_sav(str(paths[0]), user_missing=True)
    assert meta.file_label.startswith(FILE_LABEL_PREFIX) and "seed 7" in meta.file_label
    pd.testing.assert_frame_equal(data, generate_wave(instrument_2017, 7, 0.05)[0])


def test_synthesize_labels_the_file_with_the_wave_it_makes(repo_dir, tmp_path):
    """A third wave made on the 2021 design says so: its label names the wave it stands in
    for (not 2021), and its notes name the design; without --wave, the instrument's wave."""
    from swsurvey.cli import main

    instrument = str(repo_dir / "workflow/instruments/socialwork_2021.yaml")
    labels, notes = {}, {}
    for wave in ("2024", None):
        out = tmp_path / f"{wave}.sav"
        argv = ["synthesize", "--instrument", instrument, "--seed", "7", "--scale", "0.02",
                "--out", str(out), "--margins", str(tmp_path / f"{wave}.csv")]
        assert main(argv + (["--wave", wave] if wave else [])) == 0
        _, meta = pyreadstat.read_sav(str(out), metadataonly=True)
        labels[wave], notes[wave] = meta.file_label, " ".join(meta.notes or [])
    assert labels["2024"] == f"{FILE_LABEL_PREFIX} - #socialwork 2024 stand-in, seed 7"
    assert "Stands in for wave 2024; generated on the wave 2021 design." in notes["2024"]
    assert labels[None] == f"{FILE_LABEL_PREFIX} - #socialwork 2021 stand-in, seed 7"
    assert "Stands in" not in notes[None]


def test_failed_write_leaves_no_output(repo_dir, tmp_path):
    with pytest.raises(InputError):
        write_wave(tmp_path / "absent.yaml", tmp_path / "w.sav", tmp_path / "m.csv", DEFAULT_SEED)
    with pytest.raises(InputError):
        write_wave(repo_dir / INSTRUMENT, tmp_path / "w.sav", tmp_path / "m.csv", DEFAULT_SEED, scale=0)
    assert list(tmp_path.iterdir()) == []


def test_stored_wave_is_small(repo_dir):
    assert (repo_dir / STORED_SAV).stat().st_size < 3_000_000


def test_small_scale_is_fast_and_still_has_every_kind_of_mess(instrument_2017):
    started = time.perf_counter()
    small, _ = generate_wave(instrument_2017, DEFAULT_SEED, scale=0.05)
    assert time.perf_counter() - started < 5.0
    kept, _ = eligible_completes(small)
    assert kept["Q2"].value_counts().sort_index().tolist() == [130, 61, 19, 7]
    counts = mess_counts(small)
    assert all(n >= 1 for n in counts.values()), counts
    assert len(small) < 400


def test_generation_is_pure(instrument_2017):
    first = generate_wave(instrument_2017, 11, scale=0.05)
    second = generate_wave(instrument_2017, 11, scale=0.05)
    pd.testing.assert_frame_equal(first[0], second[0])
    assert first[1] == second[1]
    assert not first[0].equals(generate_wave(instrument_2017, 12, scale=0.05)[0])
