"""Audit a finished run: are the files on disk still the ones its provenance records describe?

:func:`audit` re-hashes every file the manifest (:mod:`swsurvey.provenance.manifest`) lists and reports:

- **modified**: a file (output, record, or a file the run read) whose SHA-256 differs;
- **missing**: a listed file that is gone;
- **unexpected**: a file under the results folder that no record lists (``.snakemake``,
  ``logs``, the manifest and its summaries, ``ro-crate/``, and ``inspect/``, where
  ``swsurvey inspect`` writes a file's codebook to look at, are not the run's outputs);
- **code changed**: an output whose rule ran code that differs now: the current checkout's
  hash of the *same* code files (the record lists them) is not the recorded one; or whose job
  imported a ``swsurvey`` package whose modules were not those files (an editable install of
  another checkout: the code that ran is not the code the record hashed);
- **settings changed**: an output whose rule took a setting that the current config.yaml
  resolves differently. Each record says which config key each parameter and each
  config-named input file came from (``config_keys``, ``input_config_keys``: the rules state
  them), so the current value is looked up there, after the schema's defaults are filled in as
  the workflow does. A parameter without a key is not a setting;
- **upstream changed**: an output made from another output that has code or settings changed
  (or is itself upstream changed): a rerun rebuilds it too.

So an edit of config.yaml names exactly the outputs a rerun would rebuild (the outputs the
edited key reaches), and nothing else.

``swsurvey audit`` prints the findings and exits 1 when there is any.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file
from swsurvey.provenance.code import code_entries, combined_code_hash
from swsurvey.provenance.documents import canonical_json
from swsurvey.provenance.manifest import read_manifest
from swsurvey.provenance.paths import relative_path, resolve, working_dir
from swsurvey.provenance.records import read_record
from swsurvey.provenance.settings import MISSING, config_value, resolve_wave_settings

#: Folders below the results folder that hold no outputs of the run.
IGNORED_FOLDERS = {".snakemake", "logs", "ro-crate"}
#: Folders of the results folder itself that hold no outputs of the run: ``swsurvey inspect``'s.
IGNORED_TOP_FOLDERS = {"inspect"}
#: The workflow's config schema, whose defaults the workflow fills in (snakemake validate).
CONFIG_SCHEMA = Path("workflow/schemas/config.schema.yaml")


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong: the file, the kind of problem, and what exactly."""

    path: str
    problem: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}: {self.detail}"


def _check_file(path: str, expected: str, described: str, root: Path) -> Finding | None:
    on_disk = resolve(path, root)
    if not on_disk.is_file():
        return Finding(path, "missing", described)
    actual = sha256_file(on_disk)
    if actual != expected:
        return Finding(path, "modified", f"SHA-256 is {actual[:12]}, the run recorded {expected[:12]} ({described})")
    return None


def current_config(config_file: Path, schema: Path | None) -> dict[str, Any] | None:
    """config.yaml as the workflow resolves it (schema defaults filled in, each wave's settings
    merged over the top level's: :func:`~swsurvey.provenance.settings.resolve_wave_settings`),
    None if absent."""
    if not config_file.is_file():
        return None
    config = resolve_wave_settings(yaml.safe_load(config_file.read_text(encoding="utf-8")) or {})
    if schema is not None and schema.is_file():
        from snakemake.exceptions import WorkflowError
        from snakemake.utils import validate

        try:
            validate(config, str(schema), set_default=True)
        except WorkflowError:
            pass  # an invalid config is compared as written; the run itself would refuse it
    return config


def _imported_finding(record: Mapping[str, Any]) -> str | None:
    """Which package modules the job imported from elsewhere with other content than the
    checkout's files its record hashes."""
    imported = record["code"].get("imported")
    if not imported:
        return None
    hashed = {entry["path"]: entry["sha256"] for entry in record["code"]["files"]}
    other = [entry["path"] for entry in imported["files"] if entry["sha256"] != hashed.get(entry["path"])]
    if not other:
        return None
    return (
        f"rule {record['rule']} imported the swsurvey package from {imported['package']}, whose modules "
        f"differ from the checkout's files its record hashes: {', '.join(other)}"
    )


def _code_finding(record: Mapping[str, Any], root: Path) -> str | None:
    """What differs between the code a job ran and the same files in the current checkout."""
    found = [text for text in (_imported_finding(record), _checkout_finding(record, root)) if text is not None]
    return "; ".join(found) if found else None


def _checkout_finding(record: Mapping[str, Any], root: Path) -> str | None:
    """Which of the code files a job's record hashes differ in the current checkout."""
    recorded = record["code"]["files"]
    present = [entry["path"] for entry in recorded if resolve(entry["path"], root).is_file()]
    current = code_entries(present, root)
    if len(present) == len(recorded) and combined_code_hash(current) == record["code"]["sha256"]:
        return None
    now = {entry["path"]: entry["sha256"] for entry in current}
    changed = [
        entry["path"] if entry["path"] in now else f"{entry['path']} (gone)"
        for entry in recorded
        if now.get(entry["path"]) != entry["sha256"]
    ]
    return f"rule {record['rule']} ran code that has changed since: {', '.join(changed)}"


def _settings_findings(record: Mapping[str, Any], config: dict[str, Any] | None, root: Path) -> list[str]:
    """The rule's parameters, and its input files named by config, that the current config
    gives differently."""
    taken = [(name, keys, record["params"].get(name)) for name, keys in record.get("config_keys", {}).items()]
    for name, keys in record.get("input_config_keys", {}).items():
        paths = [entry["path"] for entry in record["inputs"] if entry.get("name") == name]
        taken.append((f"input {name}", keys, paths[0] if len(paths) == 1 else (paths or None)))
    changed = []
    for name, keys, value in taken:
        where = f"{name} ({'.'.join(keys)})"
        if config is None:
            changed.append(f"{where}: the config file is gone")
            continue
        now = config_value(config, keys)
        if name.startswith("input ") and isinstance(now, str):
            now = relative_path(now, root)
        if now is MISSING:
            changed.append(f"{where}: no longer in the config")
        elif canonical_json(now) != canonical_json(value):
            changed.append(f"{where}: {_brief(value)} then, {_brief(now)} now")
    return changed


def _brief(value: Any, width: int = 60) -> str:
    text = canonical_json(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _unexpected(outputs_root: Path, known: set[Path], manifest_path: Path) -> list[Path]:
    """Files under the results folder that the manifest does not list."""
    found = []
    for folder, dirs, files in os.walk(outputs_root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_FOLDERS)
        for name in sorted(files):
            path = Path(folder) / name
            # the manifest and its summaries (manifest.md, manifest.html) describe the run
            if path.parent == manifest_path.parent and path.stem == manifest_path.stem:
                continue
            if path.resolve() not in known:
                found.append(path)
        if Path(folder) == outputs_root:
            dirs[:] = [d for d in dirs if d not in IGNORED_TOP_FOLDERS]
    return found


def audit(manifest_path: str | Path, repo_root: str | Path | None = None) -> list[Finding]:
    """Everything that no longer matches the run's provenance, sorted by file.

    Paths in the manifest are relative to ``repo_root`` (the working directory unless given).
    """
    root = working_dir(repo_root)
    manifest_path = resolve(manifest_path, root)
    if not manifest_path.is_file():
        raise InputError("no manifest: run the workflow (or `swsurvey manifest`) first", file=manifest_path)
    manifest = read_manifest(manifest_path)
    findings: list[Finding] = []
    known: set[Path] = set()

    def check(path: str, sha: str, described: str) -> None:
        known.add(resolve(path, root).resolve())
        finding = _check_file(path, sha, described, root)
        if finding is not None:
            findings.append(finding)

    for entry in manifest["records"]:
        check(entry["path"], entry["sha256"], f"provenance record of rule {entry['rule']}")
    for path, entry in manifest["outputs"].items():
        wave = f", wave {entry['wave']}" if entry.get("wave") else ""
        check(path, entry["sha256"], f"made by rule {entry['rule']}{wave}, recorded in {entry['record']}")
    for path, entry in manifest["inputs"].items():
        if entry["made_by"] is None:
            check(path, entry["sha256"], f"read by {', '.join(entry['used_by'])}")

    outputs_root = resolve(manifest["outputs_root"], root)
    findings += [
        Finding(
            path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path),
            "unexpected",
            "no provenance record lists this file",
        )
        for path in _unexpected(outputs_root, known, manifest_path)
    ]

    configs: dict[str, dict[str, Any] | None] = {}
    records = []
    changed: set[str] = set()  # outputs a rerun rebuilds for their own code or settings
    for entry in manifest["records"]:
        record_path = resolve(entry["path"], root)
        if not record_path.is_file():
            continue  # already reported missing
        record = read_record(record_path)
        records.append(record)
        outputs = [out["path"] for out in record["outputs"]]
        code = _code_finding(record, root)
        if code is not None:
            findings += [Finding(path, "code changed", code) for path in outputs]
        config_file = record["config"].get("file") or "config.yaml"
        if config_file not in configs:
            configs[config_file] = current_config(resolve(config_file, root), root / CONFIG_SCHEMA)
        changed_settings = _settings_findings(record, configs[config_file], root)
        if changed_settings:
            detail = f"rule {record['rule']} used settings that {config_file} now gives differently: " + "; ".join(
                changed_settings
            )
            findings += [Finding(path, "settings changed", detail) for path in outputs]
        if code is not None or changed_settings:
            changed.update(outputs)
    findings += _upstream_findings(records, changed)
    return sorted(set(findings))


def _upstream_findings(records: list[dict[str, Any]], changed: set[str]) -> list[Finding]:
    """The outputs made, directly or through other jobs, from outputs in ``changed``."""
    findings = []
    stale = set(changed)
    todo = list(records)
    while todo:
        waiting = []
        for record in todo:
            outputs = [out["path"] for out in record["outputs"]]
            source = next((entry["path"] for entry in record["inputs"] if entry["path"] in stale), None)
            if source is None:
                waiting.append(record)
                continue
            detail = f"rule {record['rule']} read {source}, which a rerun rebuilds"
            findings += [Finding(path, "upstream changed", detail) for path in outputs if path not in changed]
            stale.update(outputs)
        if len(waiting) == len(todo):
            break
        todo = waiting
    return findings
