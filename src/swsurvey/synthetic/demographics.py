"""Sections 1 and 2 of the questionnaire: who the respondents are (age, years of practice,
gender, degree) and where they work (setting and services), and the answers as reported.

The sample's composition by country is fixed here; the reported answers carry ``99``
(prefer not to say) on age and gender and typos in the typed years of practice Q7: 0.6% of
eligible rows typed a year (``2017 - years``, e.g. 1998) and 0.35% a stray extra digit
(``25 -> 250``), both outside the valid 0-60 range. An empty Q7 is ``-99`` too, so -99 is
declared user-missing on Q7 as well as on every coded question.
"""

from __future__ import annotations

import numpy as np

from swsurvey.synthetic.design import Design
from swsurvey.synthetic.draws import by_code, categories, exact_categories, pick, scaled

#: Sample composition by country (Q2 code): true gender Woman, Man, Non-binary, Self-describe.
_SAMPLE_GENDER = {
    1: (0.875, 0.105, 0.014, 0.006),
    2: (0.895, 0.090, 0.010, 0.005),
    3: (0.925, 0.070, 0.003, 0.002),
    4: (0.865, 0.120, 0.010, 0.005),
}
#: Sample age groups (Under 30 .. 60+): middle-aged respondents answer listserv surveys most.
_SAMPLE_AGE = {
    1: (0.09, 0.24, 0.30, 0.25, 0.12),
    2: (0.08, 0.21, 0.28, 0.26, 0.17),
    3: (0.10, 0.31, 0.32, 0.19, 0.08),
    4: (0.06, 0.21, 0.33, 0.28, 0.12),
}

#: Q8 degree (BSW, MSW, Doctorate, Other) by country; the UK's "Other" is the DipSW era.
_DEGREE = {
    1: (0.22, 0.70, 0.05, 0.03),
    2: (0.10, 0.83, 0.05, 0.02),
    3: (0.52, 0.42, 0.04, 0.02),
    4: (0.35, 0.40, 0.02, 0.23),
}

_PREFER_NOT_AGE = 0.012
_PREFER_NOT_GENDER = 0.008

_Q7_YEAR_TYPO = 0.006
_Q7_DIGIT_TYPO = 0.0035


def demographics(
    rng: np.random.Generator, design: Design, eligible: np.ndarray, country: np.ndarray
) -> dict[str, np.ndarray]:
    """True age group, age, years of practice, gender, degree, setting and services.

    Eligible rows get each country's sample composition exactly (so the gap to the
    population margins is the designed one); other rows draw from the same shares.
    """
    n = len(country)
    age = np.zeros(n, int)
    gender = np.zeros(n, int)
    for code in (1, 2, 3, 4, 5):
        c = 1 if code == 5 else code  # other-country respondents look Canadian
        for out, shares in ((age, _SAMPLE_AGE[c]), (gender, _SAMPLE_GENDER[c])):
            here = eligible & (country == code)
            out[here] = 1 + exact_categories(rng, shares, int(here.sum()))
            rest = ~eligible & (country == code)
            out[rest] = 1 + rng.choice(len(shares), size=int(rest.sum()), p=shares)
    lower = np.array([23, 30, 40, 50, 60])[age - 1]
    span = np.array([7, 10, 10, 10, 1])[age - 1]
    years_old = np.where(age == 5, np.minimum(rng.exponential(5.0, n), 17.0), 0.0)
    age_years = lower + np.floor(rng.random(n) * span + years_old)
    start = 22.0 + rng.gamma(1.3, 3.5, n)
    gap = np.where(rng.random(n) < 0.3, rng.uniform(0, 8, n), 0.0)
    years = np.clip(np.floor(age_years - start - gap), 0, 55)
    c4 = np.where(country == 5, 1, country)
    degree = 1 + categories(rng, by_code(_DEGREE, c4))
    setting_p = by_code(design.setting, c4)
    # Private practice is a later-career move.
    setting_p[:, 0] *= np.exp(0.35 * (age - 3))
    setting = 1 + categories(rng, setting_p)
    services = rng.random((n, design.services.shape[1])) < design.services[setting - 1]
    services[~services.any(axis=1), 2] = True
    return {
        "age_group": age,
        "age": age_years,
        "years": years,
        "gender": gender,
        "degree": degree,
        "setting": setting,
        "services": services,
    }


def demographic_columns(
    rng: np.random.Generator,
    design: Design,
    demo: dict[str, np.ndarray],
    eligible: np.ndarray,
    nr: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Q5-Q9 as reported: with -99, prefer-not-to-say and mistyped years of practice."""
    n = len(eligible)
    n_elig = int(eligible.sum())
    out = {}
    for item, true, rate in (("Q5", demo["age_group"], _PREFER_NOT_AGE), ("Q6", demo["gender"], _PREFER_NOT_GENDER)):
        prefer_not = pick(rng, eligible & ~nr[item], scaled(n_elig * rate, 1.0, 2))
        prefer_not |= ~eligible & (rng.random(n) < rate)
        out[item] = np.where(nr[item], -99.0, np.where(prefer_not, 99.0, true.astype(float)))
    years = demo["years"].astype(float)
    year_typo = pick(rng, eligible, scaled(n_elig * _Q7_YEAR_TYPO, 1.0, 2))
    digit_typo = pick(rng, eligible & ~year_typo & (years >= 7), scaled(n_elig * _Q7_DIGIT_TYPO, 1.0, 2))
    q7 = np.where(year_typo, design.wave_year - years, years)
    q7 = np.where(digit_typo, years * 10 + rng.integers(0, 10, n), q7)
    # A typed number left empty is exported as -99 too (the recode spec reads it so).
    out["Q7"] = np.where(nr["Q7"] & ~year_typo & ~digit_typo, -99.0, q7)
    out["Q8"] = np.where(nr["Q8"], -99.0, demo["degree"].astype(float))
    out["Q9"] = np.where(nr["Q9"], -99.0, demo["setting"].astype(float))
    return out
