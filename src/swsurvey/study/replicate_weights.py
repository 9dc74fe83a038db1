"""Replicate weights supplied with the data (``waves.<wave>.variance``, method ``supplied``).

A wave whose export ships replicate weight columns (as many public surveys do) carries them,
unchanged and row-aligned, from the raw file to the weighted data; the replicate design is
then built from them (:func:`swsurvey.stages.designs.supplied_design`). Which columns they
are, the variance setting says (:func:`swsurvey.study.variance_setting.carried_columns`);
here, that they are weights. They are numbers, not answers: a column the instrument defines,
a string, a date or a column the privacy settings drop is never a replicate weight, so nothing
personal can pass this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError


def check_replicate_values(frame: pd.DataFrame, columns: Sequence[str], fsw: str | None, *,
                           file: str | Path | None = None, rows: str = "rows") -> None:
    """Replicate weights are numbers, present and not negative in every row; the full-sample
    weight (``fsw``, combined weights) is present and positive, as it divides them. Each
    failure names the file, the column, the first offending value and the number of ``rows``."""
    for name in [*columns, *([fsw] if fsw is not None else [])]:
        what = "full-sample weight" if name == fsw else "replicate weight"
        dtype = frame[name].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise InputError(f"{what} column is not numeric (stored as {dtype})", file=file, variable=name)
        values = frame[name].to_numpy(dtype="float64", na_value=np.nan)
        missing = ~np.isfinite(values)
        if missing.any():
            raise InputError(f"{what} is missing or not finite in {rows} (R: missing values not allowed in "
                             "'repweights')", file=file, variable=name, value=float(values[missing][0]),
                             count=int(missing.sum()))
        bad = values <= 0 if name == fsw else values < 0
        if bad.any():
            raise InputError(f"{what} is {'zero or negative' if name == fsw else 'negative'} in {rows}"
                             + (": replicate weights are divided by it" if name == fsw else ""),
                             file=file, variable=name, value=float(values[bad][0]), count=int(bad.sum()))
