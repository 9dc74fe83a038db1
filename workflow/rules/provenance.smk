# Provenance: every job writes a record (results/<...>/provenance/<rule>.json: inputs and outputs
# with SHA-256, params and the config keys they came from, code hash, versions, git state, seeds,
# times, rows); this rule gathers them into the run's manifest and Workflow Run RO-Crate.
# The manifest is the run's own record, so it has none of its own.


rule manifest:
    input:
        records=provenance_records(),
        code=rule_code("scripts/manifest.py"),
    output:
        json="results/manifest.json",
        md="results/manifest.md",
        html=report(
            "results/manifest.html",
            caption="../../results/report/captions/manifest.rst",
            category="Provenance",
            labels={"table": "run manifest"},
        ),
        crate="results/ro-crate/ro-crate-metadata.json",
    log:
        "logs/manifest.log",
    benchmark:
        "benchmarks/manifest.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../../scripts/manifest.py"
