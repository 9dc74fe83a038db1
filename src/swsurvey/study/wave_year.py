"""Does each wave's recode specification assume the wave's year? Checked when the workflow is read.

A recode specification states the year it was written for (``wave_year``): years of practice
typed as a calendar year count back from it, and an ``age`` rule gives the age reached in it.
A wave whose id names another year (a wave ``2024`` given the 2021 specification, which
computes "Age in 2021") would run without a word and mislabel every age; so the workflow
stops, before any job runs, with one message naming the wave, the file and both years.

A wave id names a year when it starts with one (``2024``, ``2024_pilot``, ``2024b``); an id
that names none (``small``) is not checked. A recode file that is absent or unreadable is
left to the cleaning stage, which reports it with the key at fault.

This module imports only the standard library and PyYAML: reading the workflow stays light.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

#: A year at the start of a wave id, not followed by another digit.
_LEADING_YEAR = re.compile(r"^(1[89]\d\d|2\d\d\d)(?!\d)")


class WaveYearError(ValueError):
    """A wave's id names a year its recode specification does not assume."""


def wave_id_year(wave: str) -> int | None:
    """The year a wave id starts with (``"2024_pilot"`` -> 2024), or None."""
    match = _LEADING_YEAR.match(str(wave))
    return int(match.group(1)) if match else None


#: libyaml's safe loader when PyYAML has it: the specs are read on every read of the workflow,
#: and the pure-Python loader takes ten times as long (about 40 ms for the two specs).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_spec(path: Path) -> dict | None:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return doc if isinstance(doc, dict) else None


def wave_year_problem(wave: str, recode: str | Path, root: str | Path = ".") -> str | None:
    """What is wrong with a wave's year and its recode specification's, in one sentence, or None."""
    year = wave_id_year(wave)
    doc = _read_spec(Path(root) / recode) if year is not None else None
    assumed = doc.get("wave_year") if doc else None
    if not isinstance(assumed, int) or assumed == year:
        return None
    ages = [v.get("name") for v in doc.get("variables") or [] if isinstance(v, dict) and "age" in v]
    uses = f"; e.g. {ages[0]} is the age reached in {assumed}" if ages else ""
    return (
        f"wave {wave}: its recode specification {recode} assumes the year {assumed} "
        f"(wave_year: {assumed}{uses}), but the wave id says {year}. Give wave {wave} a recode "
        f"specification written for {year} (wave_year: {year}), or name the wave after its year."
    )


def check_wave_years(waves: Mapping[str, Mapping], root: str | Path = ".") -> None:
    """Raise :class:`WaveYearError` naming every wave (config ``waves``) whose id names a year
    its recode specification (``recode``, relative to ``root``) does not assume."""
    problems = [
        problem
        for wave, settings in waves.items()
        if (problem := wave_year_problem(wave, settings["recode"], root)) is not None
    ]
    if problems:
        raise WaveYearError("\n".join(problems))
