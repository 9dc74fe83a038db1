"""Waves' estimates for the cross-wave tests (tests/stages/test_crosswave*.py): the synthetic
wave described as ``describe_wave`` writes it, less some respondents (another sample), with
items a wave did not ask."""

from __future__ import annotations

import pandas as pd

from swsurvey.stages.describe import describe

POOLED = {"All four countries": ["Canada", "United States", "Israel", "United Kingdom"]}
ITEMS = {"any_ict_use": "Yes", "outside_hours": "Yes"}


def wave_estimates(weighted: pd.DataFrame, wave: str, *, drop_rows: int = 0, not_asked=()) -> pd.DataFrame:
    """The estimates of ``ITEMS`` in a "wave": ``weighted`` without its first ``drop_rows``
    respondents, the items in ``not_asked`` not asked."""
    data = weighted.iloc[drop_rows:].copy()
    for variable in not_asked:
        data[variable] = pd.Categorical([None] * len(data), categories=data[variable].cat.categories)
        data[f"{variable}__missing"] = pd.Categorical(["not asked"] * len(data))
    out = describe(data, {"T": list(ITEMS)}, labels={}, stratum="country", weight="weight", pooled=POOLED, min_n=10)
    # as describe_wave writes it: every row names its variance method
    return out.assign(wave=wave, synthetic=True, variance="linearization (Taylor series), strata: country")
