"""The raw export against its instrument (the wave's raw data contract), checked at import.

The import stops at the first broken promise, naming the raw file, the variable, the value
and the number of rows, so that nothing downstream runs on an export that only looks right:

- :func:`check_dictionary`, before any data is read (:mod:`swsurvey.study.dictionary`, which
  the workflow's reading imports too, without NumPy): every variable the instrument defines
  (but the personal ones, which an anonymised export may leave out) is in the file; a
  variable the instrument codes is numeric, not text; and the file's value labels say
  what the instrument's say (an export whose setting codes mean other settings stops here);
- :func:`check_values`, on the data read: the file has rows; every coded variable holds only
  the instrument's codes (and its user-missing codes); a variable with a range stays in it.

What makes a run right only by luck is a warning, not an error (:func:`dictionary_warnings`):
a user-missing code the instrument declares (e.g. -99) that the file does not declare
missing. The codebook and the report show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from swsurvey.errors import InputError
from swsurvey.study.dictionary import as_code as _code
from swsurvey.study.dictionary import (  # noqa: F401 - the import's gate, kept importable from here
    check_dictionary,
    dictionary_warnings,
    expects_number,
    same_label,
)
from swsurvey.study.dictionary import plural as _plural
from swsurvey.study.instrument import Instrument


def _numbers(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


def _bad_values(values: np.ndarray, bad: np.ndarray) -> tuple[Any, int, str]:
    codes, counts = np.unique(values[bad], return_counts=True)
    others = ""
    if len(codes) > 1:
        others = "; also " + ", ".join(
            f"{_code(c)} ({_plural(n, 'row')})" for c, n in zip(codes[1:].tolist(), counts[1:].tolist(), strict=True)
        )
    return _code(codes[0].item()), int(counts[0]), others


def check_values(
    columns: Mapping[str, pa.Array], rows: int, instrument: Instrument, *, file: str | Path
) -> None:
    """The data read from the file against the instrument's codes and ranges."""
    if rows == 0:
        raise InputError(
            "has no responses (0 rows): export the responses again, with the filter that selects "
            "them switched off",
            file=file,
        )
    for name, array in columns.items():
        var = instrument.by_name.get(name)
        if var is None or not expects_number(var) or not pa.types.is_floating(array.type):
            continue
        values = _numbers(array)
        present = ~np.isnan(values)
        if var.coded:
            valid = np.fromiter(instrument.valid_codes(name) if not var.metadata else var.values, dtype=np.float64)
            bad = present & ~np.isin(values, valid)
            if bad.any():
                code, count, others = _bad_values(values, bad)
                defined = ", ".join(str(c) for c in sorted(_code(v) for v in valid.tolist()))
                raise InputError(
                    f"code not defined by the instrument {instrument.path.name} (defined: {defined}){others}. "
                    "If the questionnaire has this answer, add it to the variable's values in the instrument "
                    "(and to the recode); if not, the export is not of this wave's questionnaire",
                    file=file, variable=name, value=code, count=count,
                )
        elif var.value_range is not None:
            lo, hi = var.value_range
            missing_codes = np.fromiter(instrument.user_missing, dtype=np.float64)
            bad = present & ((values < lo) | (values > hi)) & ~np.isin(values, missing_codes)
            if bad.any():
                value, count, others = _bad_values(values, bad)
                raise InputError(
                    f"value outside the instrument's range {_code(lo)}-{_code(hi)}{others}. Correct the "
                    "export, or the range in the instrument if the questionnaire allows such values",
                    file=file, variable=name, value=value, count=count,
                )

