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
    from swsurvey.provenance.records import code_files

    # workflow/rules/describe.smk
    rule describe_wave:
        input:
            data="results/{wave}/weight/responses.parquet",
            code=code_files("scripts/describe_wave.py"),
        output:
            estimates="results/{wave}/describe/estimates.csv",
            provenance="results/{wave}/provenance/describe_wave.json",
        ...

:func:`code_files` is the script plus every module of the package it imports, transitively.
As inputs they make Snakemake rerun the rule when the *content* of code it runs changes
(Snakemake checksums small inputs, so touching a file does not rerun anything).

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
``config_keys`` param, made by ``settings`` in ``workflow/rules/common.smk``): nothing is
guessed from values, and a parameter without a key is not a setting. ``code.imported`` is the
``swsurvey`` package the job actually imported (its folder, and the SHA-256 there of each
package module the job's code lists): an environment whose package is another checkout's ran
other code than ``code.files`` hashes, which the audit reports. ``rows`` is given for Parquet
and CSV files.
``stage`` and ``synthetic`` come from the pipeline's own Parquet metadata
(:data:`swsurvey.io.files.PROVENANCE_KEY`). ``git`` is ``"unknown"`` outside a git checkout.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import functools
import hashlib
import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from swsurvey.errors import InputError
from swsurvey.io.files import PROVENANCE_KEY, sha256_file, write_json

#: The ``format`` of every job record; a reader refuses any other.
RECORD_FORMAT = "swsurvey-provenance/1"
#: Where records live below the results folder: ``results/<wave>/provenance/<rule>.json``.
RECORDS_GLOB = "**/provenance/*.json"
#: The package whose modules :func:`code_files` follows: the one this process imported.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: The distributions whose versions every record carries (the pinned runtime dependencies).
PACKAGES = (
    "snakemake",
    "pandas",
    "numpy",
    "pyreadstat",
    "pyarrow",
    "scipy",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "xlsxwriter",
    "pyyaml",
    "jsonschema",
    "rocrate",
    "swsurvey",
)
#: The package's folder in a checkout, relative to the checkout (where code_files finds modules).
CHECKOUT_PACKAGE = "src/swsurvey"
#: Rule inputs and outputs that are not data: the code run and the record itself.
CODE_INPUT = "code"
RECORD_OUTPUT = "provenance"
#: The rule param that says which config key each param and config-named input came from:
#: {"params": {name: keys}, "input": {name: keys}}. It goes into the record, not to the work.
CONFIG_KEYS = "config_keys"
#: The last key of a key path that stands for the names of a mapping (its keys, sorted: how a
#: config is merged may reorder them), for a rule that takes only which models or waves there
#: are, e.g. ["infer", "models", NAMES].
NAMES = "<names>"
UNKNOWN = "unknown"


# -- hashing -----------------------------------------------------------------------------


def canonical_json(obj: Any) -> str:
    """The one JSON text of ``obj`` that hashes compare: sorted keys, no spaces, UTF-8."""
    return json.dumps(jsonable(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_json(obj: Any) -> str:
    """SHA-256 of :func:`canonical_json`: the same settings give the same hash in any key order."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values (tuples and sets as lists, paths as text, NaN as null)."""
    if isinstance(obj, Mapping):
        return {str(key): jsonable(value) for key, value in obj.items()}
    if isinstance(obj, set | frozenset):
        return sorted((jsonable(item) for item in obj), key=canonical_json)
    if isinstance(obj, list | tuple):
        return [jsonable(item) for item in obj]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, Path):
        return obj.as_posix()
    if hasattr(obj, "item"):  # numpy scalars
        return jsonable(obj.item())
    return str(obj)


# -- paths -------------------------------------------------------------------------------


def _root(root: str | Path | None) -> Path:
    """The folder record paths are relative to: the working directory unless given."""
    return Path(root).resolve() if root is not None else Path.cwd().resolve()


def relative_path(path: str | Path, root: str | Path | None = None) -> str:
    """``path`` relative to ``root`` (POSIX form), or absolute when it lies outside it."""
    root = _root(root)
    path = Path(path)
    absolute = path if path.is_absolute() else root / path
    absolute = Path(os.path.normpath(absolute))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def resolve(path: str | Path, root: str | Path | None = None) -> Path:
    """A record's path on disk: relative paths are relative to ``root``."""
    path = Path(path)
    return path if path.is_absolute() else _root(root) / path


# -- the code a rule runs ----------------------------------------------------------------


def code_files(
    script: str | Path, package_root: str | Path = PACKAGE_DIR, root: str | Path | None = None
) -> list[Path]:
    """The entry script and every module of the package it imports, transitively.

    Imports are read with :mod:`ast` (nothing is executed): ``import swsurvey.x``,
    ``from swsurvey.x import y`` (``y`` too when it is a module), ``from swsurvey import x``
    and relative imports inside the package, including imports inside functions. Each
    package's ``__init__`` on the way is included, since importing a module runs it. Paths are
    relative to ``root`` (the working directory unless given), sorted.
    """
    root_path = _root(root)
    package_root = Path(package_root).resolve()
    package = package_root.name
    seen: set[Path] = set()
    todo: list[tuple[Path, str | None]] = [(resolve(script, root_path), None)]
    while todo:
        file, module = todo.pop()
        if file in seen:
            continue
        seen.add(file)
        stat = file.stat()
        for imported in _imported_modules(file, stat.st_mtime_ns, stat.st_size, module, package):
            todo.extend(_module_files(imported, package_root))
    return sorted((Path(relative_path(file, root_path)) for file in seen), key=lambda p: p.as_posix())


@functools.lru_cache(maxsize=4096)
def _imported_modules(file: Path, mtime_ns: int, size: int, module: str | None, package: str) -> tuple[str, ...]:
    """Names of the package's modules (or candidates) that ``file`` imports. Each file is
    parsed once per version (its modification time and size are part of the cache key): the
    workflow asks for the code of every rule when it is read, and the rules share modules."""
    return tuple(_imports_of(ast.parse(file.read_bytes(), filename=str(file)), file, module, package))


def _imports_of(tree: ast.AST, file: Path, module: str | None, package: str) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package or alias.name.startswith(package + "."):
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute_module(node, file, module)
            if base is None or not (base == package or base.startswith(package + ".")):
                continue
            yield base
            for alias in node.names:
                if alias.name != "*":
                    yield f"{base}.{alias.name}"


def _absolute_module(node: ast.ImportFrom, file: Path, module: str | None) -> str | None:
    if node.level == 0:
        return node.module
    if module is None:  # a relative import in a script cannot name the package
        return None
    parts = module.split(".")
    if file.name != "__init__.py":
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join(parts + ([node.module] if node.module else []))


def _module_files(module: str, package_root: Path) -> list[tuple[Path, str]]:
    """The files importing ``module`` runs: each package ``__init__`` and the module itself.

    Empty when ``module`` is not a module of the package (``from swsurvey.x import func``).
    """
    parts = module.split(".")[1:]
    target = package_root.joinpath(*parts)
    if (target / "__init__.py").is_file():
        found = target / "__init__.py"
    elif target.with_suffix(".py").is_file() and parts:
        found = target.with_suffix(".py")
    else:
        return []
    files = [(found, module)]
    for depth in range(len(parts)):
        init = package_root.joinpath(*parts[:depth], "__init__.py")
        if init.is_file():
            files.append((init, ".".join(module.split(".")[: depth + 1])))
    return files


def code_entries(files: Iterable[str | Path], root: str | Path | None = None) -> list[dict[str, str]]:
    """Each code file's repo-relative path and SHA-256, sorted by path."""
    entries = {relative_path(file, root): sha256_file(resolve(file, root)) for file in files}
    return [{"path": path, "sha256": entries[path]} for path in sorted(entries)]


def combined_code_hash(entries: Iterable[Mapping[str, str]]) -> str:
    """SHA-256 over the sorted (relative path, file SHA-256) pairs of :func:`code_entries`."""
    return sha256_json(sorted([entry["path"], entry["sha256"]] for entry in entries))


def code_hash(files: Iterable[str | Path], root: str | Path | None = None) -> str:
    """One hash of the code a rule runs: a change to any file's content or name changes it."""
    return combined_code_hash(code_entries(files, root))


def imported_package(code: Iterable[str | Path], root: str | Path | None = None) -> dict[str, Any]:
    """The ``swsurvey`` package this process imported: its folder, and the SHA-256 there of each
    module of the checkout's package (:data:`CHECKOUT_PACKAGE`) that ``code`` lists, by the
    checkout path. They equal ``code``'s own hashes when the job ran this checkout's code; an
    editable install of another checkout, or an older installed copy, gives others."""
    package = PACKAGE_DIR
    files = []
    for path in sorted({relative_path(file, root) for file in code}):
        inside = Path(path).relative_to(CHECKOUT_PACKAGE) if path.startswith(CHECKOUT_PACKAGE + "/") else None
        if inside is not None:
            on_disk = package / inside
            files.append({"path": path, "sha256": sha256_file(on_disk) if on_disk.is_file() else None})
    return {"package": relative_path(package, root), "files": files}


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


# -- environment -------------------------------------------------------------------------


def package_versions(packages: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    if versions.get("swsurvey") is None:
        from swsurvey import __version__

        versions["swsurvey"] = __version__
    return versions


def software() -> dict[str, Any]:
    """Python, Snakemake and the pinned packages' versions."""
    packages = package_versions()
    return {
        "python": platform.python_version(),
        "snakemake": packages.get("snakemake"),
        "packages": packages,
    }


def git_state(root: str | Path | None = None) -> dict[str, Any]:
    """The checkout's commit and whether tracked files differ from it.

    ``"unknown"`` for both outside a git checkout or without git: a record never fails for it.
    The status is read without taking git's index lock, so it never disturbs a concurrent git.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=_root(root),
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": UNKNOWN, "dirty": UNKNOWN}
    return {"commit": commit, "dirty": dirty}


# -- settings ----------------------------------------------------------------------------


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


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


#: What :func:`config_value` returns for a key the config does not have.
MISSING = _Missing()


def config_value(config: Any, keys: Sequence[str]) -> Any:
    """The value at ``keys`` in a config, or :data:`MISSING` when a key is absent. A last key
    :data:`NAMES` gives the names of the mapping there (a sorted list)."""
    node = config
    for key in keys:
        if key == NAMES and isinstance(node, Mapping):
            return sorted(node)
        if not isinstance(node, Mapping) or key not in node:
            return MISSING
        node = node[key]
    return node


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


def read_document(path: str | Path, format: str, description: str) -> dict[str, Any]:
    """A JSON document of the given ``format``; anything else is an error naming the file."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the {description} ({exc})", file=path) from None
    if not isinstance(document, dict) or document.get("format") != format:
        raise InputError(f"not a {description} ({format})", file=path)
    return document


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
    root_path = _root(root)
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
