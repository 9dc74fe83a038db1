"""Replicate weights supplied in the raw file (waves.<wave>.variance, method supplied).

The columns are carried from the raw SPSS export to the weighted data (import, cleaning,
weighting), become replicate factors of the pipeline's raked weight, and give the weighted
tables' SEs; with any other method they go no further than the import. The files are real:
the stored synthetic 2017 wave copied with replicate weight columns added, through the real
stages and real Snakemake runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
import yaml

from swsurvey.errors import InputError
from swsurvey.stages.cleaning import clean_wave
from swsurvey.stages.designs import replicate_design
from swsurvey.stages.importing import import_wave
from swsurvey.study.replicate_weights import check_replicate_values
from swsurvey.study.variance_setting import planned_chunks, replicates_per_chunk
from swsurvey.survey import svymean
from swsurvey.survey.replicates import svrepdesign

REPO = Path(__file__).resolve().parents[1]
STORED = REPO / "data/synthetic/socialwork_2017.sav"
INSTRUMENT = REPO / "workflow/instruments/socialwork_2017.yaml"
RECODE = REPO / "workflow/recode/socialwork_2017.yaml"
#: Replicates of the test files: a delete-a-group jackknife of R random groups.
R = 20
JK1 = {"method": "supplied", "columns": "^REPW", "type": "JK1", "combined_weights": False}
COUNTRIES = {1: "Canada", 2: "United States", 3: "Israel", 4: "United Kingdom"}


def jackknife_factors(n: int, seed: int = 11) -> np.ndarray:
    """Known replicate factors (rows x R): replicate r drops group r and multiplies the rest by R/(R-1)."""
    group = np.random.default_rng(seed).integers(0, R, size=n)
    return np.where(group[:, None] == np.arange(R)[None, :], 0.0, R / (R - 1))


def write_wave(path: Path, extra: dict[str, np.ndarray | list]) -> Path:
    """The stored synthetic 2017 wave with ``extra`` columns added, written with its labels,
    missing declarations, formats and file label (raw codes kept: -99 stays a value)."""
    frame, meta = pyreadstat.read_sav(STORED, user_missing=True)
    formats = dict(meta.original_variable_types)
    for name, values in extra.items():
        frame[name] = values
        formats[name] = "F12.6" if pd.api.types.is_numeric_dtype(frame[name]) else f"A{max(map(len, values))}"
    pyreadstat.write_sav(
        frame, path, file_label=meta.file_label, column_labels=meta.column_names_to_labels,
        variable_value_labels=meta.variable_value_labels, missing_ranges=meta.missing_ranges,
        variable_format=formats, variable_measure=meta.variable_measure, row_compress=True,
    )
    return path


def raw_rows() -> int:
    return pyreadstat.read_sav(STORED, metadataonly=True)[1].number_rows


@pytest.fixture(scope="module")
def reps_sav(tmp_path_factory) -> Path:
    """The stored 2017 wave with REPW1..REPW20: known jackknife factors."""
    factors = jackknife_factors(raw_rows())
    return write_wave(tmp_path_factory.mktemp("raw") / "socialwork_reps.sav",
                      {f"REPW{r + 1}": factors[:, r] for r in range(R)})


def run_import_and_clean(raw: Path, out: Path, variance: dict, **privacy) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    import_wave(raw=raw, out_data=out / "import.parquet", out_codebook_json=out / "import.json",
                out_codebook_md=out / "import.md", instrument=INSTRUMENT, key_file=out / "key", variance=variance,
                **privacy)
    clean_wave(data=out / "import.parquet", instrument=INSTRUMENT, recode=RECODE, out_data=out / "clean.parquet",
               out_codebook_json=out / "clean.json", out_codebook_md=out / "clean.md", out_flow_csv=out / "flow.csv",
               out_flow_md=out / "flow.md", wave="2017", variance=variance)
    return out / "clean.parquet"


# -- planning: from the config alone ---------------------------------------------------------


def test_planned_chunks_of_supplied_replicates_come_from_the_config_alone():
    names = [f"REPW{r + 1}" for r in range(R)]
    listed = {**JK1, "columns": names, "chunk": 7}
    assert planned_chunks({**JK1, "chunk": 7}) == 1  # a pattern: the number is known from the data only
    assert planned_chunks(listed) == 3  # listed by name: 20 replicates in jobs of 7
    assert replicates_per_chunk(listed, R) == 7 and replicates_per_chunk({**JK1, "chunk": 7}, R) == R
    assert planned_chunks({"method": "linearization"}) == 0


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ({"method": "supplied", "type": "JK1"}, "columns"),
        ({"method": "supplied", "columns": "^REPW"}, "type"),
        ({"method": "supplied", "columns": "^REPW(", "type": "JK1"}, "columns"),
        ({"method": "supplied", "columns": "^REPW", "type": "JK1", "combined_weights": True}, "full_sample_weight"),
        ({"method": "bootstrap", "replicates": 10, "seed": 1, "chunk": 5, "columns": "^REPW"}, "columns"),
        ({"method": "linearization", "type": "JK1"}, "type"),
    ],
)
def test_a_variance_setting_that_cannot_work_stops_at_planning_naming_the_key(setting, key):
    with pytest.raises(InputError) as info:
        planned_chunks(setting)
    assert info.value.variable == f"waves.<wave>.variance.{key}"


# -- the design ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def weighted(weighted_2017):
    """The raked 2017 wave with known factors and the file's own (made-up) full-sample weight."""
    factors = jackknife_factors(len(weighted_2017), seed=5)
    fsw = np.random.default_rng(3).uniform(0.5, 3.0, len(weighted_2017))
    columns = {f"REPW{r + 1}": factors[:, r] for r in range(R)}
    combined = {f"REPWT{r + 1}": factors[:, r] * fsw for r in range(R)}
    return weighted_2017.assign(**columns, FINALWT=fsw, **combined)


def _cell_se(design, data: pd.DataFrame, variable: str, level: str, countries: list[str]) -> float:
    rows = data["country"].isin(countries) & data[variable].notna()
    indicator = design.data.assign(y=(data[variable] == level).astype(float).to_numpy())
    design = dataclasses.replace(design, data=indicator)
    return float(svymean(design.subset(rows.to_numpy()), "y").to_frame()["se"].iloc[0])


#: The factors of the ``weighted`` fixture (not its REPWT columns).
FACTORS = {**JK1, "columns": "^REPW[0-9]+$"}


def test_the_supplied_design_uses_the_raked_weight_with_the_columns_as_factors(weighted):
    design = replicate_design(weighted, weight="weight", stratum="country", variance=FACTORS)
    assert design.n_replicates == R
    np.testing.assert_array_equal(design.weights, weighted["weight"].to_numpy())
    # replicate r's weights are factor_r x the raked weight
    np.testing.assert_allclose(design.replicate_weights([3])[0], weighted["REPW4"] * weighted["weight"], rtol=1e-15)
    assert design.scale == pytest.approx((R - 1) / R, rel=1e-15)  # R's guess from the factors: 1/max
    assert design.variance == ("replicate weights: supplied JK1 (REPW1 ... REPW20 as factors of the raked weight), "
                               "20 replicates")
    direct = svrepdesign(weighted, repweights=[f"REPW{r + 1}" for r in range(R)], type="JK1", weights="weight",
                         combined_weights=False, scale=(R - 1) / R)
    for countries in (["Canada"], ["Canada", "United States", "Israel", "United Kingdom"]):
        assert _cell_se(design, weighted, "any_ict_use", "Yes", countries) == pytest.approx(
            _cell_se(direct, weighted, "any_ict_use", "Yes", countries), rel=1e-12)


def test_combined_weights_divided_by_the_full_sample_weight_are_the_same_factors(weighted):
    factors = replicate_design(weighted, weight="weight", stratum="country", variance=FACTORS)
    combined = {**JK1, "columns": "^REPWT", "combined_weights": True, "full_sample_weight": "FINALWT"}
    design = replicate_design(weighted, weight="weight", stratum="country", variance=combined)
    # R's default scale for combined JK1 weights: (R-1)/R, the same here
    assert design.scale == pytest.approx(factors.scale, rel=1e-15)
    np.testing.assert_allclose(design.replicate_weights(range(R)), factors.replicate_weights(range(R)), rtol=1e-13)
    assert "REPWT1 ... REPWT20 / FINALWT" in design.variance
    with pytest.raises(InputError, match="JKn with combined weights needs rscales"):
        replicate_design(weighted, weight="weight", stratum="country", variance={**combined, "type": "JKn"})
    with pytest.raises(InputError, match="full-sample weight is also taken as a replicate weight"):
        replicate_design(weighted, weight="weight", stratum="country",
                         variance={**combined, "columns": ["REPWT1", "FINALWT"]})


@pytest.mark.parametrize(
    ("change", "message", "value"),
    [
        ({"REPW3": -0.5}, "replicate weight is negative", -0.5),
        ({"REPW3": np.nan}, "replicate weight is missing", None),
        ({"FINALWT": 0.0}, "full-sample weight is zero or negative", 0.0),
    ],
)
def test_bad_replicate_values_are_errors_naming_the_column_and_the_value(weighted, change, message, value):
    frame = weighted.head(50).copy()
    name, bad = next(iter(change.items()))
    frame.loc[7, name] = bad
    with pytest.raises(InputError, match=message) as info:
        check_replicate_values(frame, [f"REPW{r + 1}" for r in range(R)], "FINALWT", file="f.sav")
    assert info.value.variable == name and info.value.file == "f.sav" and info.value.count == 1
    if value is not None:
        assert info.value.value == value


# -- import and cleaning ---------------------------------------------------------------------


def test_import_and_cleaning_carry_the_columns_row_aligned_and_unchanged(tmp_path):
    n = raw_rows()
    raw = write_wave(tmp_path / "rows.sav", {"REPW_ROW": np.arange(n, dtype=float), "REPW_ONE": np.ones(n)})
    variance = {**JK1, "columns": ["REPW_ROW", "REPW_ONE"]}
    cleaned = pd.read_parquet(run_import_and_clean(raw, tmp_path / "out", variance))
    assert cleaned.columns[-2:].tolist() == ["REPW_ROW", "REPW_ONE"]
    assert cleaned["REPW_ROW"].dtype == np.float64 and (cleaned["REPW_ONE"] == 1.0).all()
    # each cleaned response carries its own raw row's values: its country is that row's Q2
    raw_frame, _ = pyreadstat.read_sav(raw, usecols=["Q2"])
    rows = cleaned["REPW_ROW"].to_numpy().astype(int)
    assert len(rows) < n and (np.diff(rows) > 0).all()
    assert (raw_frame["Q2"].to_numpy()[rows] == cleaned["country"].map({v: k for k, v in COUNTRIES.items()})
            .astype(float).to_numpy()).all()
    book = (tmp_path / "out/clean.json").read_text()
    assert '"replicate_weights"' in book and "REPW_ROW" in (tmp_path / "out/clean.md").read_text()
    provenance = pq.read_schema(tmp_path / "out/clean.parquet").metadata[b"swsurvey"].decode()
    assert '"replicate_weights": {"columns": ["REPW_ROW", "REPW_ONE"]' in provenance


def test_a_replicate_weight_missing_only_in_excluded_responses_is_fine_but_not_in_analysed_ones(tmp_path):
    factors = jackknife_factors(raw_rows())
    raw_frame, _ = pyreadstat.read_sav(STORED, usecols=["Q1"])
    refused = (raw_frame["Q1"] != 1).to_numpy()  # no consent: excluded by the cleaning
    for name, missing in (("excluded", refused), ("analysed", ~refused & (np.arange(len(refused)) % 97 == 0))):
        column = np.where(missing, np.nan, factors[:, 2])
        raw = write_wave(tmp_path / f"{name}.sav", {f"REPW{r + 1}": column if r == 2 else factors[:, r]
                                                   for r in range(R)})
        out = tmp_path / name
        if name == "excluded":
            cleaned = pd.read_parquet(run_import_and_clean(raw, out, JK1))
            assert cleaned["REPW3"].notna().all()
            continue
        with pytest.raises(InputError, match="replicate weight is missing or not finite in analysed responses") as info:
            run_import_and_clean(raw, out, JK1)
        assert info.value.variable == "REPW3" and "analysed.sav" in info.value.file
        assert 1 <= info.value.count <= int(missing.sum())
        assert not (out / "clean.parquet").exists() and not (out / "clean.json").exists()


@pytest.mark.parametrize(
    ("variance", "privacy", "message", "variable"),
    [
        ({**JK1, "columns": "^NOPE"}, {}, "no column matches the replicate weight pattern", None),
        ({**JK1, "columns": ["REPW1", "REPW99"]}, {}, "not in the file", "REPW99"),
        ({**JK1, "columns": ["REPW1", "Q5"]}, {}, "is a variable of the instrument", "Q5"),
        (JK1, {"drop": ("REPW2",)}, "is not imported: dropped by configuration", "REPW2"),
        ({**JK1, "combined_weights": True, "full_sample_weight": "FINALWT"}, {}, "full-sample weight column",
         "FINALWT"),
    ],
)
def test_the_import_refuses_columns_that_are_not_replicate_weights(reps_sav, tmp_path, variance, privacy, message,
                                                                   variable):
    with pytest.raises(InputError, match=message) as info:
        run_import_and_clean(reps_sav, tmp_path / "out", variance, **privacy)
    assert info.value.file == str(reps_sav) and info.value.variable == variable
    assert list((tmp_path / "out").iterdir()) == []


def test_a_pattern_that_also_matches_an_analysis_variable_stops_the_cleaning(reps_sav, tmp_path):
    with pytest.raises(InputError, match="also matches a column of the cleaned data") as info:
        run_import_and_clean(reps_sav, tmp_path / "out", {**JK1, "columns": "^(REPW|country$)"})
    assert info.value.variable == "country" and "socialwork_reps.sav" in info.value.file


# -- real workflow runs ----------------------------------------------------------------------


def workflow_run(repo_dir: Path, workdir: Path, raw: Path, variance: dict, *targets: str, check: bool = True):
    """The workflow copied to ``workdir`` with one wave, ``reps``: the file ``raw`` (its SHA-256
    recorded) with the given variance setting, run to ``targets`` (all by default)."""
    from test_workflow import make_copy, snakemake

    if not (workdir / "Snakefile").exists():
        workdir.mkdir(parents=True, exist_ok=True)
        make_copy(repo_dir, workdir)
    (workdir / "data/raw").mkdir(exist_ok=True)
    (workdir / "data/raw/reps.sav").write_bytes(raw.read_bytes())
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    wave = dict(config["waves"]["2017"])
    wave.update(raw="data/raw/reps.sav", sha256=hashlib.sha256(raw.read_bytes()).hexdigest(), variance=variance)
    config["waves"] = {"reps": wave}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return snakemake(workdir, *targets, check=check)


@pytest.fixture(scope="module")
def supplied_run(repo_dir, reps_sav, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("supplied")
    proc = workflow_run(repo_dir, workdir, reps_sav, JK1)
    return workdir, proc


@pytest.mark.workflow
def test_the_workflow_uses_the_supplied_replicates_and_names_them(supplied_run):
    workdir, _ = supplied_run
    out = workdir / "results/reps"
    weighted = pd.read_parquet(out / "weight/responses.parquet")
    assert [c for c in weighted.columns if c.startswith("REPW")] == [f"REPW{r + 1}" for r in range(R)]
    estimates = pd.read_csv(out / "describe/estimates.csv")
    rows = estimates[estimates["weighting"] == "weighted"]
    label = ("replicate weights: supplied JK1 (REPW1 ... REPW20 as factors of the raked weight), 20 replicates; "
             "raked weights held fixed in the replicates (raking not repeated)")
    assert (rows["variance"] == label).all()
    assert rows["ci_method"].dropna().eq(f"beta (Korn-Graubard), {R - 1} replicate df").all()
    assert estimates.loc[estimates["weighting"] == "unweighted", "variance"].str.startswith("linearization").all()
    # a weighted cell's SE is the library's svymean on svrepdesign made from the weighted file
    design = svrepdesign(weighted, repweights="^REPW", type="JK1", weights="weight", combined_weights=False,
                         scale=(R - 1) / R)
    for domain, countries in (("Canada", ["Canada"]), ("Canada, United States and Israel",
                                                      ["Canada", "United States", "Israel"])):
        cell = rows[(rows["variable"] == "any_ict_use") & (rows["level"] == "Yes") & (rows["domain"] == domain)]
        assert len(cell) == 1
        se = _cell_se(design, weighted, "any_ict_use", "Yes", countries)
        assert cell["se"].iloc[0] / 100 == pytest.approx(se, abs=1e-10, rel=1e-9)
    tests = pd.read_csv(out / "infer/country_tests.csv")
    assert tests.loc[tests["weighting"] == "weighted", "variance"].eq(label).all()


@pytest.mark.workflow
def test_supplied_columns_listed_by_name_are_split_into_jobs_with_the_same_bytes(repo_dir, reps_sav, supplied_run,
                                                                                  tmp_path):
    from test_workflow import full_log, job_counts

    listed = {**JK1, "columns": [f"REPW{r + 1}" for r in range(R)], "chunk": 7}
    target = "results/reps/describe/estimates.csv"
    proc = workflow_run(repo_dir, tmp_path, reps_sav, listed, target)
    assert job_counts(full_log(tmp_path, proc))["describe_replicates"] == 3
    assert (tmp_path / target).read_bytes() == (supplied_run[0] / target).read_bytes()


@pytest.mark.workflow
def test_with_another_method_no_replicate_column_goes_beyond_the_import(repo_dir, reps_sav, tmp_path):
    workflow_run(repo_dir, tmp_path, reps_sav, {"method": "linearization"})
    results = tmp_path / "results"
    checked = 0
    for path in sorted(p for p in results.rglob("*") if p.is_file()):
        relative = path.relative_to(results).as_posix()
        if relative.startswith("reps/import/") or relative == "reps/report/import_codebook.html":
            continue  # the import keeps every raw variable that is not personal data, as always (and its codebook's page shows them)
        if path.suffix == ".parquet":
            assert not [c for c in pq.read_schema(path).names if "REPW" in c], relative
        elif path.suffix not in {".png", ".xlsx", ".npy"}:
            assert b"REPW" not in path.read_bytes(), relative
        checked += 1
    assert checked > 50
    imported = pq.read_schema(results / "reps/import/responses.parquet").names
    assert "REPW1" in imported  # a numeric raw variable, kept by the import as any other


@pytest.mark.workflow
@pytest.mark.parametrize("case", ["pattern", "string"])
def test_a_bad_pattern_or_a_non_numeric_column_stops_the_run_naming_the_file_and_column(repo_dir, reps_sav,
                                                                                        tmp_path, case):
    if case == "pattern":
        raw, variance, named = reps_sav, {**JK1, "columns": "^REPWT[0-9]+$"}, "^REPWT[0-9]+$"
    else:
        factors = jackknife_factors(raw_rows())
        columns = {f"REPW{r + 1}": factors[:, r] for r in range(R)}
        columns["REPW5"] = [f"{x:.4f}" for x in factors[:, 4]]
        raw, variance, named = write_wave(tmp_path / "strings.sav", columns), JK1, "REPW5"
    proc = workflow_run(repo_dir, tmp_path / "run", raw, variance, check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "data/raw/reps.sav" in text and named in text
    assert ("no column matches" if case == "pattern" else "column is not numeric") in text
    # the export follows its instrument (its check passed); nothing of the import is left
    results = tmp_path / "run/results"
    left = sorted(str(p.relative_to(results)) for p in results.rglob("*") if p.is_file())
    assert left == ["reps/import/export_check.json", "reps/provenance/check_export.json"]
