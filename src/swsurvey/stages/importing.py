"""The import stage: a raw SPSS export in, typed Parquet data and a raw codebook out.

It reads .sav, .zsav and .por files (:mod:`swsurvey.io.spss`) keeping the raw codes: user-missing codes such as -99 stay
values in the data and their declarations go into the codebook, so the cleaning stage
decides what they mean. Personal data never leaves this stage: the columns the instrument
marks pii or free text, and every string not explicitly kept, are not even read; an ID
that is needed to spot duplicate responses is replaced by a keyed pseudonym.

Numeric variables the instrument does not define are kept as they are. Replicate weight
columns a wave's variance setting names (method ``supplied``) are such variables: the
import checks that they exist, are numbers, and are neither instrument variables nor
dropped by the privacy settings, so that they reach the weighted data and nothing personal
can pass as one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from swsurvey.errors import InputError
from swsurvey.io.codebook import build_raw_codebook, render_raw_codebook
from swsurvey.io.codes import code_key
from swsurvey.io.files import atomic_path, sha256_file, with_provenance
from swsurvey.io.logfile import get_logger
from swsurvey.io.spss import RawVariable, read_columns, read_metadata
from swsurvey.io.spss_header import read_header
from swsurvey.study.contract import check_dictionary, check_values, dictionary_warnings
from swsurvey.study.instrument import Instrument, load_instrument
from swsurvey.study.variance_setting import carried_columns, full_sample_weight, supplied

log = get_logger("import")

#: The one column of the data when no variable of the file is kept: each response's position.
CASE_NUMBER = "case_number"
#: Hex characters kept of a pseudonym's HMAC: 80 bits, collisions are negligible for surveys.
PSEUDONYM_LENGTH = 20

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

    With an ``instrument``, the export is checked against it (:mod:`swsurvey.study.contract`) before
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
