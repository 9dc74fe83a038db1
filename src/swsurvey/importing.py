"""The import stage: a raw SPSS export in, typed Parquet data and a raw codebook out.

It reads .sav, .zsav and .por files (the format is decided by content, see
:mod:`swsurvey.spss_header`) keeping the raw codes: user-missing codes such as -99 stay
values in the data and their declarations go into the codebook, so the cleaning stage
decides what they mean. Personal data never leaves this stage: the columns the instrument
marks pii or free text, and every string not explicitly kept, are not even read; an ID
that is needed to spot duplicate responses is replaced by a keyed pseudonym.

Numeric variables the instrument does not define are kept as they are. Replicate weight
columns a wave's variance setting names (method ``supplied``) are such variables: the
import checks that they exist, are numbers, and are neither instrument variables nor
dropped by the privacy settings, so that they reach the weighted data and nothing personal
can pass as one.

It is built to cost little more than a bare ``pyreadstat.read_sav``: date columns are
converted with NumPy instead of per-cell Python objects, and numeric columns go to Arrow
without a copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyreadstat

from swsurvey.codebook import build_raw_codebook, code_key, render_raw_codebook
from swsurvey.contract import check_dictionary, check_values, dictionary_warnings
from swsurvey.errors import InputError
from swsurvey.instrument import Instrument, load_instrument
from swsurvey.logging import get_logger
from swsurvey.outputs import atomic_path, sha256_file, with_provenance
from swsurvey.spss_header import SpssHeader, read_header
from swsurvey.variance_setting import carried_columns, full_sample_weight, supplied

log = get_logger("import")

#: Seconds from SPSS's day 0 (1582-10-14, the Gregorian calendar's start) to 1970-01-01.
SPSS_EPOCH_OFFSET = 12_219_379_200.0
#: The one column of the data when no variable of the file is kept: each response's position.
CASE_NUMBER = "case_number"
#: Hex characters kept of a pseudonym's HMAC: 80 bits, collisions are negligible for surveys.
PSEUDONYM_LENGTH = 20

_DATETIME_FORMATS = frozenset({"DATETIME", "YMDHMS"})
_DATE_FORMATS = frozenset({"DATE", "ADATE", "EDATE", "JDATE", "SDATE", "QYR", "MOYR", "WKYR"})
_TIME_FORMATS = frozenset({"TIME", "DTIME", "MTIME"})
_NAMED_NUMBER_FORMATS = frozenset({"WKDAY", "MONTH"})
_FORMAT_NAME = re.compile(r"^([A-Za-z]+)")
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


def _format_name(spss_format: str | None) -> str:
    """The format's name without width and decimals: "DATETIME23.2" -> "DATETIME"."""
    match = _FORMAT_NAME.match(spss_format or "")
    return match.group(1).upper() if match else ""


def variable_type(spss_format: str, storage: str) -> str:
    """Our type of a variable from its SPSS print format and storage ("double"/"string")."""
    if storage == "string":
        return "string"
    name = _format_name(spss_format)
    if name in _DATETIME_FORMATS:
        return "datetime"
    if name in _DATE_FORMATS:
        return "date"
    if name in _TIME_FORMATS:
        return "time"
    return "numeric"


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
    formats = {_format_name(v.format) for v in variables}
    if any(f in _TIME_FORMATS for f in formats):
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


@dataclass(frozen=True)
class PrivacyPlan:
    """Which raw variables are kept, dropped (with the reason) or replaced by a pseudonym."""

    kept: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...]
    pseudonymised: tuple[tuple[str, str], ...]  # (raw name, pseudonym column)
    notes: tuple[str, ...]


def plan_privacy(
    variables: Sequence[RawVariable],
    *,
    instrument: Instrument | None = None,
    drop_instrument_pii: bool = True,
    drop_unlisted_strings: bool = True,
    keep_strings: Iterable[str] = (),
    drop: Iterable[str] = (),
    pseudonymise: Iterable[str] = (),
    file: Path | None = None,
) -> PrivacyPlan:
    """Decide, variable by variable, what may leave the import stage.

    Precedence: a pseudonymised variable is replaced by its pseudonym; then configured
    drops; then what the instrument marks pii or free text (``keep_strings`` cannot
    override the instrument); then, when ``drop_unlisted_strings``, every other string
    not in ``keep_strings``.
    """
    names = [v.name for v in variables]
    present = set(names)
    keep_strings, drop, pseudonymise = set(keep_strings), set(drop), list(dict.fromkeys(pseudonymise))
    personal: dict[str, str] = {}
    if instrument is not None and drop_instrument_pii:
        for name in instrument.personal_names:
            var = instrument.by_name[name]
            personal[name] = (
                "personal data: marked pii in the instrument"
                if var.pii
                else "free text: marked free_text in the instrument (may name or identify people)"
            )
    kept, dropped, pseudo = [], [], []
    for var in variables:
        if var.name in pseudonymise:
            new = f"{var.name}_pseudonym"
            if new in present:
                raise InputError(
                    f"cannot be pseudonymised: the file already has a variable {new}",
                    file=file,
                    variable=var.name,
                )
            pseudo.append((var.name, new))
        elif var.name in drop:
            dropped.append((var.name, "dropped by configuration (drop)"))
        elif var.name in personal:
            dropped.append((var.name, personal[var.name]))
        elif drop_unlisted_strings and var.type == "string" and var.name not in keep_strings:
            dropped.append((var.name, "string not listed in keep_strings (may hold personal data)"))
        else:
            kept.append(var.name)
    notes = []
    for what, wanted in (("pseudonymise", pseudonymise), ("drop", sorted(drop))):
        absent = [n for n in wanted if n not in present]
        if absent:
            notes.append(f"Configured to {what} {', '.join(absent)}, which the file does not have.")
    return PrivacyPlan(tuple(kept), tuple(dropped), tuple(pseudo), tuple(notes))


def load_or_create_key(key_file: str | Path) -> bytes:
    """The secret pseudonymisation key; created (32 random bytes, hex, mode 0600) if absent.

    Creation is race-free: the key is written to a private temporary file and hard-linked
    into place only if no key exists yet, so two jobs can never end up with two keys.
    """
    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
            os.close(fd)
            try:
                os.link(tmp, path)
                log.warning(
                    "created a new pseudonymisation key at %s (mode 0600): keep it secret and back it "
                    "up, pseudonyms can only be reproduced with the same key",
                    path,
                )
            except FileExistsError:
                pass
        finally:
            Path(tmp).unlink(missing_ok=True)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (UnicodeDecodeError, ValueError):
        raise InputError(
            "is not a pseudonymisation key: expected hexadecimal characters only", file=path
        ) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=path) from None
    if len(key) < 16:
        raise InputError(
            f"holds a pseudonymisation key of {len(key)} bytes; at least 16 are needed", file=path
        )
    return key


def pseudonymise_values(values: pa.Array, key: bytes) -> pa.Array:
    """Keyed HMAC-SHA256 of each value, hex, first 20 characters; missing/blank stays null.

    Equal values get equal pseudonyms (duplicates stay detectable); each distinct value is
    hashed once. Numbers are hashed in their canonical text form ("12", not "12.0").
    """
    encoded = pc.dictionary_encode(values)
    base = hmac.new(key, digestmod=hashlib.sha256)

    def one(value: Any) -> str | None:
        text = value if isinstance(value, str) else None if value is None else code_key(value)
        if text is None or not text.strip():
            return None
        digest = base.copy()
        digest.update(text.encode("utf-8"))
        return digest.hexdigest()[:PSEUDONYM_LENGTH]

    digests = pa.array([one(v) for v in encoded.dictionary.to_pylist()], type=pa.large_string())
    return digests.take(encoded.indices)


def check_supplied_replicates(
    variables: Sequence[RawVariable],
    plan: PrivacyPlan,
    variance: Mapping,
    *,
    instrument: Instrument | None = None,
    file: Path | None = None,
) -> list[str]:
    """The replicate weight columns (and the full-sample weight, for combined weights) a
    ``supplied`` variance setting names, checked against the raw file's dictionary: present,
    numeric (not a string or a date), not a variable of the instrument, and kept by the
    privacy plan. Returns them in the order they are carried."""
    names = [v.name for v in variables]
    carried = carried_columns(names, variance, file=file)
    by_name = {v.name: v for v in variables}
    dropped = dict(plan.dropped)
    replaced = dict(plan.pseudonymised)
    fsw = full_sample_weight(variance)
    for name in carried:
        what = "full-sample weight" if name == fsw else "replicate weight"
        var = by_name[name]
        if var.type != "numeric":
            raise InputError(
                f"{what} column is not numeric: the file stores it as {var.type} ({var.format})",
                file=file, variable=name,
            )
        if instrument is not None and name in instrument.by_name:
            raise InputError(
                f"is a variable of the instrument {instrument.name} (a survey answer), not a {what}: "
                "make waves.<wave>.variance.columns name the replicate weight columns only",
                file=file, variable=name,
            )
        if name in dropped or name in replaced:
            reason = dropped.get(name, "replaced by a pseudonym (privacy.pseudonymise)")
            raise InputError(f"{what} column is not imported: {reason}", file=file, variable=name)
    return carried


# -- the stage --------------------------------------------------------------------------


def _check_paths(raw: Path, outputs: Sequence[Path]) -> None:
    resolved = [p.resolve() for p in outputs]
    if raw.resolve() in resolved:
        raise InputError("is also given as an output: the raw file must never be overwritten", file=raw)
    if len(set(resolved)) != len(resolved):
        raise InputError("the three import outputs must be different files", file=raw)


def _string_notes(table_columns: dict[str, pa.Array]) -> list[str]:
    notes = []
    for name, array in table_columns.items():
        if pa.types.is_large_string(array.type) or pa.types.is_string(array.type):
            hits = pc.sum(pc.match_substring_regex(array, r"[\x{80}-\x{9F}]")).as_py() or 0
            if hits:
                notes.append(
                    f"{name}: {hits} value(s) hold C1 control characters (probably double-encoded "
                    "cp1252); the data values were left as they are."
                )
    return notes


def import_wave(
    raw: str | Path,
    out_data: str | Path,
    out_codebook_json: str | Path,
    out_codebook_md: str | Path,
    *,
    instrument: Instrument | str | Path | None = None,
    expected_sha256: str | None = None,
    key_file: str | Path = ".secrets/pseudonym.key",
    drop_instrument_pii: bool = True,
    drop_unlisted_strings: bool = True,
    keep_strings: Iterable[str] = ("DistributionChannel", "UserLanguage"),
    drop: Iterable[str] = (),
    pseudonymise: Iterable[str] = ("ResponseId",),
    variance: Mapping | None = None,
    encoding: str | None = None,
) -> dict:
    """Import one raw wave: Parquet data, codebook JSON and Markdown; returns the codebook.

    With an ``instrument``, the export is checked against it (:mod:`swsurvey.contract`) before
    anything is written. ``encoding`` overrides the encoding the file declares for its text
    (config ``waves.<wave>.encoding``), for an export whose labels were written in another.

    ``variance`` is the wave's variance setting: with method ``supplied``, the replicate weight
    columns it names are checked (:func:`check_supplied_replicates`) before anything is written.
    The raw file is only read. Everything is checked before anything is written, and the
    outputs are written atomically: on any error no output is touched, so the last good
    import of an earlier run is kept (the workflow runs nothing after a failed import).
    """
    raw = Path(raw)
    outputs = [Path(out_data), Path(out_codebook_json), Path(out_codebook_md)]
    _check_paths(raw, outputs)
    return _import_wave(
        raw,
        *outputs,
        instrument=load_instrument(instrument) if isinstance(instrument, (str, Path)) else instrument,
        expected_sha256=expected_sha256,
        key_file=Path(key_file),
        drop_instrument_pii=drop_instrument_pii,
        drop_unlisted_strings=drop_unlisted_strings,
        keep_strings=tuple(keep_strings),
        drop=tuple(drop),
        pseudonymise=tuple(pseudonymise),
        variance=variance,
        encoding=encoding,
    )


def _import_wave(
    raw: Path,
    out_data: Path,
    out_json: Path,
    out_md: Path,
    *,
    instrument: Instrument | None,
    expected_sha256: str | None,
    key_file: Path,
    drop_instrument_pii: bool,
    drop_unlisted_strings: bool,
    keep_strings: tuple[str, ...],
    drop: tuple[str, ...],
    pseudonymise: tuple[str, ...],
    variance: Mapping | None,
    encoding: str | None,
) -> dict:
    started = time.perf_counter()
    header = read_header(raw)
    log.info(
        "importing %s: %s bytes, %s (%s, compression: %s), written by %s",
        raw.name,
        f"{header.size:,}",
        header.format,
        header.magic,
        header.compression,
        header.product,
    )
    sha = sha256_file(raw)
    if expected_sha256 is not None and sha != expected_sha256.strip().lower():
        raise InputError(
            f"has SHA-256 {sha} but {expected_sha256} was expected: it is not the file the "
            "workflow was configured for, or it changed",
            file=raw,
        )
    meta = read_metadata(raw, header, encoding)
    if encoding is not None:
        meta = dataclasses.replace(meta, notes=(
            *meta.notes,
            f"The text was read as {encoding} (config waves.<wave>.encoding), not as the encoding the "
            f"file declares ({meta.encoding}).",
        ))
    warnings: list[str] = []
    if instrument is not None:
        check_dictionary(meta.variables, instrument, file=raw)
        # in the codebook; in the workflow, rule check_export has already shown them
        warnings = dictionary_warnings(meta.variables, instrument, file_format=header.format)
        for warning in warnings:
            log.info("%s: %s", raw.name, warning)
    plan = plan_privacy(
        meta.variables,
        instrument=instrument,
        drop_instrument_pii=drop_instrument_pii,
        drop_unlisted_strings=drop_unlisted_strings,
        keep_strings=keep_strings,
        drop=drop,
        pseudonymise=pseudonymise,
        file=raw,
    )
    if supplied(variance):
        carried = check_supplied_replicates(meta.variables, plan, variance, instrument=instrument, file=raw)
        log.info("variance method supplied: keeping %s for the weighted data", ", ".join(carried))
    replaced = dict(plan.pseudonymised)
    key = load_or_create_key(key_file) if replaced else b""
    kept = set(plan.kept)
    to_read = [n for n in meta.names if n in kept or n in replaced]
    if plan.dropped:
        log.info(
            "not importing %d variables (personal data or unlisted strings): %s",
            len(plan.dropped),
            ", ".join(n for n, _ in plan.dropped),
        )
    read_started = time.perf_counter()
    columns, rows = read_columns(meta, to_read)
    meta = dataclasses.replace(meta, rows=rows)
    if instrument is not None:
        check_values(columns, rows, instrument, file=raw)
    log.info(
        "read %s rows x %d of %d columns in %.2f s",
        f"{rows:,}",
        len(to_read),
        len(meta.variables),
        time.perf_counter() - read_started,
    )
    for name, new in plan.pseudonymised:
        columns[new] = pseudonymise_values(columns.pop(name), key)
        log.info("replaced %s by %s (keyed pseudonym)", name, new)
    order = [replaced.get(n, n) for n in to_read]
    if not order:
        # Parquet keeps no rows without a column: the responses stay countable by their number.
        columns[CASE_NUMBER] = pa.array(np.arange(1, rows + 1, dtype=np.int64))
        order = [CASE_NUMBER]
        plan = dataclasses.replace(plan, notes=(
            *plan.notes,
            f"No variable of the file is kept, so the data file holds only {CASE_NUMBER}, each "
            "response's position in the raw file (1 to the number of rows), so that its rows are kept.",
        ))
        log.warning("%s: no variable is kept; the data file holds only the case numbers", raw.name)
    table = pa.Table.from_arrays([columns.pop(n) for n in order], names=order)
    provenance = {"stage": "import", "source": raw.name, "source_sha256": sha, "synthetic": meta.synthetic}
    table = with_provenance(table, provenance)

    kept_strings = {
        n: table.column(n).combine_chunks()
        for n in plan.kept
        if pa.types.is_large_string(table.schema.field(n).type)
    }
    codebook = build_raw_codebook(
        meta,
        sha256=sha,
        kept=plan.kept,
        dropped=plan.dropped,
        pseudonymised=plan.pseudonymised,
        notes=[*plan.notes, *_string_notes(kept_strings)],
        warnings=warnings,
    )
    codebook_json = json.dumps(codebook, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    codebook_md = render_raw_codebook(codebook)
    if meta.synthetic:
        log.warning("%s is SYNTHETIC DATA (file label %r)", raw.name, meta.file_label)

    write_started = time.perf_counter()
    with atomic_path(out_data) as tmp_data, atomic_path(out_json) as tmp_json, atomic_path(out_md) as tmp_md:
        pq.write_table(table, tmp_data, compression="zstd")
        tmp_json.write_text(codebook_json, encoding="utf-8", newline="\n")
        tmp_md.write_text(codebook_md, encoding="utf-8", newline="\n")
    log.info(
        "wrote %s (%s rows x %d columns) and the codebooks in %.2f s; import took %.2f s",
        out_data,
        f"{table.num_rows:,}",
        table.num_columns,
        time.perf_counter() - write_started,
        time.perf_counter() - started,
    )
    return codebook
