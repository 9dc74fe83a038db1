"""The inferential stage's replicate chunks, read back: every replicate once, in order, checked.

A chunk (written by :func:`swsurvey.stages.infer_replicates.infer_replicate_chunk`) is two
files: the estimates (``.npy``, replicates x columns) and their layout (``.json``: which test
or model each run of columns belongs to, the replicates it holds and the replicate design it
was made with). The test and model jobs gather the chunks here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from swsurvey.errors import InputError

#: The ``format`` of a chunk's layout file; a reader refuses any other.
LAYOUT_FORMAT = "swsurvey-infer-replicates/1"


def gather(chunks: Sequence[str | Path], layouts: Sequence[str | Path], variance: str | None = None
           ) -> dict[str, np.ndarray]:
    """The chunks' replicate estimates of each test and model (key: its name, value:
    replicates x its columns), checked: one layout for all, every replicate once, in order,
    and (when ``variance`` is given) made with the replicate design it names."""
    if len(chunks) != len(layouts):
        raise InputError(f"{len(chunks)} replicate chunks but {len(layouts)} layouts")
    if not chunks:
        return {}
    described = [json.loads(Path(p).read_text(encoding="utf-8")) for p in layouts]
    first = described[0]
    expected_start = 0
    for path, layout in zip(layouts, described):
        if layout.get("format") != LAYOUT_FORMAT:
            raise InputError("not a layout of replicate estimates", file=path, value=layout.get("format"))
        if layout["statistics"] != first["statistics"] or layout["n_replicates"] != first["n_replicates"]:
            raise InputError("the replicate chunks were computed for different tests, models or designs", file=path)
        if layout["replicates"][0] != expected_start:
            raise InputError(f"replicate chunk starts at replicate {layout['replicates'][0]}, expected "
                             f"{expected_start}", file=path)  # fmt: skip
        if variance is not None and layout["variance"] != variance:
            raise InputError(f"the replicate chunk was made with {layout['variance']!r}, not the wave's {variance!r}",
                             file=path)  # fmt: skip
        expected_start = layout["replicates"][1]
    if expected_start != first["n_replicates"]:
        raise InputError(f"the replicate chunks hold {expected_start} of {first['n_replicates']} replicates",
                         file=layouts[-1])
    estimates = np.vstack([np.load(p, allow_pickle=False) for p in chunks])
    out, start = {}, 0
    for part in first["statistics"]:
        out[part["key"]] = estimates[:, start : start + part["columns"]]
        start += part["columns"]
    if start != estimates.shape[1]:
        raise InputError(f"the replicate chunks have {estimates.shape[1]} columns, the layout {start}",
                         file=chunks[0])
    return out
