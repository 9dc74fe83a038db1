"""The provenance tests' shared run: one real run (import to describe) that the record, manifest
and crate tests read (tests/recorded_run.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from recorded_run import build_run


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    return build_run(tmp_path_factory.mktemp("run"))
