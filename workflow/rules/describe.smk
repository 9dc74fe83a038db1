# Descriptive statistics: every table's percentages by country and pooled, weighted and not.


rule describe_replicates:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.weight_wave.output.data,
        code=rule_code("scripts/describe_replicates.py"),
    output:
        chunk="results/{wave}/describe/replicates/chunk_{chunk}.npy",
        provenance="results/{wave}/provenance/describe_replicates_{chunk}.json",
    log:
        "logs/{wave}/describe_replicates_{chunk}.log",
    benchmark:
        "benchmarks/{wave}/describe_replicates_{chunk}.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=WEIGHT_INPUTS,
            tables=("describe", "tables"),
            pooled=("describe", "pooled"),
            stratum=("describe", "by"),
            variance=VARIANCE,
            weighting=WEIGHTING,
        ),
    script:
        "../../scripts/describe_replicates.py"


rule describe_wave:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.weight_wave.output.data,
        replicates=replicate_chunks,
        code=rule_code("scripts/describe_wave.py"),
    output:
        estimates="results/{wave}/describe/estimates.csv",
        provenance="results/{wave}/provenance/describe_wave.json",
    log:
        "logs/{wave}/describe.log",
    benchmark:
        "benchmarks/{wave}/describe_wave.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            tables=("describe", "tables"),
            pooled=("describe", "pooled"),
            input=WEIGHT_INPUTS,
            min_n=("describe", "min_n"),
            stratum=("describe", "by"),
            variance=VARIANCE,
            weighting=WEIGHTING,
        ),
    script:
        "../../scripts/describe_wave.py"


# The numeric items' medians and quartiles with Woodruff intervals (R's svyquantile), on the
# design the tables use; with a replicate method the job builds the replicate design itself
# (the CDF's variance over the replicates is a few matrix products, no chunks needed).
rule describe_medians:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.weight_wave.output.data,
        code=rule_code("scripts/describe_medians.py"),
    output:
        csv="results/{wave}/describe/medians.csv",
        md="results/{wave}/describe/medians.md",
        provenance="results/{wave}/provenance/describe_medians.json",
    log:
        "logs/{wave}/describe_medians.log",
    benchmark:
        "benchmarks/{wave}/describe_medians.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=WEIGHT_INPUTS,
            numeric=("describe", "numeric"),
            pooled=("describe", "pooled"),
            min_n=("describe", "min_n"),
            stratum=("describe", "by"),
            variance=VARIANCE,
            weighting=WEIGHTING,
        ),
    script:
        "../../scripts/describe_medians.py"


rule format_tables:
    input:
        estimates=rules.describe_wave.output.estimates,
        code=rule_code("scripts/format_tables.py"),
    output:
        html=report(
            "results/{wave}/describe/tables.html",
            caption="../../results/report/captions/tables.rst",
            category="Descriptive tables",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "tables (HTML)"},
        ),
        md="results/{wave}/describe/tables.md",
        xlsx="results/{wave}/describe/tables.xlsx",
        provenance="results/{wave}/provenance/format_tables.json",
    log:
        "logs/{wave}/format_tables.log",
    benchmark:
        "benchmarks/{wave}/format_tables.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        **settings(
            min_n=("describe", "min_n"),
            method=wave_weighting("method"),
            stratum=wave_weighting("stratum"),
        ),
    script:
        "../../scripts/format_tables.py"


rule weighting_effect:
    input:
        estimates=rules.describe_wave.output.estimates,
        code=rule_code("scripts/weighting_effect.py"),
    output:
        csv="results/{wave}/describe/weighting_effect.csv",
        md="results/{wave}/describe/weighting_effect.md",
        provenance="results/{wave}/provenance/weighting_effect.json",
    log:
        "logs/{wave}/weighting_effect.log",
    benchmark:
        "benchmarks/{wave}/weighting_effect.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        **settings(
            main_results=("describe", "main_results"),
            min_n=("describe", "min_n"),
            method=wave_weighting("method"),
            stratum=wave_weighting("stratum"),
        ),
    script:
        "../../scripts/weighting_effect.py"


PUBLISHED_INPUTS = {"published": ("waves", "{wave}", "published")}


rule reproduce_published:
    input:
        **config_inputs(PUBLISHED_INPUTS),
        estimates=rules.describe_wave.output.estimates,
        code=rule_code("scripts/reproduce_published.py"),
    output:
        csv="results/{wave}/describe/published.csv",
        md="results/{wave}/describe/published.md",
        html=report(
            "results/{wave}/describe/published.html",
            caption="../../results/report/captions/published.rst",
            category="Descriptive tables",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "published figures reproduced"},
        ),
        provenance="results/{wave}/provenance/reproduce_published.json",
    log:
        "logs/{wave}/reproduce_published.log",
    benchmark:
        "benchmarks/{wave}/reproduce_published.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        **settings(input=PUBLISHED_INPUTS),
    script:
        "../../scripts/reproduce_published.py"
