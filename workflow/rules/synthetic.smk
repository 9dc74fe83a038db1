# The synthetic stand-in for the confidential microdata. The default wave is stored under
# data/synthetic/ (its SHA-256 in config.yaml); this rule rebuilds a wave from the seed, at any
# scale, e.g. the small test wave CI runs the workflow on.

SYNTHETIC_INPUTS = {"instrument": ("synthetic", "instrument")}


rule synthetic_wave:
    input:
        **config_inputs(SYNTHETIC_INPUTS),
        code=rule_code("scripts/synthetic_wave.py"),
    output:
        sav="results/synthetic/socialwork_synthetic.sav",
        margins="results/synthetic/population_margins.csv",
        provenance="results/synthetic/provenance/synthetic_wave.json",
    log:
        "logs/synthetic/synthetic_wave.log",
    benchmark:
        "benchmarks/synthetic_wave.tsv"
    conda:
        "../../envs/swsurvey.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **settings(
            input=SYNTHETIC_INPUTS,
            seed=("synthetic", "seed"),
            scale=("synthetic", "scale"),
            wave=("synthetic", "wave"),
        ),
    script:
        "../../scripts/synthetic_wave.py"
