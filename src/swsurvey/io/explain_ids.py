"""The compact id of one cell of a wave's long estimates file, as ``swsurvey explain`` takes it.

``<wave>/T<k>/<variable>/<level>/<domain>/<weighting>``, e.g.
``2017/T2/any_ict_use/Yes/Canada/weighted``: the wave, the table by its place in the file
(``T1`` is the first table the estimates list; the table's full name is accepted too), the
variable's name, the level and the domain as the file writes them, and ``weighted`` or
``unweighted``. A ``/`` or ``%`` inside a part is written ``%2F`` or ``%25``
("Non-binary %2F gender diverse"), so every part can hold any text and the id still splits
into its six parts.

The other result tables' rows have ids of the same kind, the file's short name and the
columns that pick one row (:data:`ROW_TABLES`): ``2017/coefficients/weekly_use/age_group60 or
older/weighted``, ``2017/country_tests/any_ict_use/weighted``, ``crosswave/changes/2017/2021/
any_ict_use/Yes/Canada/weighted``, ``crosswave/trend/any_ict_use/Yes/Canada/weighted``.
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


#: The result tables whose rows have ids: short name -> (path under results/<wave>/, the
#: columns that pick one row, in the id's order). ``changes`` and ``trend`` are under results/crosswave/.
ROW_TABLES = {
    "exclusion_flow": ("clean/exclusion_flow.csv", ("step",)),
    "margins": ("weight/margins.csv", ("margin", "level")),
    "diagnostics": ("weight/diagnostics.csv", ("country",)),
    "published": ("describe/published.csv", ("figure",)),
    "medians": ("describe/medians.csv", ("variable", "domain", "weighting", "statistic")),
    "coefficients": ("infer/coefficients.csv", ("model", "term", "weighting")),
    "country_tests": ("infer/country_tests.csv", ("item", "weighting")),
    "changes": ("changes.csv", ("from_wave", "to_wave", "variable", "level", "domain", "weighting")),
    "trend": ("trend.csv", ("variable", "level", "domain", "weighting")),
}
#: The folder of the results that belong to no single wave (the changes and trends across waves).
CROSSWAVE = "crosswave"


class RowId(NamedTuple):
    """A row of one of :data:`ROW_TABLES`: the wave (or ``crosswave``), the table's short name,
    and the values of its key columns."""

    wave: str
    table: str
    key: tuple[str, ...]

    def path(self) -> str:
        """The file under the results folder."""
        return f"{self.wave}/{ROW_TABLES[self.table][0]}"

    def columns(self) -> tuple[str, ...]:
        return ROW_TABLES[self.table][1]


def _quote(part: object) -> str:
    return str(part).replace("%", "%25").replace("/", "%2F")


def _unquote(part: str) -> str:
    return part.replace("%2F", "/").replace("%2f", "/").replace("%25", "%")


def cell_id(wave: object, table_number: int, variable: str, level: str, domain: str, weighting: str) -> str:
    """The id of one estimate (``table_number``: the table's place in the file, from 1)."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {weighting!r}")
    return "/".join(_quote(p) for p in (wave, f"T{table_number}", variable, level, domain, weighting))


def row_id(wave: object, table: str, *key: object) -> str:
    """The id of one row of a result table of :data:`ROW_TABLES` (``wave``: ``crosswave`` for
    the changes between waves)."""
    if len(key) != len(ROW_TABLES[table][1]):
        raise ValueError(f"{table} rows are picked by {ROW_TABLES[table][1]}")
    return "/".join(_quote(p) for p in (wave, table, *key))


def parse_id(text: str) -> CellId | RowId:
    """An estimate's id, or a row's (its second part names one of :data:`ROW_TABLES`)."""
    parts = text.strip().split("/")
    if len(parts) >= 2 and parts[1] in ROW_TABLES:
        table = parts[1]
        if len(parts) != 2 + len(ROW_TABLES[table][1]) or not all(parts):
            columns = "/".join(f"<{c}>" for c in ROW_TABLES[table][1])
            raise InputError(f"a {table} row's id has the form <wave>/{table}/{columns}", value=text)
        return RowId(_unquote(parts[0]), table, tuple(_unquote(p) for p in parts[2:]))
    return parse_cell_id(text)


def parse_cell_id(text: str) -> CellId:
    """The six parts of an id; anything else is an error that shows the pattern."""
    parts = text.strip().split("/")
    if len(parts) != 6 or not all(parts) or parts[5] not in WEIGHTINGS:
        raise InputError(f"an estimate's id has the form {PATTERN}", value=text)
    return CellId(*(_unquote(p) for p in parts))
