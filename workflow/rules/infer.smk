# Inference: country differences (Rao-Scott, Holm) and survey-weighted models, weighted and not.


rule infer_wave:
    input:
        data="results/{wave}/weight/responses.parquet",
        code=rule_code("scripts/infer_wave.py"),
    output:
        tests=report(
            "results/{wave}/infer/country_tests.csv",
            caption="../../results/report/captions/country_tests.rst",
            category="Inference",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "country tests"},
        ),
        coefficients=report(
            "results/{wave}/infer/coefficients.csv",
            caption="../../results/report/captions/coefficients.rst",
            category="Inference",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "model coefficients"},
        ),
        terms="results/{wave}/infer/term_tests.csv",
        status="results/{wave}/infer/model_status.csv",
        provenance="results/{wave}/provenance/infer_wave.json",
    log:
        "logs/{wave}/infer.log",
    benchmark:
        "benchmarks/{wave}/infer_wave.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    resources:
        mem_mb=memory_for_data(1000, per_input_mb=40),
        runtime=minutes_for_data(10, per_input_gb=60),
    params:
        tested_items=config["infer"]["items"],
        models=config["infer"]["models"],
        stratum=config["weighting"]["stratum"],
        variance=wave_variance,
    script:
        "../../scripts/infer_wave.py"
