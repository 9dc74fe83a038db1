"""Benchmark: how long Snakemake takes to read the workflow (a run with nothing to do, and a
dry run), which every run pays and, on a cluster, every job.

Copies the workflow into ``<workdir>/run/`` as a new clone would (the files ``COPIED``),
runs the default workflow there once to the end, then times ``--repeat`` runs that find
nothing to do (``snakemake --workflow-profile workflow/profiles/default``) and as many dry
runs (``snakemake -n``), each as a fresh process, and prints every time and the medians.
Targets (issue 13): nothing to do in at most 1.5 s, a dry run in at most 1.0 s. Run it with the
Python of the environment to measure: Snakemake's SLURM executor plugin (installed with the
``cluster`` and ``test`` extras) imports pandas whenever Snakemake starts, about 0.25 s that
an install for the main job (``pip install -e .``) does not pay; the script says which it is.

    .venv/bin/python bench/bench_workflow_read.py [--repeat 5] [--workdir /tmp/swsurvey-read]

A benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIED = ["Snakefile", "config.yaml", "workflow", "scripts", "src", "envs", "data"]
PROFILE = ["--workflow-profile", "workflow/profiles/default"]


def snakemake(run: Path, *args: str) -> float:
    """Seconds one Snakemake process takes, from start to exit; fails loudly if it fails."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=run, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/swsurvey-read"))
    args = parser.parse_args()
    run = args.workdir / "run"
    if run.exists():
        shutil.rmtree(run)
    run.mkdir(parents=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, run / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, run / name)
    import importlib.util

    plugin = importlib.util.find_spec("snakemake_executor_plugin_slurm") is not None
    print(f"Snakemake's SLURM executor plugin installed: {'yes' if plugin else 'no'}")
    print(f"the default workflow, once to the end: {snakemake(run, *PROFILE, '--cores', '2', '-q'):.1f} s")
    rows = {
        "nothing to do": [snakemake(run, *PROFILE, "--cores", "2", "-q") for _ in range(args.repeat)],
        "dry run (-n)": [snakemake(run, "-n", "-q") for _ in range(args.repeat)],
    }
    targets = {"nothing to do": 1.5, "dry run (-n)": 1.0}
    print("| run | times (s) | median (s) | target (s) |\n|---|---|---|---|")
    for name, times in rows.items():
        print(f"| {name} | {', '.join(f'{t:.2f}' for t in times)} | {statistics.median(times):.2f} | "
              f"{targets[name]:.1f} |")


if __name__ == "__main__":
    main()
