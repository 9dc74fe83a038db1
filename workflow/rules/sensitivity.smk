# Weighting sensitivity: the headline results under each weighting scheme of
# sensitivity.schemes beside the main weighting, flagged where a conclusion moves, with the
# extreme weights of every scheme (swsurvey.stages.sensitivity).


rule weighting_sensitivity:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.weight_wave.output.data,
        code=rule_code("scripts/weighting_sensitivity.py"),
    output:
        csv="results/{wave}/describe/sensitivity.csv",
        extremes="results/{wave}/describe/sensitivity_extreme_weights.csv",
        # the report shows the page of rule sensitivity_page; the CSVs and Markdown are for reading
        md="results/{wave}/describe/sensitivity.md",
        provenance="results/{wave}/provenance/weighting_sensitivity.json",
    log:
        "logs/{wave}/weighting_sensitivity.log",
    benchmark:
        "benchmarks/{wave}/weighting_sensitivity.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=WEIGHT_INPUTS,
            weighting=WEIGHTING,
            schemes=("sensitivity", "schemes"),
            main_results=("describe", "main_results"),
            pooled=("describe", "pooled"),
            min_n=("describe", "min_n"),
            by=("describe", "by"),
            tested_items=("infer", "items"),
            models=("infer", "models"),
        ),
    script:
        "../../scripts/weighting_sensitivity.py"


rule sensitivity_figure:
    input:
        csv=rules.weighting_sensitivity.output.csv,
        code=rule_code("scripts/sensitivity_figure.py"),
    output:
        png=report(
            "results/{wave}/describe/sensitivity.png",
            caption="../../results/report/captions/sensitivity_figure.rst",
            category="Weighting",
            subcategory="{wave}",
            labels={"wave": "{wave}", "figure": "weighting sensitivity"},
        ),
        svg="results/{wave}/describe/sensitivity.svg",
        provenance="results/{wave}/provenance/sensitivity_figure.json",
    log:
        "logs/{wave}/sensitivity_figure.log",
    benchmark:
        "benchmarks/{wave}/sensitivity_figure.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../../scripts/sensitivity_figure.py"


rule sensitivity_page:
    input:
        csv=rules.weighting_sensitivity.output.csv,
        extremes=rules.weighting_sensitivity.output.extremes,
        png=rules.sensitivity_figure.output.png,
        svg=rules.sensitivity_figure.output.svg,
        code=rule_code("scripts/sensitivity_page.py"),
    output:
        html=report(
            "results/{wave}/report/sensitivity.html",
            caption="../../results/report/captions/weighting_sensitivity.rst",
            category="Weighting",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "weighting sensitivity"},
        ),
        provenance="results/{wave}/provenance/sensitivity_page.json",
    log:
        "logs/{wave}/sensitivity_page.log",
    benchmark:
        "benchmarks/{wave}/sensitivity_page.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../../scripts/sensitivity_page.py"
