# Changes between waves: each wave's key estimates against the wave before, by country, with
# design-based SEs of the differences (independent samples). Runs when config has two waves or more;
# with three or more, the linear trend across the waves too (below).


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


# The linear trend of each key estimate across the waves, by country, with design-based SEs
# (independent samples; swsurvey.stages.crosswave_trend), and its figure. The rules exist only
# when config has three waves or more: with two, the changes above say all there is.
if len(WAVES) >= 3:

    rule crosswave_trend:
        input:
            estimates=expand("results/{wave}/describe/estimates.csv", wave=WAVES),
            code=rule_code("scripts/crosswave_trend.py"),
        output:
            csv="results/crosswave/trend.csv",
            md="results/crosswave/trend.md",
            html=report(
                "results/crosswave/trend.html",
                caption="../../results/report/captions/trend.rst",
                category="Trends across waves",
                labels={"table": "trends across waves"},
            ),
            provenance="results/crosswave/provenance/crosswave_trend.json",
        log:
            "logs/crosswave/trend.log",
        benchmark:
            "benchmarks/crosswave_trend.tsv"
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
                # which waves there are (and their years, from their ids) decides the trend
                waves=("waves", NAMES),
            ),
        script:
            "../../scripts/crosswave_trend.py"

    rule trend_figure:
        input:
            trend=rules.crosswave_trend.output.csv,
            code=rule_code("scripts/trend_figure.py"),
        output:
            png=report(
                "results/crosswave/trend.png",
                caption="../../results/report/captions/trend_figure.rst",
                category="Trends across waves",
                labels={"figure": "trends across waves"},
            ),
            svg="results/crosswave/trend.svg",
            provenance="results/crosswave/provenance/trend_figure.json",
        log:
            "logs/crosswave/trend_figure.log",
        benchmark:
            "benchmarks/trend_figure.tsv"
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
            "../../scripts/trend_figure.py"
