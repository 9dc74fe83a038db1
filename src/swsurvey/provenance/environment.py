"""The software and checkout a job ran with: Python, Snakemake and the pinned packages'
versions, and the git commit (with whether tracked files differed from it)."""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from swsurvey.provenance.paths import working_dir

#: The distributions whose versions every record carries (the pinned runtime dependencies).
PACKAGES = (
    "snakemake",
    "pandas",
    "numpy",
    "pyreadstat",
    "pyarrow",
    "scipy",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "xlsxwriter",
    "pyyaml",
    "jsonschema",
    "rocrate",
    "swsurvey",
)
UNKNOWN = "unknown"


def package_versions(packages: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    if versions.get("swsurvey") is None:
        from swsurvey import __version__

        versions["swsurvey"] = __version__
    return versions


def software() -> dict[str, Any]:
    """Python, Snakemake and the pinned packages' versions."""
    packages = package_versions()
    return {
        "python": platform.python_version(),
        "snakemake": packages.get("snakemake"),
        "packages": packages,
    }


def git_state(root: str | Path | None = None) -> dict[str, Any]:
    """The checkout's commit and whether tracked files differ from it.

    ``"unknown"`` for both outside a git checkout or without git: a record never fails for it.
    The status is read without taking git's index lock, so it never disturbs a concurrent git.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=working_dir(root),
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": UNKNOWN, "dirty": UNKNOWN}
    return {"commit": commit, "dirty": dirty}
