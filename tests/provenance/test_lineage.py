"""The lineage of one estimate, on a real run (import to describe) of the synthetic wave."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from recorded_run import build_run

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file
from swsurvey.io.explain_ids import cell_id, row_id
from swsurvey.provenance.lineage import explain, explain_id

CELL = dict(table="2. Informal ICT use", variable="any_ict_use", level="Yes", domain="Canada")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return build_run(tmp_path_factory.mktemp("run"))


def test_an_estimate_is_traced_back_to_the_raw_export(run):
    lineage = explain(run / "results", "2017", **CELL)
    estimates = pd.read_csv(run / "results/2017/describe/estimates.csv", dtype=str, keep_default_na=False)
    row = estimates[
        (estimates["table"] == CELL["table"])
        & (estimates["variable"] == CELL["variable"])
        & (estimates["level"] == "Yes")
        & (estimates["domain"] == "Canada")
        & (estimates["weighting"] == "weighted")
    ].iloc[0]
    assert lineage.cell["estimate"] == row["estimate"] and lineage.cell["base_n"] == row["base_n"]
    assert lineage.estimates.sha256 == sha256_file(run / "results/2017/describe/estimates.csv")
    assert [step.rule for step in lineage.steps] == ["describe_wave", "weight_wave", "clean_wave", "import_wave"]

    describe, weight, clean, imported = lineage.steps
    assert "src/swsurvey/stages/describe.py" in [entry["path"] for entry in describe.code]
    assert describe.params["min_n"] == 10
    assert sorted((f.role, f.path, f.made_by or "") for f in describe.inputs) == [
        ("data", "results/2017/weight/responses.parquet", "weight_wave"),
        ("targets", "data/synthetic/population_margins_2017.csv", ""),  # the SEs rebuild the raking
    ]
    assert ("targets", "data/synthetic/population_margins_2017.csv", None) in [
        (f.role, f.path, f.made_by) for f in weight.inputs
    ]
    assert "workflow/recode/socialwork_2017.yaml" in [f.path for f in clean.inputs]
    assert [f.path for f in clean.inputs if f.made_by] == ["results/2017/import/responses.parquet"]
    raw = next(f for f in imported.inputs if f.role == "raw")
    assert raw.path == "data/synthetic/socialwork_2017.sav"
    assert raw.sha256 == sha256_file(run / "data/synthetic/socialwork_2017.sav") and raw.status == "unchanged"
    assert all(f.status == "unchanged" for step in lineage.steps for f in step.inputs + step.made)

    text = lineage.render()
    for expected in [
        "Uses informal ICT with clients between sessions",
        "rule describe_wave (wave 2017)",
        "rule weight_wave",
        "targets: data/synthetic/population_margins_2017.csv",
        "recode: workflow/recode/socialwork_2017.yaml",
        "results/2017/clean/responses.parquet",
        "results/2017/import/responses.parquet",
        f"raw: data/synthetic/socialwork_2017.sav (sha256 {raw.sha256}",
    ]:
        assert expected in text


def test_the_unweighted_cell_is_another_row(run):
    weighted = explain(run / "results", "2017", **CELL)
    unweighted = explain(run / "results", "2017", **CELL, weighting="unweighted")
    assert unweighted.cell["weighting"] == "unweighted"
    assert unweighted.cell["n"] != weighted.cell["n"] or unweighted.cell["estimate"] != weighted.cell["estimate"]


def test_a_file_changed_since_the_run_is_marked(run, tmp_path):
    margins = run / "data/synthetic/population_margins_2017.csv"
    original = margins.read_bytes()
    try:
        margins.write_bytes(original + b"\n")
        lineage = explain(run / "results", "2017", **CELL)
        weight = next(step for step in lineage.steps if step.rule == "weight_wave")
        assert next(f for f in weight.inputs if f.role == "targets").status == "modified"
        assert "MODIFIED since the run" in lineage.render()
    finally:
        margins.write_bytes(original)


@pytest.mark.parametrize(
    ("field", "value", "close"),
    [
        ("table", "2. Informal ICT", "'2. Informal ICT use'"),
        ("variable", "any_ict", "'any_ict_use'"),
        ("domain", "Canda", "'Canada'"),
        ("level", "yes", "'Yes'"),
    ],
)
def test_a_cell_that_is_not_there_names_the_value_and_close_matches(run, field, value, close):
    with pytest.raises(InputError, match="close matches") as error:
        explain(run / "results", "2017", **{**CELL, field: value})
    assert error.value.variable == field and error.value.value == value
    assert close in str(error.value)


def test_an_unknown_wave_is_a_clear_error(run):
    with pytest.raises(InputError, match="no estimates file for wave 1999"):
        explain(run / "results", "1999", **CELL)


def test_every_cell_of_every_table_has_a_lineage(run):
    estimates = pd.read_csv(run / "results/2017/describe/estimates.csv", dtype=str, keep_default_na=False)
    assert estimates["table"].nunique() >= 1 and len(estimates) > 10
    for row in estimates.itertuples(index=False):
        lineage = explain(run / "results", "2017", table=row.table, variable=row.variable, level=row.level,
                          domain=row.domain, weighting=row.weighting)
        assert lineage.cell["estimate"] == row.estimate
        assert [step.rule for step in lineage.steps] == ["describe_wave", "weight_wave", "clean_wave", "import_wave"]


def test_a_compact_id_names_the_same_cell_as_the_options(run):
    """T<k> is the k-th table of the file; the table's full name works too."""
    estimates = pd.read_csv(run / "results/2017/describe/estimates.csv", dtype=str, keep_default_na=False)
    tables = list(dict.fromkeys(estimates["table"]))
    for row in estimates.drop_duplicates("table").itertuples(index=False):
        text = cell_id("2017", tables.index(row.table) + 1, row.variable, row.level, row.domain, row.weighting)
        assert explain_id(run / "results", text).cell == explain(
            run / "results", "2017", table=row.table, variable=row.variable, level=row.level, domain=row.domain,
            weighting=row.weighting).cell
    by_name = explain_id(run / "results", "2017/2. Informal ICT use/any_ict_use/Yes/Canada/unweighted")
    assert by_name.cell["weighting"] == "unweighted" and by_name.cell["table"] == "2. Informal ICT use"


def test_a_compact_id_past_the_last_table_is_a_clear_error(run):
    with pytest.raises(InputError, match="tables T1 to T"):
        explain_id(run / "results", "2017/T99/any_ict_use/Yes/Canada/weighted")


def test_a_row_of_another_result_table_is_traced_by_its_id(run):
    margins = pd.read_csv(run / "results/2017/weight/margins.csv", dtype=str, keep_default_na=False)
    first = margins.iloc[0]
    lineage = explain_id(run / "results", row_id("2017", "margins", first["margin"], first["level"]))
    assert lineage.cell["target"] == first["target"] and lineage.estimates.path == "results/2017/weight/margins.csv"
    assert [step.rule for step in lineage.steps] == ["weight_wave", "clean_wave", "import_wave"]
    assert lineage.render().startswith(f"Row: wave 2017, margin {first['margin']}, level {first['level']}")
    with pytest.raises(InputError, match="close matches") as error:
        explain_id(run / "results", row_id("2017", "margins", first["margin"], "Mars:Woman"))
    assert error.value.variable == "level"
