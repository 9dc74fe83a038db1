"""The compact id of one cell of a wave's long estimates file, as ``swsurvey explain`` takes it.

``<wave>/T<k>/<variable>/<level>/<domain>/<weighting>``, e.g.
``2017/T2/any_ict_use/Yes/Canada/weighted``: the wave, the table by its place in the file
(``T1`` is the first table the estimates list; the table's full name is accepted too), the
variable's name, the level and the domain as the file writes them, and ``weighted`` or
``unweighted``. A ``/`` or ``%`` inside a part is written ``%2F`` or ``%25``
("Non-binary %2F gender diverse"), so every part can hold any text and the id still splits
into its six parts.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from swsurvey.errors import InputError

#: The pattern the reports print beside their tables, naming each part.
PATTERN = "<wave>/T<table>/<variable>/<level>/<domain>/<weighted|unweighted>"
WEIGHTINGS = ("weighted", "unweighted")
_TABLE_NUMBER = re.compile(r"T(\d+)")


class CellId(NamedTuple):
    """An id's six parts; ``table`` is a place (``T2``) or a table's full name."""

    wave: str
    table: str
    variable: str
    level: str
    domain: str
    weighting: str

    def table_number(self) -> int | None:
        """The table's place in the estimates file (1 for ``T1``), or None for a full name."""
        match = _TABLE_NUMBER.fullmatch(self.table)
        return int(match.group(1)) if match else None


def _quote(part: object) -> str:
    return str(part).replace("%", "%25").replace("/", "%2F")


def _unquote(part: str) -> str:
    return part.replace("%2F", "/").replace("%2f", "/").replace("%25", "%")


def cell_id(wave: object, table_number: int, variable: str, level: str, domain: str, weighting: str) -> str:
    """The id of one estimate (``table_number``: the table's place in the file, from 1)."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {weighting!r}")
    return "/".join(_quote(p) for p in (wave, f"T{table_number}", variable, level, domain, weighting))


def parse_cell_id(text: str) -> CellId:
    """The six parts of an id; anything else is an error that shows the pattern."""
    parts = text.strip().split("/")
    if len(parts) != 6 or not all(parts) or parts[5] not in WEIGHTINGS:
        raise InputError(f"an estimate's id has the form {PATTERN}", value=text)
    return CellId(*(_unquote(p) for p in parts))
