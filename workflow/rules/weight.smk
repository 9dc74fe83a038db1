# Weighting: weight each wave to the population margins of its targets file, as the wave's
# weighting settings say (waves.<wave>.weighting over the top-level weighting; common.smk).

WEIGHT_INPUTS = {"targets": ("waves", "{wave}", "targets")}
# The wave's weighting settings, whole, for the rules whose weighted SEs include the
# weighting's calibration (weighting.variance: calibrated), rebuilt from the same targets
# and settings.
WEIGHTING = wave_weighting()


rule weight_wave:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.clean_wave.output.data,
        code=rule_code("scripts/weight_wave.py"),
    output:
        data="results/{wave}/weight/responses.parquet",
        diagnostics="results/{wave}/weight/diagnostics.csv",
        margins="results/{wave}/weight/margins.csv",
        provenance="results/{wave}/provenance/weight_wave.json",
    log:
        "logs/{wave}/weight.log",
    benchmark:
        "benchmarks/{wave}/weight_wave.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=WEIGHT_INPUTS,
            design=wave_weighting("design"),
            method=wave_weighting("method"),
            stratum=wave_weighting("stratum"),
            margins=wave_weighting("margins"),
            bounds=wave_weighting("bounds"),
            level_map=wave_weighting("level_map"),
            unknown=wave_weighting("unknown_level"),
            epsilon=wave_weighting("epsilon"),
            maxit=wave_weighting("maxit"),
            trim=wave_weighting("trim"),
        ),
    script:
        "../../scripts/weight_wave.py"


rule weighting_figure:
    input:
        margins=rules.weight_wave.output.margins,
        code=rule_code("scripts/weighting_figure.py"),
    output:
        png=report(
            "results/{wave}/weight/margins.png",
            caption="../../results/report/captions/weighting_figure.rst",
            category="Weighting",
            subcategory="{wave}",
            labels={"wave": "{wave}", "figure": "margins"},
        ),
        svg="results/{wave}/weight/margins.svg",
        provenance="results/{wave}/provenance/weighting_figure.json",
    log:
        "logs/{wave}/weighting_figure.log",
    benchmark:
        "benchmarks/{wave}/weighting_figure.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        **settings(method=wave_weighting("method"), stratum=wave_weighting("stratum")),
    script:
        "../../scripts/weighting_figure.py"
