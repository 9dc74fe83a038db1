# Import: read the raw SPSS export as it is, keep every raw code and declaration in a typed
# columnar file and a codebook, and stop personal data here.

IMPORT_INPUTS = {
    "raw": ("waves", "{wave}", "raw"),
    "instrument": ("waves", "{wave}", "instrument"),
}


rule import_wave:
    input:
        **config_inputs(IMPORT_INPUTS),
        code=rule_code("scripts/import_wave.py"),
    output:
        data="results/{wave}/import/responses.parquet",
        codebook_json="results/{wave}/import/codebook.json",
        codebook_md=report(
            "results/{wave}/import/codebook.md",
            caption="../../results/report/captions/import_codebook.rst",
            category="Import",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "raw codebook"},
        ),
        provenance="results/{wave}/provenance/import_wave.json",
    log:
        "logs/{wave}/import.log",
    benchmark:
        "benchmarks/{wave}/import_wave.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=8),
        runtime=minutes_for_data(10, per_input_gb=10),
    params:
        **settings(
            input=IMPORT_INPUTS,
            sha256=("waves", "{wave}", "sha256"),
            privacy=("privacy",),
            **SUPPLIED_WEIGHTS,
        ),
    script:
        "../../scripts/import_wave.py"
