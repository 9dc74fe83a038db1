"""Run the real stages of the pipeline after cleaning on one wave, as the workflow's rules do.

Tests that need a wave's result tables (weights, estimates, tests, models, the main results)
call :func:`run_stages` with the tests' config (:mod:`testconfig`, the shipped defaults), so they
test what the default run produces, without starting Snakemake.
"""

from __future__ import annotations

from pathlib import Path

from testconfig import base_config

REPO = Path(__file__).resolve().parents[1]


def default_config() -> dict:
    """The tests' config (never the user's config.yaml)."""
    return base_config()


def run_stages(cleaned: Path, out: Path, wave: str = "2017") -> dict[str, Path]:
    """The export's check, weighting, descriptive (the tables and the medians), inferential
    stages, main results and reproduction: their paths."""
    from swsurvey.stages.describe import describe_wave
    from swsurvey.stages.describe_medians import describe_medians
    from swsurvey.stages.export_check import check_export
    from swsurvey.stages.infer import infer_wave
    from swsurvey.stages.published import reproduce_wave
    from swsurvey.stages.weighting import weight_wave, weighting_settings
    from swsurvey.stages.weighting_effect import write_weighting_effect

    config = default_config()
    settings = config["waves"][wave]
    weighting = config["weighting"]
    paths = {name: out / f"{name}.csv" for name in
             ("diagnostics", "margins", "estimates", "medians", "tests", "coefficients", "terms", "status", "effect", "published")}
    paths["flow"] = cleaned.parent / "flow.csv"
    paths["export_check"] = out / "export_check.json"
    check_export(REPO / settings["raw"], REPO / settings["instrument"], paths["export_check"])
    weight_wave(cleaned, REPO / settings["targets"], out / "weighted.parquet", paths["diagnostics"], paths["margins"],
                wave=wave, **weighting_settings(weighting))
    describe_wave(out / "weighted.parquet", paths["estimates"], wave=wave, tables=config["describe"]["tables"],
                  stratum=weighting["stratum"], pooled=config["describe"]["pooled"], min_n=config["describe"]["min_n"],
                  weighting=weighting, targets=REPO / settings["targets"])
    describe_medians(out / "weighted.parquet", paths["medians"], out / "medians.md", wave=wave,
                     numeric=config["describe"]["numeric"], stratum=weighting["stratum"],
                     pooled=config["describe"]["pooled"], min_n=config["describe"]["min_n"], weighting=weighting,
                     targets=REPO / settings["targets"])
    infer_wave(out / "weighted.parquet", paths["tests"], paths["coefficients"], paths["terms"], paths["status"],
               wave=wave, items=config["infer"]["items"], models=config["infer"]["models"],
               stratum=weighting["stratum"], weighting=weighting, targets=REPO / settings["targets"])
    write_weighting_effect(paths["estimates"], paths["effect"], out / "effect.md", wave=wave,
                           main_results=config["describe"]["main_results"], min_n=config["describe"]["min_n"])
    reproduce_wave(paths["estimates"], REPO / settings["published"], paths["published"], out / "published.md",
                   out / "published.html", wave=wave)
    return paths
