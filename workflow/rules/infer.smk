# Inference: country differences (Rao-Scott, Holm) and survey-weighted models, weighted and not.
# The tests are one job, each model another (rule infer_model), gathered by rule gather_models;
# with a replicate variance method, every replicate's tests and refits are computed once per
# chunk of replicates (rule infer_replicates) and gathered by the test and model jobs.


rule infer_replicates:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.weight_wave.output.data,
        code=rule_code("scripts/infer_replicates.py"),
    output:
        chunk="results/{wave}/infer/replicates/chunk_{chunk}.npy",
        layout="results/{wave}/infer/replicates/chunk_{chunk}.json",
        provenance="results/{wave}/provenance/infer_replicates_{chunk}.json",
    log:
        "logs/{wave}/infer_replicates_{chunk}.log",
    benchmark:
        "benchmarks/{wave}/infer_replicates_{chunk}.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=WEIGHT_INPUTS,
            tested_items=("infer", "items"),
            models=("infer", "models"),
            stratum=("describe", "by"),
            variance=VARIANCE,
            weighting=WEIGHTING,
        ),
    script:
        "../../scripts/infer_replicates.py"


rule infer_tests:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.weight_wave.output.data,
        replicates=infer_replicate_chunks,
        layouts=infer_replicate_layouts,
        code=rule_code("scripts/infer_tests.py"),
    output:
        tests="results/{wave}/infer/country_tests.csv",
        provenance="results/{wave}/provenance/infer_tests.json",
    log:
        "logs/{wave}/infer_tests.log",
    benchmark:
        "benchmarks/{wave}/infer_tests.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=WEIGHT_INPUTS,
            tested_items=("infer", "items"),
            stratum=("describe", "by"),
            variance=VARIANCE,
            weighting=WEIGHTING,
        ),
    script:
        "../../scripts/infer_tests.py"


rule infer_model:
    input:
        **config_inputs(WEIGHT_INPUTS),
        data=rules.weight_wave.output.data,
        replicates=infer_replicate_chunks,
        layouts=infer_replicate_layouts,
        code=rule_code("scripts/infer_model.py"),
    output:
        coefficients="results/{wave}/infer/models/{model}/coefficients.csv",
        terms="results/{wave}/infer/models/{model}/term_tests.csv",
        status="results/{wave}/infer/models/{model}/model_status.csv",
        provenance="results/{wave}/provenance/infer_model_{model}.json",
    log:
        "logs/{wave}/infer_model_{model}.log",
    benchmark:
        "benchmarks/{wave}/infer_model_{model}.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=WEIGHT_INPUTS,
            spec=("infer", "models", "{model}"),
            stratum=("describe", "by"),
            variance=VARIANCE,
            weighting=WEIGHTING,
        ),
    script:
        "../../scripts/infer_model.py"


rule gather_models:
    input:
        coefficients=model_tables("coefficients"),
        terms=model_tables("terms"),
        status=model_tables("status"),
        code=rule_code("scripts/gather_models.py"),
    output:
        coefficients="results/{wave}/infer/coefficients.csv",
        terms="results/{wave}/infer/term_tests.csv",
        status="results/{wave}/infer/model_status.csv",
        provenance="results/{wave}/provenance/gather_models.json",
    log:
        "logs/{wave}/infer.log",
    benchmark:
        "benchmarks/{wave}/gather_models.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        # which models there are decides the tables gathered
        **settings(models=("infer", "models", NAMES)),
    script:
        "../../scripts/gather_models.py"
