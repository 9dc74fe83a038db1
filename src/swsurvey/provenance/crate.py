"""The run as a Workflow Run RO-Crate (Provenance Run Crate profile, 0.6).

:func:`write_crate` describes one run of the workflow, from its job records
(:mod:`swsurvey.provenance.records`), in ``results/ro-crate/ro-crate-metadata.json`` (RO-Crate 1.3,
written with the ``rocrate`` package):

- the workflow: ``Snakefile``, a ``ComputationalWorkflow`` (and ``HowTo``) in the Snakemake
  language, its version the git commit; each rule a ``SoftwareApplication`` whose parts are the
  code files it ran, with their SHA-256, and a ``HowToStep`` of the workflow;
- the run: a ``CreateAction`` with the run's start and end, the workflow as ``instrument``,
  the files no job made (raw exports, specifications, config.yaml) as ``object`` and every
  output as ``result``;
- each job: a ``CreateAction`` (its rule as ``instrument``, its input files and settings as
  ``object``, its outputs as ``result``, its times), the ``ControlAction`` that ran its step,
  and its provenance record ``about`` it; Snakemake itself as the ``OrganizeAction``.

Every file carries its SHA-256 (``sha256``) and size. No data are copied: the crate refers to
each file by its path relative to the crate folder (``../2017/describe/estimates.csv``), so
confidential microdata never travel with the metadata. The metadata are deterministic but for
the recorded times. For a rule: ``write_crate(snakemake.input.records, snakemake.output[0])``
with the crate's metadata file as the output; outside Snakemake, ``swsurvey rocrate``.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rocrate.model.computationalworkflow import ComputationalWorkflow
from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

from swsurvey.io.files import sha256_file, write_text
from swsurvey.provenance.manifest import build_manifest
from swsurvey.provenance.records import read_record, relative_path, resolve

#: The profiles the crate conforms to: (permalink, name, version).
PROFILES = (
    ("https://w3id.org/ro/wfrun/process/0.6", "Process Run Crate", "0.6"),
    ("https://w3id.org/ro/wfrun/workflow/0.6", "Workflow Run Crate", "0.6"),
    ("https://w3id.org/ro/wfrun/provenance/0.6", "Provenance Run Crate", "0.6"),
)
WFRUN_CONTEXT = "https://w3id.org/ro/terms/workflow-run/context"
MEDIA_TYPES = {
    ".parquet": "application/vnd.apache.parquet",
    ".csv": "text/csv",
    ".json": "application/json",
    ".md": "text/markdown",
    ".html": "text/html",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".sav": "application/x-spss-sav",
    ".zsav": "application/x-spss-sav",
    ".por": "application/x-spss-por",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".py": "text/x-python",
}


class StepwiseWorkflow(ComputationalWorkflow):
    """A workflow whose steps are described: Provenance Run Crate makes it a HowTo too."""

    TYPES = ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"]


def _job_id(record: Mapping[str, Any]) -> str:
    wildcards = record.get("wildcards") or {}
    return "-".join([record["rule"], *(str(wildcards[key]) for key in sorted(wildcards))])


def in_run_order(records: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """(path, record) pairs with every job after the jobs that made its inputs.

    Ties go by record path, so the order (and the crate) does not depend on the times.
    """
    made_by = {e["path"]: path for path, record in records for e in record["outputs"]}
    waiting = {
        path: {made_by[e["path"]] for e in record["inputs"] if e["path"] in made_by} - {path}
        for path, record in records
    }
    by_path = dict(records)
    ordered: list[tuple[str, dict[str, Any]]] = []
    while waiting:
        ready = sorted(path for path, needs in waiting.items() if not needs) or sorted(waiting)[:1]
        for path in ready:
            ordered.append((path, by_path[path]))
            del waiting[path]
        for needs in waiting.values():
            needs.difference_update(ready)
    return ordered


def write_crate(
    records: Iterable[str | Path],
    out_dir: str | Path = "results/ro-crate",
    *,
    workflow: str | Path = "Snakefile",
    root: str | Path | None = None,
) -> Path:
    """Write the run's RO-Crate metadata to ``out_dir``; the path of ``ro-crate-metadata.json``.

    ``records`` are the job records; paths are relative to ``root`` (the working directory).
    """
    root_path = resolve(".", root).resolve()
    out = resolve(out_dir, root_path)
    record_paths = sorted(relative_path(path, root_path) for path in records)
    manifest = build_manifest(record_paths, root=root_path)
    loaded = in_run_order([(path, read_record(resolve(path, root_path))) for path in record_paths])
    software = manifest["software"] if isinstance(manifest["software"], dict) else manifest["software"][-1]
    crate = ROCrate()
    crate.metadata.extra_contexts.append(WFRUN_CONTEXT)
    entities: dict[str, Any] = {}

    def crate_id(path: str) -> str:
        """A file's reference from the crate folder (absolute files as file: URIs)."""
        on_disk = resolve(path, root_path)
        if not Path(path).is_absolute():
            return Path(os.path.relpath(on_disk, out)).as_posix()
        return on_disk.as_uri()

    def file_entity(path: str, sha256: str | None = None, size: int | None = None) -> Any:
        ident = crate_id(path)
        if ident in entities:
            return entities[ident]
        on_disk = resolve(path, root_path)
        properties: dict[str, Any] = {"name": path}
        if sha256 is None and on_disk.is_file():
            sha256, size = sha256_file(on_disk), on_disk.stat().st_size
        if sha256 is not None:
            properties["sha256"] = sha256
        if size is not None:
            properties["contentSize"] = str(size)
        media = MEDIA_TYPES.get(on_disk.suffix.lower())
        if media:
            properties["encodingFormat"] = media
        if ident.startswith("file:"):
            entity = crate.add_file(source=ident, properties=properties)
        else:
            entity = crate.add_file(dest_path=ident, properties=properties)
        entities[ident] = entity
        return entity

    root_dataset = crate.root_dataset
    root_dataset["name"] = "#socialwork survey pipeline: one run"
    root_dataset["description"] = (
        "A run of the swsurvey Snakemake workflow: every job's inputs, outputs, code and settings, "
        "with SHA-256 checksums. Files are referenced, never copied."
        + (
            " The data of wave(s) " + ", ".join(w for w, f in manifest["synthetic"].items() if f) + " are SYNTHETIC."
            if any(manifest["synthetic"].values())
            else ""
        )
    )
    root_dataset["datePublished"] = manifest["run"]["ended"]
    root_dataset["license"] = crate.add(
        ContextEntity(
            crate, "https://spdx.org/licenses/MIT", properties={"@type": "CreativeWork", "name": "MIT License"}
        )
    )

    commit = manifest["git"]["commit"]
    version = commit if isinstance(commit, str) else ", ".join(commit)
    if manifest["git"]["dirty"] is True:
        version += " (with uncommitted changes)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # files without a source are references, as intended
        main = crate.add_workflow(
            dest_path=crate_id(str(workflow)),
            main=True,
            lang="snakemake",
            lang_version=software["snakemake"],
            properties={"name": "swsurvey workflow (Snakefile)", "version": version},
            cls=StepwiseWorkflow,
        )
    entities[main.id] = main
    workflow_file = resolve(workflow, root_path)
    if workflow_file.is_file():
        main["sha256"] = sha256_file(workflow_file)
    for permalink, name, profile_version in PROFILES:
        profile = crate.add(
            ContextEntity(
                crate, permalink, properties={"@type": "CreativeWork", "name": name, "version": profile_version}
            )
        )
        root_dataset.append_to("conformsTo", profile)

    requirements = [
        crate.add(
            ContextEntity(
                crate,
                f"#software-{name}",
                properties={"@type": "SoftwareApplication", "name": name, "softwareVersion": str(version)},
            )
        )
        for name, version in [("python", software["python"]), *software["packages"].items()]
        if version
    ]
    main["softwareRequirements"] = requirements

    tools: dict[str, Any] = {}
    steps: dict[str, Any] = {}
    controls, jobs = [], []
    for path, record in loaded:
        rule = record["rule"]
        if rule not in tools:
            code = [file_entity(e["path"], e["sha256"]) for e in record["code"]["files"]]
            tools[rule] = crate.add(
                ContextEntity(
                    crate,
                    f"#rule-{rule}",
                    properties={
                        "@type": "SoftwareApplication",
                        "name": f"rule {rule}",
                        "description": f"The Snakemake rule {rule}: its script and the package modules it imports.",
                        "hasPart": code,
                        "sha256": record["code"]["sha256"],
                    },
                )
            )
            steps[rule] = crate.add(
                ContextEntity(
                    crate,
                    f"#step-{rule}",
                    properties={
                        "@type": "HowToStep",
                        "name": rule,
                        "position": str(len(steps)),
                        "workExample": tools[rule],
                    },
                )
            )
        job_id = _job_id(record)
        settings = [
            crate.add(
                ContextEntity(
                    crate,
                    f"#{job_id}-param-{name}",
                    properties={"@type": "PropertyValue", "name": name, "value": json.dumps(value, sort_keys=True)},
                )
            )
            for name, value in record["params"].items()
        ]
        job = crate.add_action(
            tools[rule],
            identifier=f"#job-{job_id}",
            object=[file_entity(e["path"], e["sha256"], e["size"]) for e in record["inputs"]] + settings,
            result=[file_entity(e["path"], e["sha256"], e["size"]) for e in record["outputs"]],
            properties={
                "@type": "CreateAction",
                "name": f"Run of rule {rule}" + "".join(f" {k}={v}" for k, v in record["wildcards"].items()),
                "startTime": record["started"],
                "endTime": record["ended"],
            },
        )
        file_entity(path)["about"] = job
        jobs.append(job)
        controls.append(
            crate.add(
                ContextEntity(
                    crate,
                    f"#control-{job_id}",
                    properties={
                        "@type": "ControlAction",
                        "name": f"orchestrate rule {rule}",
                        "instrument": steps[rule],
                        "object": job,
                    },
                )
            )
        )
    main["hasPart"] = list(tools.values())
    main["step"] = list(steps.values())

    raw = [file_entity(p, e["sha256"], e.get("size")) for p, e in manifest["inputs"].items() if e["made_by"] is None]
    config_file = manifest["config"]["file"]
    if isinstance(config_file, str) and resolve(config_file, root_path).is_file():
        raw.append(file_entity(config_file))
    run = crate.add_action(
        main,
        identifier="#run",
        object=raw,
        result=[file_entity(p, e["sha256"], e.get("size")) for p, e in manifest["outputs"].items()],
        properties={
            "@type": "CreateAction",
            "name": "Run of the swsurvey workflow",
            "startTime": manifest["run"]["started"],
            "endTime": manifest["run"]["ended"],
        },
    )
    engine = crate.add(
        ContextEntity(
            crate,
            "#snakemake",
            properties={
                "@type": "SoftwareApplication",
                "name": f"Snakemake {software['snakemake']}",
                "softwareVersion": str(software["snakemake"]),
                "url": "https://snakemake.github.io",
            },
        )
    )
    crate.add(
        ContextEntity(
            crate,
            "#engine-run",
            properties={
                "@type": "OrganizeAction",
                "name": f"Run of Snakemake {software['snakemake']}",
                "instrument": engine,
                "object": controls,
                "result": run,
                "startTime": manifest["run"]["started"],
                "endTime": manifest["run"]["ended"],
            },
        )
    )
    root_dataset["mentions"] = [run]

    metadata = crate.metadata.generate()
    path = out / "ro-crate-metadata.json"
    write_text(path, json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path
