"""Benchmark: a 1,000,000-respondent wave through the whole workflow in under 2 minutes and 4 GB.

Writes (once per seed and size, in a subprocess, cached under ``<workdir>/waves/``) a seeded
synthetic 2017 wave of about ``--rows`` responses with ``swsurvey.synthetic.generate.write_wave``
(scale = rows / the rows at scale 1) and its population margins; copies the workflow into
``<workdir>/run/`` as a new clone would (as tests/test_workflow.py does) with a config whose
only wave is that file (its SHA-256 checked, nothing published, raked to its margins); runs
the whole workflow there (import, cleaning, weighting, every table, test, model and figure,
the report text, the manifest) with ``snakemake --cores 2``, then builds the HTML report
(``snakemake --report``).

Measured: the wall time of each Snakemake process (``time.perf_counter`` around it) and the
peak total RSS of its whole process tree (sampled with psutil every 0.2 s: the jobs that run
at the same time); per job the wall time and maximum RSS from Snakemake's ``benchmark:``
records (``benchmarks/**.tsv``; the seconds of each job's provenance record when a rule has
none), and beside it the peak RSS the 0.2 s sampling saw in the rule's job processes
(Snakemake samples a job every 0.5 s for 15 s, then every 30 s, so it can miss a late peak).
Prints them as one per-stage Markdown table, writes it as CSV beside the run copy
(``<workdir>/pipeline_<rows>_seed<seed>.csv``), and prints the targets (workflow < 120 s,
peak < 4 GB) and whether they are met; exits 1 if not.

    .venv/bin/python bench/bench_pipeline.py [--rows 1000000] [--seed 20170601]
        [--workdir /tmp/swsurvey-bench] [--keep]

This is a benchmark, not a test: timings depend on the machine (the target has 2 cores).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from swsurvey.io.files import sha256_file

REPO = Path(__file__).resolve().parent.parent
INSTRUMENT = "workflow/instruments/socialwork_2017.yaml"
RECODE = "workflow/recode/socialwork_2017.yaml"
#: What a new clone holds (tests/test_workflow.py copies the same).
COPIED = ["Snakefile", "config.yaml", "workflow", "scripts", "src", "envs", "data"]
WAVE = "bench"
SECONDS_TARGET = 120.0
#: With --bootstrap: the descriptive stage with 500 bootstrap replicates in under 10 minutes.
BOOTSTRAP_SECONDS_TARGET = 600.0
MEMORY_TARGET_MB = 4096.0
SAMPLE_SECONDS = 0.2
#: Pipeline order of the stages in the table (study_figure_<name> sorts with study_figure).
STAGES = [
    "import_wave",
    "clean_wave",
    "weight_wave",
    "weighting_figure",
    "describe_replicates",
    "describe_wave",
    "format_tables",
    "weighting_effect",
    "reproduce_published",
    "infer_replicates",
    "infer_tests",
    "infer_model",
    "gather_models",
    "study_figure",
    "report_text",
    "manifest",
]


# -- the wave -----------------------------------------------------------------------------------


def make_wave(sav: Path, margins: Path, rows: int, seed: int) -> None:
    """Write the wave (run in its own process: the parent stays small)."""
    from swsurvey.study.instrument import load_instrument
    from swsurvey.synthetic.generate import generate_wave, write_wave

    base_rows = len(generate_wave(load_instrument(REPO / INSTRUMENT), seed, 1.0)[0])
    write_wave(REPO / INSTRUMENT, sav, margins, seed, rows / base_rows)


def cached_wave(workdir: Path, rows: int, seed: int) -> tuple[Path, Path, str]:
    """The wave's .sav, margins and SHA-256, written on first use for this seed and size."""
    folder = workdir / "waves"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"socialwork_2017_rows{rows}_seed{seed}"
    sav, margins, digest = folder / f"{stem}.sav", folder / f"{stem}_margins.csv", folder / f"{stem}.sha256"
    if not (sav.exists() and margins.exists() and digest.exists()):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--make", str(rows), str(seed), str(sav), str(margins)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"writing the wave failed:\n{proc.stderr[-3000:]}")
        peak_mb = json.loads(proc.stdout.strip().splitlines()[-1])["peak_mb"]
        seconds = time.perf_counter() - started
        digest.write_text(sha256_file(sav) + "\n")
        print(f"wrote {sav} in {seconds:.1f} s (peak {peak_mb:.0f} MB)")
    return sav, margins, digest.read_text().strip()


# -- the run copy ----------------------------------------------------------------------------------


def make_copy(run: Path, sav: Path, margins: Path, digest: str, variance: dict | None = None) -> None:
    """A fresh copy of the workflow whose only wave is the benchmark's."""
    import yaml

    if run.exists():
        shutil.rmtree(run)

    def clone(folder: str, names: list[str]) -> list[str]:  # what copytree leaves out
        top = Path(folder) == REPO
        return [name for name in names if (top and name not in COPIED) or name == "__pycache__"]

    shutil.copytree(REPO, run, ignore=clone)
    data = run / "data" / WAVE
    data.mkdir(parents=True)
    for source in (sav, margins):
        try:
            os.link(source, data / source.name)  # same bytes, no copy of a large file
        except OSError:
            shutil.copy2(source, data / source.name)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["waves"] = {
        WAVE: {
            "raw": f"data/{WAVE}/{sav.name}",
            "sha256": digest,
            "instrument": INSTRUMENT,
            "recode": RECODE,
            "targets": f"data/{WAVE}/{margins.name}",
            "published": None,
            **({"variance": variance} if variance else {}),
        }
    }
    # Over config.yaml, as a user edits it (a --configfile would merge its waves into these).
    (run / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


# -- measuring ------------------------------------------------------------------------------------


class TreeSampler(threading.Thread):
    """Peak total RSS (MB) of a process and all its descendants, sampled every 0.2 s, and the
    peak RSS of each rule's job processes (Snakemake samples a job every 0.5 s for its first
    15 s only, then every 30 s)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_mb = 0.0
        self.peak_jobs: list[str] = []
        self.rule_mb: dict[str, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            total, jobs = 0, []
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for proc in procs:
                try:
                    rss, name = proc.memory_info().rss, job_name(proc)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                total += rss
                jobs.append(name)
                if name:
                    self.rule_mb[name] = max(self.rule_mb.get(name, 0.0), rss / 2**20)
            if total / 2**20 > self.peak_mb:
                self.peak_mb, self.peak_jobs = total / 2**20, [j for j in jobs if j]
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def job_name(proc: psutil.Process) -> str:
    """The script a Snakemake job process runs (its temporary copy's name: the rule's), else ''."""
    for arg in proc.cmdline()[1:]:
        name = Path(arg).name
        if name.endswith(".py") and name.startswith("tmp"):
            return name.split(".", 1)[-1].removesuffix(".py")
    return ""


def timed_snakemake(run: Path, args: list[str], log: Path) -> tuple[float, TreeSampler, int]:
    """Run Snakemake in the copy: its wall seconds, the sampler's peaks and its exit status."""
    env = {**os.environ, "PYTHONPATH": str(run / "src")}  # the copy's code, not the checkout's
    command = [sys.executable, "-m", "snakemake", "--workflow-profile", "workflow/profiles/default", "--cores", "2"]
    with open(log, "w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen([*command, *args], cwd=run, stdout=out, stderr=subprocess.STDOUT, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        status = proc.wait()
        seconds = time.perf_counter() - started
        sampler.stop()
    return seconds, sampler, status


def stage_of(name: str) -> tuple[int, str]:
    """Where a job's stage sorts (pipeline order), and its rule (``study_figure_x``: study_figure)."""
    for i, stage in enumerate(STAGES):
        if name == stage or name.startswith(stage + "_"):
            return i, stage
    return len(STAGES), name


def job_records(run: Path) -> list[dict]:
    """One row per job: Snakemake's benchmark record, else its provenance record's seconds."""
    rows = {}
    for tsv in sorted((run / "benchmarks").rglob("*.tsv")):
        with open(tsv, newline="") as handle:
            record = list(csv.DictReader(handle, delimiter="\t"))[-1]
        rows[tsv.stem] = {
            "stage": tsv.stem,
            "seconds": float(record["s"]),
            "max_rss_mb": float(record["max_rss"]) if record.get("max_rss", "NA") != "NA" else None,
            "source": "benchmark",
        }
    for path in sorted((run / "results").rglob("provenance/*.json")):
        if path.stem not in rows:
            record = json.loads(path.read_text())
            rows[path.stem] = {
                "stage": path.stem,
                "seconds": float(record["seconds"]),
                "max_rss_mb": None,
                "source": "provenance",
            }
    return sorted(rows.values(), key=lambda row: (stage_of(row["stage"]), row["stage"]))


#: How each row of the table was measured (its ``source``), as the Markdown table says it.
SOURCES = {
    "benchmark": "",
    "provenance": " (time from its provenance record)",
    "tree": " (max RSS: the whole process tree's)",
}


def markdown(rows: list[dict]) -> str:
    lines = ["| stage | time (s) | max RSS (MB) | sampled max RSS of the rule's jobs (MB) |", "|---|---:|---:|---:|"]
    for row in rows:
        rss, sampled = ("-" if row[k] is None else f"{row[k]:.0f}" for k in ("max_rss_mb", "sampled_rss_mb"))
        lines.append(f"| {row['stage']}{SOURCES[row['source']]} | {row['seconds']:.1f} | {rss} | {sampled} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20170601)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/swsurvey-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the run copy (results, logs) afterwards")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="R",
                        help="variance of the tables by R bootstrap replicates (target 10 minutes) instead of linearization")
    parser.add_argument("--chunk", type=int, default=50, help="bootstrap replicates per job (with --bootstrap)")
    parser.add_argument("--make", nargs=4, metavar=("ROWS", "SEED", "SAV", "MARGINS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        import resource

        make_wave(Path(args.make[2]), Path(args.make[3]), int(args.make[0]), int(args.make[1]))
        print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
        return 0

    workdir = args.workdir.resolve()
    if workdir == REPO or REPO in workdir.parents:
        raise SystemExit("--workdir must be outside the repository")
    sav, margins, digest = cached_wave(workdir, args.rows, args.seed)
    import pyreadstat

    rows = pyreadstat.read_sav(str(sav), metadataonly=True)[1].number_rows
    print(f"wave: {sav.name}, {rows:,} rows, {sav.stat().st_size / 1e6:.0f} MB")
    run = workdir / "run"
    variance = None
    if args.bootstrap:
        variance = {"method": "bootstrap", "replicates": args.bootstrap, "seed": args.seed, "chunk": args.chunk}
        print(f"variance: {args.bootstrap} bootstrap replicates in jobs of {args.chunk}")
    make_copy(run, sav, margins, digest, variance)
    seconds_target = BOOTSTRAP_SECONDS_TARGET if args.bootstrap else SECONDS_TARGET

    seconds, sampler, status = timed_snakemake(run, [], workdir / "snakemake.log")
    peak_mb = sampler.peak_mb
    if status != 0:
        print((workdir / "snakemake.log").read_text()[-5000:])
        raise SystemExit(f"the workflow failed (status {status}); log: {workdir / 'snakemake.log'}")
    report_s, report_sampler, status = timed_snakemake(run, ["--report", "report.html"], workdir / "report.log")
    report_mb = report_sampler.peak_mb
    if status != 0:
        print((workdir / "report.log").read_text()[-5000:])
        raise SystemExit(f"the report failed (status {status}); log: {workdir / 'report.log'}")

    jobs = job_records(run)
    for job in jobs:
        job["sampled_rss_mb"] = sampler.rule_mb.get(stage_of(job["stage"])[1])
    table = [
        *jobs,
        {"stage": "workflow (wall, --cores 2)", "seconds": seconds, "max_rss_mb": peak_mb, "source": "tree"},
        {"stage": "report (wall)", "seconds": report_s, "max_rss_mb": report_mb, "source": "tree"},
    ]
    for row in table[-2:]:
        row["sampled_rss_mb"] = None
    out_csv = workdir / f"pipeline_{args.rows}_seed{args.seed}.csv"
    with open(out_csv, "w", newline="") as handle:
        fields = ["stage", "seconds", "max_rss_mb", "sampled_rss_mb", "source"]
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    print(f"\n{rows:,} rows, {os.cpu_count()} CPUs here; per job (Snakemake benchmark records):\n")
    print(markdown(table))
    print(f"\nsum of job times {sum(j['seconds'] for j in jobs):.1f} s; table written to {out_csv}")
    print(f"peak tree RSS: {peak_mb:.0f} MB during the workflow (jobs then: {', '.join(sampler.peak_jobs) or '-'}),")
    print(f"               {report_mb:.0f} MB during the report")
    peak = max(peak_mb, report_mb)
    ok = seconds < seconds_target and peak < MEMORY_TARGET_MB
    print(
        f"targets: workflow {seconds:.1f} s < {seconds_target:.0f} s: {'met' if seconds < seconds_target else 'MISSED'}; "
        f"peak {peak:.0f} MB < {MEMORY_TARGET_MB:.0f} MB: {'met' if peak < MEMORY_TARGET_MB else 'MISSED'}"
        f" (report {report_s:.1f} s, not in the total)"
    )
    if not args.keep:
        shutil.rmtree(run)
    else:
        print(f"kept the run copy: {run}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
