# The report's front page and captions, with key numbers read from every wave's results
# (swsurvey.stages.report_text): `snakemake --report report.html` shows them after a run.


rule report_text:
    input:
        estimates=expand("results/{wave}/describe/estimates.csv", wave=WAVES),
        tests=expand("results/{wave}/infer/country_tests.csv", wave=WAVES),
        coefficients=expand("results/{wave}/infer/coefficients.csv", wave=WAVES),
        status=expand("results/{wave}/infer/model_status.csv", wave=WAVES),
        diagnostics=expand("results/{wave}/weight/diagnostics.csv", wave=WAVES),
        flow=expand("results/{wave}/clean/exclusion_flow.csv", wave=WAVES),
        effect=expand("results/{wave}/describe/weighting_effect.csv", wave=WAVES),
        export_check=expand("results/{wave}/import/export_check.json", wave=WAVES),
        published=expand("results/{wave}/describe/published.csv", wave=PUBLISHED_WAVES),
        changes=crosswave_outputs()[:1],
        description="workflow/report/workflow.rst",
        captions=expand("workflow/report/{caption}.rst", caption=CAPTIONS),
        code=rule_code("scripts/report_text.py"),
    output:
        description="results/report/workflow.rst",
        captions=expand("results/report/captions/{caption}.rst", caption=CAPTIONS),
        provenance="results/report/provenance/report_text.json",
    log:
        "logs/report_text.log",
    benchmark:
        "benchmarks/report_text.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        **settings(waves=("waves",), figures=("figures", NAMES)),
    script:
        "../../scripts/report_text.py"
