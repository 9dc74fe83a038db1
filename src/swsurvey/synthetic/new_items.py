"""What a revised questionnaire changed, drawn: code frames mapped by label, and the questions
the generator cannot trace drawn generically from their instrument entries.

Both come from a stream of their own (the wave's seed, jumped three times: the population has
the first two), after every other draw, so a wave with nothing to revise draws exactly what it
drew before, and a revised wave's traced questions are the earlier wave's draws.

- A traced question whose code frame changed (:func:`map_frames`): an earlier code whose label is
  in the new frame takes that code (a code only relabelled keeps its number); each added code
  takes :data:`ADDED_CODE_SHARE` of the substantive answers, drawn from the others; a removed
  code's answers are redistributed over the remaining codes as those were answered.
- A question the generator cannot trace (:func:`untraced_columns`), in the way
  :func:`~swsurvey.synthetic.questionnaire.untraced_kind` says: a coded question nearly uniformly
  from its code frame (its not-substantive codes rarely); a grid row like the grid's other rows
  (each respondent's answer to one of them, now and then a step off); a checkbox like its set's
  other items (ticked at the rate the respondent ticked those); a typed number uniformly in its
  range; free text like the generator's other free-text fields
  (:func:`~swsurvey.synthetic.free_text.typed_text`), shown when its choice is chosen. Every one
  has the wave's mean ``-99`` rate; skip logic and break-offs blank them afterwards.
"""

from __future__ import annotations

import numpy as np

from swsurvey.study.instrument import Instrument, Variable
from swsurvey.synthetic.design import Design
from swsurvey.synthetic.draws import pick
from swsurvey.synthetic.free_text import typed_text
from swsurvey.synthetic.questionnaire import choice_of_text, generator_column, note_range, siblings, untraced_kind

#: Share of a question's substantive answers an added code takes.
ADDED_CODE_SHARE = 0.03
#: Relative weight of a not-substantive code (don't know, prefer not to say) in a new question.
_NOT_SUBSTANTIVE_WEIGHT = 0.03
#: A new grid row: the respondent's answer to another row, a step lower / higher this often.
_GRID_STEP = 0.2
#: Free text shown to a respondent is written this often (a choice's text) or, shown to
#: everyone, this often (a comment box).
_TEXT_WRITTEN = 0.85
_COMMENT_WRITTEN = 0.13


def revision_rng(seed: int) -> np.random.Generator:
    """The stream of the revision's draws: the wave's seed jumped three times."""
    return np.random.Generator(np.random.PCG64(seed).jumped(3))


def code_map(before: dict[int, str], after: dict[int, str]) -> tuple[dict[int, int], list[int], list[int]]:
    """Earlier code -> new code by label (a code only relabelled keeps its number); the codes
    added, and the earlier codes removed."""
    labels = {label: code for code, label in after.items()}
    old_labels = set(before.values())
    mapping, removed = {}, []
    for code, label in before.items():
        if label in labels:
            mapping[code] = labels[label]
        elif code in after and after[code] not in old_labels:
            mapping[code] = code
        else:
            removed.append(code)
    added = [code for code in after if code not in mapping.values()]
    return mapping, added, removed


def map_frames(
    rng: np.random.Generator, instrument: Instrument, design: Design, cols: dict[str, np.ndarray]
) -> None:
    """Put each traced question's answers into its own code frame (in place), by label."""
    if not design.frames:
        return
    for var in instrument.variables:
        before = design.frames.get(var.name)
        if before is None or var.name not in cols or before == var.values:
            continue
        mapping, added, removed = code_map(before, var.values)
        old = cols[var.name]
        new = old.copy()
        for code, to in mapping.items():
            new[old == code] = to
        substantive = np.isin(new, [c for c in var.values if c not in instrument.not_substantive])
        gone = np.isin(old, removed)
        if gone.any():
            pool = new[substantive & ~gone]
            codes = [c for c in var.values if c not in instrument.not_substantive and c not in added]
            new[gone] = rng.choice(pool if len(pool) else np.asarray(codes, float), size=int(gone.sum()))
            substantive |= gone
        for code in added:
            take = pick(rng, substantive & ~np.isin(new, added), max(1, round(ADDED_CODE_SHARE * substantive.sum())))
            new[take] = code
        cols[var.name] = new


def _nonresponse(rng: np.random.Generator, design: Design, n: int) -> np.ndarray:
    return rng.random(n) < float(np.mean(list(design.nonresponse.values())))


def _coded(rng: np.random.Generator, instrument: Instrument, var: Variable, n: int) -> np.ndarray:
    codes = list(var.values)
    weights = np.where(np.isin(codes, list(instrument.not_substantive)), _NOT_SUBSTANTIVE_WEIGHT, 1.0)
    weights = weights * rng.uniform(0.75, 1.25, len(codes))  # nearly uniform
    return np.asarray(codes, float)[rng.choice(len(codes), size=n, p=weights / weights.sum())]


def _grid_row(rng: np.random.Generator, var: Variable, rows: list[np.ndarray]) -> np.ndarray:
    n = len(rows[0])
    answers = np.column_stack(rows)[np.arange(n), rng.integers(0, len(rows), n)]
    codes = sorted(var.values)
    step = rng.choice([-1, 0, 1], size=n, p=[_GRID_STEP / 2, 1 - _GRID_STEP, _GRID_STEP / 2])
    valid = np.isin(answers, codes)
    moved = np.clip(answers + step, codes[0], codes[-1])
    return np.where(valid & np.isin(moved, codes), moved, np.where(valid, answers, _coded_fallback(rng, codes, n)))


def _coded_fallback(rng: np.random.Generator, codes: list[int], n: int) -> np.ndarray:
    return np.asarray(codes, float)[rng.integers(0, len(codes), n)]


def _checkbox(rng: np.random.Generator, rows: list[np.ndarray], n: int) -> np.ndarray:
    if not rows:
        return np.where(rng.random(n) < 0.3, 1.0, np.nan)
    items = np.column_stack(rows)
    rate = np.clip(np.nanmean(np.where(items == 1, 1.0, 0.0), axis=1), 0.05, 0.95)
    skipped = (items == -99).all(axis=1)
    return np.where(skipped, -99.0, np.where(rng.random(n) < rate, 1.0, np.nan))


def untraced_columns(
    rng: np.random.Generator,
    instrument: Instrument,
    design: Design,
    cols: dict[str, np.ndarray],
    country: np.ndarray,
) -> dict[str, np.ndarray]:
    """The questions the generator cannot trace, each drawn from its instrument entry, in the
    instrument's order (a later one may lean on an earlier one: a grid's second new row)."""
    n = len(country)
    missing = float(next(iter(instrument.user_missing), -99))
    out: dict[str, np.ndarray] = {}
    for var in instrument.variables:
        if var.metadata or generator_column(var, design) is not None:
            continue
        kind = untraced_kind(instrument, var)
        known = {**cols, **out}
        others = [known[s.name] for s in siblings(instrument, var) if s.name in known]
        if kind == "text":
            choice = choice_of_text(instrument, var)
            if choice is None:
                shown, rate = np.ones(n, bool), _COMMENT_WRITTEN
            else:
                shown, rate = known[choice[0]] == choice[1], _TEXT_WRITTEN
            out[var.name] = typed_text(rng, shown, rate, country)
            continue
        if kind == "checkbox":
            out[var.name] = _checkbox(rng, others, n)
            continue
        if kind == "grid" and others:
            values = _grid_row(rng, var, others)
        elif kind == "number":
            low, high = note_range(var)
            values = np.floor(rng.uniform(low, high + 1, n)).clip(low, high)
        else:
            values = _coded(rng, instrument, var, n)
        out[var.name] = np.where(_nonresponse(rng, design, n), missing, values)
    return out
