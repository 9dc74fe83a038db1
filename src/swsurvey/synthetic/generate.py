"""The public entry points: :func:`generate_wave` (the export as a DataFrame and its SPSS
metadata) and :func:`write_wave` (the .sav file and its population margins).

Determinism: everything comes from ``numpy.random.Generator(PCG64(seed))`` in a fixed call
order (the population from a jumped copy of the same stream); there is no global RNG, clock or
hash-order dependence. :func:`write_wave` pins the two header fields ReadStat fills from the
clock or its own name, so one seed gives one file, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path
from swsurvey.study.instrument import Instrument, load_instrument
from swsurvey.synthetic.answers import answers
from swsurvey.synthetic.metadata import metadata_columns
from swsurvey.synthetic.new_items import map_frames, revision_rng, untraced_columns
from swsurvey.synthetic.population import check_margin_levels, population_margins
from swsurvey.synthetic.questionnaire import apply_skip_logic, check_questions, lay_out, question_pages
from swsurvey.synthetic.sample import duplicate_and_sort, row_plan, screen_and_break_off
from swsurvey.synthetic.sav import SpssMeta, check_readable, export_frame, pin_sav_header, spss_meta
from swsurvey.synthetic.waves import design_of


def generate_wave(
    instrument: Instrument, seed: int, scale: float = 1.0, wave: str | None = None
) -> tuple[pd.DataFrame, SpssMeta]:
    """Generate a raw Qualtrics-style export of the wave, and the metadata to write it with.

    Pure: the same instrument, seed and scale give the same frame. ``scale`` shrinks every
    count (eligible completes to ``round(n * scale)`` per country, each kind of mess to at
    least a few rows) for fast test data; ``scale=1`` gives the published sample sizes (the
    instrument's ``countries_synthetic_n`` for a wave with none published). The design is
    :func:`~swsurvey.synthetic.waves.design_of`'s: the instrument's wave's, else the wave's it
    revises, else the nearest stored one, shifted to the wave. ``wave`` is the wave the file
    stands in for, named in its file label and notes (by default the instrument's wave).
    A revised questionnaire's changed code frames and new questions are drawn last, from a
    stream of their own (:mod:`~swsurvey.synthetic.new_items`).
    """
    design = design_of(instrument, wave)
    check_questions(instrument, design)
    check_margin_levels(instrument, design)
    if not scale > 0:
        raise InputError("scale must be a positive number", value=scale)
    rng = np.random.Generator(np.random.PCG64(seed))
    kind, country = row_plan(rng, instrument, design, scale)
    cols = lay_out(instrument, design, answers(rng, design, kind, country))
    revision = revision_rng(seed)
    map_frames(revision, instrument, design, cols)
    cols.update(untraced_columns(revision, instrument, design, cols, country))
    apply_skip_logic(instrument, cols)
    stop = screen_and_break_off(rng, cols, kind, question_pages(instrument, design))
    cols.update(metadata_columns(rng, design, kind, country, stop, cols["UserLanguage"], scale))
    order = duplicate_and_sort(rng, design, cols, kind, scale)
    data = export_frame(instrument, cols, order)
    return data, spss_meta(instrument, design, seed, wave or instrument.wave)


def write_wave(
    instrument_path: str | Path,
    out_sav: str | Path,
    out_margins: str | Path,
    seed: int,
    scale: float = 1.0,
    wave: str | None = None,
) -> None:
    """Write the synthetic wave (.sav) and its population margins (.csv), both atomically.

    ``wave``: the wave the file stands in for, named in its label (default: the instrument's).

    The .sav's creation date/time and product string are pinned after writing, so the same
    seed gives the same bytes on every run; the file is read back (metadata only) before it
    replaces anything, and neither output is replaced unless both were written.
    """
    instrument = load_instrument(instrument_path)
    data, meta = generate_wave(instrument, seed, scale, wave)
    margins = population_margins(instrument, seed, wave)
    # pyreadstat writes cell by cell: from plain Python strings, not Arrow-backed ones (an
    # Arrow string cell costs it microseconds), the same bytes.
    for name, dtype in data.dtypes.items():
        if pd.api.types.is_string_dtype(dtype):
            data[name] = data[name].astype(object)
    with atomic_path(out_sav) as sav_tmp, atomic_path(out_margins) as csv_tmp:
        pyreadstat.write_sav(data, sav_tmp, **meta.write_kwargs())
        pin_sav_header(sav_tmp, design_of(instrument, wave).creation_date)
        check_readable(sav_tmp, data, meta)
        csv_tmp.write_text(margins.to_csv(index=False, lineterminator="\n"), encoding="utf-8", newline="\n")
