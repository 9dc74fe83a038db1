"""The waves the generator writes: each wave's design, and the seed of each stored wave.

:func:`design_of` picks the design for an instrument and the wave the file stands in for:

1. the stored design of the instrument's wave: 2017 (:data:`~swsurvey.synthetic.design.DESIGN_2017`,
   calibrated to the published figures) or the invented 2021 follow-up
   (:data:`~swsurvey.synthetic.follow_up.DESIGN_2021`);
2. else, for an instrument that ``revises:`` another, the revised wave's design (found the same
   way, so chains work: 2024 -> 2021 -> 2017), its columns renamed by each question's ``was:``
   and their code frames noted for mapping by label (:func:`revised_design`);
3. else the stored design nearest the wave's year (the earlier on a tie), the instrument's
   names read as that wave's.

A design used for another wave is shifted to it (:func:`shifted`): its year, fielding window and
pre-launch dates, creation date, margins date and population move by the years between, and
its notes name the wave and the design it was made from.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument, load_instrument
from swsurvey.study.wave_year import wave_id_year
from swsurvey.synthetic.design import DESIGN_2017, Design
from swsurvey.synthetic.follow_up import DESIGN_2021
from swsurvey.synthetic.questionnaire import generator_column

#: Seed of the stored default wave (``data/synthetic/socialwork_2017.sav``): the 2017 launch month.
DEFAULT_SEED = 20170601
#: Seed of the stored 2021 follow-up (``data/synthetic/socialwork_2021.sav``): its launch month.
FOLLOW_UP_SEED = 20210601
#: The seed of each stored wave.
SEEDS = {"2017": DEFAULT_SEED, "2021": FOLLOW_UP_SEED}

_DESIGNS = {"2017": DESIGN_2017, "2021": DESIGN_2021}
#: The registered population grows this much a year (about 2017-2021's rate).
_POPULATION_GROWTH = 0.015
#: A chain of revisions longer than this is taken for a loop.
_MAX_REVISIONS = 20


def default_seed(wave: str) -> int:
    """The seed of a stored wave; else the launch month of the wave's year (``2024`` ->
    20240601); else the default wave's."""
    year = wave_id_year(wave)
    return SEEDS.get(wave, int(f"{year}0601") if year else DEFAULT_SEED)


def design_of(instrument: Instrument, wave: str | None = None) -> Design:
    """The design for the instrument, shifted to ``wave`` (default: the instrument's wave)."""
    return shifted(_base_design(instrument, 0), wave or instrument.wave)


def _base_design(instrument: Instrument, depth: int) -> Design:
    if instrument.wave in _DESIGNS:
        return _DESIGNS[instrument.wave]
    if instrument.revises is not None:
        if depth >= _MAX_REVISIONS:
            raise InputError("its chain of revises: does not end in a stored wave", file=instrument.path)
        earlier = load_instrument(revised_path(instrument))
        if earlier.wave != instrument.revises.wave:
            raise InputError(
                f"revises: names wave {instrument.revises.wave!r}, but its instrument is wave {earlier.wave!r}",
                file=instrument.path,
                variable="revises",
                value=str(instrument.revises.instrument),
            )
        design = shifted(_base_design(earlier, depth + 1), earlier.wave)
        return shifted(revised_design(instrument, earlier, design), instrument.wave)
    year = wave_id_year(instrument.wave)
    if year is None:
        raise InputError(
            f"the synthetic generator has no design for wave {instrument.wave!r}, which names no year, "
            f"and the instrument revises none (it has designs for waves {', '.join(_DESIGNS)})",
            file=instrument.path,
        )
    nearest = min(_DESIGNS, key=lambda w: (abs(int(w) - year), int(w)))
    return shifted(_DESIGNS[nearest], instrument.wave)


def revised_path(instrument: Instrument) -> Path:
    """The file of the instrument it revises: relative to the folder the workflow runs in, else
    (run from elsewhere) to the nearest folder above the instrument that has it."""
    path = instrument.revises.instrument
    candidates = [path] if path.is_absolute() else [path, *(p / path for p in instrument.path.resolve().parents)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise InputError("the instrument it revises is not found", file=instrument.path, variable="revises", value=str(path))


def revised_design(instrument: Instrument, earlier: Instrument, design: Design) -> Design:
    """The earlier wave's design (``design``) under the revised instrument's names: each
    question takes the generator column of its ``was:`` in the earlier instrument (None for
    a new one, or one whose format changed), with the code frame that column is in."""
    sources: dict[str, str | None] = {}
    frames: dict[str, dict[int, str]] = {}
    for var in instrument.variables:
        if var.metadata:
            continue
        if var.was is None:
            sources[var.name] = None
            continue
        if var.was not in earlier.by_name:
            raise InputError(
                f"was: names no question of the instrument it revises ({earlier.path})",
                file=instrument.path,
                variable=var.name,
                value=var.was,
            )
        before = earlier[var.was]
        same_format = (var.kind, var.checkbox, bool(var.values)) == (before.kind, before.checkbox, bool(before.values))
        # A question whose format changed (a typed number now coded, say) is drawn anew.
        sources[var.name] = generator_column(before, design) if same_format else None
        if sources[var.name] is not None and var.values and not var.checkbox:
            frames[var.name] = (design.frames or {}).get(before.name, before.values)
    renamed = {was: name for name, was in instrument.renamed_from.items()}
    margins = {v: renamed[name] for v, name in design.margin_sources.items() if name in renamed}
    return dataclasses.replace(design, sources=sources, frames=frames, margin_sources=margins)


def _move_day(day: str, years: int) -> str:
    return f"{int(day[:4]) + years}{day[4:]}"


def shifted(design: Design, wave: str) -> Design:
    """The design moved to another wave: dates and population by the years between (none for a
    wave id that names no year), and notes naming the wave and the design it was made from."""
    if wave == design.wave:
        return design
    year = wave_id_year(wave)
    years = 0 if year is None else year - int(design.wave_year)
    day, month, yy = design.creation_date.decode("ascii").split()
    return dataclasses.replace(
        design,
        wave=wave,
        wave_year=design.wave_year + years,
        population_size={c: round(n * (1 + _POPULATION_GROWTH) ** years) for c, n in design.population_size.items()},
        field_window={c: (_move_day(a, years), _move_day(b, years)) for c, (a, b) in design.field_window.items()},
        pre_launch=(_move_day(design.pre_launch[0], years), _move_day(design.pre_launch[1], years)),
        creation_date=f"{day} {month} {(int(yy) + years) % 100:02d}".encode("ascii"),
        margins_date=_move_day(design.margins_date, years),
        note=(
            f"a stand-in for an invented wave {wave} of the #socialwork survey,"[:80],
            f"made from the wave {design.wave} design, moved {years} years on."[:80],
        ),
    )
