"""A wave's own weighting settings (waves.<wave>.weighting) reach that wave's jobs, merged key
by key over the top-level weighting, and only that wave's: a real run of the weighting of the
tests' two waves, 2021 post-stratified on the joint gender x age margin of its stored targets
file, and a dry run after an edit of 2021's settings alone."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from test_workflow import make_copy, snakemake
from testconfig import base_config, write_test_config

pytestmark = pytest.mark.workflow

OVERRIDE = {"method": "poststratify", "margins": [["gender", "age_group"]]}


def test_a_wave_s_weighting_reaches_its_rules_params_and_only_its_jobs(repo_dir, tmp_path):
    workdir = tmp_path / "run"
    workdir.mkdir()
    make_copy(repo_dir, workdir)
    config = base_config()
    config["waves"]["2021"]["weighting"] = OVERRIDE
    write_test_config(workdir, config)
    # 2021's targets file gives the joint margin too: variable gender:age_group, levels Woman:Under 30 ...
    outputs = [f"results/{wave}/weight/margins.csv" for wave in ("2017", "2021")]
    snakemake(workdir, *outputs)
    params = {wave: json.loads((workdir / f"results/{wave}/provenance/weight_wave.json").read_text())
              for wave in ("2017", "2021")}
    assert params["2021"]["params"]["method"] == "poststratify"
    assert params["2021"]["params"]["margins"] == [["gender", "age_group"]]
    assert params["2021"]["params"]["stratum"] == "country"  # the top level's
    assert params["2021"]["config_keys"]["method"] == ["waves", "2021", "weighting", "method"]
    assert params["2017"]["params"]["method"] == "rake"
    assert params["2017"]["params"]["margins"] == ["gender", "age_group"]
    margins = pd.read_csv(workdir / "results/2021/weight/margins.csv")
    assert set(margins["margin"]) == {"country:gender:age_group__raking"}
    assert margins["rel_error"].abs().max() < 1e-9
    # an edit of 2021's weighting alone reruns 2021's weighting, never 2017's
    config["waves"]["2021"]["weighting"] = {**OVERRIDE, "maxit": 50}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    dry = snakemake(workdir, "--dry-run", *outputs)
    jobs = [line.strip() for line in (dry.stdout + dry.stderr).splitlines() if line.strip().startswith("output: ")]
    assert jobs == ["output: results/2021/weight/responses.parquet, results/2021/weight/diagnostics.csv, "
                    "results/2021/weight/margins.csv, results/2021/provenance/weight_wave.json"]
