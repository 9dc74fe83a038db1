"""Benchmark: the default workflow from scratch, this checkout beside an earlier commit.

Makes two copies of the workflow under ``--workdir``: ``before/`` from ``--baseline`` (a git
revision, exported with ``git archive``) and ``after/`` from this checkout's files as they are
(tracked files, with uncommitted edits). Both use one pseudonymisation key (copied from this
checkout's ``.secrets/``, or made once), so their outputs can be compared byte for byte. Each
copy runs with this virtual environment's Python and its own ``src/`` first on ``PYTHONPATH``,
so each runs its own code.

Then, ``--repeat`` times, alternately, each copy runs the default workflow cold (its
``results/``, ``logs/``, ``benchmarks/`` and ``.snakemake/`` removed first) with
``snakemake --workflow-profile workflow/profiles/default --cores 2``; prints each time, the
medians and their ratio against the target (after <= 60% of before). With ``--check-same``,
compares the two copies' results with ``.ci/same_results.py`` and exits 1 if they differ.

    .venv/bin/python bench/bench_cold_run.py --baseline c864687 [--repeat 5] [--check-same]
        [--workdir /tmp/swsurvey-cold]

This is a benchmark, not a test: timings depend on the machine; run it on an idle one.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KEY = Path(".secrets/pseudonym.key")
#: What a run leaves behind, removed before each cold run.
RUN_STATE = ["results", "logs", "benchmarks", ".snakemake"]
TARGET_RATIO = 0.60


def export_revision(revision: str, dest: Path) -> None:
    """The files of ``revision`` in ``dest`` (git archive, so nothing of this checkout leaks in)."""
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=REPO, capture_output=True,
                             check=True).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def export_checkout(dest: Path) -> None:
    """This checkout's tracked files as they are on disk, uncommitted edits included."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in listed.decode().split("\0"):
        if name and (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)


def prepare(workdir: Path, baseline: str) -> dict[str, Path]:
    trees = {"before": workdir / "before", "after": workdir / "after"}
    for tree in trees.values():
        if tree.exists():
            shutil.rmtree(tree)
        tree.mkdir(parents=True)
    export_revision(baseline, trees["before"])
    export_checkout(trees["after"])
    key = REPO / KEY
    if not key.is_file():
        key = workdir / "pseudonym.key"
        if not key.is_file():
            key.write_text(os.urandom(32).hex() + "\n", encoding="ascii")
    for tree in trees.values():
        (tree / KEY).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(key, tree / KEY)
        (tree / KEY).chmod(0o600)
    return trees


def cold_run(tree: Path) -> float:
    """Seconds for the default workflow from scratch in ``tree``, with ``tree``'s own code."""
    for name in RUN_STATE:
        shutil.rmtree(tree / name, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    snakemake = Path(sys.executable).with_name("snakemake")
    started = time.perf_counter()
    proc = subprocess.run([str(snakemake), "--workflow-profile", "workflow/profiles/default", "--cores", "2", "-q"],
                          cwd=tree, env=env, capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"the workflow failed in {tree}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the git revision to compare with")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/swsurvey-cold"))
    parser.add_argument("--check-same", action="store_true", help="compare the two runs' results byte for byte")
    args = parser.parse_args()
    trees = prepare(args.workdir, args.baseline)
    times: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.repeat):
        for side, tree in trees.items():
            times[side].append(cold_run(tree))
    medians = {side: statistics.median(values) for side, values in times.items()}
    print(f"| run | times (s) | median (s) |\n|---|---|---|")
    for side, values in times.items():
        label = f"{side} ({args.baseline})" if side == "before" else f"{side} (this checkout)"
        print(f"| {label} | {', '.join(f'{t:.1f}' for t in values)} | {medians[side]:.1f} |")
    ratio = medians["after"] / medians["before"]
    print(f"after / before = {ratio:.0%} (target at most {TARGET_RATIO:.0%}): {'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    if args.check_same:
        compare = REPO / ".ci" / "same_results.py"
        return subprocess.run([sys.executable, str(compare), str(trees["before"] / "results"),
                               str(trees["after"] / "results")]).returncode  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
