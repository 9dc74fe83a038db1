"""Which questions a wave did not ask: a variable whose only missing reason is "not asked".

A question absent from a wave's questionnaire is not an empty answer: its tables say so on
one row (:data:`NOT_ASKED_LEVEL`) instead of showing a base of zero.
"""

from __future__ import annotations

import pandas as pd

#: The missing reason of a question the respondent was not shown (the recode specifications'
#: ``missing.not_asked``); a variable with no other value was not asked in the wave.
NOT_ASKED = "not asked"
#: The level written on a not-asked variable's rows.
NOT_ASKED_LEVEL = "not asked in this wave"


def not_asked_in_wave(data: pd.DataFrame, variable: str) -> bool:
    """Whether no respondent of the wave was asked the variable's question."""
    reasons = data.get(f"{variable}__missing")
    return bool(data[variable].isna().all() and reasons is not None and (reasons.astype(str) == NOT_ASKED).all())
