"""What a row is: each row's hidden kind and country, the screen-outs and break-offs, and the
responses exported twice.

Every row is one response; its hidden *kind* decides what it looks like. On top of the
eligible completes (exactly the published 2609 / 1225 / 386 / 134 per country at
``scale=1``) come the rows a real export carries and the cleaning stage must drop, in this
exclusion order: non-consenters (``Q1 == 2``, nothing after Q1), country "Other"
(``Q2 == 5``), not registered (``Q3 == 2``), no direct client contact (``Q4 == 2``), survey
previews (``Status == 1``), tests (2) and spam (8), unfinished responses (``Finished == 0``,
``Progress < 100``, missing after the page where they stopped), and responses exported twice
under one ``ResponseId`` (an identical row, or the same row with a later ``RecordedDate``; the
earliest is the real one). Screened-out respondents reached Qualtrics' end-of-survey element,
so they are ``Finished == 1``. Offline-app (16) and imported (4) responses are real responses
and stay eligible (:mod:`~swsurvey.synthetic.metadata` gives them their status).
How many rows of each kind a wave has at full scale is its design's.
"""

from __future__ import annotations

import numpy as np

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument
from swsurvey.synthetic.design import Design
from swsurvey.synthetic.draws import pick, scaled
from swsurvey.synthetic.questionnaire import PAGES, country_names

#: Fewest rows of each kind of mess at any scale, so small test waves still carry all of it.
_MIN_MESS = 3

#: The hidden kind of each row, as coded in the generator's arrays.
KIND_CODES = {
    "eligible": 0,
    "no_consent": 1,
    "other_country": 2,
    "not_registered": 3,
    "no_contact": 4,
    "preview": 5,
    "test": 6,
    "spam": 7,
    "unfinished": 8,
}

#: Last page seen by unfinished responses (pages 0-8): most leave in the demographics or setting.
_STOP_PAGE = (0.03, 0.02, 0.02, 0.03, 0.25, 0.20, 0.12, 0.18, 0.15)


def _eligible_n(instrument: Instrument) -> dict[str, int]:
    """Eligible completes per country: the published ones, else the synthetic stand-in's."""
    counts = instrument.published_n or instrument.synthetic_n
    if not counts:
        raise InputError(
            "gives no eligible completes per country (countries_published_n or countries_synthetic_n)",
            file=instrument.path,
        )
    return counts


def row_plan(
    rng: np.random.Generator, instrument: Instrument, design: Design, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each base row's kind and true country (Q2 code; 5 = Other)."""
    names = country_names(instrument)
    target = _eligible_n(instrument)
    eligible = {code: scaled(target[name], scale, floor=1) for code, name in names.items()}
    total = sum(eligible.values())
    shares = [eligible[c] / total for c in names]
    kinds, countries = [], []
    for code, n in eligible.items():
        kinds.append(np.full(n, KIND_CODES["eligible"]))
        countries.append(np.full(n, code))
    for name, n_full in design.extra_rows.items():
        n = scaled(n_full, scale, floor=_MIN_MESS)
        kinds.append(np.full(n, KIND_CODES[name]))
        if name == "other_country":
            countries.append(np.full(n, 5))
        elif name in ("preview", "test"):
            # the research team previewed mostly from Canada, but tried each country branch
            countries.append(rng.choice([1, 1, 2, 3, 4], size=n))
        else:
            countries.append(rng.choice(list(names), size=n, p=shares))
    return np.concatenate(kinds), np.concatenate(countries)


def screen_and_break_off(
    rng: np.random.Generator, cols: dict[str, np.ndarray], kind: np.ndarray, page: dict[str, int]
) -> np.ndarray:
    """Give screen-outs their failing answer and blank everything after the page they left on.

    ``page`` is each question's page (:func:`~swsurvey.synthetic.questionnaire.question_pages`).
    Returns each row's last page seen (the last page for everyone who got to the end).
    """
    n = len(kind)
    stop = np.full(n, len(PAGES) - 1)
    screened = {
        "no_consent": ("Q1", 2.0),
        "other_country": ("Q2", 5.0),
        "not_registered": ("Q3", 2.0),
        "no_contact": ("Q4", 2.0),
    }
    for name, (item, code) in screened.items():
        rows = kind == KIND_CODES[name]
        cols[item][rows] = code
        stop[rows] = page[item]
    unfinished = kind == KIND_CODES["unfinished"]
    stop[unfinished] = rng.choice(len(_STOP_PAGE), size=int(unfinished.sum()), p=_STOP_PAGE)
    # Even the smallest wave has unfinished rows that passed screening (caught by Finished).
    forced = np.flatnonzero(unfinished)[:3]
    stop[forced] = page["Q4"] + 1 + 2 * np.arange(len(forced))
    for name, values in cols.items():
        if name == "UserLanguage":
            continue
        values[stop < page[name]] = "" if values.dtype == object else np.nan
    return stop


def duplicate_and_sort(
    rng: np.random.Generator, design: Design, cols: dict[str, np.ndarray], kind: np.ndarray, scale: float
) -> np.ndarray:
    """Append re-exported copies of eligible completes, then order rows by RecordedDate.

    Returns the row order; ``cols`` grows by the copies (a later RecordedDate for some).
    """
    n = len(kind)
    n_copies = sum(scaled(v, scale, _MIN_MESS) for v in design.duplicates.values())
    sources = np.flatnonzero(pick(rng, kind == KIND_CODES["eligible"], n_copies))
    rng.shuffle(sources)
    n_identical = scaled(design.duplicates["identical"], scale, _MIN_MESS)
    later = np.zeros(len(sources), bool)
    later[n_identical:] = True
    for name in cols:
        cols[name] = np.concatenate([cols[name], cols[name][sources]])
    cols["RecordedDate"][n:][later] += rng.integers(3600, 20 * 86400, int(later.sum()))
    return np.lexsort((np.arange(len(cols["RecordedDate"])), cols["ResponseId"].astype(str), cols["RecordedDate"]))
