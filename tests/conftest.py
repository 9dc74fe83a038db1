"""Shared test fixtures: paths to the repository and to the study's shared material.

``../shared`` (beside the repository) holds the raw-data contract, published figures, R
reference results and the real SPSS corpus. It is never copied into the repository, so
tests that need it skip cleanly when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from testconfig import REPO, SHARED, SHARED_ABSENT, WEIGHTING



@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


def _shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"{path} is absent ({SHARED_ABSENT})")
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
    from swsurvey.study.instrument import load_instrument

    return load_instrument(REPO / "workflow" / "instruments" / "socialwork_2017.yaml")


@pytest.fixture(scope="session")
def instrument_2021():
    from swsurvey.study.instrument import load_instrument

    return load_instrument(REPO / "workflow" / "instruments" / "socialwork_2021.yaml")


def clean_stored_wave(wave: str, out: Path) -> Path:
    """A stored synthetic wave (``data/synthetic/socialwork_<wave>.sav``) through the real
    import and cleaning stages, with its instrument and recode spec; the cleaned Parquet
    file's path (the flow is ``flow.csv`` beside it)."""
    from swsurvey.stages.cleaning import clean_wave
    from swsurvey.stages.importing import import_wave

    workflow = REPO / "workflow"
    import_wave(
        raw=REPO / f"data/synthetic/socialwork_{wave}.sav",
        out_data=out / "import.parquet",
        out_codebook_json=out / "import.json",
        out_codebook_md=out / "import.md",
        instrument=workflow / f"instruments/socialwork_{wave}.yaml",
        key_file=out / "key",
    )
    clean_wave(
        data=out / "import.parquet",
        instrument=workflow / f"instruments/socialwork_{wave}.yaml",
        recode=workflow / f"recode/socialwork_{wave}.yaml",
        out_data=out / "clean.parquet",
        out_codebook_json=out / "clean.json",
        out_codebook_md=out / "clean.md",
        out_flow_csv=out / "flow.csv",
        out_flow_md=out / "flow.md",
        wave=wave,
    )
    return out / "clean.parquet"


@pytest.fixture(scope="session")
def cleaned_2017(tmp_path_factory) -> Path:
    """The stored synthetic 2017 wave through the real import and cleaning stages: the
    cleaned Parquet file's path."""
    return clean_stored_wave("2017", tmp_path_factory.mktemp("cleaned_2017"))


@pytest.fixture(scope="session")
def cleaned_2021(tmp_path_factory) -> Path:
    """The stored synthetic 2021 follow-up through the real import and cleaning stages."""
    return clean_stored_wave("2021", tmp_path_factory.mktemp("cleaned_2021"))




def rake_stored_wave(cleaned: Path, wave: str):
    """A cleaned stored wave with its raked ``weight`` column (``population_margins_<wave>.csv``),
    and the raking's diagnostics and margins tables."""
    import pandas as pd

    from swsurvey.stages.weighting import read_targets, weight_respondents

    data = pd.read_parquet(cleaned)
    targets = read_targets(REPO / f"data/synthetic/population_margins_{wave}.csv", "country", ["gender", "age_group"])
    weights, diagnostics, margins = weight_respondents(data, targets, **WEIGHTING)
    return data.assign(weight=weights), diagnostics, margins


@pytest.fixture(scope="session")
def weighted_2017(cleaned_2017):
    """The cleaned synthetic 2017 wave with its raked ``weight`` column."""
    return rake_stored_wave(cleaned_2017, "2017")[0]


@pytest.fixture(scope="session")
def raked_2021(cleaned_2021):
    """The cleaned synthetic 2021 follow-up with its raked ``weight`` column, and the
    raking's diagnostics and margins tables."""
    return rake_stored_wave(cleaned_2021, "2021")


def pytest_terminal_summary(terminalreporter) -> None:
    """Say how many tests skipped because ../shared is not beside the clone (README)."""
    skipped = terminalreporter.stats.get("skipped", [])
    shared = sum(SHARED_ABSENT in str(report.longrepr) for report in skipped)
    if shared:
        outcomes = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
        total = sum(len(terminalreporter.stats.get(outcome, [])) for outcome in outcomes)
        terminalreporter.write_line(
            f"{shared} of {total} tests skipped because {SHARED} is absent: the study's reference material "
            "(raw data contract, published figures, R's results, real SPSS files) is kept beside the clone, "
            "never in it (README, Quick start)."
        )
