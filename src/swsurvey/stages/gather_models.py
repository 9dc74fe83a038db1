"""The models' tables of a wave, gathered: one CSV of each kind from the per-model CSVs.

The workflow fits each model in a job of its own (rule ``infer_model``); rule
``gather_models`` joins their tables in config order. Joining is text work, so this module
imports nothing but the standard library and the package's file helpers: the job costs
little more than starting Python.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path


def gather_models(
    coefficients: Sequence[str | Path], terms: Sequence[str | Path], status: Sequence[str | Path],
    out_coefficients: str | Path, out_terms: str | Path, out_status: str | Path,
) -> None:
    """The models' tables (one CSV of each kind per model, from :func:`infer_model`) in one
    CSV of each kind, in the order given: the rows as written, under the common header."""
    frames = []
    for paths in (coefficients, terms, status):
        header, bodies = None, []
        for path in paths:
            text = Path(path).read_text(encoding="utf-8")
            first, _, body = text.partition("\n")
            if header is not None and first != header:
                raise InputError("the models' tables have different columns", file=path)
            header = first
            bodies.append(body)
        if header is None:
            raise InputError("no model tables to gather")
        frames.append(header + "\n" + "".join(bodies))
    paths = [Path(p) for p in (out_coefficients, out_terms, out_status)]
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(atomic_path(p)) for p in paths]
        for text, tmp in zip(frames, tmps):
            Path(tmp).write_text(text, encoding="utf-8")
