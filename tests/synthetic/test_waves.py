"""The waves the generator writes (swsurvey.synthetic.waves): a wave it has no design for is refused."""

from __future__ import annotations

import dataclasses

import pytest

from swsurvey.errors import InputError
from swsurvey.synthetic.generate import generate_wave
from swsurvey.synthetic.waves import DEFAULT_SEED


def test_generator_refuses_a_wave_it_has_no_design_for(instrument_2017):
    with pytest.raises(InputError, match="no design for wave '2019'"):
        generate_wave(dataclasses.replace(instrument_2017, wave="2019"), DEFAULT_SEED, scale=0.05)
