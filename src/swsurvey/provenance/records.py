"""Provenance of every job: what went in, what came out, with which code, settings and software.

Each Snakemake job writes one JSON *record* beside its outputs. The records are what
:mod:`swsurvey.provenance.manifest` aggregates into the run's manifest, what :mod:`swsurvey.provenance.audit` checks
the files on disk against, what :mod:`swsurvey.provenance.lineage` walks back from one estimate to the raw
file, and what :mod:`swsurvey.provenance.crate` turns into a Workflow Run RO-Crate.

Wiring a rule
-------------
A rule lists the code it runs as an input named ``code`` and declares an output named
``provenance`` (one record per job, so the file name carries every wildcard)::

    # workflow/rules/common.smk
    from swsurvey.provenance.code import code_files

    # workflow/rules/describe.smk
    rule describe_wave:
        input:
            data="results/{wave}/weight/responses.parquet",
            code=code_files("scripts/describe_wave.py"),
        output:
            estimates="results/{wave}/describe/estimates.csv",
            provenance="results/{wave}/provenance/describe_wave.json",
        ...

:func:`~swsurvey.provenance.code.code_files` is the script plus every module of the package
it imports, transitively (:mod:`swsurvey.provenance.code`).

The script wraps its work in :func:`recorded`, inside the log so a failure to write the record
is logged too::

    with to_logfile(snakemake.log[0]), recorded(snakemake):
        describe_wave(data=snakemake.input.data, ...)

The record is written (atomically) only when the block succeeds: a failed job leaves none.
Its inputs are the rule's inputs less ``code``; its outputs the rule's outputs less
``provenance``. Paths are relative to the working directory (the repository, where Snakemake
runs its jobs); a file outside it keeps its absolute path.

The record
----------
One JSON object (``format`` is :data:`RECORD_FORMAT`)::

    {
      "format": "swsurvey-provenance/1",
      "rule": "describe_wave",
      "wildcards": {"wave": "2017"},
      "wave": "2017",
      "started": "2026-01-05T10:00:00.125Z",
      "ended": "2026-01-05T10:00:02.501Z",
      "seconds": 2.376,
      "inputs": [{"name": "data", "path": "results/2017/weight/responses.parquet",
                  "sha256": "9f2c...", "size": 812345, "rows": 4354, "stage": "weight",
                  "synthetic": true}],
      "outputs": [{"name": "estimates", "path": "results/2017/describe/estimates.csv",
                   "sha256": "41ab...", "size": 301234, "rows": 2480}],
      "rows": {"in": {"results/2017/weight/responses.parquet": 4354},
               "out": {"results/2017/describe/estimates.csv": 2480}},
      "params": {"min_n": 10, "stratum": "country", "tables": {...}, "pooled": {...}},
      "params_sha256": "c0de...",
      "config_keys": {"min_n": ["describe", "min_n"], "stratum": ["weighting", "stratum"], ...},
      "input_config_keys": {},
      "seeds": {},
      "config": {"sha256": "77aa...", "file": "config.yaml", "file_sha256": "e3b0..."},
      "code": {"files": [{"path": "scripts/describe_wave.py", "sha256": "..."},
                         {"path": "src/swsurvey/stages/describe.py", "sha256": "..."}, ...],
               "sha256": "5e5e...",
               "imported": {"package": "src/swsurvey",
                            "files": [{"path": "src/swsurvey/stages/describe.py", "sha256": "..."}, ...]}},
      "software": {"python": "3.11.7", "snakemake": "9.27.1",
                   "packages": {"pandas": "3.1.1", ..., "swsurvey": "0.1.0"}},
      "git": {"commit": "5e976b3...", "dirty": false},
      "synthetic": true,
      "notes": {}
    }

``config_keys`` says where in the config each parameter came from, and ``input_config_keys``
the same of each input file the config names (``waves.<wave>.raw``...), so an audit can
compare them with what the current config.yaml says. The rules state them (the rule's
``config_keys`` param, made by ``settings`` in ``workflow/rules/common.smk``; see
:mod:`swsurvey.provenance.settings`): nothing is guessed from values, and a parameter without
a key is not a setting. ``code.imported`` is the
``swsurvey`` package the job actually imported (its folder, and the SHA-256 there of each
package module the job's code lists): an environment whose package is another checkout's ran
other code than ``code.files`` hashes, which the audit reports. ``rows`` is given for Parquet
and CSV files.
``stage`` and ``synthetic`` come from the pipeline's own Parquet metadata
(:data:`swsurvey.io.files.PROVENANCE_KEY`). ``git`` is ``"unknown"`` outside a git checkout.
"""

from __future__ import annotations

import contextlib
import csv
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from swsurvey.io.files import PROVENANCE_KEY, sha256_file, write_json
from swsurvey.provenance.code import code_entries, code_files, combined_code_hash, imported_package
from swsurvey.provenance.documents import jsonable, read_document, sha256_json
from swsurvey.provenance.environment import git_state, software
from swsurvey.provenance.paths import relative_path, resolve, working_dir
from swsurvey.provenance.settings import CONFIG_KEYS

#: The ``format`` of every job record; a reader refuses any other.
RECORD_FORMAT = "swsurvey-provenance/1"
#: Where records live below the results folder: ``results/<wave>/provenance/<rule>.json``.
RECORDS_GLOB = "**/provenance/*.json"
#: Rule inputs and outputs that are not data: the code run and the record itself.
CODE_INPUT = "code"
RECORD_OUTPUT = "provenance"


# -- files -------------------------------------------------------------------------------


def table_rows(path: str | Path) -> int | None:
    """Data rows of a Parquet or CSV table (CSV: records after the header); None otherwise."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if suffix == ".csv":
            with open(path, newline="", encoding="utf-8") as handle:
                return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
    except (OSError, ValueError, csv.Error, UnicodeDecodeError):
        return None
    return None


def parquet_provenance(path: str | Path) -> dict[str, Any]:
    """The pipeline's own metadata of a Parquet file (stage, wave, synthetic...), or {}."""
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(path).metadata or {}).get(PROVENANCE_KEY)
        return json.loads(raw) if raw else {}
    except (OSError, ValueError):
        return {}


def file_entry(path: str | Path, root: str | Path | None = None, name: str | None = None) -> dict[str, Any]:
    """One file as a record lists it: name, path, SHA-256, size, rows, stage and synthetic flag."""
    on_disk = resolve(path, root)
    entry: dict[str, Any] = {} if name is None else {"name": name}
    entry |= {"path": relative_path(path, root), "sha256": sha256_file(on_disk), "size": on_disk.stat().st_size}
    rows = table_rows(on_disk)
    if rows is not None:
        entry["rows"] = rows
    if on_disk.suffix.lower() == ".parquet":
        own = parquet_provenance(on_disk)
        for key in ("stage", "synthetic"):
            if key in own:
                entry[key] = own[key]
    return entry


def named_paths(files: Mapping[str, Any] | Iterable[tuple[str | None, Any]]) -> list[tuple[str | None, str]]:
    """(name, path) pairs from a mapping or pairs whose values may be lists of paths."""
    items = files.items() if isinstance(files, Mapping) else files
    pairs = []
    for name, value in items:
        values = [value] if isinstance(value, str | Path) else list(value)
        pairs.extend((name, str(item)) for item in values)
    return pairs


# -- seeds -------------------------------------------------------------------------------


def find_seeds(params: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter whose key contains "seed", at any depth, by dotted path."""
    seeds: dict[str, Any] = {}

    def walk(value: Any, path: list[str]) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if "seed" in str(key).lower():
                    seeds[".".join(path + [str(key)])] = jsonable(item)
                else:
                    walk(item, path + [str(key)])
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(item, path + [str(index)])

    walk(params, [])
    return seeds


# -- the record --------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, e.g. 2026-01-05T10:00:00.125Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_record(
    *,
    rule: str,
    inputs: Mapping[str, Any] | Iterable[tuple[str | None, Any]],
    outputs: Mapping[str, Any] | Iterable[tuple[str | None, Any]],
    code: Iterable[str | Path],
    started: datetime,
    ended: datetime,
    wildcards: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    config_keys: Mapping[str, Sequence[str]] | None = None,
    input_config_keys: Mapping[str, Sequence[str]] | None = None,
    config: Mapping[str, Any] | None = None,
    config_file: str | Path | None = "config.yaml",
    notes: Mapping[str, Any] | None = None,
    imported: Mapping[str, Any] | None = None,
    root: str | Path | None = None,
) -> dict[str, Any]:
    """One job's provenance record (see the module docstring for its shape).

    ``inputs`` and ``outputs`` map names to a path or a list of paths (unnamed files as
    ``(None, path)`` pairs). ``code`` is the job's code files (:func:`code_files`).
    ``config_keys`` and ``input_config_keys`` say which config key each parameter and each
    config-named input came from (as the rule states them). ``config`` is the whole config the
    job saw (``snakemake.config``): its hash is recorded. ``config_file``, relative to ``root``,
    is hashed too when it exists. ``imported`` is :func:`imported_package` of the job.
    """
    wildcards = {str(key): str(value) for key, value in (wildcards or {}).items()}
    params = jsonable(dict(params or {}))
    input_entries = [file_entry(path, root, name) for name, path in named_paths(inputs)]
    output_entries = [file_entry(path, root, name) for name, path in named_paths(outputs)]
    code_list = code_entries(code, root)
    synthetic_flags = [e["synthetic"] for e in input_entries + output_entries if isinstance(e.get("synthetic"), bool)]
    config_info: dict[str, Any] = {"sha256": None if config is None else sha256_json(config)}
    if config_file is not None:
        on_disk = resolve(config_file, root)
        config_info["file"] = relative_path(config_file, root)
        config_info["file_sha256"] = sha256_file(on_disk) if on_disk.is_file() else None
    return {
        "format": RECORD_FORMAT,
        "rule": rule,
        "wildcards": wildcards,
        "wave": wildcards.get("wave"),
        "started": iso_time(started),
        "ended": iso_time(ended),
        "seconds": round((ended - started).total_seconds(), 3),
        "inputs": input_entries,
        "outputs": output_entries,
        "rows": {
            "in": {e["path"]: e["rows"] for e in input_entries if "rows" in e},
            "out": {e["path"]: e["rows"] for e in output_entries if "rows" in e},
        },
        "params": params,
        "params_sha256": sha256_json(params),
        "config_keys": jsonable(dict(config_keys or {})),
        "input_config_keys": jsonable(dict(input_config_keys or {})),
        "seeds": find_seeds(params),
        "config": config_info,
        "code": {"files": code_list, "sha256": combined_code_hash(code_list)}
        | ({} if imported is None else {"imported": jsonable(dict(imported))}),
        "software": software(),
        "git": git_state(root),
        "synthetic": any(synthetic_flags) if synthetic_flags else None,
        "notes": jsonable(dict(notes or {})),
    }


def write_record(path: str | Path, record: Mapping[str, Any]) -> None:
    """Write a record atomically (a reader never sees half a record)."""
    write_json(path, record)


def read_record(path: str | Path) -> dict[str, Any]:
    """A job's record from disk (:data:`RECORD_FORMAT`)."""
    return read_document(path, RECORD_FORMAT, "provenance record")


def find_records(results_root: str | Path = "results") -> list[Path]:
    """Every record below the results folder (``**/provenance/*.json``), sorted."""
    return sorted(Path(results_root).glob(RECORDS_GLOB))


# -- recording a Snakemake job -----------------------------------------------------------


@dataclass
class Job:
    """The job being recorded. ``params`` are the rule's settings for the work (its params less
    :data:`CONFIG_KEYS`); ``notes`` (JSON values) go into the record as they are."""

    rule: str
    wildcards: dict[str, str]
    started: datetime
    params: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


def _items(namedlist: Any) -> list[tuple[str | None, Any]]:
    """(name, value) of every entry of a Snakemake Namedlist, unnamed ones as (None, value)."""
    if hasattr(namedlist, "_allitems"):
        return list(namedlist._allitems())
    if isinstance(namedlist, Mapping):
        return list(namedlist.items())
    return [(None, value) for value in namedlist]


def _snakemake_code(snakemake: Any, root: Path) -> list[str]:
    """The code a job runs: the rule's ``code`` input, else the script named after the rule.

    Snakemake runs a temporary copy of the script, so its path cannot be taken from the
    running file; the rule's ``code`` input (:func:`code_files`) names the real one.
    """
    code = snakemake.input.get(CODE_INPUT)
    if code is not None:
        return [code] if isinstance(code, str | Path) else list(code)
    scriptdir = getattr(snakemake, "scriptdir", None)
    if scriptdir:
        script = Path(scriptdir) / f"{snakemake.rule}.py"
        if script.is_file():
            return [str(path) for path in code_files(script, root=root)]
    return []


@contextlib.contextmanager
def recorded(
    snakemake: Any,
    *,
    config_file: str | Path | None = "config.yaml",
    root: str | Path | None = None,
) -> Iterator[Job]:
    """Time the block, then write the job's record to the rule's ``provenance`` output.

    ``snakemake`` is the object Snakemake injects into a script (or anything with the same
    ``rule``, ``input``, ``output``, ``params``, ``wildcards`` and ``config``). Nothing is
    written when the block raises, so a failed job leaves no record. Yields a :class:`Job`
    whose ``params`` are the settings to work with and whose ``notes`` the work may fill in.
    """
    record_path = snakemake.output.get(RECORD_OUTPUT)
    if record_path is None:
        raise ValueError(f"rule {snakemake.rule} declares no output named '{RECORD_OUTPUT}' for its record")
    root_path = working_dir(root)
    wildcards = {str(k): str(v) for k, v in _items(snakemake.wildcards) if k is not None}
    params = {k: v for k, v in _items(snakemake.params) if k is not None}
    keys = params.pop(CONFIG_KEYS, None) or {}
    job = Job(rule=snakemake.rule, wildcards=wildcards, started=utc_now(), params=dict(params))
    clock = time.perf_counter()
    yield job
    # The wall clock dates the start; the monotonic clock times the work (immune to clock steps).
    ended = job.started + timedelta(seconds=time.perf_counter() - clock)
    code = _snakemake_code(snakemake, root_path)
    record = job_record(
        rule=snakemake.rule,
        wildcards=wildcards,
        inputs=[(k, v) for k, v in _items(snakemake.input) if k != CODE_INPUT],
        outputs=[(k, v) for k, v in _items(snakemake.output) if k != RECORD_OUTPUT],
        code=code,
        started=job.started,
        ended=ended,
        params=params,
        config_keys=keys.get("params"),
        input_config_keys=keys.get("input"),
        config=getattr(snakemake, "config", None),
        config_file=config_file,
        notes=job.notes,
        imported=imported_package(code, root_path),
        root=root_path,
    )
    write_record(resolve(record_path, root_path), record)
