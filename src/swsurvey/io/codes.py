"""Raw codes as JSON-safe values and keys, the same in the codebook, the data and the checks.

SPSS stores every code as a double; a codebook written as JSON must show ``1`` for 1.0, keep
1.5, and spell the open ends of a missing-value range as SPSS does (``LO THRU -1``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Open ends of a missing-value range (``LO THRU -1``), as SPSS spells them; JSON has no inf.
LOWEST = "LO"
HIGHEST = "HI"


def json_value(value: Any) -> Any:
    """A raw code as a JSON-safe value: 1.0 -> 1, 1.5 -> 1.5, -inf -> "LO", inf -> "HI".

    Strings pass through; NaN (never a declared code) becomes None.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "__float__"):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return HIGHEST if number > 0 else LOWEST
        if number.is_integer() and abs(number) < 2**53:
            return int(number)
        return number
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)


def code_key(value: Any) -> str:
    """A code rendered canonically for use as a JSON key: "1" not "1.0", strings as they are."""
    value = json_value(value)
    return value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
