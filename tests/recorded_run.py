"""A small real run outside Snakemake, for the provenance tests (tests/provenance/) and the CLI's.

``build_run`` copies the scripts, the package and the specifications into a temporary folder
and runs the real adapter scripts on the stored synthetic wave (import, clean, weight,
describe), each inside ``provenance.records.recorded`` with the same ``snakemake`` object
Snakemake gives a script, then writes the manifest.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import shutil
from pathlib import Path

import yaml
from testconfig import base_config

from swsurvey.provenance.audit import current_config
from swsurvey.provenance.code import code_files
from swsurvey.provenance.manifest import build_manifest, write_manifest
from swsurvey.provenance.records import find_records, recorded
from swsurvey.provenance.settings import CONFIG_KEYS, config_value

REPO = Path(__file__).resolve().parents[1]
WAVE = "2017"
#: A small part of the study's tables keeps the run quick.
TABLES = {"2. Informal ICT use": ["any_ict_use", "freq_text"]}
COPIED = ["scripts", "src/swsurvey", "workflow/instruments", "workflow/recode", "workflow/schemas", "data/synthetic"]


def _namedlist(cls, items):
    """A Snakemake Namedlist built as Snakemake builds a job's: lists keep one name."""
    namedlist = cls()
    for name, value in items.items():
        if isinstance(value, list):
            start = len(namedlist)
            namedlist.extend(value)
            namedlist._set_name(name, start, end=len(namedlist))
        else:
            namedlist.append(value)
            namedlist._add_name(name)
    return namedlist


#: The variance keys the import and cleaning rules take (a wave without supplied replicate weights).
NO_SUPPLIED_WEIGHTS = {"columns": None, "type": None, "combined_weights": True, "full_sample_weight": None}


def snakemake_object(rule, *, input, output, params=None, wildcards=None, config=None, scriptdir="scripts"):
    """The object Snakemake pickles into a script's preamble (snakemake.iocontainers.Snakemake)."""
    from snakemake.iocontainers import InputFiles, Log, OutputFiles, Params, ResourceList, Snakemake, Wildcards

    wildcards = wildcards or {}
    log = Log(toclone=[f"logs/{'/'.join(wildcards.values())}/{rule}.log"])
    return Snakemake(
        _namedlist(InputFiles, input),
        _namedlist(OutputFiles, output),
        _namedlist(Params, params or {}),
        _namedlist(Wildcards, wildcards),
        1,
        ResourceList(),
        log,
        config or {},
        rule,
        None,
        os.path.abspath(scriptdir),
    )


def run_script(rule, config, *, input, output, settings=None, inputs=None):
    """Run scripts/<rule>.py as Snakemake would, recorded; the cwd is the run's folder. As the
    rules do, ``settings`` are the params by their config key paths, and ``inputs`` the input
    files named by config; both go into the params' config keys."""
    script = f"scripts/{rule}.py"
    settings, inputs = settings or {}, inputs or {}
    params = {name: config_value(config, keys) for name, keys in settings.items()}
    params[CONFIG_KEYS] = {"params": settings, "input": inputs}
    smk = snakemake_object(
        rule,
        input={**input, **{name: config_value(config, keys) for name, keys in inputs.items()},
               "code": [str(p) for p in code_files(script, package_root="src/swsurvey")]},
        output={**output, "provenance": f"results/{WAVE}/provenance/{rule}.json"},
        params=params,
        wildcards={"wave": WAVE},
        config=config,
    )
    with recorded(smk):
        runpy.run_path(script, init_globals={"snakemake": smk})


#: The keys of the wave's variance setting the import and cleaning take, by their key paths.
SUPPLIED_WEIGHTS = {key: ["waves", WAVE, "variance", key] for key in NO_SUPPLIED_WEIGHTS}
#: The privacy settings the import takes, one parameter each.
PRIVACY_KEYS = ("drop_instrument_pii", "drop_unlisted_strings", "keep_strings", "drop", "pseudonymise",
                "pseudonym_key_file")


def build_run(root: Path, before=None) -> Path:
    """A real run of import, cleaning, weighting and description of the synthetic 2017 wave;
    ``before(root)`` is called once the run's files are copied, before any job."""
    for name in COPIED:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    if before is not None:
        before(root)
    config = base_config()
    config["describe"]["tables"] = TABLES
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    out = f"results/{WAVE}"
    wave = ["waves", WAVE]
    with contextlib.chdir(root):
        # as the workflow resolves it: the schema's defaults filled in (the wave's variance setting)
        resolved = current_config(Path("config.yaml"), Path("workflow/schemas/config.schema.yaml"))
        variance = {key: resolved["waves"][WAVE]["variance"][key] for key in NO_SUPPLIED_WEIGHTS}
        assert variance == NO_SUPPLIED_WEIGHTS
        run_script(
            "import_wave",
            resolved,
            input={},
            inputs={"raw": [*wave, "raw"], "instrument": [*wave, "instrument"]},
            output={
                "data": f"{out}/import/responses.parquet",
                "codebook_json": f"{out}/import/codebook.json",
                "codebook_md": f"{out}/import/codebook.md",
            },
            settings={"sha256": [*wave, "sha256"], "encoding": [*wave, "encoding"], **SUPPLIED_WEIGHTS,
                      **{key: ["privacy", key] for key in PRIVACY_KEYS}},
        )
        run_script(
            "clean_wave",
            resolved,
            input={
                "data": f"{out}/import/responses.parquet",
                "recode_schema": "src/swsurvey/study/recode.schema.yaml",
            },
            inputs={"instrument": [*wave, "instrument"], "recode": [*wave, "recode"]},
            output={
                "data": f"{out}/clean/responses.parquet",
                "codebook_json": f"{out}/clean/codebook.json",
                "codebook_md": f"{out}/clean/codebook.md",
                "flow_csv": f"{out}/clean/exclusion_flow.csv",
                "flow_md": f"{out}/clean/exclusion_flow.md",
            },
            settings={"date_precision": ["privacy", "date_precision"], **SUPPLIED_WEIGHTS},
        )
        run_script(
            "weight_wave",
            resolved,
            input={"data": f"{out}/clean/responses.parquet"},
            inputs={"targets": [*wave, "targets"]},
            output={
                "data": f"{out}/weight/responses.parquet",
                "diagnostics": f"{out}/weight/diagnostics.csv",
                "margins": f"{out}/weight/margins.csv",
            },
            settings={
                name: [*wave, "weighting", key]
                for name, key in (("design", "design"), ("method", "method"), ("stratum", "stratum"),
                                  ("margins", "margins"), ("bounds", "bounds"), ("level_map", "level_map"),
                                  ("unknown", "unknown_level"), ("epsilon", "epsilon"), ("maxit", "maxit"),
                                  ("trim", "trim"))
            },
        )
        run_script(
            "describe_wave",
            resolved,
            input={"data": f"{out}/weight/responses.parquet", "replicates": []},
            inputs={"targets": [*wave, "targets"]},
            output={"estimates": f"{out}/describe/estimates.csv"},
            settings={
                "tables": ["describe", "tables"],
                "pooled": ["describe", "pooled"],
                "min_n": ["describe", "min_n"],
                "stratum": [*wave, "weighting", "stratum"],
                "variance": [*wave, "variance"],
                "weighting": [*wave, "weighting"],
            },
        )
        write_manifest(
            build_manifest(find_records("results")),
            "results/manifest.json",
            out_md="results/manifest.md",
            out_html="results/manifest.html",
        )
    return root

