"""Check that two runs' results/ trees hold the same files with the same bytes.

    python .ci/same_results.py RESULTS_A RESULTS_B

Every table, figure, Parquet file, codebook, report caption and the report's front page is
compared. Left out are the records of when, where and by whom a run was made, which differ
between any two runs: each job's provenance record (results/**/provenance/), and the run's
manifest (results/manifest.*) and Workflow Run RO-Crate (results/ro-crate/) that gather them.
Logs and benchmarks live outside results/. Exits 1 naming every file that differs or is
missing from one side.
"""

from __future__ import annotations

import filecmp
import sys
from collections import Counter
from pathlib import Path


def compared(results: Path) -> set[str]:
    """The files of a results/ tree that must be identical between runs (relative paths)."""
    files = set()
    for path in results.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(results)
        if "provenance" in rel.parts[:-1] or rel.parts[0] == "ro-crate":
            continue
        if len(rel.parts) == 1 and rel.name.startswith("manifest."):
            continue
        files.add(rel.as_posix())
    return files


def main(a: Path, b: Path) -> int:
    files_a, files_b = compared(a), compared(b)
    problems = [f"only in {a}: {rel}" for rel in sorted(files_a - files_b)]
    problems += [f"only in {b}: {rel}" for rel in sorted(files_b - files_a)]
    same = files_a & files_b
    problems += [f"differs: {rel}" for rel in sorted(same) if not filecmp.cmp(a / rel, b / rel, shallow=False)]
    if not same:
        problems.append("no result files to compare")
    if problems:
        print("\n".join(problems))
        print(f"results differ: {len(problems)} problem(s) among {len(files_a | files_b)} files")
        return 1
    kinds = ", ".join(f"{n} {ext}" for ext, n in sorted(Counter(Path(rel).suffix or "(none)" for rel in same).items()))
    print(f"results identical: {len(same)} files ({kinds})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
