"""A wave's targets file against the strata and margin levels as its recode defines them.

The file exists, has its columns, a row for every level of the stratum variable and of every
margin (``weighting.stratum``, ``weighting.margins``, after ``weighting.level_map``; a joint
margin ``a:b`` every combination) within every stratum, and population counts that are
positive numbers. Levels as the recode defines them: :func:`swsurvey.study.recode_codes.recode_levels`.
The weighting stage (:mod:`swsurvey.stages.weighting`) reads the file; this check runs when the
workflow is read, so it uses the standard library only (no pandas).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from itertools import product
from pathlib import Path

from swsurvey.errors import InputError
from swsurvey.study.config_variables import margin_variables
from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import RecodeSpec
from swsurvey.study.recode_codes import recode_levels
from swsurvey.study.targets_format import JOINT, TARGET_COLUMNS, TOTAL_NAMES


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def target_problems(
    targets: str, root: Path, weighting: Mapping, spec: RecodeSpec, instrument: Instrument
) -> list[str]:
    """The targets file against the strata and margin levels as the recode defines them."""
    path = root / targets
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            columns = list(rows[0]) if rows else []
    except FileNotFoundError:
        return [str(InputError("targets file not found (config waves.<wave>.targets; paths are relative to the folder "
                               "Snakemake runs in)", file=targets))]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [str(InputError(f"targets file cannot be read: {exc}", file=targets))]
    stratum = weighting.get("stratum")
    totals = [name for name in TOTAL_NAMES if name in columns]
    lacking = [c for c in ([stratum] if stratum else []) + list(TARGET_COLUMNS) if c not in columns]
    if not totals:
        lacking.append(" or ".join(TOTAL_NAMES))
    if lacking:
        return [str(InputError("targets file lacks a column", file=targets, variable=c)) for c in lacking]
    total = totals[0]
    level_map = weighting.get("level_map") or {}
    unknown = weighting.get("unknown_level")
    lines = []

    def levels_of(name: str) -> tuple[str, ...] | None:
        if name not in spec.by_name:
            return None  # reported as an undefined analysis variable
        levels = recode_levels(name, spec, instrument)
        if levels is None:
            lines.append(str(InputError("is a weighting variable without levels (a number or a copy)",
                                        file=spec.path, variable=name)))
            return None
        mapping = level_map.get(name) or {}
        mapped = (mapping.get(level, level) for level in levels)
        return tuple(dict.fromkeys(level for level in mapped if level != unknown))  # mapped onto not stated

    strata: tuple[str | None, ...] = (None,)
    if stratum:
        found = levels_of(stratum)
        if found is None:
            return lines
        strata = found
        present = {row.get(stratum) for row in rows}
        for level in strata:
            if level not in present:
                lines.append(str(InputError(
                    f"no row for the stratum {level!r} of {stratum} (weighting.stratum; its levels as "
                    f"the recode {spec.path.name} defines them)", file=targets, variable=stratum, value=level,
                )))
        strata = tuple(level for level in strata if level in present)
    have = {((row.get(stratum) if stratum else None), row.get("variable"), row.get("level")) for row in rows}
    for variables in margin_variables(weighting.get("margins")):
        name = JOINT.join(variables)
        per_variable = [levels_of(v) for v in variables]
        if any(levels is None for levels in per_variable):
            continue
        expected = [JOINT.join(cell) for cell in product(*per_variable)]
        given = {level for _, variable, level in have if variable == name}
        if not given:
            lines.append(str(InputError(f"targets file has no rows for the margin {name!r} (weighting.margins)",
                                        file=targets, variable=name)))
            continue
        for cell in strata:
            absent = [level for level in expected if (cell, name, level) not in have]
            where = f" in stratum {cell!r}" if cell is not None else ""
            for level in absent:
                lines.append(str(InputError(
                    f"no population count for level {level!r}{where} (its levels as the recode "
                    f"{spec.path.name} defines them, after weighting.level_map)",
                    file=targets, variable=name, value=level,
                )))
        # a level of the file no level of the recode maps onto is left to the weighting stage, which
        # shares its population among the others and says so (a level no respondent has)
        for row in rows:
            if row.get("variable") != name:
                continue
            count = _number(row.get(total))
            if count is None or count <= 0:
                where = f" in stratum {row.get(stratum)!r}" if stratum else ""
                lines.append(str(InputError(
                    f"population count {row.get(total)!r} of level {row.get('level')!r}{where} is "
                    "not a positive number", file=targets, variable=name, value=row.get("level"),
                )))
    return lines
