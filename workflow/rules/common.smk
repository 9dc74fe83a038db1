# Helpers shared by every stage: config validation, wave look-ups and the final targets.
import math
from pathlib import Path
import re

from snakemake.utils import validate

from swsurvey import preflight
from swsurvey.provenance.code import IMPORTS_CACHE, code_files
from swsurvey.provenance.settings import CONFIG_KEYS, NAMES, config_value
from swsurvey.plan import FIGURE_SOURCES
from swsurvey.study.variance_setting import planned_chunks

# Before any job can run (and delete the outputs it would replace): the config against its
# schema (filling in defaults, after merging each wave's own weighting keys over the top-level
# weighting's, so waves.<wave>.weighting is the wave's whole weighting), every wave's raw file
# (present, and of its sha256) and the year its recode assumes. A problem is one message
# naming the key, and exit status 1.
preflight.run(
    config, Path(workflow.current_basedir, "../schemas/config.schema.yaml"), validate
)
# The rules take a wave's whole weighting, or a key of it, by the key path WAVE_WEIGHTING.
WAVE_WEIGHTING = ("waves", "{wave}", "weighting")


def wave_weighting(*keys):
    """The key path of a wave's weighting setting (the whole weighting without keys): a
    rule's params entry, e.g. settings(stratum=wave_weighting("stratum"))."""
    return WAVE_WEIGHTING + keys


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
    "medians",
    "weighting_effect",
    "weighting_sensitivity",
    "sensitivity_figure",
    "published",
    "country_tests",
    "coefficients",
    "figures",
    "changes",
    "changes_figure",
    "manifest",
    "study_report",
]
# With three waves or more, the trends across waves (rules crosswave_trend, trend_figure).
if len(WAVES) >= 3:
    CAPTIONS += ["trend", "trend_figure"]


wildcard_constraints:
    wave="|".join(re.escape(wave) for wave in WAVES),
    figure="|".join(re.escape(figure) for figure in config["figures"]),
    chunk=r"\d+",
    model="|".join(re.escape(model) for model in config["infer"]["models"]),


def rule_code(script):
    """The code that runs in the jobs of a rule (its script, and every module of src/swsurvey
    that the script imports), listed as the rule's `code` input. A change of that code's
    content reruns the jobs; a touch does not, as the profile has Snakemake compare inputs
    by checksum."""
    return code_files(script, package_root="src/swsurvey", cache=IMPORTS_CACHE)


# What a scheduler needs to place each job: its memory (resources mem_mb, MB) and wall time
# (runtime, minutes), measured with the benchmarks (benchmarks/<wave>/<rule>.tsv) on the default
# waves (~5,000 rows) and on a 1,000,000-row synthetic wave (SPSS file 267 MB, Parquet 37 MB):
#
#   import_wave: peak 130 MB and 1.1 GB (1M rows; 2 GB for the 1,000,000 x 80 file of
#     bench/bench_import.py, 250 MB), 10 s: 1,000 MB + 8 MB per MB of input, 10 min + 10 min
#     per GB.
#   clean, weight, describe and infer (the replicate chunks, the tests and each model):
#     150-210 MB and 0.6-1.0 GB; seconds, and up to a few minutes (describe) for 1M rows.
#     Their Parquet input is ~20 times smaller than the data in memory: 1,000 MB + 40 MB per
#     MB of input, 10 min + 60 min per GB.
#   Everything else (gather_models only gathers the models' tables) reads tables of estimates,
#     whose size does not grow with the number of respondents: 100-350 MB and 1-5 s whatever
#     the wave. The seconds-long tables, figures and report text ask for 500 MB and 5 min and
#     form the group "small_jobs", which a cluster profile submits as few SLURM jobs (see
#     workflow/profiles/slurm); a local run ignores groups. The synthetic wave (at most the
#     default size), the changes between waves and the manifest ask for 1,000 MB and 10 min.
#
# Each rule declares one thread (`threads` is 1). Nothing in the pipeline runs in parallel
# within a job but the BLAS behind numpy, and with two BLAS threads describe_wave is slower and
# the models hardly faster (5% on 1M rows) while their coefficients change in the last digits.
# Snakemake gives a job as many BLAS threads as it has threads, so the numbers do not depend on
# the machine's core count, locally or on a cluster. The parallel work is split into jobs
# instead: one per chunk of replicates (describe_replicates, infer_replicates), the country
# tests (infer_tests), one per model (infer_model) and one per figure (study_figure).
def memory_for_data(base_mb, per_input_mb):
    """A job's memory from the size of its data: base_mb for Python and the package, plus
    per_input_mb for each MB of the job's input (input.size_mb: its data file, and the few
    hundred KB of code it runs), rounded up to 100 MB."""

    def mem_mb(wildcards, input):
        return base_mb + math.ceil(per_input_mb * input.size_mb / 100) * 100

    return mem_mb


def minutes_for_data(base_minutes, per_input_gb):
    """A job's wall time in minutes from the size of its data: base_minutes, plus per_input_gb
    for each GB of the job's input, rounded up to a whole minute."""

    def runtime(wildcards, input):
        return base_minutes + math.ceil(per_input_gb * input.size_mb / 1024)

    return runtime


# The settings that each of the rules takes from config, each by its key path: a tuple of
# keys, where "{wave}", "{figure}" and "{model}" stand for the job's wildcard, and NAMES (last)
# for the names of a mapping. The job's provenance record keeps each key path (the param
# CONFIG_KEYS), so the audit compares exactly the setting the rule took with the same key of
# the current config.
def job_keys(keys, wildcards):
    """A key path with its wildcards made the job's."""
    return [
        getattr(wildcards, key[1:-1]) if key[:1] + key[-1:] == "{}" else key
        for key in keys
    ]


def from_config(keys):
    """The config value at a key path, as a function of the job's wildcards."""

    def value(wildcards):
        return config_value(config, job_keys(keys, wildcards))

    return value


def config_inputs(sources):
    """A rule's input files named by config: {input name: key path}. Give the same mapping to
    settings(input=...), so the record says where each came from."""
    return {name: from_config(keys) for name, keys in sources.items()}


def settings(input=None, **sources):
    """A rule's params taken from config, {param name: key path}; and the param CONFIG_KEYS,
    the key path of each and of each input of config_inputs(input), for the job's record.
    A change of a value reruns the jobs that take it (the profile's params trigger), and the
    audit names exactly their outputs."""

    def keys(wildcards):
        return {
            "params": {
                name: job_keys(path, wildcards) for name, path in sources.items()
            },
            "input": {
                name: job_keys(path, wildcards) for name, path in (input or {}).items()
            },
        }

    return {name: from_config(path) for name, path in sources.items()} | {
        CONFIG_KEYS: keys
    }


def wave_config(wildcards):
    return config["waves"][wildcards.wave]


def wave_raw_of(wave):
    """A wave's raw file (results/synthetic/... when the workflow generates it)."""
    return config["waves"][wave]["raw"]


def wave_variance(wildcards):
    """A wave's variance setting: linearization, or a replicate method."""
    return wave_config(wildcards)["variance"]


#: A wave's variance setting, and the keys of it that supplied replicate weights use.
VARIANCE = ("waves", "{wave}", "variance")
SUPPLIED_WEIGHTS = {
    key: VARIANCE + (key,)
    for key in ("columns", "type", "combined_weights", "full_sample_weight")
}


def replicate_chunks(wildcards):
    """The chunks of replicate estimates a wave's tables gather (none for linearization)."""
    return expand(
        rules.describe_replicates.output.chunk,
        wave=wildcards.wave,
        chunk=range(planned_chunks(wave_variance(wildcards))),
    )


def infer_replicate_chunks(wildcards):
    """The chunks of replicate estimates a wave's tests and models gather (none for
    linearization): as many as the tables', of the same replicates."""
    return expand(
        rules.infer_replicates.output.chunk,
        wave=wildcards.wave,
        chunk=range(planned_chunks(wave_variance(wildcards))),
    )


def infer_replicate_layouts(wildcards):
    """What each chunk's columns are (one JSON file beside each chunk)."""
    return expand(
        rules.infer_replicates.output.layout,
        wave=wildcards.wave,
        chunk=range(planned_chunks(wave_variance(wildcards))),
    )


def model_tables(kind):
    """The tables of one kind (rule infer_model's output ``coefficients``, ``terms`` or
    ``status``) of every model of a wave, in config order, for rule gather_models to gather.
    """

    def tables(wildcards):
        return expand(
            rules.infer_model.output.get(kind),
            wave=wildcards.wave,
            model=list(config["infer"]["models"]),
        )

    return tables


def figure_table(source):
    """The table a figure's source names (the values of swsurvey.plan.FIGURE_SOURCES), by the
    rule and output that make it."""
    return {
        "flow": rules.clean_wave.output.flow_csv,
        "estimates": rules.describe_wave.output.estimates,
        "coefficients": rules.gather_models.output.coefficients,
        "weighting_effect": rules.weighting_effect.output.csv,
    }[source]


def figure_input(wildcards):
    """The table a figure is drawn from (swsurvey.plan.FIGURE_SOURCES says which)."""
    return figure_table(FIGURE_SOURCES[wildcards.figure]).format(wave=wildcards.wave)


def crosswave_outputs():
    """The changes between waves, when config has two waves or more."""
    if len(WAVES) < 2:
        return []
    return [
        rules.crosswave_changes.output.csv,
        rules.crosswave_changes.output.md,
        rules.crosswave_figure.output.png,
        rules.crosswave_figure.output.svg,
        rules.crosswave_changes.output.html,
    ]


def trend_outputs():
    """The trends across waves when config has three waves or more (else no such rules):
    the table as CSV and Markdown, the figure as PNG and SVG, and the table's page."""
    if len(WAVES) < 3:
        return []
    return [
        rules.crosswave_trend.output.csv,
        rules.crosswave_trend.output.md,
        rules.trend_figure.output.png,
        rules.trend_figure.output.svg,
        rules.crosswave_trend.output.html,
    ]


def provenance_records():
    """The record of every job the run makes (see workflow/rules/provenance.smk)."""
    per_wave = [
        rules.check_export,
        rules.import_wave,
        rules.clean_wave,
        rules.weight_wave,
        rules.weighting_figure,
        rules.describe_wave,
        rules.describe_medians,
        rules.format_tables,
        rules.weighting_effect,
        rules.infer_tests,
        rules.gather_models,
        rules.report_pages,
        rules.weighting_sensitivity,
        rules.sensitivity_figure,
        rules.sensitivity_page,
    ]
    records = [
        path
        for wave in WAVES
        for rule in per_wave
        for path in expand(rule.output.provenance, wave=wave)
    ]
    records += expand(rules.reproduce_published.output.provenance, wave=PUBLISHED_WAVES)
    records += expand(
        rules.study_figure.output.provenance,
        wave=WAVES,
        figure=list(config["figures"]),
    )
    records += expand(
        rules.infer_model.output.provenance,
        wave=WAVES,
        model=list(config["infer"]["models"]),
    )
    for wave in WAVES:
        chunks = range(planned_chunks(config["waves"][wave]["variance"]))
        for stage in (rules.describe_replicates, rules.infer_replicates):
            records += expand(stage.output.provenance, wave=wave, chunk=chunks)
    if len(WAVES) > 1:
        records += [
            rules.crosswave_changes.output.provenance,
            rules.crosswave_figure.output.provenance,
        ]
    if len(WAVES) > 2:
        records += [
            rules.crosswave_trend.output.provenance,
            rules.trend_figure.output.provenance,
        ]
    if any(wave_raw_of(wave).startswith("results/synthetic/") for wave in WAVES):
        records.append(rules.synthetic_wave.output.provenance)
    return records + [
        rules.report_text.output.provenance,
        rules.study_report.output.provenance,
    ]


def final_outputs():
    """Every wave's outputs of every stage, the report's description and captions, and the
    study report."""
    per_wave = [
        rules.import_wave.output.data,
        rules.import_wave.output.codebook_json,
        rules.import_wave.output.codebook_md,
        rules.clean_wave.output.data,
        rules.clean_wave.output.codebook_json,
        rules.clean_wave.output.codebook_md,
        rules.clean_wave.output.flow_csv,
        rules.clean_wave.output.flow_md,
        rules.weight_wave.output.data,
        rules.weight_wave.output.diagnostics,
        rules.weight_wave.output.margins,
        rules.weighting_figure.output.png,
        rules.weighting_figure.output.svg,
        rules.describe_wave.output.estimates,
        rules.describe_medians.output.csv,
        rules.describe_medians.output.md,
        rules.format_tables.output.md,
        rules.format_tables.output.html,
        rules.format_tables.output.xlsx,
        rules.weighting_effect.output.csv,
        rules.weighting_effect.output.md,
        rules.infer_tests.output.tests,
        rules.gather_models.output.coefficients,
        rules.gather_models.output.terms,
        rules.gather_models.output.status,
        *rules.report_pages.output,
        rules.weighting_sensitivity.output.csv,
        rules.weighting_sensitivity.output.extremes,
        rules.weighting_sensitivity.output.md,
        rules.sensitivity_figure.output.png,
        rules.sensitivity_figure.output.svg,
        rules.sensitivity_page.output.html,
    ]
    figures = [rules.study_figure.output.png, rules.study_figure.output.svg]
    published = [
        rules.reproduce_published.output.csv,
        rules.reproduce_published.output.md,
        rules.reproduce_published.output.html,
    ]
    manifest = rules.manifest.output
    return (
        expand(per_wave, wave=WAVES)
        + expand(figures, wave=WAVES, figure=list(config["figures"]))
        + expand(published, wave=PUBLISHED_WAVES)
        + crosswave_outputs()
        + trend_outputs()
        + [rules.report_text.output.description]
        + [rules.study_report.output.html, rules.study_report.output.docx]
        + [manifest.json, manifest.md, manifest.html, manifest.crate]
        + rules.report_text.output.captions
    )
