# Helpers shared by every stage: config validation, wave look-ups and the final targets.
import re

from snakemake.utils import validate

from swsurvey.provenance import code_files

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
    "changes",
    "changes_figure",
    "manifest",
]


wildcard_constraints:
    wave="|".join(re.escape(wave) for wave in WAVES),
    figure="|".join(re.escape(figure) for figure in config["figures"]),


def rule_code(script):
    """The code that runs in the jobs of a rule (its script, and every module of src/swsurvey
    that the script imports), listed as the rule's `code` input. A change of that code's
    content reruns the jobs; a touch does not, as the profile has Snakemake compare inputs
    by checksum."""
    return code_files(script, package_root="src/swsurvey")


def wave_config(wildcards):
    return config["waves"][wildcards.wave]


def wave_raw(wildcards):
    return wave_raw_of(wildcards.wave)


def wave_raw_of(wave):
    """A wave's raw file (results/synthetic/... when the workflow generates it)."""
    return config["waves"][wave]["raw"]


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


def crosswave_outputs():
    """The changes between waves, when config has two waves or more."""
    if len(WAVES) < 2:
        return []
    return [
        "results/crosswave/changes.csv",
        "results/crosswave/changes.md",
        "results/crosswave/changes.png",
        "results/crosswave/changes.svg",
    ]


def provenance_records():
    """The record of every job the run makes (see workflow/rules/provenance.smk)."""
    per_wave = [
        "import_wave",
        "clean_wave",
        "weight_wave",
        "weighting_figure",
        "describe_wave",
        "format_tables",
        "weighting_effect",
        "infer_wave",
    ]
    records = expand("results/{wave}/provenance/{rule}.json", wave=WAVES, rule=per_wave)
    records += expand(
        "results/{wave}/provenance/reproduce_published.json", wave=PUBLISHED_WAVES
    )
    records += expand(
        "results/{wave}/provenance/study_figure_{figure}.json",
        wave=WAVES,
        figure=list(config["figures"]),
    )
    if len(WAVES) > 1:
        records += [
            "results/crosswave/provenance/crosswave_changes.json",
            "results/crosswave/provenance/crosswave_figure.json",
        ]
    if any(wave_raw_of(wave).startswith("results/synthetic/") for wave in WAVES):
        records.append("results/synthetic/provenance/synthetic_wave.json")
    return records + ["results/report/provenance/report_text.json"]


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
        + crosswave_outputs()
        + ["results/report/workflow.rst"]
        + [
            "results/manifest.json",
            "results/manifest.md",
            "results/manifest.html",
            "results/ro-crate/ro-crate-metadata.json",
        ]
        + expand("results/report/captions/{caption}.rst", caption=CAPTIONS)
    )
