"""What the generator does differently from one wave to the next (:class:`Design`), and the
2017 wave's design (:data:`DESIGN_2017`): the settings of the sample that a later wave shifts.

The settings that stay the same from wave to wave live with the draws that use them (the
sample's composition in :mod:`~swsurvey.synthetic.demographics`, policy shares in
:mod:`~swsurvey.synthetic.policy`, and so on); the 2021 follow-up's design is
:mod:`~swsurvey.synthetic.follow_up`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from swsurvey.synthetic.calibration import ANY_USE, OUTSIDE_HOURS

#: The date the synthetic population figures refer to: the 2017 wave's fieldwork.
MARGINS_DATE = "2017-06-01"
#: The coded question whose labels are each population margin's levels (2017's questionnaire).
_MARGIN_SOURCE = {"gender": "Q6", "age_group": "Q5"}
#: The creation date pinned in the .sav header (ReadStat would write the clock's).
_CREATION_DATE = b"01 Jun 17"

#: Extra rows at full scale on top of the eligible completes: a listserv-recruited survey
#: with about 11% break-off and a few percent screened out.
_EXTRA_ROWS: dict[str, int] = {
    "no_consent": 64,
    "other_country": 47,
    "not_registered": 118,
    "no_contact": 153,
    "preview": 14,
    "test": 22,
    "spam": 7,
    "unfinished": 560,
}
_DUPLICATES = {"identical": 17, "later": 13}
#: Eligible completes that came in by the offline app (16) or as imported paper forms (4).
_REAL_NONWEB_STATUS = {16: 24, 4: 9}

#: The generator's population of registered social workers: each country's size (its
#: composition is :mod:`~swsurvey.synthetic.population`'s).
_POPULATION_SIZE = {1: 52_000, 2: 450_000, 3: 24_000, 4: 118_000}

#: Q9 setting (private practice, hospital, agency, child welfare, school, government, other).
_SETTING = {
    1: (0.17, 0.21, 0.22, 0.10, 0.08, 0.13, 0.09),
    2: (0.26, 0.22, 0.18, 0.08, 0.10, 0.08, 0.08),
    3: (0.07, 0.20, 0.20, 0.12, 0.08, 0.27, 0.06),
    4: (0.05, 0.20, 0.15, 0.30, 0.03, 0.20, 0.07),
}
#: Q10 services ticked, by setting (rows) and service (columns Q10_1..Q10_6).
_SERVICES = np.array(
    [
        [0.92, 0.15, 0.60, 0.20, 0.15, 0.07],
        [0.45, 0.65, 0.75, 0.45, 0.25, 0.06],
        [0.55, 0.60, 0.70, 0.30, 0.50, 0.07],
        [0.25, 0.80, 0.75, 0.40, 0.30, 0.06],
        [0.60, 0.35, 0.65, 0.30, 0.30, 0.08],
        [0.30, 0.60, 0.70, 0.25, 0.35, 0.08],
        [0.45, 0.40, 0.55, 0.25, 0.35, 0.20],
    ]
)

#: Q12 channel frequencies (Never .. Daily) among users: email and text lead.
_FREQUENCY = {
    "Q12_1": (0.10, 0.20, 0.22, 0.32, 0.16),
    "Q12_2": (0.20, 0.16, 0.17, 0.28, 0.19),
    "Q12_3": (0.86, 0.08, 0.035, 0.018, 0.007),
    "Q12_4": (0.72, 0.14, 0.08, 0.045, 0.015),
    "Q12_5": (0.70, 0.12, 0.08, 0.07, 0.03),
}
#: Israelis text clients over WhatsApp (instant messaging) far more than SMS.
_CHANNEL_SHIFT_ISRAEL = {"Q12_1": 0.0, "Q12_2": -0.3, "Q12_3": 0.3, "Q12_4": 0.0, "Q12_5": 1.6}

#: Base rate of -99 per item (per checkbox set), before the respondent's propensity.
_NONRESPONSE = {
    "Q5": 0.003,
    "Q6": 0.003,
    "Q7": 0.003,
    "Q8": 0.006,
    "Q9": 0.006,
    "Q10": 0.005,
    "Q12": 0.010,
    "Q13": 0.012,
    "Q14": 0.020,
    "Q15": 0.020,
    "Q16": 0.022,
    "Q17": 0.028,
    "Q18": 0.035,
    "Q19": 0.008,
    "Q20": 0.014,
    "Q21": 0.025,
    "Q22": 0.032,
    "Q23": 0.032,
    "Q24": 0.030,
}

_WAVE_YEAR = 2017.0  # a year typed into Q7 is this minus the years of practice

#: Fielding windows (first day, last day) by country; previews and tests came before launch.
_FIELD_WINDOW = {
    1: ("2017-03-06", "2017-06-30"),
    2: ("2017-04-03", "2017-07-28"),
    3: ("2017-05-01", "2017-08-31"),
    4: ("2017-06-05", "2017-08-31"),
    5: ("2017-03-06", "2017-08-31"),
}
_PRE_LAUNCH = ("2017-02-13", "2017-03-03")


@dataclass(frozen=True)
class Design:
    """What the generator does differently from one wave to the next.

    The generator thinks in the 2017 questionnaire: it draws every answer under its 2017
    variable name (the few items new since then under names of their own) and, for a
    renumbered instrument, then lays the columns out under the instrument's names
    (:func:`~swsurvey.synthetic.questionnaire.lay_out`). Pages, scales and number widths follow
    each question's generator column (:func:`~swsurvey.synthetic.questionnaire.generator_column`),
    so they need no restating for a renumbered wave.
    """

    wave_year: float  # a year typed into years of practice is this minus the years
    extra_rows: dict[str, int]
    duplicates: dict[str, int]
    nonweb_status: dict[int, int]
    population_size: dict[int, int]
    setting: dict[int, tuple[float, ...]]
    services: np.ndarray
    any_use: dict[int, float]
    outside_hours: float
    frequency: dict[str, tuple[float, ...]]
    channel_shift_israel: dict[str, float]
    nonresponse: dict[str, float]
    field_window: dict[int, tuple[str, str]]
    pre_launch: tuple[str, str]
    creation_date: bytes
    margins_date: str
    #: The coded question whose labels are each population margin's levels.
    margin_sources: dict[str, str]
    #: The SPSS document lines after the first (which names the seed).
    note: tuple[str, ...]
    #: None: the instrument uses the generator's names. Else the generator column of each
    #: question not found by its ``was:`` (new questions, changed formats); a question mapped
    #: to None has no generator column (a revised wave's new question, drawn generically).
    sources: dict[str, str | None] | None = None
    #: Draw the follow-up's new items (2017 participation, year of birth).
    follow_up: bool = False
    #: The wave whose design this is (a design shifted to a later wave names that wave).
    wave: str = "2017"
    #: For a revised wave: the code frame each coded question's generator column is in (the
    #: frame of the question it comes from), mapped onto the question's own frame by label.
    frames: dict[str, dict[int, str]] | None = None


#: The 2017 wave: the module's settings, calibrated to the published figures.
DESIGN_2017 = Design(
    wave_year=_WAVE_YEAR,
    extra_rows=_EXTRA_ROWS,
    duplicates=_DUPLICATES,
    nonweb_status=_REAL_NONWEB_STATUS,
    population_size=_POPULATION_SIZE,
    setting=_SETTING,
    services=_SERVICES,
    any_use=ANY_USE,
    outside_hours=OUTSIDE_HOURS,
    frequency=_FREQUENCY,
    channel_shift_israel=_CHANNEL_SHIFT_ISRAEL,
    nonresponse=_NONRESPONSE,
    field_window=_FIELD_WINDOW,
    pre_launch=_PRE_LAUNCH,
    creation_date=_CREATION_DATE,
    margins_date=MARGINS_DATE,
    margin_sources=_MARGIN_SOURCE,
    note=("a stand-in for the confidential #socialwork microdata,", "calibrated to published figures."),
)
