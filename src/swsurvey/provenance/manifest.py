"""The run's manifest: every job's provenance record gathered into one file and one summary.

:func:`gather` reads the records (:mod:`swsurvey.provenance.records`) and builds the
manifest (:func:`build_manifest` gives only the manifest): it lists every file the run made
(its SHA-256, size, rows, producing rule, wave and record) and every file it read that no job
made (the raw export, the instrument, the recode specification, the targets...), with the
run's code hashes, config hashes, git commit and package versions. Values that every record
agrees on are given once; where records disagree (a partial rerun after an edit) the manifest
lists each distinct value, which is itself worth knowing. The :class:`Run` it returns, the
records with their manifest, is what the RO-Crate (:mod:`swsurvey.provenance.crate`) is
written from.

:func:`write_manifest` writes ``results/manifest.json`` plus a Markdown and an HTML summary for
the Snakemake report's provenance section (header: commit, dirty flag, versions; a table of
outputs; a SYNTHETIC DATA banner when any wave's data are synthetic, as the pipeline's
Parquet metadata says). Rule ``manifest`` (``workflow/rules/provenance.smk``) writes them with
the crate (:mod:`swsurvey.provenance.run_outputs`); outside Snakemake, ``swsurvey manifest``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file, write_json, write_text
from swsurvey.io.table_text import BANNER, markdown_cell
from swsurvey.provenance.documents import canonical_json, read_document
from swsurvey.provenance.paths import relative_path, resolve, working_dir
from swsurvey.provenance.records import parquet_provenance, read_record

#: The ``format`` of the manifest.
MANIFEST_FORMAT = "swsurvey-manifest/1"


def agreed(values: Iterable[Any]) -> Any:
    """The one value all records give, or the sorted distinct values when they differ."""
    distinct = {canonical_json(value): value for value in values}
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    return [distinct[key] for key in sorted(distinct)]


def _git(records: list[dict[str, Any]]) -> dict[str, Any]:
    dirty = {canonical_json(r["git"]["dirty"]) for r in records}
    return {
        "commit": agreed(r["git"]["commit"] for r in records),
        # one dirty job makes the run dirty; an unknown one leaves it unknown unless another is dirty
        "dirty": True if "true" in dirty else ("unknown" if '"unknown"' in dirty else False),
    }


def _synthetic(records: list[dict[str, Any]], root: Path) -> dict[str, bool]:
    """Per wave: are its data synthetic? From the records' Parquet entries, else the files."""
    waves: dict[str, bool] = {}
    for record in records:
        wave = record.get("wave")
        if wave is None:
            continue
        for entry in record["inputs"] + record["outputs"]:
            flag = entry.get("synthetic")
            if flag is None and entry["path"].endswith(".parquet") and resolve(entry["path"], root).is_file():
                flag = parquet_provenance(resolve(entry["path"], root)).get("synthetic")
            if isinstance(flag, bool):
                waves[wave] = waves.get(wave, False) or flag
    return dict(sorted(waves.items()))


@dataclass(frozen=True)
class Run:
    """A run as its job records give it: each record by its path (relative to ``root``, in path
    order) and the manifest gathered from them. The RO-Crate (:mod:`swsurvey.provenance.crate`)
    is written from it."""

    root: Path
    records: dict[str, dict[str, Any]]
    manifest: dict[str, Any]


def gather(
    records: Iterable[str | Path], outputs_root: str | Path = "results", root: str | Path | None = None
) -> Run:
    """Read the job records and gather them into the run's manifest (paths relative to
    ``root``, the cwd).

    Two records claiming the same output is an error naming both: it means a stale record
    was left beside a new one.
    """
    root_path = working_dir(root)
    on_disk = sorted((relative_path(path, root_path), resolve(path, root_path)) for path in records)
    loaded = [(path, sha256_file(file), read_record(file)) for path, file in on_disk]
    if not loaded:
        raise InputError("no provenance records to gather", file=outputs_root)
    manifest = _manifest(loaded, relative_path(outputs_root, root_path), root_path)
    return Run(root=root_path, records={path: record for path, _, record in loaded}, manifest=manifest)


def build_manifest(
    records: Iterable[str | Path], outputs_root: str | Path = "results", root: str | Path | None = None
) -> dict[str, Any]:
    """The run's manifest from its job records (:func:`gather`)."""
    return gather(records, outputs_root, root).manifest


def _manifest(loaded: list[tuple[str, str, dict[str, Any]]], outputs_root: str, root_path: Path) -> dict[str, Any]:
    """The manifest of the loaded records: (path, SHA-256, record) in path order."""
    outputs: dict[str, dict[str, Any]] = {}
    for path, _, record in loaded:
        for entry in record["outputs"]:
            if entry["path"] in outputs:
                other = outputs[entry["path"]]["record"]
                raise InputError(f"made by two jobs, recorded in {other} and {path}", file=entry["path"])
            outputs[entry["path"]] = {
                **{k: entry[k] for k in ("sha256", "size", "rows") if k in entry},
                "rule": record["rule"],
                "wave": record.get("wave"),
                "record": path,
            }
    inputs: dict[str, dict[str, Any]] = {}
    for path, _, record in loaded:
        for entry in record["inputs"]:
            seen = inputs.setdefault(
                entry["path"],
                {
                    **{k: entry[k] for k in ("sha256", "size", "rows") if k in entry},
                    "made_by": outputs.get(entry["path"], {}).get("rule"),
                    "used_by": [],
                },
            )
            seen["used_by"].append(path)
            if entry["sha256"] != seen["sha256"]:
                seen.setdefault("sha256_seen", [seen["sha256"]]).append(entry["sha256"])
    records_only = [record for _, _, record in loaded]
    return {
        "format": MANIFEST_FORMAT,
        "outputs_root": outputs_root,
        "run": {
            "started": min(r["started"] for r in records_only),
            "ended": max(r["ended"] for r in records_only),
        },
        "git": _git(records_only),
        "code_sha256": {f"{r['rule']}{_wildcard_suffix(r)}": r["code"]["sha256"] for r in records_only},
        "config": {
            "sha256": agreed(r["config"].get("sha256") for r in records_only),
            "file": agreed(r["config"].get("file") for r in records_only),
            "file_sha256": agreed(r["config"].get("file_sha256") for r in records_only),
        },
        "software": agreed(r["software"] for r in records_only),
        "synthetic": _synthetic(records_only, root_path),
        "records": [
            {
                "path": path,
                "sha256": sha,
                "rule": record["rule"],
                "wildcards": record["wildcards"],
                "started": record["started"],
                "ended": record["ended"],
                "code_sha256": record["code"]["sha256"],
                "params_sha256": record["params_sha256"],
            }
            for path, sha, record in loaded
        ],
        "outputs": dict(sorted(outputs.items())),
        "inputs": dict(sorted(inputs.items())),
    }


def _wildcard_suffix(record: Mapping[str, Any]) -> str:
    wildcards = record.get("wildcards") or {}
    return "".join(f"[{key}={wildcards[key]}]" for key in sorted(wildcards))


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A run manifest from disk (:data:`MANIFEST_FORMAT`)."""
    return read_document(path, MANIFEST_FORMAT, "run manifest")


# -- the summary -------------------------------------------------------------------------


def _short(sha: Any) -> str:
    return sha[:12] if isinstance(sha, str) else ", ".join(s[:12] for s in sha)


def _header_rows(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    git = manifest["git"]
    # a list when jobs ran with different software (a partial rerun after an upgrade)
    software = manifest["software"] if isinstance(manifest["software"], list) else [manifest["software"]]

    def versions(get) -> str:
        return " / ".join(dict.fromkeys(str(get(s)) for s in software))

    names = dict.fromkeys(name for s in software for name in s["packages"])
    packages = ", ".join(f"{name} {versions(lambda s, n=name: s['packages'].get(n))}" for name in names)
    dirty = {True: "yes (uncommitted changes)", False: "no"}.get(git["dirty"], str(git["dirty"]))
    commit = git["commit"] if isinstance(git["commit"], str) else ", ".join(git["commit"])
    return [
        ("Git commit", commit),
        ("Uncommitted changes", dirty),
        ("Run", f"{manifest['run']['started']} to {manifest['run']['ended']}"),
        ("Config", f"{manifest['config']['file']} (SHA-256 {_short(manifest['config']['file_sha256'] or 'none')})"),
        ("Python", versions(lambda s: s["python"])),
        ("Snakemake", versions(lambda s: s["snakemake"])),
        ("Packages", packages),
    ]


def _synthetic_waves(manifest: Mapping[str, Any]) -> list[str]:
    return [wave for wave, flag in manifest["synthetic"].items() if flag]


def _output_rows(manifest: Mapping[str, Any]) -> list[list[str]]:
    return [
        [
            path,
            entry["rule"],
            entry["wave"] or "",
            _short(entry["sha256"]),
            "" if "rows" not in entry else f"{entry['rows']:,}",
        ]
        for path, entry in manifest["outputs"].items()
    ]


def _input_rows(manifest: Mapping[str, Any]) -> list[list[str]]:
    return [
        [path, _short(entry["sha256"]), "" if "rows" not in entry else f"{entry['rows']:,}"]
        for path, entry in manifest["inputs"].items()
        if entry["made_by"] is None
    ]


OUTPUT_COLUMNS = ["File", "Rule", "Wave", "SHA-256", "Rows"]
INPUT_COLUMNS = ["File", "SHA-256", "Rows"]


def manifest_markdown(manifest: Mapping[str, Any]) -> str:
    """The manifest as Markdown: banner, header, outputs and the files the run read."""

    def table(columns: list[str], rows: list[list[str]]) -> list[str]:
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        return lines + ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]

    synthetic = _synthetic_waves(manifest)
    lines = [f"> **{BANNER}** (wave {', '.join(synthetic)})", ""] if synthetic else []
    lines += ["# Provenance of the run", ""]
    lines += table(["", ""], [[f"**{k}**", v] for k, v in _header_rows(manifest)]) + [""]
    lines += ["## Outputs", ""] + table(OUTPUT_COLUMNS, _output_rows(manifest)) + [""]
    lines += ["## Files the run read", ""] + table(INPUT_COLUMNS, _input_rows(manifest))
    return "\n".join(lines) + "\n"


def manifest_html(manifest: Mapping[str, Any]) -> str:
    """The manifest as a standalone HTML page (for the Snakemake report)."""
    esc = html.escape

    def table(columns: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{esc(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    synthetic = _synthetic_waves(manifest)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Provenance of the run</title>',
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;font-size:90%}"
        ".banner{color:#fff;background:#b00;padding:6px;font-weight:bold}</style></head><body>",
    ]
    if synthetic:
        parts.append(f'<p class="banner">{esc(BANNER)} (wave {esc(", ".join(synthetic))})</p>')
    parts.append("<h1>Provenance of the run</h1>")
    parts.append(
        "<table>"
        + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _header_rows(manifest))
        + "</table>"
    )
    parts.append("<h2>Outputs</h2>" + table(OUTPUT_COLUMNS, _output_rows(manifest)))
    parts.append("<h2>Files the run read</h2>" + table(INPUT_COLUMNS, _input_rows(manifest)))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_manifest(
    manifest: Mapping[str, Any],
    out_json: str | Path,
    *,
    out_md: str | Path | None = None,
    out_html: str | Path | None = None,
) -> None:
    """Write the manifest (JSON) and, when asked, its Markdown and HTML summaries."""
    write_json(out_json, manifest)
    if out_md is not None:
        write_text(out_md, manifest_markdown(manifest))
    if out_html is not None:
        write_text(out_html, manifest_html(manifest))

