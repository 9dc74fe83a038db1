"""The raw export against its instrument (the wave's raw data contract), checked at import.

The import stops at the first broken promise, naming the raw file, the variable, the value
and the number of rows, so that nothing downstream runs on an export that only looks right:

- :func:`check_dictionary`, before any data is read: every variable the instrument defines
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

import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument, Variable

#: Quotes and dashes that differ between exports of the same label but mean the same.
_SAME_CHARACTERS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def same_label(a: str, b: str) -> bool:
    """Two labels say the same: equal after Unicode normalisation, quote and dash styles,
    spacing and case are set aside."""

    def norm(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).translate(_SAME_CHARACTERS)
        return " ".join(text.split()).casefold()

    return norm(a) == norm(b)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _code(value: Any) -> int | float | Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def expects_number(var: Variable) -> bool:
    """A variable the instrument gives codes or a range: the export must hold it as numbers,
    and its values are checked (:func:`check_values`)."""
    return var.kind == "numeric" and (var.coded or var.value_range is not None)


def check_dictionary(raw_variables: Sequence[Any], instrument: Instrument, *, file: str | Path) -> None:
    """The file's dictionary against the instrument (``raw_variables``: the import's
    :class:`~swsurvey.stages.importing.RawVariable` list, anything with name, type, format and
    value_labels)."""
    by_name = {v.name: v for v in raw_variables}
    absent = [v.name for v in instrument.variables if not v.personal and v.name not in by_name]
    if absent:
        raise InputError(
            f"{_plural(len(absent), 'variable')} of the instrument {instrument.path.name} "
            f"{'is' if len(absent) == 1 else 'are'} missing from the export: "
            "export the full survey (all questions and Qualtrics' embedded fields) or give the wave "
            "the instrument it follows",
            file=file, variable=", ".join(absent[:8]) + (f" and {len(absent) - 8} more" if len(absent) > 8 else ""),
        )
    for var in instrument.variables:
        raw = by_name.get(var.name)
        if raw is None:
            continue
        if expects_number(var) and raw.type != "numeric":
            raise InputError(
                f"is stored as {raw.type} ({raw.format}) where the instrument has numeric codes: "
                "export with 'Use numeric values' (Qualtrics) so answers are codes, not their text",
                file=file, variable=var.name,
            )
        if not var.values:
            continue
        for code, label in raw.value_labels.items():
            if not isinstance(code, (int, float)):
                continue
            code = _code(code)
            expected = var.values.get(code) if code not in instrument.user_missing else None
            if expected is not None and label is not None and not same_label(str(label), expected):
                raise InputError(
                    f"the file labels code {code} {str(label)!r} but the instrument "
                    f"{instrument.path.name} says {expected!r}: the codes do not mean what the "
                    "recode assumes; check that the export is of this wave's questionnaire",
                    file=file, variable=var.name, value=code,
                )


def dictionary_warnings(raw_variables: Sequence[Any], instrument: Instrument, *, file_format: str) -> list[str]:
    """User-missing codes the instrument declares on coded questions that the file does not
    declare missing. None for a ``.por`` file (``file_format`` "por"), which cannot carry
    them (its codebook says so)."""
    if not instrument.user_missing or file_format == "por":
        return []
    by_name = {v.name: v for v in raw_variables}
    undeclared: dict[int, list[str]] = {}
    for var in instrument.variables:
        raw = by_name.get(var.name)
        if raw is None or var.metadata or not var.coded or raw.type != "numeric":
            continue
        for code in instrument.user_missing:
            if not any(lo <= code <= hi for lo, hi in raw.missing_ranges if _is_number(lo) and _is_number(hi)):
                undeclared.setdefault(code, []).append(var.name)
    warnings = []
    for code, names in undeclared.items():
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        warnings.append(
            f"Code {code} ({instrument.user_missing[code]}) is not declared user-missing in the file "
            f"for {_plural(len(names), 'coded variable')} ({shown}), though the instrument "
            f"{instrument.path.name} says it is: the cleaning treats it as missing because the "
            "instrument says so, so check that the export's missing codes are the instrument's."
        )
    return warnings


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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

