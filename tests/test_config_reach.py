"""Every config key, edited alone, is named by the audit on exactly the outputs a rerun rebuilds.

One small workflow run (the tests' small synthetic wave, see test_workflow) is made once. Then,
for each key the config schema has (each leaf; a wave's and a model's keys for the run's wave
and one model), and for adding a wave and adding a model, the key is edited alone in
config.yaml and:

- ``swsurvey audit`` must name (settings, code or upstream changed) exactly the run's outputs
  that the key reaches, nothing else and not nothing;
- a dry run with the default profile (which reruns on params, input set and checksums) must
  rebuild exactly the jobs that make those outputs (among the run's outputs: a dry run also
  lists the outputs an edit adds, such as a new wave's, which the run never made).

Dry runs, not real reruns, keep it affordable, so the jobs never run: each edit is a value the
schema accepts, as near a real edit as the key allows (a file key points at a copy of its file;
a number moves; a list loses an item), even where the data would refuse it at run time (a
raking stratum other than country, replicate columns this file does not have). What a key
reaches is decided by which rules take it, not by whether the job would succeed.
"""

from __future__ import annotations

import hashlib
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from test_workflow import make_copy, small_config, snakemake

from swsurvey.provenance.audit import CONFIG_SCHEMA, audit, current_config
from swsurvey.provenance.manifest import read_manifest
from swsurvey.provenance.settings import config_value

pytestmark = pytest.mark.workflow

WAVE = "small"
MODEL = "supervision"


def copy_of(key_path: str):
    """An edit pointing a file key at a copy of its file (the same bytes, another path)."""

    def edit(value: str, workdir: Path) -> str:
        copy = Path("data/copy") / key_path / Path(value).name
        (workdir / copy).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(workdir / value, workdir / copy)
        return copy.as_posix()

    return edit


class Supplied:
    """An edit of a key that belongs to variance method supplied alone: the workflow refuses it
    on a wave of another method at planning time, so it is edited as a user would, with the
    wave switched to supplied replicate weights (the fewest other keys that needs) and the key
    given its value there."""

    SETTING = {"method": "supplied", "columns": "^REPWT[0-9]+$", "type": "JK1", "combined_weights": False}

    def __init__(self, value):
        self.value = value


def raw_sha256(value, workdir: Path) -> str:
    """The raw file's own SHA-256 (the small wave records none): a valid new value."""
    return hashlib.sha256((workdir / "results/synthetic/socialwork_synthetic.sav").read_bytes()).hexdigest()


#: Each schema key (<wave>, <model> for the run's wave and a model) and its edit: a new value, or
#: a function of the current value and the run's folder giving one.
EDITS = {
    "waves.<wave>.raw": copy_of("raw"),
    "waves.<wave>.sha256": raw_sha256,
    "waves.<wave>.instrument": copy_of("instrument"),
    "waves.<wave>.recode": copy_of("recode"),
    "waves.<wave>.targets": copy_of("targets"),
    "waves.<wave>.published": "workflow/published/socialwork_2017.yaml",  # none before
    "waves.<wave>.encoding": "latin1",  # every byte is a latin1 character: the file still reads
    "waves.<wave>.variance.method": "JK1",
    "waves.<wave>.variance.replicates": 20,
    "waves.<wave>.variance.seed": 1,
    "waves.<wave>.variance.fay_rho": 0.25,
    "waves.<wave>.variance.mse": True,
    "waves.<wave>.variance.chunk": 10,
    "waves.<wave>.variance.columns": Supplied(["REPWT1", "REPWT2"]),
    "waves.<wave>.variance.type": Supplied("JKn"),
    "waves.<wave>.variance.scale": Supplied(0.5),
    "waves.<wave>.variance.rscales": Supplied(1.0),
    "waves.<wave>.variance.combined_weights": False,
    "waves.<wave>.variance.full_sample_weight": Supplied("FINALWT"),
    "privacy.drop_instrument_pii": False,
    "privacy.drop_unlisted_strings": False,
    "privacy.keep_strings": ["DistributionChannel"],
    "privacy.drop": ["UserLanguage"],
    "privacy.pseudonymise": [],
    "privacy.pseudonym_key_file": ".secrets/other.key",
    "privacy.date_precision": "second",
    "waves.<wave>.weighting": lambda weighting, _: {"maxit": weighting["maxit"] + 1},
    "weighting.design.weights": "base_weight",
    "weighting.design.strata": "gender",
    "weighting.design.ids": ["setting"],
    "weighting.design.fpc": ["population"],
    "weighting.method": "poststratify",
    # the margins of the whole sample: a stratum the targets file has no column of (gender) is
    # refused when the workflow is read (swsurvey wave check)
    "weighting.stratum": None,
    "weighting.margins": ["gender"],
    "weighting.bounds.lower": 0.5,
    "weighting.bounds.upper": 3.0,
    "weighting.level_map": {"gender": {"Non-binary / gender diverse": "Not stated"}},
    "weighting.unknown_level": "Unknown",
    "weighting.epsilon": 1.0e-8,
    "weighting.maxit": 50,
    "weighting.trim": {"lower": 0.3, "upper": 3.0},
    "weighting.variance": "fixed",
    "sensitivity.schemes": lambda schemes, _: dict(list(schemes.items())[:1]),
    "describe.by": "gender",
    "describe.tables": lambda tables, _: dict(list(tables.items())[:2]),
    "describe.pooled": lambda pooled, _: dict(list(pooled.items())[:1]),
    "describe.min_n": 11,
    "describe.main_results": lambda results, _: dict(list(results.items())[:-1]),
    "describe.numeric": lambda items, _: items[:-1],
    "infer.items": lambda items, _: items[:-1],
    "infer.models.<model>.formula": 'I(talk_supervisor == "Yes") ~ workplace_policy + setting',
    "infer.models.<model>.family": "gaussian",
    "infer.models.<model>.reference": {},
    "infer.models.<model>.domain": {"country": ["Canada", "United States"]},
    "figures.frequency_by_channel.domain": "Canada",
    "figures.odds_ratios.model": "frequency",
    "figures.weighting_shift.domains": ["Canada"],
    "synthetic.instrument": copy_of("synthetic"),
    "synthetic.seed": 1,
    "synthetic.scale": 0.06,
    "synthetic.wave": "small",
    # not leaves: a user adds a wave (a copy of this one's file) or a model
    "waves": lambda waves, workdir: {
        **waves, "second": {**waves[WAVE], "raw": copy_of("second")(waves[WAVE]["raw"], workdir)}
    },
    "infer.models": lambda models, _: {
        **models, "training": {"formula": 'I(training == "Yes") ~ country', "family": "quasibinomial"}
    },
}


def schema_leaves(node: dict, path: str = "") -> list[str]:
    """Every key of the schema that holds a value (no properties of its own), as a dotted path;
    a mapping of waves or models gives its entries' keys under <wave>, <model>."""
    leaves = []
    for name, sub in (node.get("properties") or {}).items():
        key = f"{path}.{name}" if path else name
        entry = {"waves": "<wave>", "models": "<model>"}.get(name)
        if entry is not None:
            leaves += schema_leaves(sub["additionalProperties"], f"{key}.{entry}")
        elif sub.get("properties"):
            leaves += schema_leaves(sub, key)
        elif "properties" not in sub:  # a figure without settings ({}) holds none
            leaves.append(key)
    return leaves


def test_every_schema_key_has_an_edit(repo_dir):
    schema = yaml.safe_load((repo_dir / "workflow/schemas/config.schema.yaml").read_text())
    assert sorted(schema_leaves(schema)) == sorted(key for key in EDITS if key not in {"waves", "infer.models"})


@pytest.fixture(scope="module")
def finished(repo_dir, tmp_path_factory) -> Path:
    """The small workflow, run once to the end."""
    workdir = make_copy(repo_dir, tmp_path_factory.mktemp("reach"))
    small_config(workdir)
    snakemake(workdir)
    return workdir


def dry_run_outputs(workdir: Path) -> set[str]:
    """The outputs of every job a dry run with the default profile would run."""
    proc = snakemake(workdir, "--dry-run")
    outputs = set()
    text = proc.stdout + proc.stderr
    for line in text.splitlines():
        if line.strip().startswith("output: "):  # a job, or a job of a group (indented further)
            outputs.update(line.strip().removeprefix("output: ").split(", "))
    return outputs


def reached(workdir: Path, key: str) -> tuple[set[str], set[str], set[str]]:
    """Edit ``key`` alone in the run's config.yaml: the outputs the audit names, the run's
    outputs a dry run rebuilds, and the audit's other findings; then restore the config."""
    config_file = workdir / "config.yaml"
    original = config_file.read_text()
    config = yaml.safe_load(original)
    keys = key.replace("<wave>", WAVE).replace("<model>", MODEL).split(".")
    # the value the run used: the config's, or the schema's default the workflow filled in
    current = config_value(current_config(config_file, workdir / CONFIG_SCHEMA), keys)
    node = config
    for name in keys[:-1]:
        node = node.setdefault(name, {})
    edit, last = EDITS[key], keys[-1]
    if isinstance(edit, Supplied):
        node.update(Supplied.SETTING)
        edit = edit.value
    node[last] = edit(current, workdir) if callable(edit) else edit
    assert node[last] != current, key
    try:
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        findings = audit(workdir / "results/manifest.json", workdir)
        rebuilt = dry_run_outputs(workdir)
    finally:
        config_file.write_text(original)
    stale = {"settings changed", "code changed", "upstream changed"}
    named = {f.path for f in findings if f.problem in stale}
    others = {str(f) for f in findings if f.problem not in stale}
    made = set(read_manifest(workdir / "results/manifest.json")["outputs"])
    return named, rebuilt & made, others


def test_each_config_key_edited_alone_is_named_on_exactly_the_outputs_a_rerun_rebuilds(finished, tmp_path):
    assert dry_run_outputs(finished) == set()
    assert audit(finished / "results/manifest.json", finished) == []
    # two copies of the run, each edited one key at a time, take half the keys each
    runs = [finished, Path(shutil.copytree(finished, tmp_path / "second", symlinks=True))]
    keys = sorted(EDITS)
    with ThreadPoolExecutor(len(runs)) as pool:
        halves = [pool.submit(lambda run, share: {key: reached(run, key) for key in share}, run, keys[i :: len(runs)])
                  for i, run in enumerate(runs)]  # fmt: skip
        results = {key: result for half in halves for key, result in half.result().items()}
    assert set(results) == set(EDITS)
    wrong = {}
    for key, (named, rebuilt, others) in results.items():
        if named != rebuilt or not named or others:
            wrong[key] = {"audit only": sorted(named - rebuilt), "rerun only": sorted(rebuilt - named),
                          "other findings": sorted(others), "reached": len(named)}
    assert not wrong, yaml.safe_dump(wrong, sort_keys=False)
