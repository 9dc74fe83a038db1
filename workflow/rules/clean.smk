# Cleaning: exclusions in a stated order, missing values with their reasons, and the analysis
# variables, all as the wave's recode specification says.

CLEAN_INPUTS = {
    "instrument": ("waves", "{wave}", "instrument"),
    "recode": ("waves", "{wave}", "recode"),
}


rule clean_wave:
    input:
        **config_inputs(CLEAN_INPUTS),
        data=rules.import_wave.output.data,
        recode_schema="src/swsurvey/study/recode.schema.yaml",
        code=rule_code("scripts/clean_wave.py"),
    output:
        data="results/{wave}/clean/responses.parquet",
        codebook_json="results/{wave}/clean/codebook.json",
        codebook_md="results/{wave}/clean/codebook.md",
        flow_csv="results/{wave}/clean/exclusion_flow.csv",
        flow_md="results/{wave}/clean/exclusion_flow.md",
        provenance="results/{wave}/provenance/clean_wave.json",
    log:
        "logs/{wave}/clean.log",
    benchmark:
        "benchmarks/{wave}/clean_wave.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        **settings(
            input=CLEAN_INPUTS,
            date_precision=("privacy", "date_precision"),
            **SUPPLIED_WEIGHTS,
        ),
    script:
        "../../scripts/clean_wave.py"
