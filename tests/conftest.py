"""Shared test fixtures: paths to the repository and to the study's shared material.

``../shared`` (beside the repository) holds the raw-data contract, published figures, R
reference results and the real SPSS corpus. It is never copied into the repository, so
tests that need it skip cleanly when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


def _shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"{path} is absent (shared material is not part of the repository)")
    return path


@pytest.fixture(scope="session")
def shared_instrument_dir() -> Path:
    return _shared("instrument")


@pytest.fixture(scope="session")
def real_sav_dir() -> Path:
    return _shared("real_sav")


@pytest.fixture(scope="session")
def r_survey_dir() -> Path:
    return _shared("reference/r-survey")


@pytest.fixture(scope="session")
def instrument_2017():
    from swsurvey.instrument import load_instrument

    return load_instrument(REPO / "workflow" / "instruments" / "socialwork_2017.yaml")
