"""The recode spec's conditions evaluated on the data: one boolean per row, column-wise.

A condition (:mod:`swsurvey.study.recode`) is a small tree of matches; :func:`evaluate` walks it
with a leaf evaluator, :func:`raw_match` answers leaves over raw codes (the exclusions, and raw
variables in the derivation's cases).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from swsurvey.study.recode import AllOf, Condition, Match, Not, RecodeSpec


def evaluate(cond: Condition, leaf: Callable[[Match], np.ndarray]) -> np.ndarray:
    """Boolean array of the rows where a condition holds; ``leaf`` answers each single match."""
    if isinstance(cond, Match):
        return leaf(cond)
    if isinstance(cond, Not):
        return ~evaluate(cond.item, leaf)
    parts = [evaluate(item, leaf) for item in cond.items]
    return np.logical_and.reduce(parts) if isinstance(cond, AllOf) else np.logical_or.reduce(parts)


def raw_codes(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A raw coded column as float64 codes (system-missing as NaN)."""
    return frame[name].to_numpy(dtype="float64", na_value=np.nan)


def raw_match(frame: pd.DataFrame, spec: RecodeSpec) -> Callable[[Match], np.ndarray]:
    """Leaf evaluator over raw codes: ``in`` compares codes; ``answered`` = not missing for any reason."""

    def match(m: Match) -> np.ndarray:
        x = raw_codes(frame, m.variable)
        if m.values is not None:
            return np.isin(x, np.asarray(m.values, dtype="float64"))
        answered = ~np.isnan(x) & ~np.isin(x, np.asarray(list(spec.missing.codes), dtype="float64"))
        return answered if m.answered else ~answered

    return match
