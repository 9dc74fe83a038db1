"""The export as SPSS sees it: variable labels, value labels, ``-99`` declared user-missing,
formats and measures from the instrument, the file label and notes, and the header pinned so
that one seed gives one file, byte for byte."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument, Variable
from swsurvey.synthetic.design import Design
from swsurvey.synthetic.questionnaire import generator_column, siblings

#: How the file label starts, so no one mistakes the file for real responses.
FILE_LABEL_PREFIX = "SYNTHETIC DATA"

# SPSS header fields that ReadStat fills with the clock and its own name (PSPP developers'
# guide, "File Header Record"): pinned so that the same seed gives the same bytes.
_PRODUCT_SPAN = (4, 64)
_DATE_SPAN = (92, 101)
_TIME_SPAN = (101, 109)
_PRODUCT = b"@(#) SPSS DATA FILE - swsurvey synthetic generator, ReadStat"
_CREATION_TIME = b"00:00:00"
_FILE_LABEL_BYTES = 64

#: Ordered scales; everything else coded is nominal.
_ORDINAL = ("Q5", "Q12_1", "Q12_2", "Q12_3", "Q12_4", "Q12_5", "Q12_6")
#: Widths of typed numbers: Q7 holds typos such as 1998; a year of birth typos such as
#: 19788; Duration up to a week in seconds.
_NUMERIC_WIDTH = {"Q7": 4, "birth_year": 5, "Duration__in_seconds_": 8}


@dataclass(frozen=True)
class SpssMeta:
    """The metadata of the export: the arguments :func:`pyreadstat.write_sav` takes.

    String widths are not listed: ReadStat sizes each string to its longest value, which
    keeps the file small (Qualtrics writes A2000 everywhere).
    """

    column_labels: dict[str, str]
    variable_value_labels: dict[str, dict[float, str]]
    missing_ranges: dict[str, list[float]]
    variable_format: dict[str, str]
    variable_measure: dict[str, str]
    file_label: str
    note: list[str] = field(default_factory=list)

    def write_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``pyreadstat.write_sav`` (row-compressed, like SPSS itself)."""
        return {
            "file_label": self.file_label,
            "column_labels": self.column_labels,
            "variable_value_labels": self.variable_value_labels,
            "missing_ranges": self.missing_ranges,
            "variable_format": self.variable_format,
            "variable_measure": self.variable_measure,
            "note": self.note,
            "row_compress": True,
        }


def pin_sav_header(path: str | Path, creation_date: bytes) -> None:
    """Overwrite the clock-dependent creation date/time and the product name of a .sav header."""
    with open(path, "r+b") as handle:
        head = handle.read(_TIME_SPAN[1])
        if head[:4] not in (b"$FL2", b"$FL3"):
            raise InputError("is not an SPSS system file; cannot pin its header", file=path)
        for (start, end), value in (
            (_PRODUCT_SPAN, _PRODUCT.ljust(_PRODUCT_SPAN[1] - _PRODUCT_SPAN[0], b" ")),
            (_DATE_SPAN, creation_date),
            (_TIME_SPAN, _CREATION_TIME),
        ):
            handle.seek(start)
            handle.write(value)


def export_frame(instrument: Instrument, cols: dict[str, np.ndarray], order: np.ndarray) -> pd.DataFrame:
    """The export as a DataFrame in instrument order, with the dtypes pyreadstat reads back."""
    data = {}
    for var in instrument.variables:
        values = cols[var.name][order]
        if var.kind == "datetime":
            # datetime64[s] is written as 1970 by pyreadstat 1.3.7; microseconds are safe.
            data[var.name] = pd.Series(values.astype("int64").astype("datetime64[s]").astype("datetime64[us]"))
        elif var.kind == "string":
            data[var.name] = pd.Series(values, dtype="str")
        else:
            data[var.name] = pd.Series(values.astype(float))
    return pd.DataFrame(data)


def _option_text(var: Variable) -> str:
    """A checkbox column's option text: what follows " - " in its label (as Qualtrics labels 1)."""
    return var.label.rsplit(" - ", 1)[-1]


def _numeric_format(var: Variable, source: str, user_missing: dict[int, str]) -> str:
    """F<w>.0 just wide enough for the variable's codes (Qualtrics writes F40.0).

    ``source`` is the variable's generator column, whose typed numbers may need more width.
    """
    if source in _NUMERIC_WIDTH:
        width = _NUMERIC_WIDTH[source]
    elif var.value_range:
        width = len(str(int(max(abs(v) for v in var.value_range))))
    else:
        codes = list(var.values) + (list(user_missing) if var.coded else []) + ([1] if var.checkbox else [])
        width = max(len(str(c)) for c in codes) if codes else 8
    return f"F{width}.0"


def _measure(var: Variable, source: str) -> str:
    if var.kind == "string":
        return "nominal"
    if var.kind == "datetime" or not (var.values or var.checkbox):
        return "scale"
    return "ordinal" if source in _ORDINAL else "nominal"


def _file_label(wave: str, seed: int) -> str:
    """The SPSS file label (at most 64 bytes), always starting with "SYNTHETIC DATA", naming
    the wave the file stands in for when it fits."""
    for label in (
        f"{FILE_LABEL_PREFIX} - #socialwork {wave} stand-in, seed {seed}",
        f"{FILE_LABEL_PREFIX} - #socialwork {wave} stand-in",
        f"{FILE_LABEL_PREFIX} - seed {seed}",
    ):
        if len(label.encode("utf-8")) <= _FILE_LABEL_BYTES:
            return label
    return FILE_LABEL_PREFIX


def spss_meta(instrument: Instrument, design: Design, seed: int, wave: str) -> SpssMeta:
    """Labels, value labels, -99 declarations, formats and measures from the instrument."""
    labels, value_labels, missing, formats, measures = {}, {}, {}, {}, {}
    for var in instrument.variables:
        labels[var.name] = var.label
        source = generator_column(var, design)
        if source is None:  # a new question: scaled like its grid's other rows, if it has any
            source = next(filter(None, (generator_column(s, design) for s in siblings(instrument, var))), None)
        measures[var.name] = _measure(var, source)
        if var.kind == "datetime":
            formats[var.name] = "DATETIME20"
        elif var.kind == "numeric":
            formats[var.name] = _numeric_format(var, source, instrument.user_missing)
        codes = {float(c): lab for c, lab in var.values.items()}
        if var.checkbox:
            codes = {1.0: _option_text(var)}
        if var.coded:
            codes.update({float(c): lab for c, lab in instrument.user_missing.items()})
        # Every question Qualtrics can record as "seen but unanswered": coded or typed numbers.
        if not var.metadata and var.kind == "numeric":
            missing[var.name] = [float(c) for c in instrument.user_missing]
        if codes:
            value_labels[var.name] = codes
    # SPSS document lines hold at most 80 bytes each.
    note = [f"SYNTHETIC DATA from swsurvey.synthetic, seed {seed}. Not real responses:", *design.note]
    if wave != instrument.wave:
        note.append(f"Stands in for wave {wave}; generated on the wave {instrument.wave} design.")
    return SpssMeta(labels, value_labels, missing, formats, measures, _file_label(wave, seed), note)


def check_readable(path: Path, data: pd.DataFrame, meta: SpssMeta) -> None:
    """Read the written file's metadata back: the pinned header must not break the file."""
    try:
        _, read_meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own types; say which file failed
        raise InputError(f"the written synthetic wave cannot be read back: {exc}", file=path) from exc
    if read_meta.number_rows != len(data) or read_meta.file_label != meta.file_label:
        raise InputError("the written synthetic wave does not read back as written", file=path)
