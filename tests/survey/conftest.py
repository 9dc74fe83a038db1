"""Designs on R's api samples that several survey test modules share, built as R's examples
build them (``svydesign(id=~1, strata=~stype, fpc=~fpc, ...)`` and
``svydesign(id=~dnum, fpc=~fpc, ...)``)."""

from __future__ import annotations

import pytest
from rsurvey import dataset

from swsurvey.survey import svydesign


@pytest.fixture(scope="session")
def dstrat():
    """apistrat: stratified by school type, with fpc."""
    return svydesign(dataset("apistrat"), weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="session")
def dclus1():
    """apiclus1: one-stage cluster sample of districts, with fpc."""
    return svydesign(dataset("apiclus1"), weights="pw", ids="dnum", fpc="fpc")
