"""Reading SPSS exports: variables, labels and data as Arrow, with their raw codes.

It reads .sav, .zsav and .por files (the format is decided by content, see
:mod:`swsurvey.io.spss_header`) keeping the raw codes: user-missing codes such as -99 stay
values, and their declarations are part of the metadata (:class:`RawMetadata`). Text
declared UTF-8 that betrays Windows-1252 bytes is repaired, and each repair is listed.

It is built to cost little more than a bare ``pyreadstat.read_sav``: date columns are
converted with NumPy instead of per-cell Python objects, and numeric columns go to Arrow
without a copy. It knows file formats, not the study: which columns to read is the caller's
decision (the import stage, :mod:`swsurvey.stages.importing`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyreadstat

from swsurvey.errors import InputError
from swsurvey.io.codes import code_key
from swsurvey.io.spss_header import TIME_FORMATS, SpssHeader, format_name, read_header, variable_type

#: Seconds from SPSS's day 0 (1582-10-14, the Gregorian calendar's start) to 1970-01-01.
SPSS_EPOCH_OFFSET = 12_219_379_200.0

_NAMED_NUMBER_FORMATS = frozenset({"WKDAY", "MONTH"})
#: Bounds that keep converted dates within Arrow's and Python's calendars (years 1-9999).
_UNIX_SECONDS_MIN = -62_135_596_800.0
_UNIX_SECONDS_MAX = 253_402_300_799.0
_DURATION_SECONDS_MAX = 9.0e12

#: C1 control characters: in text declared UTF-8 they betray cp1252 bytes decoded as latin-1.
_C1 = re.compile("[\u0080-\u009f]")
_C1_TO_CP1252 = {}
for _code in range(0x80, 0xA0):
    try:
        _C1_TO_CP1252[_code] = bytes([_code]).decode("cp1252")
    except UnicodeDecodeError:
        pass  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252: leave them visible


# -- metadata ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RawVariable:
    """One variable of the raw file as declared in its dictionary."""

    name: str
    label: str | None
    type: str  # "numeric", "string", "date", "datetime" or "time"
    format: str
    measure: str
    display_width: int
    value_labels: dict[Any, str]
    missing_ranges: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True)
class RawMetadata:
    """What the raw file declares, after label repairs; ``rows`` is known once data is read."""

    header: SpssHeader
    encoding: str | None
    file_label: str | None
    creation: dt.datetime | None
    rows: int | None
    variables: tuple[RawVariable, ...]
    documents: tuple[str, ...]
    mr_sets: dict
    notes: tuple[str, ...]
    repairs: tuple[dict, ...]
    #: The encoding the text was read in when config overrides the declared one (None: declared).
    read_encoding: str | None = None

    @property
    def synthetic(self) -> bool:
        """The project's generator labels its files "SYNTHETIC DATA - ..."."""
        return bool(self.file_label) and self.file_label.lstrip().upper().startswith("SYNTHETIC")

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]


def repair_c1(text: str) -> str:
    """Undo cp1252 text that was decoded as latin-1 (``can\\x92t`` -> ``can’t``).

    Equivalent to ``text.encode('latin-1').decode('cp1252')`` but also safe when the text
    holds characters outside latin-1 (it maps only the C1 controls).
    """
    return text.translate(_C1_TO_CP1252) if _C1.search(text) else text


class _Repairs:
    """Collects label repairs so the codebook can show what was changed and how."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def __call__(self, text: str | None, variable: str | None, what: str) -> str | None:
        if text is None or not _C1.search(text):
            return text
        fixed = repair_c1(text)
        self.items.append(
            {
                "variable": variable,
                "what": f"{what}: double-encoded cp1252 (C1 control characters) decoded as cp1252",
                "before": text,
                "after": fixed,
            }
        )
        return fixed


def _call_pyreadstat(header: SpssHeader, encoding: str | None = None, **kwargs: Any) -> tuple[Any, Any]:
    """Run pyreadstat's reader for the file's real format; its errors become InputErrors.

    ``encoding`` overrides the encoding the file declares (config ``waves.<wave>.encoding``).
    Text that is not valid in the encoding it is read in is an encoding problem, said so.
    """
    path = header.path
    if header.format == "por":
        reader = pyreadstat.read_por
    else:
        reader = pyreadstat.read_sav
        kwargs["user_missing"] = True
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        return reader(str(path), disable_datetime_conversion=True, **kwargs)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
        if "encoding" in str(exc).lower():
            read_in = encoding or "the encoding the file declares"
            raise InputError(
                f"is an encoding problem, not a damaged file: some text (a label or a value) is not "
                f"valid in {read_in} (pyreadstat: '{exc}'), as when a file declared UTF-8 holds "
                "Windows-1252 bytes. Set the encoding the text was written in for this wave in "
                "config.yaml, e.g. waves.<wave>.encoding: cp1252 (or latin1), and run again",
                file=path,
            ) from None
        raise InputError(
            f"is truncated or corrupt: its header is readable but pyreadstat stopped with '{exc}'; "
            "copy or export the file again",
            file=path,
        ) from None
    except (UnicodeError, ValueError, OverflowError) as exc:
        raise InputError(f"could not be decoded ({type(exc).__name__}: {exc})", file=path) from None


def read_metadata(path: str | Path, header: SpssHeader | None = None, encoding: str | None = None) -> RawMetadata:
    """Read the dictionary of a raw SPSS file (no data): variables, labels, missing, MR sets.

    ``encoding`` overrides the file's declared encoding for reading its text (None: as declared).
    """
    header = header or read_header(path)
    _, meta = _call_pyreadstat(header, encoding, metadataonly=True)
    fix = _Repairs()
    missing = meta.missing_ranges or {}
    variables = []
    for name in meta.column_names:
        fmt = meta.original_variable_types.get(name) or ""
        storage = meta.readstat_variable_types.get(name, "double")
        labels = meta.variable_value_labels.get(name) or {}
        variables.append(
            RawVariable(
                name=name,
                label=fix(meta.column_names_to_labels.get(name), name, "variable label"),
                type=variable_type(fmt, storage),
                format=fmt,
                measure=meta.variable_measure.get(name, "unknown"),
                display_width=int(meta.variable_display_width.get(name) or 0),
                value_labels={
                    code: fix(label, name, f"value label {code_key(code)}") for code, label in labels.items()
                },
                missing_ranges=tuple((r["lo"], r["hi"]) for r in missing.get(name, [])),
            )
        )
    mr_sets = {}
    for set_name, mr in (meta.mr_sets or {}).items():
        mr = dict(mr)
        mr["label"] = fix(mr.get("label"), set_name, "MR set label")
        mr_sets[set_name] = mr
    label = meta.file_label.strip() if meta.file_label and meta.file_label.strip() else None
    label = fix(label, None, "file label")
    documents = tuple(fix(d, None, "document line") or "" for d in (meta.notes or []))
    creation = header.creation or meta.creation_time
    return RawMetadata(
        header=header,
        encoding=meta.file_encoding,
        file_label=label,
        creation=creation,
        rows=header.case_count,
        variables=tuple(variables),
        documents=documents,
        mr_sets=mr_sets,
        notes=tuple(_metadata_notes(header, variables)),
        repairs=tuple(fix.items),
        read_encoding=encoding,
    )


def _metadata_notes(header: SpssHeader, variables: Sequence[RawVariable]) -> list[str]:
    """Things a reader of the codebook must know about how this file was read."""
    notes = []
    suffix = header.path.suffix.lower()
    expected = {"sav": {".sav"}, "zsav": {".zsav"}, "por": {".por"}}[header.format]
    if suffix not in expected:
        notes.append(
            f"The file is named {suffix or '(no extension)'} but its content is a {header.magic} "
            f"{header.format} file ({header.compression} compression); it was read by content."
        )
    if header.format == "por":
        notes.append(
            "Portable (.por) file: its user-missing declarations are lost on reading (pyreadstat "
            "cannot read them), so declared missing codes came through as system-missing (null) "
            "and every 'missing' entry below is empty. Ask for the .sav export if missing codes matter."
        )
    else:
        notes.append(
            "Raw codes are kept: values declared user-missing (see 'missing', e.g. -99) are "
            "ordinary values in the data; system-missing is null."
        )
        if header.case_count is None:
            notes.append(
                "The header does not record the number of cases (-1, as Qualtrics' SPSS writer "
                "does); the row count comes from reading the data."
            )
    if header.weight_variable:
        notes.append(
            f"The file is weighted: WEIGHT BY {header.weight_variable} (read from the header; "
            "pyreadstat does not report it)."
        )
    formats = {format_name(v.format) for v in variables}
    if any(f in TIME_FORMATS for f in formats):
        notes.append(
            "TIME, DTIME and MTIME variables are stored as durations (Parquet duration, microseconds) "
            "so that values of 24 hours or more survive."
        )
    if any(f in {"QYR", "MOYR", "WKYR"} for f in formats):
        notes.append(
            "QYR, MOYR and WKYR variables are stored as the date that starts the quarter, month or week."
        )
    if any(f in _NAMED_NUMBER_FORMATS for f in formats):
        notes.append("WKDAY and MONTH variables are stored as their numbers (1-7 from Sunday, 1-12).")
    if any(v.type == "string" for v in variables):
        notes.append("SPSS has no missing string: an unanswered text is an empty string ''.")
    return notes


# -- data -------------------------------------------------------------------------------


def _seconds(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    secs = np.asarray(values, dtype=np.float64)
    missing = np.isnan(secs)
    return np.where(missing, 0.0, secs), missing


def _check_range(
    secs: np.ndarray, missing: np.ndarray, lo: float, hi: float, var: RawVariable, path: Path
) -> None:
    bad = (~missing) & ((secs < lo) | (secs > hi))
    if bad.any():
        first = float(secs[bad][0])
        raise InputError(
            f"holds a value (seconds since 1582-10-14) that is not a valid {var.type} for its "
            f"format {var.format}",
            file=path,
            variable=var.name,
            value=first,
            count=int(bad.sum()),
        )


def to_arrow(values: pd.Series, var: RawVariable, path: Path) -> pa.Array:
    """One raw column as a typed Arrow array, vectorised (no per-cell Python work).

    Numbers stay float64 codes (zero-copy; NaN = system-missing becomes null). SPSS dates
    are seconds since 1582-10-14: DATETIME/YMDHMS become timestamp[us], rounded to 10 µs:
    a float64 count of seconds since 1582 resolves only about 2 µs today, so this undoes
    float noise (33.7199993 s is 33.72 s, where pyreadstat gives 33.719999) without
    losing anything the file can hold. Date formats (including
    QYR, MOYR, WKYR, which pyreadstat leaves as numbers) become date32, and TIME, DTIME
    and MTIME become duration[us], since DTIME and MTIME may exceed 24 hours.
    """
    if var.type == "string":
        return pa.array(values, type=pa.large_string(), from_pandas=True)
    if var.type == "numeric":
        return pa.array(np.asarray(values, dtype=np.float64), from_pandas=True)
    secs, missing = _seconds(values)
    if var.type == "time":
        _check_range(secs, missing, -_DURATION_SECONDS_MAX, _DURATION_SECONDS_MAX, var, path)
        micros = np.round(secs * 1e6).astype(np.int64)
        return pa.array(micros, type=pa.duration("us"), mask=missing)
    _check_range(
        secs, missing, _UNIX_SECONDS_MIN + SPSS_EPOCH_OFFSET, _UNIX_SECONDS_MAX + SPSS_EPOCH_OFFSET, var, path
    )
    unix = secs - SPSS_EPOCH_OFFSET
    if var.type == "datetime":
        whole = np.floor(unix)
        tenths_of_ms = np.round((unix - whole) * 1e5).astype(np.int64)
        micros = whole.astype(np.int64) * 1_000_000 + tenths_of_ms * 10
        return pa.array(micros, type=pa.timestamp("us"), mask=missing)
    days = np.floor(unix / 86400.0).astype(np.int32)
    return pa.array(days, type=pa.date32(), mask=missing)


def read_columns(meta: RawMetadata, names: Sequence[str] | None = None) -> tuple[dict[str, pa.Array], int]:
    """Read the data of ``names`` (all when None) as typed Arrow arrays, plus the row count.

    Only the requested columns are read, so dropped personal data is never loaded. A file
    that yields fewer rows than its header announces is reported as truncated.
    """
    header = meta.header
    wanted = meta.names if names is None else list(names)
    by_name = {v.name: v for v in meta.variables}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise InputError("no such variable in the file", file=header.path, variable=", ".join(unknown))
    # pyreadstat reads every column for an empty usecols; read one to learn the row count.
    usecols = wanted or meta.names[:1]
    frame, _ = _call_pyreadstat(header, meta.read_encoding, usecols=usecols)
    rows = len(frame)
    if header.case_count is not None and rows < header.case_count:
        raise InputError(
            f"is truncated: its header announces {header.case_count} cases but only {rows} could be "
            "read; copy or export the file again",
            file=header.path,
        )
    columns = {}
    for name in wanted:
        columns[name] = to_arrow(frame[name], by_name[name], header.path)
    return columns, rows


def read_spss(path: str | Path) -> tuple[pd.DataFrame, RawMetadata]:
    """Read a .sav, .zsav or .por file with raw codes kept and dates converted.

    Returns the data as a DataFrame (numbers float64 with user-missing codes as values,
    strings, datetime64/date/timedelta columns) and its metadata. For large files prefer
    :func:`read_metadata` + :func:`read_columns`, which stay in Arrow.
    """
    meta = read_metadata(path)
    columns, rows = read_columns(meta)
    frame = pa.table(columns).to_pandas() if columns else pd.DataFrame(index=range(rows))
    return frame, dataclasses.replace(meta, rows=rows)


# -- privacy ----------------------------------------------------------------------------
