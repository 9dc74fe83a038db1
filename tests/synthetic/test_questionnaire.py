"""The instrument to the letter (swsurvey.synthetic.questionnaire): its codes, its skip logic
and checkboxes, and no variable the generator does not know how to fill."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from raw_wave import CHANNELS, raw, wave  # noqa: F401 (fixtures)

from swsurvey.errors import InputError
from swsurvey.study.instrument import Variable
from swsurvey.synthetic.generate import generate_wave
from swsurvey.synthetic.waves import DEFAULT_SEED


def test_codes_are_the_instruments(instrument_2017, raw):
    for var in instrument_2017.variables:
        if var.coded:
            codes = set(raw[var.name].dropna().unique())
            assert codes <= instrument_2017.valid_codes(var.name), (var.name, codes)


def test_generator_refuses_an_instrument_it_does_not_know(instrument_2017):
    extra = Variable(name="Q99", label="A question the generator has never seen", kind="numeric")
    other = dataclasses.replace(instrument_2017, variables=(*instrument_2017.variables, extra))
    with pytest.raises(InputError, match="Q99"):
        generate_wave(other, DEFAULT_SEED, scale=0.05)
    with pytest.raises(InputError):
        generate_wave(instrument_2017, DEFAULT_SEED, scale=-1)


def test_skip_logic_and_checkboxes(raw, instrument_2017):
    ict = CHANNELS + [f"Q13_{j}" for j in range(1, 7)] + ["Q14", "Q15", "Q16"]
    assert raw.loc[raw["Q11"] != 1, ict].isna().all().all()
    users = raw[(raw["Q11"] == 1) & (raw["Finished"] == 1)]
    assert users[CHANNELS + ["Q14", "Q15", "Q16"]].notna().all().all()
    reasons = [f"Q19_{j}" for j in range(1, 5)]
    assert raw.loc[raw["Q18"] != 1, reasons].isna().all().all()
    for items in instrument_2017.checkbox_sets().values():
        block = raw[items]
        assert set(np.unique(block.to_numpy()[~np.isnan(block.to_numpy())])) <= {1.0, -99.0}
        # -99 means the question was seen and nothing ticked: then every item is -99.
        any_skip = (block == -99).any(axis=1)
        assert (block[any_skip] == -99).all().all()
    assert (raw.loc[raw["Q6_4_TEXT"] != "", "Q6"] == 4).all()
    assert (raw.loc[raw["Q9_7_TEXT"] != "", "Q9"] == 7).all()
