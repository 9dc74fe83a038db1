"""Fixtures of the cleaning tests: the 2017 instrument and recode spec the small frames follow."""

from __future__ import annotations

import pytest
from import_frames import INSTRUMENT, SPEC

from swsurvey.study.instrument import Instrument, load_instrument
from swsurvey.study.recode import load_recode


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def spec():
    return load_recode(SPEC)
