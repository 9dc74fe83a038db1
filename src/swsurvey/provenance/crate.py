"""The run as a Workflow Run RO-Crate (Provenance Run Crate profile, 0.6).

:func:`write_crate` describes one run of the workflow, from its job records and the manifest
gathered from them (a :class:`swsurvey.provenance.manifest.Run`), in
``results/ro-crate/ro-crate-metadata.json`` (RO-Crate 1.3, written with the ``rocrate``
package):

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
the recorded times. Rule ``manifest`` writes it with the manifest
(:mod:`swsurvey.provenance.run_outputs`); outside Snakemake, ``swsurvey rocrate``.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rocrate.model.computationalworkflow import ComputationalWorkflow
from rocrate.model.entity import Entity
from rocrate.rocrate import ROCrate

from swsurvey.io.files import sha256_file, write_text
from swsurvey.provenance.manifest import Run
from swsurvey.provenance.paths import resolve

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


class RunCrate:
    """The crate being written: its files by reference from the crate folder ``out``, each
    entered once, and contextual entities added as JSON-LD."""

    def __init__(self, root: Path, out: Path):
        self.crate = ROCrate()
        self.crate.metadata.extra_contexts.append(WFRUN_CONTEXT)
        self.root, self.out = root, out
        self.files: dict[str, Entity] = {}

    def file_id(self, path: str) -> str:
        """A file's reference from the crate folder (absolute files as file: URIs)."""
        on_disk = resolve(path, self.root)
        if not Path(path).is_absolute():
            return Path(os.path.relpath(on_disk, self.out)).as_posix()
        return on_disk.as_uri()

    def file(self, path: str, sha256: str | None = None, size: int | None = None) -> Entity:
        """The file's entity, with its SHA-256 and size (from disk when not given)."""
        ident = self.file_id(path)
        if ident in self.files:
            return self.files[ident]
        on_disk = resolve(path, self.root)
        if on_disk.is_file():
            sha256 = sha256 or sha256_file(on_disk)
            size = on_disk.stat().st_size if size is None else size
        properties: dict[str, Any] = {"name": path}
        if sha256 is not None:
            properties["sha256"] = sha256
        if size is not None:
            properties["contentSize"] = str(size)
        media = MEDIA_TYPES.get(on_disk.suffix.lower())
        if media:
            properties["encodingFormat"] = media
        place = {"source": ident} if ident.startswith("file:") else {"dest_path": ident}
        self.files[ident] = self.crate.add_file(**place, properties=properties)
        return self.files[ident]

    def entity(self, identifier: str, type_: str, **properties: Any) -> Entity:
        """A contextual entity (entities as values become references)."""
        return self.crate.add_jsonld({"@id": identifier, "@type": type_, **properties})


def write_crate(run: Run, out_dir: str | Path = "results/ro-crate", *, workflow: str | Path = "Snakefile") -> Path:
    """Write the run's RO-Crate metadata to ``out_dir``; the path of ``ro-crate-metadata.json``.

    ``run`` is the run's records and manifest (:func:`swsurvey.provenance.manifest.gather`);
    its paths, ``out_dir`` and ``workflow`` are relative to ``run.root``.
    """
    manifest = run.manifest
    software = manifest["software"] if isinstance(manifest["software"], dict) else manifest["software"][-1]
    crate = RunCrate(run.root, resolve(out_dir, run.root))
    main = _add_workflow(crate, workflow, manifest["git"], software)
    _describe_root(crate, manifest)
    controls = _add_jobs(crate, main, in_run_order(list(run.records.items())), manifest)
    _add_run(crate, main, manifest, software, controls)
    path = crate.out / "ro-crate-metadata.json"
    metadata = crate.crate.metadata.generate()
    write_text(path, json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def _describe_root(crate: RunCrate, manifest: Mapping[str, Any]) -> None:
    """The crate's own description: name, what it holds, license and profiles."""
    root_dataset = crate.crate.root_dataset
    synthetic = [wave for wave, flag in manifest["synthetic"].items() if flag]
    root_dataset["name"] = "#socialwork survey pipeline: one run"
    root_dataset["description"] = (
        "A run of the swsurvey Snakemake workflow: every job's inputs, outputs, code and settings, "
        "with SHA-256 checksums. Files are referenced, never copied."
        + (" The data of wave(s) " + ", ".join(synthetic) + " are SYNTHETIC." if synthetic else "")
    )
    root_dataset["datePublished"] = manifest["run"]["ended"]
    root_dataset["license"] = crate.entity("https://spdx.org/licenses/MIT", "CreativeWork", name="MIT License")
    for permalink, name, version in PROFILES:
        root_dataset.append_to("conformsTo", crate.entity(permalink, "CreativeWork", name=name, version=version))


def _add_workflow(crate: RunCrate, workflow: str | Path, git: Mapping[str, Any], software: Mapping[str, Any]) -> Entity:
    """The Snakefile as the main ``ComputationalWorkflow``, its version the git commit, with
    the software it needs."""
    commit = git["commit"]
    version = commit if isinstance(commit, str) else ", ".join(commit)
    if git["dirty"] is True:
        version += " (with uncommitted changes)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # files without a source are references, as intended
        main = crate.crate.add_workflow(
            dest_path=crate.file_id(str(workflow)),
            main=True,
            lang="snakemake",
            lang_version=software["snakemake"],
            properties={"name": "swsurvey workflow (Snakefile)", "version": version},
            cls=StepwiseWorkflow,
        )
    crate.files[main.id] = main
    workflow_file = resolve(workflow, crate.root)
    if workflow_file.is_file():
        main["sha256"] = sha256_file(workflow_file)
    main["softwareRequirements"] = [
        crate.entity(f"#software-{name}", "SoftwareApplication", name=name, softwareVersion=str(version))
        for name, version in [("python", software["python"]), *software["packages"].items()]
        if version
    ]
    return main


def _add_jobs(
    crate: RunCrate, main: Entity, records: list[tuple[str, dict[str, Any]]], manifest: Mapping[str, Any]
) -> list[Entity]:
    """Each rule as a ``SoftwareApplication`` (its code) and a ``HowToStep`` of the workflow;
    each job as a ``CreateAction`` of its rule, and the ``ControlAction`` that ran its step.
    The ``ControlAction``s, in run order."""
    record_sha256 = {entry["path"]: entry["sha256"] for entry in manifest["records"]}
    tools: dict[str, Entity] = {}
    steps: dict[str, Entity] = {}
    controls = []
    for path, record in records:
        rule = record["rule"]
        if rule not in tools:
            tools[rule] = crate.entity(
                f"#rule-{rule}",
                "SoftwareApplication",
                name=f"rule {rule}",
                description=f"The Snakemake rule {rule}: its script and the package modules it imports.",
                hasPart=[crate.file(e["path"], e["sha256"]) for e in record["code"]["files"]],
                sha256=record["code"]["sha256"],
            )
            steps[rule] = crate.entity(
                f"#step-{rule}", "HowToStep", name=rule, position=str(len(steps)), workExample=tools[rule]
            )
        job_id = _job_id(record)
        settings = [
            crate.entity(
                f"#{job_id}-param-{name}", "PropertyValue", name=name, value=json.dumps(value, sort_keys=True)
            )
            for name, value in record["params"].items()
        ]
        job = crate.crate.add_action(
            tools[rule],
            identifier=f"#job-{job_id}",
            object=[crate.file(e["path"], e["sha256"], e["size"]) for e in record["inputs"]] + settings,
            result=[crate.file(e["path"], e["sha256"], e["size"]) for e in record["outputs"]],
            properties={
                "@type": "CreateAction",
                "name": f"Run of rule {rule}" + "".join(f" {k}={v}" for k, v in record["wildcards"].items()),
                "startTime": record["started"],
                "endTime": record["ended"],
            },
        )
        crate.file(path, record_sha256[path])["about"] = job
        controls.append(
            crate.entity(
                f"#control-{job_id}",
                "ControlAction",
                name=f"orchestrate rule {rule}",
                instrument=steps[rule],
                object=job,
            )
        )
    main["hasPart"] = list(tools.values())
    main["step"] = list(steps.values())
    return controls


def _add_run(
    crate: RunCrate, main: Entity, manifest: Mapping[str, Any], software: Mapping[str, Any], controls: list[Entity]
) -> None:
    """The run as a ``CreateAction`` of the workflow (the files no job made, config.yaml among
    them, as its ``object``; every output as its ``result``), and Snakemake's run of it as the
    ``OrganizeAction`` of the jobs' ``ControlAction``s."""
    raw = [crate.file(p, e["sha256"], e.get("size")) for p, e in manifest["inputs"].items() if e["made_by"] is None]
    config_file = manifest["config"]["file"]
    if isinstance(config_file, str) and resolve(config_file, crate.root).is_file():
        raw.append(crate.file(config_file))
    times = {"startTime": manifest["run"]["started"], "endTime": manifest["run"]["ended"]}
    run = crate.crate.add_action(
        main,
        identifier="#run",
        object=raw,
        result=[crate.file(p, e["sha256"], e.get("size")) for p, e in manifest["outputs"].items()],
        properties={"@type": "CreateAction", "name": "Run of the swsurvey workflow", **times},
    )
    snakemake = software["snakemake"]
    engine = crate.entity(
        "#snakemake",
        "SoftwareApplication",
        name=f"Snakemake {snakemake}",
        softwareVersion=str(snakemake),
        url="https://snakemake.github.io",
    )
    crate.entity(
        "#engine-run",
        "OrganizeAction",
        name=f"Run of Snakemake {snakemake}",
        instrument=engine,
        object=controls,
        result=run,
        **times,
    )
    crate.crate.root_dataset["mentions"] = [run]
