"""A recode's years against its wave year: the years the age chain's labels name, and the ages
a year-of-birth rule implies, compared with the other waves'.

The age chain: a numeric rule that feeds an ``age`` rule (the year of birth), the age, its
bands. A year named in one of their labels other than the specification's ``wave_year`` is
reported (the recode's own load refuses an age labelled with another year).

The ages a year-of-birth rule implies. A numeric rule that feeds an ``age`` rule keeps the
years of birth ``valid: {min, max}``; in the wave year ``Y`` they are the ages ``Y - max`` to
``Y - min``. Who may answer (the eligible ages) is a fact of the study, not of a wave, so
every wave with such a rule must imply the same ages: a 2024 specification copied from 2021
with ``valid: {min: 1936, max: 2000}`` implies ages 24-88 where 2021's implies 21-85, and is
reported with the years that keep 21-85 (1939-2003). Only the waves given are compared (those
of the same config); a wave with no other wave to compare with is not checked on this point.

No NumPy or pandas: the workflow's reading imports this module (:mod:`swsurvey.study.wave_check`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from swsurvey.errors import InputError
from swsurvey.study.recode import AgeRule, BandsRule, NumericRule, RecodeSpec

#: A four-digit year in a label.
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")


def _age_chain(spec: RecodeSpec) -> tuple[list[str], dict[str, tuple[float, float]]]:
    """The analysis variables of the age chain (years of birth feeding an age rule, the ages,
    their bands) and each year-of-birth rule's valid years."""
    chain: list[str] = []
    births: dict[str, tuple[float, float]] = {}
    ages = set()
    for var in spec.variables:
        if isinstance(var.rule, AgeRule):
            ages.add(var.name)
            source = spec.by_name.get(var.rule.source)
            if source is not None and isinstance(source.rule, NumericRule):
                births[source.name] = (source.rule.valid_min, source.rule.valid_max)
                chain.append(source.name)
            chain.append(var.name)
        elif isinstance(var.rule, BandsRule) and var.rule.source in ages:
            chain.append(var.name)
    return list(dict.fromkeys(chain)), births


def implied_ages(spec: RecodeSpec) -> dict[str, tuple[int, int]]:
    """Each year-of-birth rule's valid years as the ages they imply in the wave year."""
    _, births = _age_chain(spec)
    return {name: (int(spec.wave_year - hi), int(spec.wave_year - lo)) for name, (lo, hi) in births.items()}


def year_problems(spec: RecodeSpec, recode_file: str, others: Mapping[str, RecodeSpec]) -> list[str]:
    """Years named in the age chain's labels other than ``wave_year``, and implied ages that
    differ from another wave's (``others``: wave id -> its recode)."""
    lines = []
    chain, births = _age_chain(spec)
    for name in chain:
        var = spec.by_name[name]
        if isinstance(var.rule, AgeRule):
            continue  # the recode's own load refuses an age labelled with another year
        years = sorted({int(y) for y in _YEAR.findall(var.label)} - {spec.wave_year})
        if years:
            lines.append(str(InputError(
                f"the label {var.label!r} names the year {years[0]}, but the specification's "
                f"wave_year is {spec.wave_year}", file=recode_file, variable=name, value=years[0],
            )))
    mine = implied_ages(spec)
    for name, (young, old) in mine.items():
        for wave, other in others.items():
            theirs = implied_ages(other).get(name)
            if theirs is None or theirs == (young, old):
                continue
            lo, hi = births[name]
            shift = spec.wave_year - other.wave_year
            lines.append(str(InputError(
                f"numeric.valid {int(lo)}-{int(hi)} implies ages {young}-{old} in {spec.wave_year}, but wave {wave} "
                f"({other.path.name}) implies {theirs[0]}-{theirs[1]}: the eligible ages do not change between waves; "
                f"for ages {theirs[0]}-{theirs[1]} write valid: {{min: {spec.wave_year - theirs[1]}, "
                f"max: {spec.wave_year - theirs[0]}}}" + (f" (the years shifted by {shift})" if shift else ""),
                file=recode_file, variable=name, value=f"{int(lo)}-{int(hi)}",
            )))
            break
    return lines
