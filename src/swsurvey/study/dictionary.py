"""The export's dictionary against its instrument: what can be checked before any data is read.

- :func:`check_dictionary` (the import's gate, stopping at the first broken promise): every
  variable the instrument defines (but the personal ones, which an anonymised export may
  leave out) is in the file; a variable the instrument codes is numeric, not text; and the
  file's value labels say what the instrument's say (an export whose setting codes mean other
  settings stops here);
- :func:`dictionary_problems` (``swsurvey wave check`` and the check made when the workflow is
  read, :mod:`swsurvey.study.wave_check`): the same, every problem collected, and also the
  variables the instrument does not define and the code frames that differ (a code the file
  labels that the instrument does not define, or the reverse);
- :func:`dictionary_warnings`: what makes a run right only by luck, a user-missing code the
  instrument declares that the file does not declare missing.

``raw_variables`` are anything with ``name``, ``type``, ``format``, ``value_labels`` and
``missing_ranges``: the import's pyreadstat metadata (:class:`swsurvey.io.spss.RawVariable`)
or the pure-Python dictionary of :func:`swsurvey.io.spss_header.read_header`. Standard library
only: the workflow's reading imports this module.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

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


def plural(n: int, word: str) -> str:
    """``3 variables``, ``1 variable``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def as_code(value: Any) -> int | float | Any:
    """A code as it is written: 1.0 -> 1."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def expects_number(var: Variable) -> bool:
    """A variable the instrument gives codes or a range: the export must hold it as numbers,
    and its values are checked (:func:`swsurvey.study.contract.check_values`)."""
    return var.kind == "numeric" and (var.coded or var.value_range is not None)


def _shown(names: Sequence[str]) -> str:
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def _findings(raw_variables: Sequence[Any], instrument: Instrument, file: str | Path) -> Iterator[InputError]:
    """The import's checks, in the order it makes them: absent variables, types, labels."""
    by_name = {v.name: v for v in raw_variables}
    absent = [v.name for v in instrument.variables if not v.personal and v.name not in by_name]
    if absent:
        yield InputError(
            f"{plural(len(absent), 'variable')} of the instrument {instrument.path.name} "
            f"{'is' if len(absent) == 1 else 'are'} missing from the export: "
            "export the full survey (all questions and Qualtrics' embedded fields) or give the wave "
            "the instrument it follows",
            file=file, variable=_shown(absent),
        )
    for var in instrument.variables:
        raw = by_name.get(var.name)
        if raw is None:
            continue
        if expects_number(var) and raw.type != "numeric":
            yield InputError(
                f"is stored as {raw.type} ({raw.format}) where the instrument has numeric codes: "
                "export with 'Use numeric values' (Qualtrics) so answers are codes, not their text",
                file=file, variable=var.name,
            )
        if not var.values:
            continue
        for code, label in raw.value_labels.items():
            if not isinstance(code, (int, float)):
                continue
            code = as_code(code)
            expected = var.values.get(code) if code not in instrument.user_missing else None
            if expected is not None and label is not None and not same_label(str(label), expected):
                yield InputError(
                    f"the file labels code {code} {str(label)!r} but the instrument "
                    f"{instrument.path.name} says {expected!r}: the codes do not mean what the "
                    "recode assumes; check that the export is of this wave's questionnaire",
                    file=file, variable=var.name, value=code,
                )


def check_dictionary(raw_variables: Sequence[Any], instrument: Instrument, *, file: str | Path) -> None:
    """The file's dictionary against the instrument; raise :class:`InputError` at the first problem."""
    for problem in _findings(raw_variables, instrument, file):
        raise problem


def dictionary_problems(raw_variables: Sequence[Any], instrument: Instrument, *, file: str | Path,
                        tolerated: Collection[str] = ()) -> list[str]:
    """Every problem of the file's dictionary against the instrument, one line each: those of
    :func:`check_dictionary`, the file's variables the instrument does not define (but the
    ``tolerated`` ones, which the import takes care of: supplied replicate weights, strings it
    drops), and the code frames that differ (a code labelled in the file that the instrument
    does not define, or a code of the instrument the file does not label)."""
    problems = [str(p) for p in _findings(raw_variables, instrument, file)]
    tolerated = set(tolerated)
    unexpected = [v.name for v in raw_variables if v.name not in instrument.by_name and v.name not in tolerated]
    if unexpected:
        problems.append(str(InputError(
            f"{plural(len(unexpected), 'variable')} of the export {'is' if len(unexpected) == 1 else 'are'} not "
            f"defined by the instrument {instrument.path.name}: a question added since the instrument was "
            "written? Add it to the instrument (or give the wave the instrument it follows)",
            file=file, variable=_shown(unexpected),
        )))
    by_name = {v.name: v for v in raw_variables}
    for var in instrument.variables:
        raw = by_name.get(var.name)
        if raw is None or not var.values or var.checkbox or raw.type != "numeric":
            continue
        labelled = {as_code(c): label for c, label in raw.value_labels.items() if is_number(c)}
        for code, label in labelled.items():
            if code not in var.values and code not in instrument.user_missing:
                problems.append(str(InputError(
                    f"the file labels code {code} {str(label)!r}, which the instrument {instrument.path.name} "
                    f"does not define (its codes: {', '.join(map(str, sorted(var.values)))}): the code frame "
                    "changed; add the code to the instrument and handle it in the recode",
                    file=file, variable=var.name, value=code,
                )))
        if labelled:
            for code, label in var.values.items():
                if code not in labelled:
                    problems.append(str(InputError(
                        f"the instrument {instrument.path.name} defines code {code} {label!r}, which the file "
                        "does not label: the code frame changed; check the export's questionnaire",
                        file=file, variable=var.name, value=code,
                    )))
    return problems


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
            if not any(lo <= code <= hi for lo, hi in raw.missing_ranges if is_number(lo) and is_number(hi)):
                undeclared.setdefault(code, []).append(var.name)
    warnings = []
    for code, names in undeclared.items():
        warnings.append(
            f"Code {code} ({instrument.user_missing[code]}) is not declared user-missing in the file "
            f"for {plural(len(names), 'coded variable')} ({_shown(names)}), though the instrument "
            f"{instrument.path.name} says it is: the cleaning treats it as missing because the "
            "instrument says so, so check that the export's missing codes are the instrument's."
        )
    return warnings
