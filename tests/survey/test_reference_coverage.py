"""Every case of R's reference results is reproduced by some test of the survey library."""

from __future__ import annotations

from pathlib import Path

import pytest
import rsurvey

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize("case_id", rsurvey.case_ids())
def test_reference_case_has_a_test(case_id):
    sources = "\n".join(p.read_text() for p in TESTS.glob("test_*.py") if p.name != Path(__file__).name)
    assert f'"{case_id}"' in sources, f"no test reads reference case {case_id}"
