"""The paths provenance documents give: relative to the working directory (the repository,
where Snakemake runs its jobs), in POSIX form; a file outside it keeps its absolute path.

Standard library only: :mod:`swsurvey.provenance.code` uses it when the workflow is read.
"""

from __future__ import annotations

import os
from pathlib import Path


def working_dir(root: str | Path | None = None) -> Path:
    """The folder paths are relative to, absolute: the working directory unless given."""
    return Path(root).resolve() if root is not None else Path.cwd().resolve()


def relative_path(path: str | Path, root: str | Path | None = None) -> str:
    """``path`` relative to ``root`` (POSIX form), or absolute when it lies outside it."""
    root = working_dir(root)
    path = Path(path)
    absolute = path if path.is_absolute() else root / path
    absolute = Path(os.path.normpath(absolute))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def resolve(path: str | Path, root: str | Path | None = None) -> Path:
    """A recorded path on disk: relative paths are relative to ``root``."""
    path = Path(path)
    return path if path.is_absolute() else working_dir(root) / path
