"""The questionnaire as the generator sees it: which generator column fills each of the
instrument's variables, the pages an unfinished response stops after, and the skip logic.

The generator fills a question from one of its own columns (:func:`generator_column`): by its
name, or by the design's renaming of a revised wave. A question it cannot trace (new, without a
``was:``) is drawn generically from its instrument entry (:mod:`~swsurvey.synthetic.new_items`,
in the way :func:`untraced_kind` says), on the page of its section's questions; one it cannot
draw even so (a typed number of unknown range, a date) is refused (:func:`check_questions`).
"""

from __future__ import annotations

import re

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


#: Items of the generator's checkbox sets that the design does not size: Q13 purposes, Q19 reasons.
_CHECKBOX_ITEMS = {"Q13_": 6, "Q19_": 4}
#: A typed number's range in its note: "valid 0-60", "plausible 1939-2003".
_NOTE_RANGE = re.compile(r"\b(?:valid|plausible)\s+(-?\d+)\s*-\s*(-?\d+)")
#: A choice's text field, as Qualtrics names it: ``Q10_8_TEXT`` is the text of choice 8 of Q10.
_CHOICE_TEXT = re.compile(r"^(\w+?)_(\d+)_TEXT$")


def generator_columns(design: Design) -> set[str]:
    """Every column the generator draws for a wave of this design (its own names)."""
    columns = {name for page in PAGES for name in page if not name.endswith("_")}
    if not design.follow_up:
        columns -= {"took_part_2017", "birth_year"}
    columns |= {f"Q10_{j + 1}" for j in range(design.services.shape[1])} | set(design.frequency)
    columns |= {f"{prefix}{j + 1}" for prefix, n in _CHECKBOX_ITEMS.items() for j in range(n)}
    return columns


def note_range(var: Variable) -> tuple[float, float] | None:
    """A typed number's range: its ``range:``, else the one its note states, else None."""
    if var.value_range:
        return var.value_range
    match = _NOTE_RANGE.search(var.note or "")
    return (float(match.group(1)), float(match.group(2))) if match else None


def choice_of_text(instrument: Instrument, var: Variable) -> tuple[str, int] | None:
    """The question and code whose choice shows a ``_TEXT`` field (``Q10_8_TEXT``: Q10 == 8),
    or a checkbox item (``Q11_6_TEXT``: Q11_6 == 1); None for text shown to everyone."""
    match = _CHOICE_TEXT.match(var.name)
    if not match:
        return None
    question, code = match.group(1), int(match.group(2))
    if question in instrument.by_name and code in instrument[question].values:
        return question, code
    item = f"{question}_{code}"
    if item in instrument.by_name and instrument[item].checkbox:
        return item, 1
    return None


def siblings(instrument: Instrument, var: Variable) -> list[Variable]:
    """The other rows of a grid (same stem, same code frame) or items of a checkbox set."""
    stem = var.name.rsplit("_", 1)[0]
    if stem == var.name:
        return []
    return [
        other
        for other in instrument.variables
        if other.name != var.name
        and not other.metadata
        and other.name.rsplit("_", 1)[0] == stem
        and other.checkbox == var.checkbox
        and other.values == var.values
        and other.kind == var.kind
        and not other.name.endswith("_TEXT")
    ]


def untraced_kind(instrument: Instrument, var: Variable) -> str:
    """How a question the generator cannot trace is drawn: ``checkbox`` (like its set's other
    items), ``grid`` (like the grid's other rows), ``coded`` (from its code frame), ``number``
    (in its range), ``text`` (like the other free-text fields); a typed number of unknown range
    or a date is refused."""
    if var.kind == "string":
        return "text"
    if var.kind == "datetime":
        raise InputError("the synthetic generator cannot draw a new date question", variable=var.name)
    if var.checkbox:
        return "checkbox"
    if var.values:
        return "grid" if siblings(instrument, var) else "coded"
    if note_range(var) is None:
        raise InputError(
            "the synthetic generator cannot draw this new typed number: its range is unknown "
            "(give it range: [low, high], or a note saying 'valid LOW-HIGH')",
            file=instrument.path,
            variable=var.name,
        )
    return "number"


def country_names(instrument: Instrument) -> dict[int, str]:
    """Q2 codes 1-4 and their labels: the four study countries."""
    return {code: instrument["Q2"].values[code] for code in (1, 2, 3, 4)}


def check_questions(instrument: Instrument, design: Design) -> None:
    """Refuse an instrument the generator cannot fill: a metadata column it does not know, or a
    new question it cannot draw (:func:`untraced_kind`) or place on a page."""
    for var in instrument.variables:
        if var.metadata and var.name not in _METADATA:
            raise InputError(_UNKNOWN_VARIABLE, variable=var.name)
        if not var.metadata and generator_column(var, design) is None:
            untraced_kind(instrument, var)
    question_pages(instrument, design)


def _page_of(name: str) -> int:
    """The page a generator column is on (``Q10_`` stands for every item of Q10)."""
    for page, names in enumerate(PAGES):
        if name in names or any(p.endswith("_") and name.startswith(p) for p in names):
            return page
    raise InputError(_UNKNOWN_VARIABLE, variable=name)


def lay_out(instrument: Instrument, design: Design, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The generator's columns under the instrument's question names (a renumbered wave).

    A question comes from the column its design names (new questions, changed formats), else
    from its 2017 name (``was:``); columns no question takes (2017's age bands in 2021) go,
    and so do the questions the generator cannot trace (drawn afterwards, generically).
    """
    if design.sources is None and all(
        generator_column(var, design) is not None for var in instrument.variables if not var.metadata
    ):
        return cols
    out = {}
    for var in instrument.variables:
        if not var.metadata:
            source = generator_column(var, design)
            if source is None:
                continue
            if source not in cols:
                raise InputError(_UNKNOWN_VARIABLE, variable=var.name, value=source)
            # A copy when one column fills two questions: the masks write in place.
            out[var.name] = cols[source].copy() if any(cols[source] is v for v in out.values()) else cols[source]
    out["UserLanguage"] = cols["UserLanguage"]
    return out


def generator_column(var: Variable, design: Design) -> str | None:
    """The generator column behind a variable: its own name, unless the wave renames questions;
    None for a question the generator cannot trace (drawn generically)."""
    if var.metadata:
        return var.name
    source = var.name if design.sources is None else design.sources.get(var.name, var.was)
    return source if source in generator_columns(design) else None


def question_pages(instrument: Instrument, design: Design) -> dict[str, int]:
    """The page each question of the instrument is on: its generator column's, or for a question
    the generator cannot trace, the page of the nearest question of its section before it
    (after it, for the first of a section)."""
    questions = [var for var in instrument.variables if not var.metadata]
    traced = {}
    for var in questions:
        source = generator_column(var, design)
        if source is not None:
            traced[var.name] = _page_of(source)
    pages = {}
    for i, var in enumerate(questions):
        if var.name in traced:
            pages[var.name] = traced[var.name]
            continue
        before = [q.name for q in reversed(questions[:i]) if q.section == var.section and q.name in traced]
        after = [q.name for q in questions[i + 1 :] if q.section == var.section and q.name in traced]
        near = before or after
        if not near:
            raise InputError(
                f"the synthetic generator cannot place this new question: no question of its section "
                f"{var.section!r} is one it knows",
                file=instrument.path,
                variable=var.name,
            )
        pages[var.name] = traced[near[0]]
    return pages


def apply_skip_logic(instrument: Instrument, cols: dict[str, np.ndarray]) -> None:
    """Blank every question whose ``asked_if`` is false, straight from the instrument."""
    for var in instrument.variables:
        if var.asked_if is not None:
            source, code = var.asked_if
            values = cols[var.name]
            values[cols[source] != code] = "" if values.dtype == object else np.nan
