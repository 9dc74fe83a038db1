"""Benchmark: does the import stage cost at most 1.5x the time and 2x the memory of a bare read?

Makes (once, seeded) a 1,000,000-row x 80-column labelled .sav in bench/out/ shaped like a
Qualtrics export (60 coded questions with value labels and -99 declared user-missing, 12
other numbers, 5 strings, 3 datetimes), then runs, each in a fresh subprocess so that peak
memory is clean, a bare ``pyreadstat.read_sav`` and ``swsurvey.stages.importing.import_wave`` on it.
Each child imports the same modules before it starts its clock, reports its own wall time
and its peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss``); the best of ``--repeat`` runs is
kept. Prints a table and exits 1 if a target is missed.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--repeat 2]

This is a benchmark, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TIME_TARGET = 1.5
MEMORY_TARGET = 2.0
SEED = 20170


def make_sav(path: Path, rows: int) -> None:
    """Write the seeded benchmark file (skipped when it already exists for these rows)."""
    import numpy as np
    import pandas as pd
    import pyreadstat

    rng = np.random.default_rng(SEED)
    data: dict[str, object] = {}
    labels: dict[str, dict[int, str]] = {}
    missing: dict[str, list] = {}
    start = pd.Timestamp("2017-03-01") + pd.to_timedelta(rng.integers(0, 90 * 86400, rows), unit="s")
    data["StartDate"] = start
    data["EndDate"] = start + pd.to_timedelta(rng.integers(60, 3600, rows), unit="s")
    data["Status"] = rng.choice([0.0, 1.0], rows, p=[0.98, 0.02])
    data["IPAddress"] = [f"10.{i % 256}.{(i // 256) % 256}.{i % 7}" for i in range(rows)]
    data["Progress"] = rng.integers(0, 101, rows).astype(float)
    data["Duration__in_seconds_"] = rng.integers(60, 3600, rows).astype(float)
    data["Finished"] = rng.choice([0.0, 1.0], rows, p=[0.1, 0.9])
    data["RecordedDate"] = data["EndDate"]
    data["ResponseId"] = [f"R_{i:015d}" for i in rng.permutation(rows)]
    data["DistributionChannel"] = rng.choice(["anonymous", "email", "preview"], rows)
    data["UserLanguage"] = rng.choice(["EN", "FR-CA", "HE"], rows)
    for i in range(1, 61):
        name = f"Q{i}"
        codes = rng.integers(1, 6, rows).astype(float)
        codes[rng.random(rows) < 0.05] = -99.0
        codes[rng.random(rows) < 0.10] = np.nan
        data[name] = codes
        labels[name] = {
            1: "Never",
            2: "Rarely",
            3: "Sometimes",
            4: "Often",
            5: "Always",
            -99: "Seen but unanswered",
        }
        missing[name] = [-99]
    for i in range(1, 9):
        data[f"N{i}"] = rng.normal(50, 10, rows).round(2)
    data["Q99_TEXT"] = rng.choice(["", "", "", "some free text about my work"], rows)
    frame = pd.DataFrame(data)
    assert frame.shape[1] == 80, frame.shape
    labels["Status"] = {0: "IP Address", 1: "Survey Preview"}
    labels["Finished"] = {0: "False", 1: "True"}
    tmp = path.with_suffix(".part")
    pyreadstat.write_sav(
        frame,
        tmp,
        file_label="SYNTHETIC DATA - benchmark",
        variable_value_labels=labels,
        missing_ranges=missing,
        row_compress=True,  # bytecode, as Qualtrics writes
    )
    os.replace(tmp, path)


def child(mode: str, sav: str) -> None:
    """One measurement, run in its own process; prints a JSON line."""
    import pyarrow.parquet  # noqa: F401  (same modules loaded in both modes)
    import pyreadstat

    from swsurvey.stages.importing import import_wave

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if mode == "bare":
        frame, _meta = pyreadstat.read_sav(sav)
        shape = frame.shape
    else:
        codebook = import_wave(
            sav,
            OUT / "bench.parquet",
            OUT / "bench.codebook.json",
            OUT / "bench.codebook.md",
            key_file=OUT / "bench.key",
        )
        shape = (codebook["file"]["rows"], codebook["file"]["columns"])
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"mode": mode, "seconds": seconds, "peak_kb": peak, "start_kb": before, "shape": shape}))


def measure(mode: str, sav: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(sav)], check=True, capture_output=True, text=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "SAV"), help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs=2, metavar=("ROWS", "SAV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if args.make:
        make_sav(Path(args.make[1]), int(args.make[0]))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    sav = OUT / f"bench_{args.rows}.sav"
    if not sav.exists():
        # In a subprocess too: Linux keeps a process's peak RSS across fork and exec, so a
        # parent that had built the 1M-row frame would pass its peak on to every child.
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--make", str(args.rows), str(sav)], check=True)
        print(f"made {sav} ({sav.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for mode in ("bare", "import"):
            result = measure(mode, sav)
            if mode not in best or result["seconds"] < best[mode]["seconds"]:
                best[mode] = {**result, "peak_kb": min(result["peak_kb"], best.get(mode, result)["peak_kb"])}
    bare, ours = best["bare"], best["import"]
    time_ratio = ours["seconds"] / bare["seconds"]
    mem_ratio = ours["peak_kb"] / bare["peak_kb"]
    growth = (ours["peak_kb"] - ours["start_kb"]) / max(1, bare["peak_kb"] - bare["start_kb"])
    print(
        f"file: {sav.name}, {bare['shape'][0]:,} rows x {bare['shape'][1]} columns, {sav.stat().st_size / 1e6:.0f} MB"
    )
    print(f"{'':28}{'seconds':>10}{'peak MB':>10}{'growth MB':>11}")
    for name, r in (("pyreadstat.read_sav (bare)", bare), ("import_wave", ours)):
        print(
            f"{name:28}{r['seconds']:>10.2f}{r['peak_kb'] / 1024:>10.0f}{(r['peak_kb'] - r['start_kb']) / 1024:>11.0f}"
        )
    print(
        f"{'ratio (target)':28}{time_ratio:>10.2f}{mem_ratio:>10.2f}{growth:>11.2f}"
        f"   (time <= {TIME_TARGET}, peak <= {MEMORY_TARGET})"
    )
    ok = time_ratio <= TIME_TARGET and mem_ratio <= MEMORY_TARGET
    print("PASS" if ok else "FAIL: a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
