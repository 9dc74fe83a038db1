# Import: check the raw SPSS export against the wave's instrument, then read it as it is, keep
# every raw code and declaration in a typed columnar file and a codebook, and stop personal
# data here.

IMPORT_INPUTS = {
    "raw": ("waves", "{wave}", "raw"),
    "instrument": ("waves", "{wave}", "instrument"),
}


# A job deletes its outputs when it starts, so an export is checked in a job of its own before
# the import replaces anything: a refused export stops the run with the last good import, and
# everything made from it, untouched. The check runs again on every run until it passes.
rule check_export:
    input:
        **config_inputs(IMPORT_INPUTS),
        code=rule_code("scripts/check_export.py"),
    output:
        report="results/{wave}/import/export_check.json",
        provenance="results/{wave}/provenance/check_export.json",
    log:
        "logs/{wave}/check_export.log",
    benchmark:
        "benchmarks/{wave}/check_export.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=8),
        runtime=minutes_for_data(10, per_input_gb=10),
    params:
        **settings(input=IMPORT_INPUTS, encoding=("waves", "{wave}", "encoding")),
    script:
        "../../scripts/check_export.py"


rule import_wave:
    input:
        **config_inputs(IMPORT_INPUTS),
        check=rules.check_export.output.report,
        code=rule_code("scripts/import_wave.py"),
    output:
        data="results/{wave}/import/responses.parquet",
        codebook_json="results/{wave}/import/codebook.json",
        codebook_md="results/{wave}/import/codebook.md",
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
            encoding=("waves", "{wave}", "encoding"),
            drop_instrument_pii=("privacy", "drop_instrument_pii"),
            drop_unlisted_strings=("privacy", "drop_unlisted_strings"),
            keep_strings=("privacy", "keep_strings"),
            drop=("privacy", "drop"),
            pseudonymise=("privacy", "pseudonymise"),
            pseudonym_key_file=("privacy", "pseudonym_key_file"),
            **SUPPLIED_WEIGHTS,
        ),
    script:
        "../../scripts/import_wave.py"
