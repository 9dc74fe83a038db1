"""Benchmark: survey statistics on 1,000,000 rows, Python (swsurvey.survey) beside R (survey).

On a seeded sample (bench/survey_data.py) with country as strata, each step runs in Python
and, when ``Rscript`` and R's survey package are present, in R on the same CSV
(bench/bench_survey.R):

  rake         raking to country x gender and country x age-group margins
  proportions  proportions of every level of ten categorical items, with SEs on the raked
               design, which carries its raking (R's rake() design: calibration-aware SEs)
  calibrated   the same on a design over the raked weights as a column, given the raking's
               calibration record, as the pipeline's weighted design (R: svydesign on the
               weights(raked) column with raked$postStrata; issue 15, point 2)
  by_country   the same by country (svyby)
  chisq        Rao-Scott test of item1 by country (second-order F)
  logistic     survey-weighted logistic regression, 19 coefficients, design-based SEs
  ordinal      proportional-odds model (svyolr), design-based SEs

Target: every step at least 25 times faster than R; peak memory of the Python side under
2 GB. Each side runs in its own process, so the Python peak RSS is its own. The Python side
runs its BLAS on one thread (``--blas-threads``), as R's reference BLAS does: on a shared
machine a second BLAS thread competing for a busy core slows NumPy's products many times. A check value
per step (a total, an SE or a statistic) is printed for both sides, to show they computed
the same thing. A step's time is the median of up to three runs, run again while its runs
took less than 10 s in all (on both sides alike: a step of a tenth of a second is otherwise at
the mercy of the scheduler on a busy machine). This is a benchmark, not a test.

    .venv/bin/python bench/bench_survey.py [--rows 1000000] [--no-r] [--blas-threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SPEED_TARGET = 25.0
MEMORY_TARGET_MB = 2048.0
STEPS = ["rake", "proportions", "calibrated", "by_country", "chisq", "logistic", "ordinal"]
#: A step runs again, up to RUNS times, while its runs took less than RUNS_BUDGET seconds in
#: all; its time is their median (the same rule on both sides, bench_survey.R).
RUNS, RUNS_BUDGET = 3, 10.0
#: The variables that set the number of threads of NumPy's BLAS (OpenBLAS, MKL, OpenMP).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
LOGISTIC = "weekly ~ age_group + gender + exp_band + private + psychotherapy + country + degree"
ORDINAL = "freq ~ age_group + gender + private + psychotherapy + country"


def python_side(data_csv: str, pop_gender: str, pop_age: str) -> dict:
    """Run every step in this process; return seconds, check values and peak RSS."""
    import dataclasses

    import pandas as pd

    sys.path.insert(0, str(HERE))
    import survey_data as sd

    from swsurvey.survey.by import svyby
    from swsurvey.survey.chisq import svychisq
    from swsurvey.survey.design import svydesign
    from swsurvey.survey.estimates import svymean
    from swsurvey.survey.glm import svyglm
    from swsurvey.survey.olr import svyolr
    from swsurvey.survey.targets import joint_targets
    from swsurvey.survey.weighting import rake

    levels = {
        "country": sd.COUNTRIES,
        "gender": sd.GENDERS,
        "age_group": sd.AGES,
        "exp_band": sd.BANDS,
        "degree": sd.DEGREES,
        "private": ["No", "Yes"],
        "psychotherapy": ["No", "Yes"],
    }
    items = [f"item{i}" for i in range(1, 11)]
    # Read text columns straight into categoricals (as R's factors): no column of strings.
    data = pd.read_csv(data_csv, dtype={name: "category" for name in [*levels, "freq", *items]})
    for name, cats in levels.items():
        data[name] = data[name].cat.set_categories(cats)
    data["freq"] = data["freq"].cat.set_categories(sd.FREQ, ordered=True)
    for item in items:  # levels L1, L2, ... in numeric order, as R's factor() sorts them
        data[item] = data[item].cat.set_categories(sorted(data[item].cat.categories, key=lambda s: int(s[1:])))
    margins = []
    for var, path in (("gender", pop_gender), ("age_group", pop_age)):
        table = pd.read_csv(path)
        table["country"] = pd.Categorical(table["country"], categories=sd.COUNTRIES)
        table[var] = pd.Categorical(table[var], categories=levels[var])
        margins.append(joint_targets(table, ["country", var], "Freq"))
    design = svydesign(data, weights="w", strata="country")
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  python data loaded: peak so far {loaded:.0f} MB", file=sys.stderr, flush=True)

    seconds, checks = {}, {}

    def timed(step, fn):
        times = []
        while not times or (len(times) < RUNS and sum(times) < RUNS_BUDGET):
            value = None  # the last run's result goes before the next is made
            start = time.perf_counter()
            value, check = fn()
            times.append(time.perf_counter() - start)
        seconds[step] = statistics.median(times)
        checks[step] = float(check)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  python {step:<12} {seconds[step]:8.2f} s  ({len(times)} runs)  peak so far {peak:6.0f} MB",
              file=sys.stderr, flush=True)
        return value

    raked = timed("rake", lambda: (r := rake(design, margins, epsilon=1e-10, maxit=100), r.weights.sum()))
    timed("proportions", lambda: (m := svymean(raked, items), m.se[0]))

    def calibrated():
        # The pipeline's weighted design (stages.designs.calibrated): the raked weights as a
        # column, strata country, carrying the raking's calibration record.
        plain = svydesign(data.assign(wr=raked.weights), weights="wr", strata="country")
        m = svymean(dataclasses.replace(plain, calibration=raked.calibration), items)
        return m, m.se[0]

    timed("calibrated", calibrated)
    timed("by_country", lambda: (b := svyby(raked, items, "country"), b.table.filter(like="se").iloc[0, 0]))
    timed("chisq", lambda: (x := svychisq(raked, "item1", "country"), x.statistic))
    timed(
        "logistic",
        lambda: (m := svyglm(raked, LOGISTIC, family="quasibinomial"), m.se[1]),
    )
    timed("ordinal", lambda: (m := svyolr(raked, ORDINAL), m.se[0]))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "checks": checks, "peak_mb": peak_mb}


def r_side(data_csv: Path, pop_gender: Path, pop_age: Path) -> dict | None:
    if shutil.which("Rscript") is None:
        print("Rscript not found: R side skipped (install r-base-core r-cran-survey)")
        return None
    out = OUT / "r_timings.csv"
    proc = subprocess.run(
        ["Rscript", str(HERE / "bench_survey.R"), str(data_csv), str(pop_gender), str(pop_age), str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        print(f"R side failed:\n{proc.stderr[-2000:]}")
        return None
    import pandas as pd

    table = pd.read_csv(out).set_index("step")
    return {"seconds": table["seconds"].to_dict(), "checks": table["check"].to_dict()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-r", action="store_true", help="skip the R side")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads of the Python side (R's: 1)")
    parser.add_argument("--python-side", nargs=3, metavar=("DATA", "POP_GENDER", "POP_AGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.python_side:
        print(json.dumps(python_side(*args.python_side)))
        return 0

    sys.path.insert(0, str(HERE))
    import survey_data

    data_csv, pops = survey_data.write(OUT, args.rows)
    print(f"sample: {data_csv.name}, {args.rows:,} rows; strata = country; python BLAS threads: {args.blas_threads}")
    proc = subprocess.run(
        [sys.executable, __file__, "--python-side", str(data_csv), str(pops["gender"]), str(pops["age_group"])],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        env=os.environ | {name: str(args.blas_threads) for name in BLAS_THREADS},
    )
    py = json.loads(proc.stdout)
    r = None if args.no_r else r_side(data_csv, pops["gender"], pops["age_group"])

    print(f"\n{'step':<12} {'python s':>9} {'R s':>9} {'R/python':>9}   check (python | R)")
    ok = py["peak_mb"] <= MEMORY_TARGET_MB
    for step in STEPS:
        p = py["seconds"][step]
        line = f"{step:<12} {p:9.2f}"
        if r:
            ratio = r["seconds"][step] / p
            ok &= ratio >= SPEED_TARGET
            line += f" {r['seconds'][step]:9.2f} {ratio:9.1f}   {py['checks'][step]:.10g} | {r['checks'][step]:.10g}"
        else:
            line += f" {'-':>9} {'-':>9}   {py['checks'][step]:.10g}"
        print(line)
    print(f"python peak memory: {py['peak_mb']:.0f} MB (target < {MEMORY_TARGET_MB:.0f})")
    if r:
        print(f"target: every step >= {SPEED_TARGET:.0f}x faster than R: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
