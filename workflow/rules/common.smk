# Helpers shared by every stage: config validation, wave look-ups and the final targets.
import re

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

WAVES = list(config["waves"])
PUBLISHED_WAVES = [wave for wave in WAVES if config["waves"][wave]["published"]]
# Caption templates (workflow/report/<name>.rst), rendered with key numbers by rule report_text.
CAPTIONS = [
    "import_codebook",
    "clean_codebook",
    "exclusion_flow",
    "weight_diagnostics",
    "weight_margins",
    "weighting_figure",
    "estimates",
    "tables",
    "weighting_effect",
    "published",
    "country_tests",
    "coefficients",
    "figures",
]


wildcard_constraints:
    wave="|".join(re.escape(wave) for wave in WAVES),
    figure="|".join(re.escape(figure) for figure in config["figures"]),


def wave_config(wildcards):
    return config["waves"][wildcards.wave]


def wave_raw(wildcards):
    return wave_config(wildcards)["raw"]


def wave_sha256(wildcards):
    return wave_config(wildcards)["sha256"]


def wave_instrument(wildcards):
    return wave_config(wildcards)["instrument"]


def wave_recode(wildcards):
    return wave_config(wildcards)["recode"]


def wave_targets(wildcards):
    return wave_config(wildcards)["targets"]


def wave_published(wildcards):
    return wave_config(wildcards)["published"]


FIGURE_TABLES = {
    "flow": "results/{wave}/clean/exclusion_flow.csv",
    "estimates": "results/{wave}/describe/estimates.csv",
    "coefficients": "results/{wave}/infer/coefficients.csv",
    "weighting_effect": "results/{wave}/describe/weighting_effect.csv",
}


def figure_input(wildcards):
    """The table a figure is drawn from (swsurvey.study_figures.FIGURES says which)."""
    from swsurvey.study_figures import FIGURES

    return FIGURE_TABLES[FIGURES[wildcards.figure][1]].format(wave=wildcards.wave)


def figure_settings(wildcards):
    """A figure's own settings, so changing them reruns that figure alone."""
    return config["figures"][wildcards.figure]


def final_outputs():
    """Every wave's outputs of every stage, and the report's description and captions."""
    return (
        expand(
            [
                "results/{wave}/import/responses.parquet",
                "results/{wave}/import/codebook.json",
                "results/{wave}/import/codebook.md",
                "results/{wave}/clean/responses.parquet",
                "results/{wave}/clean/codebook.json",
                "results/{wave}/clean/codebook.md",
                "results/{wave}/clean/exclusion_flow.csv",
                "results/{wave}/clean/exclusion_flow.md",
                "results/{wave}/weight/responses.parquet",
                "results/{wave}/weight/diagnostics.csv",
                "results/{wave}/weight/margins.csv",
                "results/{wave}/weight/margins.png",
                "results/{wave}/weight/margins.svg",
                "results/{wave}/describe/estimates.csv",
                "results/{wave}/describe/tables.md",
                "results/{wave}/describe/tables.html",
                "results/{wave}/describe/tables.xlsx",
                "results/{wave}/describe/weighting_effect.csv",
                "results/{wave}/describe/weighting_effect.md",
                "results/{wave}/infer/country_tests.csv",
                "results/{wave}/infer/coefficients.csv",
                "results/{wave}/infer/term_tests.csv",
                "results/{wave}/infer/model_status.csv",
            ],
            wave=WAVES,
        )
        + expand(
            [
                "results/{wave}/figures/{figure}.png",
                "results/{wave}/figures/{figure}.svg",
            ],
            wave=WAVES,
            figure=list(config["figures"]),
        )
        + expand(
            [
                "results/{wave}/describe/published.csv",
                "results/{wave}/describe/published.md",
            ],
            wave=PUBLISHED_WAVES,
        )
        + ["results/report/workflow.rst"]
        + expand("results/report/captions/{caption}.rst", caption=CAPTIONS)
    )
