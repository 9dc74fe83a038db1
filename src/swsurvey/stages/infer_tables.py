"""The inferential stage's tables: the weighted wave read in, the results labelled and written.

Every output table starts with ``wave`` and ends with ``variance`` (how each row's SEs were
computed, :func:`swsurvey.stages.designs.variance_label`) and ``synthetic``; a job's tables
are written all or none. With a replicate variance method, the replicate chunks a job
gathers are checked to be of the wave's replicate design.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, read_stage
from swsurvey.stages.designs import WEIGHTINGS, replicated, variance_label
from swsurvey.stages.infer_chunks import gather


def read_weighted(data: str | Path) -> tuple[pd.DataFrame, bool]:
    """The weighting stage's data of a wave, and whether it is synthetic."""
    table, provenance = read_stage(data, "weight", "weighting stage")
    frame = table.to_pandas()
    if "weight" not in frame.columns:
        raise InputError("the data have no weight column", file=data)
    return frame, bool(provenance.get("synthetic"))


def labelled(frames: Sequence[pd.DataFrame], data: pd.DataFrame, *, wave: str, stratum: str,
              variance: Mapping | None, synthetic: bool, calibration=None,
             design: Mapping | None = None) -> list[pd.DataFrame]:
    """The output tables: ``wave`` first, then the rows, ``variance`` (how each row's SEs
    were computed: with ``calibration``, the weighted rows' include the raking's) and
    ``synthetic``."""
    labels = {w: variance_label(data, stratum, "weight", w, variance, calibration, design) for w in WEIGHTINGS}
    outputs = []
    for out in frames:
        out = out.copy()
        out.insert(0, "wave", wave)
        out["variance"] = out["weighting"].map(labels)
        out["synthetic"] = synthetic
        outputs.append(out)
    return outputs


def gathered(frame: pd.DataFrame, stratum: str, variance: Mapping | None, replicate_chunks: Sequence[str | Path],
             replicate_layouts: Sequence[str | Path], calibration=None, design: Mapping | None = None) -> dict:
    """The replicate chunks' estimates, checked to be of this wave's replicate design (its
    replicates raked again when ``calibration`` is a raking to repeat)."""
    if not replicate_chunks:
        return {}
    if not replicated(variance, "weighted"):
        raise InputError("replicate chunks given, but the wave's variance method is linearization",
                         file=replicate_chunks[0])  # fmt: skip
    expected = variance_label(frame, stratum, "weight", "weighted", variance, calibration, design)
    return gather(replicate_chunks, replicate_layouts, variance=expected)


def write_all(frames: Sequence[pd.DataFrame], paths: Sequence[str | Path]) -> None:
    """Write CSVs all or none: each through :func:`atomic_path`, every temporary file written
    before any is moved into place; if a later move fails, the outputs already moved by this
    call are removed, so a failed run leaves none of them."""
    paths = [Path(p) for p in paths]
    before = {p: (p.stat().st_ino if p.exists() else None) for p in paths}
    try:
        with contextlib.ExitStack() as stack:
            tmps = [stack.enter_context(atomic_path(p)) for p in paths]
            for frame, tmp in zip(frames, tmps):
                frame.to_csv(tmp, index=False, float_format="%.10g")
    except BaseException:
        for p in paths:
            if p.is_file() and p.stat().st_ino != before[p]:
                p.unlink()
        raise
