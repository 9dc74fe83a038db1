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


# The study report: every wave's results as a paper's results section, in one self-contained
# HTML page and a Word document (swsurvey.stages.study_report); every percentage carries the
# id `swsurvey explain` takes.
rule study_report:
    input:
        flow=expand(rules.clean_wave.output.flow_csv, wave=WAVES),
        margins=expand(rules.weight_wave.output.margins, wave=WAVES),
        diagnostics=expand(rules.weight_wave.output.diagnostics, wave=WAVES),
        estimates=expand(rules.describe_wave.output.estimates, wave=WAVES),
        coefficients=expand(rules.gather_models.output.coefficients, wave=WAVES),
        status=expand(rules.gather_models.output.status, wave=WAVES),
        tests=expand(rules.infer_tests.output.tests, wave=WAVES),
        codebooks=expand(rules.clean_wave.output.codebook_json, wave=WAVES),
        figures=expand(
            rules.study_figure.output.png, wave=WAVES, figure=list(config["figures"])
        ),
        weighting_figures=expand(rules.weighting_figure.output.png, wave=WAVES),
        published=expand(rules.reproduce_published.output.csv, wave=PUBLISHED_WAVES),
        changes=crosswave_outputs()[:1],
        changes_figure=crosswave_outputs()[2:3],
        code=rule_code("scripts/study_report.py"),
    output:
        html=report(
            "results/report/study.html",
            caption="../../results/report/captions/study_report.rst",
            category="Study report",
            labels={"format": "HTML"},
        ),
        docx=report(
            "results/report/study.docx",
            caption="../../results/report/captions/study_report.rst",
            category="Study report",
            labels={"format": "Word"},
        ),
        provenance="results/report/provenance/study_report.json",
    log:
        "logs/study_report.log",
    benchmark:
        "benchmarks/study_report.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **settings(
            waves=("waves",),
            figures=("figures",),
            models=("infer", "models"),
            main_results=("describe", "main_results"),
            min_n=("describe", "min_n"),
            weighting=("weighting",),
        ),
    script:
        "../../scripts/study_report.py"
