"""Checks made when the workflow is read, before any job runs (and so before any job can
delete the last good outputs): the config against its schema, then every wave's files against
each other (:mod:`swsurvey.study.wave_check`, what ``swsurvey wave check`` prints: the raw
file and its checksum, its dictionary against the instrument, review marks left, the recode
against the instrument and the config, the year the recode assumes, the targets file).

A problem here is one message on standard error, naming the config key and saying what to
do, and exit status 1: no traceback, no schema dump, nothing run, nothing deleted. This
module imports only the standard library (and, to word a config problem, ``jsonschema`` and
``yaml``, which Snakemake imports anyway), because every read of the workflow runs it, on a
cluster once per job.

Each raw file's SHA-256 is kept in a small cache beside Snakemake's own records
(``.snakemake/swsurvey/raw_sha256.json``), keyed by the file's path, size, modification
time and inode, so a workflow of a multi-GB export is read in milliseconds once hashed; a
wave's passing check is kept beside it (``wave_check.json``) under the stat keys of the files
it read and the config values it used (:mod:`swsurvey.study.wave_check_cache`, so the check's
modules are imported only when it is made). The last config that passed its schema is kept
too (``valid_config.json``, with the defaults filled in), under the config as read and the
stat keys of the schema and of the code that checks it (:func:`check_config_once`): reading
an unchanged workflow neither parses the 35 KB YAML schema (in pure Python, ~60 ms) nor imports
jsonschema. (Not a JSON copy of the schema: Snakemake reads JSON into OrderedDicts, whose
defaults would change the params' text that Snakemake compares, and so rerun jobs.)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from swsurvey.errors import InputError
from swsurvey.io.files import SHA256_CACHE, cached_sha256, stat_key, write_json  # noqa: F401 - importable from here
from swsurvey.provenance.settings import resolve_wave_settings
from swsurvey.study.wave_check_cache import CHECK_CACHE, cached_check_wave

#: What every refusal made when the workflow is read ends with.
NOTHING_RUN = "Nothing was run; the results of earlier runs are kept."



def stop(error: Exception) -> NoReturn:
    """Print one expected error and end the process with status 1 (no traceback)."""
    print(f"swsurvey: error: {error}", file=sys.stderr)
    raise SystemExit(1)


# -- the config --------------------------------------------------------------------------


def _key(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _object_schema(node: Mapping) -> Mapping:
    """The schema of an object's keys: the node's own, or its ``then`` for a value whose keys
    are checked only when it is an object (e.g. weighting.trim, which may be null)."""
    if "properties" not in node and isinstance(node.get("then"), Mapping):
        return node["then"]
    return node


def _schema_at(schema: Mapping, path: Sequence[Any]) -> Mapping:
    """The part of the schema that describes the config value at ``path``."""
    node = schema
    for part in path:
        node = _object_schema(node)
        props = node.get("properties") or {}
        if part in props:
            node = props[part]
        elif isinstance(node.get("additionalProperties"), Mapping):
            node = node["additionalProperties"]
        elif isinstance(node.get("items"), Mapping):
            node = node["items"]
        else:
            return {}
    return node


def config_problem(config: Mapping, schema: Mapping) -> str | None:
    """The config's first problem against the schema, in words, or None when it is valid.

    An unknown key is named with the keys allowed where it stands; any other problem names
    the key, what is wrong, and what the schema says the key is for.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return None
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        node = _object_schema(_schema_at(schema, path))
        allowed = list(node.get("properties") or {})
        given = error.instance if isinstance(error.instance, Mapping) else {}
        unknown = [k for k in given if k not in allowed]
        where = f"under {_key(path)}" if path else "at the top level"
        return (
            f"unknown config key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} {where}; "
            f"allowed keys: {', '.join(allowed)} (a typo? see workflow/schemas/config.schema.yaml)"
        )
    if error.validator == "required":
        return f"config {_key(path)}: {error.message}"
    description = " ".join(str(_schema_at(schema, path).get("description", "")).split())
    what = f" ({description})" if description else ""
    return f"config key {_key(path)}: {error.message}{what}"


def check_config(config: dict, schema_file: str | Path, validate: Callable[..., Any]) -> None:
    """Validate ``config`` with Snakemake's ``validate`` (which also fills in the schema's
    defaults); on failure raise :class:`InputError` with the first problem in words."""
    try:
        validate(config, schema=str(schema_file))
    except Exception as exc:  # Snakemake raises WorkflowError with the whole schema in it
        import yaml

        schema = yaml.safe_load(Path(schema_file).read_text(encoding="utf-8"))
        problem = config_problem(config, schema)
        raise InputError(problem or f"the config does not follow {schema_file}: {exc}") from None


# -- raw files ---------------------------------------------------------------------------


def check_raw_files(waves: Mapping[str, Mapping], cache_file: Path = SHA256_CACHE) -> None:
    """Each wave's raw file exists and, where ``sha256`` is set, has that checksum.

    Raises :class:`InputError` naming the wave, the config key and what to do. Files the
    workflow makes (under ``results/``) are checked by the jobs that make and read them.
    """
    from swsurvey.study.wave_check import raw_file_problem

    for wave, setting in waves.items():
        problem = raw_file_problem(wave, setting, cache_file=cache_file)
        if problem:
            raise InputError(f"{problem} {NOTHING_RUN}")


def check_waves(config: Mapping, root: str | Path = ".", cache_file: Path = CHECK_CACHE) -> None:
    """Every wave's files against each other (:func:`swsurvey.study.wave_check.check_wave`, the
    check ``swsurvey wave check`` makes), remembered while they pass; raise :class:`InputError`
    with every problem of every wave, one line each."""
    problems = [line for wave in config["waves"] for line in cached_check_wave(config, wave, root, cache_file)]
    if len(problems) == 1:
        raise InputError(f"{problems[0]} {NOTHING_RUN}")
    if problems:
        raise InputError(
            f"{len(problems)} problems with the waves' files (swsurvey wave check <wave> lists them too):\n"
            + "\n".join(problems) + f"\n{NOTHING_RUN}"
        )


#: Where the last config that passed its schema is kept, with the defaults filled in.
VALID_CONFIG_CACHE = Path(".snakemake/swsurvey/valid_config.json")


def _config_key(config: Mapping, schema_file: str | Path, validate: Callable[..., Any]) -> str | None:
    """What the checked config depends on: the config as read, the schema (its path and stat
    key) and the code that checks it and fills in the defaults (this module, the wave settings'
    merge, Snakemake's ``validate`` and jsonschema, by their files' stat keys). None when the
    config is not plain JSON (nothing is remembered then)."""
    import importlib.util

    code = [__file__, sys.modules[resolve_wave_settings.__module__].__file__,
            sys.modules[validate.__module__].__file__, (importlib.util.find_spec("jsonschema") or object).origin]
    try:
        stats = [[str(path), stat_key(path)] for path in [schema_file, *code]]
        text = json.dumps([config, os.path.abspath(schema_file), stats], allow_nan=False)
    except (OSError, TypeError, ValueError, AttributeError):
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_config_once(config: dict, schema_file: str | Path, validate: Callable[..., Any],
                      cache_file: Path = VALID_CONFIG_CACHE) -> None:
    """Each wave's weighting merged over the top-level one (before the defaults fill it in),
    then :func:`check_config`; skipped while the config, the schema and the code are those of
    the last config that passed, whose result (the defaults filled in) then replaces ``config``'s
    content, as the check would have left it. Saves the import of jsonschema and the check on
    every read of an unchanged workflow (on a cluster, every job); a config that fails is never
    remembered, so it is refused on every read."""
    key = _config_key(config, schema_file, validate)
    if key is not None:
        try:
            remembered = json.loads(Path(cache_file).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            remembered = None
        if isinstance(remembered, dict) and remembered.get("key") == key and isinstance(remembered.get("config"), dict):
            config.clear()
            config.update(remembered["config"])
            return
    resolve_wave_settings(config)
    check_config(config, schema_file, validate)
    if key is None:
        return
    try:
        if json.loads(json.dumps(config, allow_nan=False)) == config:
            write_json(cache_file, {"key": key, "config": config})
    except (OSError, TypeError, ValueError):
        pass  # a read-only checkout still works, it only checks again next time


def run(config: dict, schema_file: str | Path, validate: Callable[..., Any]) -> None:
    """Everything checked when the workflow is read; one message and exit 1 on a problem."""
    try:
        check_config_once(config, schema_file, validate)  # each wave's weighting, then the schema
        check_waves(config)  # raw files and checksums, instruments, recodes, years, targets
    except InputError as exc:
        stop(exc)
