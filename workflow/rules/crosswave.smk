# Changes between waves: each wave's key estimates against the wave before, by country, with
# design-based SEs of the differences (independent samples). Runs when config has two waves or more.


rule crosswave_changes:
    input:
        estimates=expand("results/{wave}/describe/estimates.csv", wave=WAVES),
        code=rule_code("scripts/crosswave_changes.py"),
    output:
        csv="results/crosswave/changes.csv",
        md="results/crosswave/changes.md",
        html=report(
            "results/crosswave/changes.html",
            caption="../../results/report/captions/changes.rst",
            category="Changes between waves",
            labels={"table": "changes between waves"},
        ),
        provenance="results/crosswave/provenance/crosswave_changes.json",
    log:
        "logs/crosswave/changes.log",
    benchmark:
        "benchmarks/crosswave_changes.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **settings(
            main_results=("describe", "main_results"),
            min_n=("describe", "min_n"),
            # which waves there are decides the estimates compared
            waves=("waves", NAMES),
        ),
    script:
        "../../scripts/crosswave_changes.py"


rule crosswave_figure:
    input:
        changes=rules.crosswave_changes.output.csv,
        code=rule_code("scripts/crosswave_figure.py"),
    output:
        png=report(
            "results/crosswave/changes.png",
            caption="../../results/report/captions/changes_figure.rst",
            category="Changes between waves",
            labels={"figure": "changes between waves"},
        ),
        svg="results/crosswave/changes.svg",
        provenance="results/crosswave/provenance/crosswave_figure.json",
    log:
        "logs/crosswave/figure.log",
    benchmark:
        "benchmarks/crosswave_figure.tsv"
    group:
        "small_jobs"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        # the pooled sets tell the countries from the pooled domains of the table
        **settings(pooled=("describe", "pooled")),
    script:
        "../../scripts/crosswave_figure.py"
