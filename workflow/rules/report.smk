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
        trend=trend_outputs()[:1],
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
        medians=expand(rules.describe_medians.output.csv, wave=WAVES),
        coefficients=expand(rules.gather_models.output.coefficients, wave=WAVES),
        status=expand(rules.gather_models.output.status, wave=WAVES),
        tests=expand(rules.infer_tests.output.tests, wave=WAVES),
        codebooks=expand(rules.clean_wave.output.codebook_json, wave=WAVES),
        figures=expand(
            rules.study_figure.output.png, wave=WAVES, figure=list(config["figures"])
        ),
        weighting_figures=expand(rules.weighting_figure.output.png, wave=WAVES),
        sensitivity=expand(rules.weighting_sensitivity.output.csv, wave=WAVES),
        sensitivity_extremes=expand(
            rules.weighting_sensitivity.output.extremes, wave=WAVES
        ),
        sensitivity_figures=expand(rules.sensitivity_figure.output.png, wave=WAVES),
        # the page embeds each figure's SVG (a sixth of the PNG's size), the Word file its PNG
        svgs=expand(
            rules.study_figure.output.svg, wave=WAVES, figure=list(config["figures"])
        )
        + expand(rules.weighting_figure.output.svg, wave=WAVES)
        + expand(rules.sensitivity_figure.output.svg, wave=WAVES)
        + crosswave_outputs()[3:4]
        + trend_outputs()[3:4],
        published=expand(rules.reproduce_published.output.csv, wave=PUBLISHED_WAVES),
        changes=crosswave_outputs()[:1],
        changes_figure=crosswave_outputs()[2:3],
        trend=trend_outputs()[:1],
        trend_figure=trend_outputs()[2:3],
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


# The report's tables of each wave as pages it shows in place (the report offers a CSV or a
# Markdown file only as a download): the study report's tables, and the codebooks rendered.
rule report_pages:
    input:
        flow=rules.clean_wave.output.flow_csv,
        diagnostics=rules.weight_wave.output.diagnostics,
        margins=rules.weight_wave.output.margins,
        estimates=rules.describe_wave.output.estimates,
        medians=rules.describe_medians.output.csv,
        effect=rules.weighting_effect.output.csv,
        tests=rules.infer_tests.output.tests,
        coefficients=rules.gather_models.output.coefficients,
        status=rules.gather_models.output.status,
        codebook=rules.clean_wave.output.codebook_json,
        import_codebook=rules.import_wave.output.codebook_md,
        clean_codebook=rules.clean_wave.output.codebook_md,
        code=rule_code("scripts/report_pages.py"),
    output:
        exclusion_flow=report(
            "results/{wave}/report/exclusion_flow.html",
            caption="../../results/report/captions/exclusion_flow.rst",
            category="Cleaning",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "exclusion flow"},
        ),
        diagnostics=report(
            "results/{wave}/report/diagnostics.html",
            caption="../../results/report/captions/weight_diagnostics.rst",
            category="Weighting",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "weight diagnostics"},
        ),
        margins=report(
            "results/{wave}/report/margins.html",
            caption="../../results/report/captions/weight_margins.rst",
            category="Weighting",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "margins"},
        ),
        estimates=report(
            "results/{wave}/report/estimates.html",
            caption="../../results/report/captions/estimates.rst",
            category="Descriptive tables",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "tables, weighted and unweighted"},
        ),
        medians=report(
            "results/{wave}/report/medians.html",
            caption="../../results/report/captions/medians.rst",
            category="Descriptive tables",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "medians of the numeric items"},
        ),
        weighting_effect=report(
            "results/{wave}/report/weighting_effect.html",
            caption="../../results/report/captions/weighting_effect.rst",
            category="Descriptive tables",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "what weighting changes"},
        ),
        country_tests=report(
            "results/{wave}/report/country_tests.html",
            caption="../../results/report/captions/country_tests.rst",
            category="Inference",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "country tests"},
        ),
        coefficients=report(
            "results/{wave}/report/coefficients.html",
            caption="../../results/report/captions/coefficients.rst",
            category="Inference",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "models"},
        ),
        import_codebook=report(
            "results/{wave}/report/import_codebook.html",
            caption="../../results/report/captions/import_codebook.rst",
            category="Import",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "raw codebook"},
        ),
        clean_codebook=report(
            "results/{wave}/report/clean_codebook.html",
            caption="../../results/report/captions/clean_codebook.rst",
            category="Cleaning",
            subcategory="{wave}",
            labels={"wave": "{wave}", "table": "analysis codebook"},
        ),
        provenance="results/{wave}/provenance/report_pages.json",
    log:
        "logs/{wave}/report_pages.log",
    benchmark:
        "benchmarks/{wave}/report_pages.tsv"
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
            models=("infer", "models"),
            main_results=("describe", "main_results"),
            min_n=("describe", "min_n"),
            weighting=WEIGHTING,
        ),
    script:
        "../../scripts/report_pages.py"
