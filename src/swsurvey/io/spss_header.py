"""Sniff and parse the header of an SPSS file (.sav, .zsav, .por) ourselves.

pyreadstat does not expose everything the pipeline needs: the WEIGHT BY variable, the
compression actually used, the producing software, the header's case count (which
Qualtrics sets to -1), and it fails on encrypted or truncated files with a message that
does not say what is wrong. This module reads only the header and dictionary (never the
data), decides the format by content (never by the file's extension) and turns every
problem into an :class:`~swsurvey.errors.InputError` that names the file.

For a system file it also reads each variable's dictionary entry (:class:`SavVariable`): name
(the long name), storage and print format, variable label, declared missing values and
numeric value labels, in pure Python, so that a wave can be checked against its instrument
when the workflow is read (:mod:`swsurvey.study.wave_check`) without pyreadstat. Value labels
of string variables (record 3 on a string, and the long-string labels of extension record 21)
are skipped: the instruments code every labelled question as a number. A portable file's
dictionary is not read (its ``variables`` are empty).

Layout references: the PSPP developers' guide, "System File Format" and "Portable File
Format" chapters.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from swsurvey.errors import InputError

#: Size of the fixed system-file header record, in bytes.
SAV_HEADER_BYTES = 176
#: Where an encrypted system file carries its tag (after an 8-byte prefix).
_ENCRYPTED_TAG = b"ENCRYPTEDSAV"
_ENCRYPTED_OFFSET = 8
#: A portable file: 200 vanity bytes + 256-byte translation table, then the tag.
_POR_TAG = b"SPSSPORT"
_POR_TAG_OFFSET = 456
_POR_LINE = 80

#: Print format types (PSPP guide, "Variable Record": the format's type byte) by code.
_FORMAT_TYPES = {
    1: "A", 2: "AHEX", 3: "COMMA", 4: "DOLLAR", 5: "F", 6: "IB", 7: "PIBHEX", 8: "P", 9: "PIB", 10: "PK",
    11: "RB", 12: "RBHEX", 15: "Z", 16: "N", 17: "E", 20: "DATE", 21: "TIME", 22: "DATETIME", 23: "ADATE",
    24: "JDATE", 25: "DTIME", 26: "WKDAY", 27: "MONTH", 28: "MOYR", 29: "QYR", 30: "WKYR", 31: "PCT",
    32: "DOT", 33: "CCA", 34: "CCB", 35: "CCC", 36: "CCD", 37: "CCE", 38: "EDATE", 39: "SDATE", 40: "MTIME",
    41: "YMDHMS",
}
#: Print formats that make a numeric variable a timestamp, a date or a time of day / duration.
DATETIME_FORMATS = frozenset({"DATETIME", "YMDHMS"})
DATE_FORMATS = frozenset({"DATE", "ADATE", "EDATE", "JDATE", "SDATE", "QYR", "MOYR", "WKYR"})
TIME_FORMATS = frozenset({"TIME", "DTIME", "MTIME"})
_FORMAT_NAME = re.compile(r"^([A-Za-z]+)")
#: Bytes of a very long string held by each of its segments (PSPP guide, "Very Long String Record").
_SEGMENT_BYTES = 252

#: Well-known signatures, so "not an SPSS file" can say what the file looks like instead.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx, .docx or .zip file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.xls or .doc?)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"<stata_dta>", "a Stata .dta file"),
    (b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc2\xea\x81\x60", "a SAS .sas7bdat file"),
    (b"SQLite format 3", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)

#: The portable character set, positions 64 onwards (PSPP guide, "Portable File Header").
_POR_CHARSET_64 = (
    "0123456789" "ABCDEFGHIJKLMNOPQRSTUVWXYZ" "abcdefghijklmnopqrstuvwxyz" " .<(+|&[]!$*);^-/|,%_>?`:£@'=\""
)


def format_name(spss_format: str | None) -> str:
    """The format's name without width and decimals: "DATETIME23.2" -> "DATETIME"."""
    match = _FORMAT_NAME.match(spss_format or "")
    return match.group(1).upper() if match else ""


def variable_type(spss_format: str, storage: str) -> str:
    """Our type of a variable from its SPSS print format and storage ("double"/"string"):
    "string", "datetime", "date", "time" or "numeric"."""
    if storage == "string":
        return "string"
    name = format_name(spss_format)
    if name in DATETIME_FORMATS:
        return "datetime"
    if name in DATE_FORMATS:
        return "date"
    if name in TIME_FORMATS:
        return "time"
    return "numeric"


@dataclass(frozen=True)
class SavVariable:
    """One variable of a system file's dictionary, as the file declares it (no data read).

    ``type`` as :func:`variable_type` says; ``format`` the print format as pyreadstat writes it
    ("F8.2", "A255", "DATETIME20"); ``value_labels`` by numeric code (a string variable's are
    not read); ``missing_ranges`` the declared missing values as (lo, hi) pairs, a discrete
    value as (v, v), as pyreadstat gives them.
    """

    name: str
    label: str | None
    type: str
    format: str
    width: int
    value_labels: dict[float, str] = field(default_factory=dict)
    missing_ranges: tuple[tuple[float | str, float | str], ...] = ()


@dataclass(frozen=True)
class SpssHeader:
    """What the header and dictionary of an SPSS file say, independent of pyreadstat.

    ``case_count`` is None when the writer did not record it (-1, as Qualtrics does);
    ``weight_variable`` is the WEIGHT BY variable (long name) or None.
    """

    path: Path
    size: int
    format: str  # "sav", "zsav" or "por"
    magic: str  # "$FL2", "$FL3" or "SPSSPORT"
    compression: str  # "none", "bytecode" or "zlib"
    product: str
    layout: str  # "little-endian", "big-endian" or "portable (text)"
    case_count: int | None
    file_label: str | None
    creation: dt.datetime | None
    creation_text: str
    weight_index: int = 0
    weight_variable: str | None = None
    encoding: str | None = None
    nominal_case_size: int | None = None
    variable_records: int = 0
    documents: tuple[str, ...] = ()
    data_offset: int | None = None
    extension_subtypes: tuple[int, ...] = field(default_factory=tuple)
    #: The dictionary's variables in file order (a system file's; empty for a portable file).
    variables: tuple[SavVariable, ...] = ()


def read_header(path: str | Path) -> SpssHeader:
    """Sniff ``path`` by content and parse its header; raise InputError if it is unusable.

    The file is opened read-only and only its header and dictionary are read, so this is
    cheap even for a large file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not an SPSS file", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=path) from None
    if size == 0:
        raise InputError("is empty (0 bytes): the export or download did not finish", file=path)
    if head[_ENCRYPTED_OFFSET : _ENCRYPTED_OFFSET + len(_ENCRYPTED_TAG)] == _ENCRYPTED_TAG:
        raise InputError(
            "is a password-protected (encrypted) SPSS file; decrypt it in SPSS (File > Save As, "
            "without a password) or with PSPP first",
            file=path,
        )
    if head[:4] in (b"$FL2", b"$FL3"):
        return _read_sav(path, size)
    if _looks_portable(head):
        return _read_por(path, size)
    if b"SPSS PORT FILE" in head[:200] or "SPSS PORT FILE".encode("cp500") in head[:200]:
        raise InputError(
            "is truncated or corrupt: it starts like an SPSS portable file but has no SPSSPORT tag "
            f"after its {_POR_TAG_OFFSET}-byte header; copy or export it again",
            file=path,
        )
    raise InputError(f"is not an SPSS file: {describe_bytes(head)}", file=path)


def describe_bytes(head: bytes) -> str:
    """Say in words what a file's first bytes look like (for "not an SPSS file" messages)."""
    shown = " ".join(f"{b:02X}" for b in head[:8])
    preview = head[:16].decode("latin-1").encode("unicode_escape").decode("ascii")
    for signature, what in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return f"it looks like {what} (first bytes {shown})"
    sample = head[:512]
    if sample and all(32 <= b < 127 or b in (9, 10, 13) for b in sample):
        return f"it looks like plain text, e.g. a CSV file (it starts with '{preview}')"
    return f"it starts with bytes {shown} ('{preview}'), not with '$FL2', '$FL3' or a portable-file header"


# -- system files (.sav, .zsav) ---------------------------------------------------------


class _Reader:
    """Sequential reader of the dictionary records with explicit truncation checks."""

    def __init__(self, path: Path, handle, endian: str) -> None:
        self.path = path
        self.handle = handle
        self.endian = endian

    def read(self, n: int, what: str) -> bytes:
        data = self.handle.read(n)
        if len(data) != n:
            raise InputError(
                f"is truncated: the file ends inside the header ({what}, at byte "
                f"{self.handle.tell()}); copy or export it again",
                file=self.path,
            )
        return data

    def ints(self, n: int, what: str) -> tuple[int, ...]:
        return struct.unpack(f"{self.endian}{n}i", self.read(4 * n, what))

    def int(self, what: str) -> int:
        return self.ints(1, what)[0]


def _read_sav(path: Path, size: int) -> SpssHeader:
    with open(path, "rb") as handle:
        raw = handle.read(SAV_HEADER_BYTES)
        if len(raw) < SAV_HEADER_BYTES:
            raise InputError(
                f"is truncated: an SPSS system file header has {SAV_HEADER_BYTES} bytes but the "
                f"file has only {len(raw)}",
                file=path,
            )
        magic = raw[:4].decode("ascii")
        endian = "<" if struct.unpack("<i", raw[64:68])[0] in (2, 3) else ">"
        if struct.unpack(f"{endian}i", raw[64:68])[0] not in (2, 3):
            raise InputError(
                f"is not a readable SPSS file: it starts with {magic} but its layout code "
                f"({raw[64:68].hex()}) is neither 2 nor 3 in either byte order",
                file=path,
            )
        nominal, compression_code, weight_index, ncases = struct.unpack(f"{endian}4i", raw[68:84])
        product = raw[4:64].decode("latin-1")
        reader = _Reader(path, handle, endian)
        dictionary = _read_dictionary(reader)
        data_offset = handle.tell()
        zheader = None
        if compression_code == 2:
            zheader = struct.unpack(f"{endian}3q", reader.read(24, "zlib data header"))
    encoding = dictionary["encoding"]
    compression = {0: "none", 1: "bytecode", 2: "zlib"}.get(compression_code)
    if compression is None:
        raise InputError(f"has an unknown compression code {compression_code}", file=path)
    header = SpssHeader(
        path=path,
        size=size,
        format="zsav" if compression_code == 2 else "sav",
        magic=magic,
        compression=compression,
        product=_product(product),
        layout="little-endian" if endian == "<" else "big-endian",
        case_count=None if ncases < 0 else ncases,
        file_label=_decode(raw[109:173], encoding).strip() or None,
        creation=_sav_creation(raw[92:101].decode("latin-1"), raw[101:109].decode("latin-1")),
        creation_text=f"{raw[92:101].decode('latin-1')} {raw[101:109].decode('latin-1')}",
        weight_index=weight_index,
        weight_variable=_weight_name(weight_index, dictionary, path),
        encoding=encoding,
        nominal_case_size=nominal if nominal > 0 else None,
        variable_records=len(dictionary["names"]),
        documents=tuple(dictionary["documents"]),
        data_offset=data_offset,
        extension_subtypes=tuple(dictionary["subtypes"]),
        variables=tuple(_variables(dictionary, encoding)),
    )
    _check_data_size(header, zheader)
    return header


def _read_dictionary(reader: _Reader) -> dict:
    """Walk the dictionary records up to the 999 terminator.

    Returns the short names of the type-2 records in order (None for string continuation
    records, which still count for ``weight_index``), the long-name map, the documents and
    the declared character encoding.
    """
    names: list[str | None] = []
    records: list[dict | None] = []  # per type-2 record: its entry, None for a continuation
    long_names: dict[str, str] = {}
    documents: list[bytes] = []
    subtypes: list[int] = []
    encoding: str | None = None
    long_names_raw = b""
    very_long_raw = b""
    endian = reader.endian
    while True:
        rec_type = reader.int("record type")
        if rec_type == 2:
            var_type, has_label, n_missing, print_format, _write = reader.ints(5, "variable record")
            short = reader.read(8, "variable name")
            names.append(None if var_type == -1 else short.decode("latin-1").rstrip())
            label = None
            if has_label:
                length = reader.int("variable label length")
                label = reader.read((length + 3) // 4 * 4, "variable label")[:length]
            missing = reader.read(abs(n_missing) * 8, "missing values")
            if var_type == -1:
                records.append(None)
                continue
            records.append(
                {
                    "short": names[-1],
                    "width": var_type,
                    "format": print_format,
                    "label": label,
                    "n_missing": n_missing,
                    "missing": missing,
                    "value_labels": {},
                }
            )
        elif rec_type == 3:
            count = reader.int("value label count")
            pairs = []
            for _ in range(count):
                value = reader.read(8, "value label value")
                length = reader.read(1, "value label length")[0]
                text = reader.read((length + 1 + 7) // 8 * 8 - 1, "value label")[:length]
                pairs.append((value, text))
            if reader.int("value label variables record type") != 4:
                raise InputError(
                    "is corrupt: a value label record is not followed by its variable list",
                    file=reader.path,
                )
            n_vars = reader.int("value label variable count")
            indexes = reader.ints(n_vars, "value label variables") if n_vars else ()
            for index in indexes:
                entry = records[index - 1] if 0 < index <= len(records) else None
                if entry is None:
                    raise InputError(
                        f"is corrupt: a value label record names variable record {index}, which is "
                        "not a variable",
                        file=reader.path,
                    )
                if entry["width"] == 0:  # numeric; a string variable's labels are not read
                    for value, text in pairs:
                        entry["value_labels"][struct.unpack(f"{endian}d", value)[0]] = text
        elif rec_type == 6:
            lines = reader.int("document line count")
            text = reader.read(80 * lines, "documents")
            documents += [text[i : i + 80] for i in range(0, len(text), 80)]
        elif rec_type == 7:
            subtype, elem_size, count = reader.ints(3, "extension record")
            data = reader.read(elem_size * count, f"extension record {subtype}")
            subtypes.append(subtype)
            if subtype == 13:
                long_names_raw = data
            elif subtype == 14:
                very_long_raw = data
            elif subtype == 20:
                encoding = data.decode("ascii", "replace").strip() or None
            elif subtype == 3 and encoding is None and len(data) >= 32:
                encoding = _codepage(struct.unpack(f"{reader.endian}8i", data[:32])[7])
        elif rec_type == 999:
            reader.int("dictionary terminator")
            break
        else:
            raise InputError(
                f"is corrupt or truncated: unknown dictionary record type {rec_type} at byte "
                f"{reader.handle.tell() - 4}",
                file=reader.path,
            )
    for pair in _decode(long_names_raw, encoding).split("\t"):
        short, sep, long = pair.partition("=")
        if sep:
            long_names[short.strip()] = long.strip()
    return {
        "names": names,
        "long_names": long_names,
        "documents": [_decode(d, encoding).rstrip() for d in documents],
        "encoding": encoding,
        "subtypes": subtypes,
        "records": records,
        "very_long": very_long_raw,
        "endian": endian,
    }


def _variables(dictionary: dict, encoding: str | None) -> list[SavVariable]:
    """The dictionary's variables: long names, labels, formats, missing values, value labels.

    A very long string (extension record 14) is stored as several segment variables; they are
    one variable here, of the declared width, as SPSS and pyreadstat show it.
    """
    endian = dictionary["endian"]
    long_names = dictionary["long_names"]
    very_long = {}
    for pair in _decode(dictionary["very_long"], encoding).split("\t"):
        short, sep, width = pair.partition("=")
        if sep and width.strip().isdigit():
            very_long[short.strip()] = int(width.strip())
    entries = [e for e in dictionary["records"] if e is not None]
    out: list[SavVariable] = []
    skip = 0
    for entry in entries:
        if skip:
            skip -= 1
            continue
        width = entry["width"]
        if entry["short"] in very_long:
            width = very_long[entry["short"]]
            skip = (width + _SEGMENT_BYTES - 1) // _SEGMENT_BYTES - 1
        fmt = entry["format"]
        fmt_type, fmt_width, decimals = (fmt >> 16) & 0xFF, (fmt >> 8) & 0xFF, fmt & 0xFF
        storage = "string" if width > 0 else "double"
        name = _FORMAT_TYPES.get(fmt_type, "F")
        if storage == "string":
            spss_format = f"A{width}"
        else:
            # pyreadstat's spelling: decimals always on a number format, only when set on a date
            dated = variable_type(name, storage) != "numeric"
            spss_format = f"{name}{fmt_width}" + (f".{decimals}" if decimals or not dated else "")
        label = None if entry["label"] is None else _decode(entry["label"], encoding)
        out.append(
            SavVariable(
                name=long_names.get(entry["short"], entry["short"]),
                label=label,
                type=variable_type(spss_format, storage),
                format=spss_format,
                width=max(width, 0),
                value_labels={v: _decode(t, encoding) for v, t in entry["value_labels"].items()},
                missing_ranges=_missing_ranges(entry, storage, endian, encoding),
            )
        )
    return out


def _missing_ranges(entry: dict, storage: str, endian: str, encoding: str | None) -> tuple[tuple, ...]:
    """Declared missing values (PSPP guide, "Variable Record"): n_missing 1-3 discrete values,
    -2 a range, -3 a range and one discrete value; as (lo, hi) pairs."""
    n, raw = entry["n_missing"], entry["missing"]
    if storage == "string":
        values: list = [_decode(raw[i : i + 8], encoding).rstrip() for i in range(0, len(raw), 8)]
    else:
        values = list(struct.unpack(f"{endian}{len(raw) // 8}d", raw)) if raw else []
    if n >= 0:
        return tuple((v, v) for v in values)
    pairs = [(values[0], values[1])]
    if n == -3:
        pairs.append((values[2], values[2]))
    return tuple(pairs)


def _weight_name(weight_index: int, dictionary: dict, path: Path) -> str | None:
    """Map the header's 1-based weight_index (counting continuation records) to a name."""
    if weight_index <= 0:
        return None
    names = dictionary["names"]
    if weight_index > len(names) or names[weight_index - 1] is None:
        raise InputError(
            f"is corrupt: its header names variable record {weight_index} as the weight, but "
            "there is no such numeric variable",
            file=path,
        )
    short = names[weight_index - 1]
    return dictionary["long_names"].get(short, short)


def _check_data_size(header: SpssHeader, zheader: tuple[int, int, int] | None) -> None:
    """Catch a truncated data section where the header makes it cheap to tell."""
    assert header.data_offset is not None
    if zheader is not None:
        _zheader_ofs, ztrailer_ofs, ztrailer_len = zheader
        if header.size < ztrailer_ofs + ztrailer_len:
            raise InputError(
                f"is truncated: its zlib index says the file should be {ztrailer_ofs + ztrailer_len} "
                f"bytes but it has {header.size}; copy or export it again",
                file=header.path,
            )
        return
    if header.compression == "none" and header.case_count:
        width = header.nominal_case_size or header.variable_records
        expected = header.data_offset + header.case_count * width * 8
        if header.size < expected:
            raise InputError(
                f"is truncated: {header.case_count} cases need {expected} bytes but the file has "
                f"{header.size}; copy or export it again",
                file=header.path,
            )
    elif header.case_count and header.size <= header.data_offset:
        raise InputError(
            f"is truncated: the header announces {header.case_count} cases but the file ends "
            "where the data should start; copy or export it again",
            file=header.path,
        )


def _product(raw: str) -> str:
    text = raw.replace("\x00", " ").strip()
    return text[5:].strip() if text.startswith("@(#) ") else text


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _sav_creation(date: str, time: str) -> dt.datetime | None:
    """Parse the header's "dd mmm yy" and "hh:mm:ss" (two-digit years: 1970-2069).

    Month names are matched in English by hand: ``strptime("%b")`` follows the locale.
    """
    try:
        day, month, year = date.replace("-", " ").split()
        hour, minute, second = (int(x) for x in time.strip().split(":"))
        yy = int(year) % 100
        return dt.datetime(
            (2000 + yy) if yy < 70 else (1900 + yy),
            _MONTHS.index(month[:3].upper()) + 1,
            int(day),
            hour,
            minute,
            second,
        )
    except ValueError:
        return None


def _codepage(code: int) -> str | None:
    return {65001: "utf-8", 2: "ascii", 20127: "ascii", 28591: "latin-1", 1252: "cp1252"}.get(
        code, f"cp{code}" if code > 2 else None
    )


def _decode(data: bytes, encoding: str | None) -> str:
    text = data.replace(b"\x00", b"")
    try:
        return text.decode(encoding or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return text.decode("latin-1")


# -- portable files (.por) --------------------------------------------------------------


def _por_text(head: bytes) -> bytes:
    """The portable file's bytes without its line breaks, short lines padded to 80."""
    lines = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return b"".join(line.ljust(_POR_LINE) if i < len(lines) - 1 else line for i, line in enumerate(lines))


def _looks_portable(head: bytes) -> bool:
    text = _por_text(head)
    return text[_POR_TAG_OFFSET : _POR_TAG_OFFSET + len(_POR_TAG)] == _POR_TAG or _POR_TAG in text[:1024]


class _PorReader:
    """Reads the base-30 numbers and strings of a portable file's header records."""

    def __init__(self, path: Path, text: str, pos: int) -> None:
        self.path = path
        self.text = text
        self.pos = pos

    def char(self) -> str:
        if self.pos >= len(self.text):
            raise InputError("is truncated: the portable file ends inside its header", file=self.path)
        c = self.text[self.pos]
        self.pos += 1
        return c

    def number(self) -> int:
        end = self.text.find("/", self.pos)
        if end < 0:
            raise InputError("is truncated: the portable file ends inside its header", file=self.path)
        digits = self.text[self.pos : end].strip()
        self.pos = end + 1
        try:
            return int(digits, 30)
        except ValueError:
            raise InputError(
                f"is corrupt: expected a number in the portable file header, found {digits!r}",
                file=self.path,
            ) from None

    def string(self) -> str:
        n = self.number()
        value = self.text[self.pos : self.pos + n]
        if len(value) < n:
            raise InputError("is truncated: the portable file ends inside its header", file=self.path)
        self.pos += n
        return value


def _read_por(path: Path, size: int) -> SpssHeader:
    with open(path, "rb") as handle:
        head = handle.read(16384)
    raw = _por_text(head)
    tag_at = _POR_TAG_OFFSET if raw[_POR_TAG_OFFSET : _POR_TAG_OFFSET + 8] == _POR_TAG else raw.find(_POR_TAG)
    table = raw[tag_at - 256 : tag_at]
    # Translate the file's own character codes to ASCII via its translation table.
    mapping = {}
    for offset, char in enumerate(_POR_CHARSET_64):
        if 64 + offset < len(table):
            mapping.setdefault(table[64 + offset], char)
    text = "".join(mapping.get(b, chr(b)) for b in raw[tag_at:])
    reader = _PorReader(path, text, len(_POR_TAG))
    product = "portable file"
    weight = None
    creation = None
    creation_text = ""
    try:
        reader.char()  # version letter, "A"
        date, time = reader.string(), reader.string()
        creation_text = f"{date} {time}"
        try:
            creation = dt.datetime.strptime(f"{date}{time}", "%Y%m%d%H%M%S")
        except ValueError:
            creation = None
        while True:
            tag = reader.char()
            if tag == "1":
                product = reader.string().strip() or product
            elif tag in "23":
                reader.string()
            elif tag in "45":
                reader.number()
            elif tag == "6":
                weight = reader.string().strip() or None
            else:
                break
    except InputError:
        if creation is None and product == "portable file":
            raise
    return SpssHeader(
        path=path,
        size=size,
        format="por",
        magic="SPSSPORT",
        compression="none",
        product=product,
        layout="portable (text)",
        case_count=None,
        file_label=None,
        creation=creation,
        creation_text=creation_text,
        weight_variable=weight,
    )
