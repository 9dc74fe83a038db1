"""The questionnaire as the generator sees it: which generator column fills each of the
instrument's variables, the pages an unfinished response stops after, and the skip logic.

The generator fills variables by name, so an instrument with a variable it does not know is
refused (:func:`check_questions`).
"""

from __future__ import annotations

import numpy as np

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument, Variable
from swsurvey.synthetic.design import Design

_UNKNOWN_VARIABLE = "the synthetic generator does not know how to fill this variable"
#: The Qualtrics metadata columns the generator fills.
# fmt: off
_METADATA = (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration__in_seconds_", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
)
# fmt: on

#: The questionnaire's pages: an unfinished response stops after one of them. Names are the
#: generator's (2017's, and the 2021 follow-up's new items, which 2021 asks on the same pages).
PAGES: tuple[tuple[str, ...], ...] = (
    ("Q1",),
    ("Q2",),
    ("Q3",),
    ("Q4",),
    ("Q5", "Q6", "Q6_4_TEXT", "Q7", "Q8", "took_part_2017", "birth_year"),
    ("Q9", "Q9_7_TEXT", "Q10_"),
    ("Q11",),
    ("Q12_", "Q13_", "Q14", "Q15", "Q16"),
    ("Q17", "Q18", "Q19_", "Q20"),
    ("Q21", "Q22", "Q23", "Q24", "Q25"),
)


def country_names(instrument: Instrument) -> dict[int, str]:
    """Q2 codes 1-4 and their labels: the four study countries."""
    return {code: instrument["Q2"].values[code] for code in (1, 2, 3, 4)}


def check_questions(instrument: Instrument, design: Design) -> None:
    """Refuse an instrument the generator was not written for (it fills variables by name)."""
    for var in instrument.variables:
        if var.metadata and var.name not in _METADATA:
            raise InputError(_UNKNOWN_VARIABLE, variable=var.name)
        if not var.metadata:
            source = generator_column(var, design)
            if source is None:
                raise InputError(_UNKNOWN_VARIABLE + " (a new question)", variable=var.name)
            _page_of(source)


def _page_of(name: str) -> int:
    """The page a generator column is on (``Q10_`` stands for every item of Q10)."""
    for page, names in enumerate(PAGES):
        if name in names or any(p.endswith("_") and name.startswith(p) for p in names):
            return page
    raise InputError(_UNKNOWN_VARIABLE, variable=name)


def lay_out(instrument: Instrument, design: Design, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The generator's columns under the instrument's question names (a renumbered wave).

    A question comes from the column its design names (new questions, changed formats), else
    from its 2017 name (``was:``); columns no question takes (2017's age bands in 2021) go.
    """
    if design.sources is None:
        return cols
    out = {}
    for var in instrument.variables:
        if not var.metadata:
            source = generator_column(var, design)
            if source not in cols:
                raise InputError(_UNKNOWN_VARIABLE, variable=var.name, value=source)
            out[var.name] = cols[source]
    out["UserLanguage"] = cols["UserLanguage"]
    return out


def generator_column(var: Variable, design: Design) -> str | None:
    """The generator column behind a variable: its own name, unless the wave renames questions."""
    if var.metadata or design.sources is None:
        return var.name
    return design.sources.get(var.name, var.was)


def question_pages(instrument: Instrument, design: Design) -> dict[str, int]:
    """The page each question of the instrument is on (its generator column's)."""
    return {var.name: _page_of(generator_column(var, design)) for var in instrument.variables if not var.metadata}


def apply_skip_logic(instrument: Instrument, cols: dict[str, np.ndarray]) -> None:
    """Blank every question whose ``asked_if`` is false, straight from the instrument."""
    for var in instrument.variables:
        if var.asked_if is not None:
            source, code = var.asked_if
            values = cols[var.name]
            values[cols[source] != code] = "" if values.dtype == object else np.nan
