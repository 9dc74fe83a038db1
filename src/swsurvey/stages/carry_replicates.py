"""Replicate weights supplied with the data, carried into the cleaned data unchanged.

A wave whose variance setting uses replicate weights supplied in its data (method
``supplied``) keeps those columns: taken from the kept rows as they are (never recoded),
checked to be present, numeric and not negative in every analysed response (the full-sample
weight, for combined weights, positive), and written after the analysis variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from swsurvey.errors import InputError
from swsurvey.study.replicate_weights import check_replicate_values
from swsurvey.study.variance_setting import full_sample_weight

#: The column the weighting stage adds; no carried column may take its name.
WEIGHT_COLUMN = "weight"


def carry_replicate_weights(
    cleaned: pd.DataFrame, raw_rows: pd.DataFrame, columns: Sequence[str], variance: Mapping, *,
    file: str | Path | None = None,
) -> pd.DataFrame:
    """The cleaned frame with the supplied replicate weight ``columns`` of the kept raw rows
    (``raw_rows``, in the cleaned rows' order) appended as they are, as float64.

    Every analysed response must have every replicate weight, not negative, and (combined
    weights) a positive full-sample weight; the columns must not take the name of an analysis
    column or of the weighting stage's ``weight``, and a replicate weight pattern must match
    none of those (the replicate design finds its columns by the pattern).
    """
    taken = {*map(str, cleaned.columns), WEIGHT_COLUMN}
    clash = [name for name in columns if name in taken]
    if clash:
        raise InputError(f"replicate weight column has the name of a column of the cleaned data "
                         f"({'the weighting stage adds' if clash[0] == WEIGHT_COLUMN else 'an analysis variable'} "
                         "it): rename it in the export", file=file, variable=clash[0])
    pattern = variance.get("columns")
    if isinstance(pattern, str):
        matched = [name for name in sorted(taken) if re.search(pattern, name)]
        if matched:
            raise InputError("the replicate weight pattern (waves.<wave>.variance.columns) also matches a column of "
                             "the cleaned data, which the replicate design would take as a replicate weight: make "
                             "the pattern stricter", file=file, variable=matched[0], value=pattern)
    raw = raw_rows.reset_index(drop=True)
    check_replicate_values(raw, [c for c in columns if c != full_sample_weight(variance)],
                           full_sample_weight(variance), file=file, rows="analysed responses")
    carried = pd.DataFrame({name: raw[name].to_numpy(dtype="float64") for name in columns}, index=cleaned.index)
    return pd.concat([cleaned, carried], axis=1)
