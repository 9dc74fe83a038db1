"""A weighted data frame written as the weighting stage writes it, for the inferential tests."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq


def write_weighted(frame, path, synthetic=True):
    """``frame`` as a weighting-stage Parquet file (its provenance says stage "weight")."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"swsurvey"] = json.dumps({"stage": "weight", "synthetic": synthetic}).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def raked_stage_wave(directory):
    """R's small synthetic wave of ``tests/r/raked_stage.R`` (its ``raked_stage.json``), weighted by
    the weighting stage within country to the fixture's targets, and that targets file written in
    ``directory``: the R fixtures of the stages compare with R's design over these data."""
    from pathlib import Path

    import pandas as pd
    from testconfig import WEIGHTING_CONFIG

    from swsurvey.stages.weighting import read_targets, weight_respondents

    wave = json.loads((Path(__file__).parent / "r" / "raked_stage.json").read_text())
    ages = ["Under 35", "35-54", "55 and over"]
    data = pd.DataFrame({key: pd.Categorical(values, categories=ages if key == "age_group" else sorted(set(values)))
                         for key, values in wave["data"].items()})
    data["any_use"] = data["any_use"].cat.set_categories(["No", "Yes"])
    data["gender"] = data["gender"].cat.set_categories(["Man", "Woman"])
    rows = [pd.DataFrame({"country": t["country"], "variable": variable, "level": t["level"],
                          "population_count": t["population_count"], "source": "tests/r/raked_stage.R",
                          "date": "2026-12-07"}) for variable, t in wave["targets"].items()]
    targets = Path(directory) / "targets.csv"
    pd.concat(rows).to_csv(targets, index=False)
    population = read_targets(targets, "country", ["gender", "age_group"])
    settings = {k: v for k, v in WEIGHTING_CONFIG.items() if k not in ("variance", "unknown_level")}
    weights, _, _ = weight_respondents(data, population, unknown=WEIGHTING_CONFIG["unknown_level"], **settings)
    return data.assign(weight=weights), targets
