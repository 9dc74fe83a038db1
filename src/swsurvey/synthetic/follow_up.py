"""The 2021 follow-up: an invented wave (nothing about it is published).

Its design (:data:`DESIGN_2021`) is 2017's with shifted settings: a smaller sample, more
informal ICT use, much more video, an online practice setting. It draws its people with the
same machinery, in the 2017 variable names, plus its new items (:func:`follow_up_items`:
taking part in 2017, the typed year of birth with its typos); the video-conferencing row is
the frequency grid's ``Q12_6``. :func:`~swsurvey.synthetic.questionnaire.lay_out` then renames
the columns to the revised questionnaire's numbers by each question's ``was:``, or by
:data:`SOURCES_2021` for the questions it draws anew.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from swsurvey.synthetic.design import DESIGN_2017
from swsurvey.synthetic.draws import pick, scaled

#: The follow-up's eligible completes relative to 2017's (2,668 of 4,354).
_FOLLOW_UP_SIZE = 0.61
#: Extra rows at full scale: screen-outs, previews, tests and re-exports at 2017's rate per
#: eligible complete; more break-off (survey fatigue in the pandemic's second year) and more
#: spam bots; hardly any paper forms.
_EXTRA_ROWS_2021 = {kind: round(n * _FOLLOW_UP_SIZE) for kind, n in DESIGN_2017.extra_rows.items()} | {
    "spam": 12,
    "unfinished": 395,
}
_DUPLICATES_2021 = {kind: round(n * _FOLLOW_UP_SIZE) for kind, n in DESIGN_2017.duplicates.items()}
_REAL_NONWEB_STATUS_2021 = {16: round(DESIGN_2017.nonweb_status[16] * _FOLLOW_UP_SIZE), 4: 2}
#: The registered population, four years on.
_POPULATION_SIZE_2021 = {1: 55_500, 2: 472_000, 3: 26_500, 4: 121_000}
#: Q10 setting: "Virtual / online practice" (code 8, new in 2021) takes these shares by
#: country, the 2017 settings sharing the rest in their 2017 proportions.
_VIRTUAL_SHARE = {1: 0.05, 2: 0.06, 3: 0.02, 4: 0.03}
_SETTING_2021 = {c: (*(np.asarray(DESIGN_2017.setting[c]) * (1.0 - v)), v) for c, v in _VIRTUAL_SHARE.items()}
#: Services of an online service: mostly counselling.
_SERVICES_2021 = np.vstack([DESIGN_2017.services, [0.90, 0.20, 0.60, 0.25, 0.10, 0.06]])
#: More informal ICT use after the pandemic moved practice online, in every country.
_ANY_USE_2021 = {1: 0.905, 2: 0.912, 3: 0.872, 4: 0.893}
_OUTSIDE_HOURS_2021 = 0.69
#: Channel frequencies among users: more of every channel, much more video. Q12_6 is the new
#: video-conferencing row (2021's Q13_6); "video calls" now means calls from phone apps only.
_FREQUENCY_2021 = {
    "Q12_1": (0.06, 0.14, 0.20, 0.36, 0.24),
    "Q12_2": (0.14, 0.13, 0.16, 0.31, 0.26),
    "Q12_3": (0.82, 0.09, 0.05, 0.03, 0.01),
    "Q12_4": (0.38, 0.19, 0.16, 0.18, 0.09),
    "Q12_5": (0.58, 0.14, 0.11, 0.11, 0.06),
    "Q12_6": (0.11, 0.09, 0.14, 0.39, 0.27),
}
#: The new items' -99 rates: the 2017 participation question and the typed year of birth.
_NONRESPONSE_2021 = {**DESIGN_2017.nonresponse, "took_part_2017": 0.004, "birth_year": 0.006}
#: "Did you take part in the 2017 survey?": Yes, No, Not sure.
_TOOK_PART_2017 = (0.24, 0.64, 0.12)
#: Typos in the typed year of birth, per eligible complete: a two-digit year (78), a stray
#: extra digit (19788), the survey year typed (2021).
_BIRTH_YEAR_TWO_DIGIT = 0.009
_BIRTH_YEAR_EXTRA_DIGIT = 0.003
_BIRTH_YEAR_THIS_YEAR = 0.0015
#: The follow-up was fielded on 2017's calendar, four years on.
_FIELD_WINDOW_2021 = {
    c: tuple(day.replace("2017", "2021") for day in days) for c, days in DESIGN_2017.field_window.items()
}
#: Where the generator's columns go in 2021 when not by the instrument's ``was:``: the
#: questions it draws anew (participation in 2017, year of birth) and the new grid row.
SOURCES_2021 = {"Q5": "took_part_2017", "Q6": "birth_year", "Q13_6": "Q12_6"}

DESIGN_2021 = dataclasses.replace(
    DESIGN_2017,
    wave_year=2021.0,
    extra_rows=_EXTRA_ROWS_2021,
    duplicates=_DUPLICATES_2021,
    nonweb_status=_REAL_NONWEB_STATUS_2021,
    population_size=_POPULATION_SIZE_2021,
    setting=_SETTING_2021,
    services=_SERVICES_2021,
    any_use=_ANY_USE_2021,
    outside_hours=_OUTSIDE_HOURS_2021,
    frequency=_FREQUENCY_2021,
    channel_shift_israel={**DESIGN_2017.channel_shift_israel, "Q12_6": 0.0},
    nonresponse=_NONRESPONSE_2021,
    field_window=_FIELD_WINDOW_2021,
    pre_launch=tuple(day.replace("2017", "2021") for day in DESIGN_2017.pre_launch),
    creation_date=b"01 Jun 21",
    margins_date="2021-06-01",
    margin_sources={"gender": "Q7"},
    note=(
        "a stand-in for an invented 2021 follow-up of the #socialwork survey,",
        "calibrated to 2017's published figures, with invented 2021 shifts.",
    ),
    sources=SOURCES_2021,
    follow_up=True,
    wave="2021",
)


def follow_up_items(
    rng: np.random.Generator, wave_year: float, age: np.ndarray, eligible: np.ndarray, nr: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The 2021 follow-up's new items: taking part in 2017, and the typed year of birth.

    The year of birth is ``wave_year - age`` (so the recode's age bands give the true age
    group), with -99 for an empty field and, among eligible completes, typos at fixed rates:
    a two-digit year (1978 -> 78), a stray extra digit (19788), the survey year (2021).
    """
    n, n_elig = len(eligible), int(eligible.sum())
    took_part = 1.0 + rng.choice(len(_TOOK_PART_2017), size=n, p=_TOOK_PART_2017)
    year = wave_year - age
    typed = eligible & ~nr["birth_year"]
    two_digit = pick(rng, typed, scaled(n_elig * _BIRTH_YEAR_TWO_DIGIT, 1.0, 2))
    extra_digit = pick(rng, typed & ~two_digit, scaled(n_elig * _BIRTH_YEAR_EXTRA_DIGIT, 1.0, 2))
    this_year = pick(rng, typed & ~two_digit & ~extra_digit, scaled(n_elig * _BIRTH_YEAR_THIS_YEAR, 1.0, 1))
    typo = np.where(two_digit, year % 100, np.where(extra_digit, year * 10 + rng.integers(0, 10, n), year))
    typo = np.where(this_year, wave_year, typo)
    return {
        "took_part_2017": np.where(nr["took_part_2017"], -99.0, took_part),
        "birth_year": np.where(nr["birth_year"], -99.0, typo),
    }
