# Figures: one job per figure, drawn from the estimates file or the exclusion flow.


rule study_figure:
    input:
        table=figure_input,
        code=rule_code("scripts/study_figure.py"),
    output:
        png=report(
            "results/{wave}/figures/{figure}.png",
            caption="../../results/report/captions/figures.rst",
            category="Figures",
            subcategory="{wave}",
            labels={"wave": "{wave}", "figure": "{figure}"},
        ),
        svg="results/{wave}/figures/{figure}.svg",
        provenance="results/{wave}/provenance/study_figure_{figure}.json",
    log:
        "logs/{wave}/figures/{figure}.log",
    benchmark:
        "benchmarks/{wave}/study_figure_{figure}.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        # the pooled sets tell the countries from the pooled domains of a table
        **settings(settings=("figures", "{figure}"), pooled=("describe", "pooled")),
    script:
        "../../scripts/study_figure.py"
