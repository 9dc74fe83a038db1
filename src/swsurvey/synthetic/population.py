"""The generator's population of registered social workers, as raking margins.

The sample is deliberately unrepresentative: relative to the generator's population of
registered social workers (plausible invented numbers, written by :func:`population_margins`),
it over-represents women and respondents aged 40-49, by a different amount in each country, so
raking has real work to do. The population has three gender levels (the Q6 labels of codes
1-3); a respondent who self-described (Q6 == 4) belongs to "Non-binary / gender diverse" (see
:data:`MARGIN_LEVEL_CODES`), while "Prefer not to say" (99) and -99 have no population
counterpart: the weighting stage must impute them or leave them out of the gender margin
(about 1% of rows).

Each country's population size is its wave's design's; the shares here are every wave's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument
from swsurvey.synthetic.design import Design
from swsurvey.synthetic.questionnaire import check_questions, country_names
from swsurvey.synthetic.waves import design_of

#: The joint margin the population also gives (R's interaction naming, as the weighting stage
#: reads it: levels such as "Woman:Under 30"), consistent with the one-way margins.
JOINT_MARGIN = "gender:age_group"

#: The ``source`` column of the population margins.
MARGINS_SOURCE = "synthetic: the generator's population (not real figures)"

#: Which raw codes of Q6 / Q5 count towards each population level (for raking): a
#: self-described gender (Q6 == 4) belongs to "Non-binary / gender diverse"; 99 and -99 to none.
#: (2021 asks gender in Q7 with the same codes, and age as a year of birth: its age groups
#: are the recode's bands, with these labels. The invented 2024 revision adds code 5,
#: "Two-Spirit", to Q7: the margins keep the study's three weighting levels, and 5 belongs,
#: as the recode groups it, to "Non-binary / gender diverse".)
MARGIN_LEVEL_CODES: dict[str, dict[str, tuple[int, ...]]] = {
    "gender": {"Woman": (1,), "Man": (2,), "Non-binary / gender diverse": (3, 4, 5)},
    "age_group": {"Under 30": (1,), "30-39": (2,), "40-49": (3,), "50-59": (4,), "60 or older": (5,)},
}

#: The generator's population of registered social workers by country: gender, age group.
_POPULATION_GENDER = {
    1: (0.800, 0.190, 0.010),
    2: (0.820, 0.170, 0.010),
    3: (0.860, 0.135, 0.005),
    4: (0.790, 0.200, 0.010),
}
_POPULATION_AGE = {
    1: (0.15, 0.25, 0.23, 0.21, 0.16),
    2: (0.12, 0.22, 0.21, 0.22, 0.23),
    3: (0.17, 0.30, 0.25, 0.17, 0.11),
    4: (0.11, 0.24, 0.26, 0.25, 0.14),
}


def population_margins(instrument: Instrument, seed: int, wave: str | None = None) -> pd.DataFrame:
    """The generator's population of registered social workers as tidy raking margins.

    One row per country x variable (``gender``, ``age_group``) x level, with the count and
    share of the country's population, and the source and date of each figure (as every
    targets file of the weighting stage must give). The counts are a multinomial draw of each country's
    population size around fixed shares (from a stream of its own, so the wave's draws do
    not move them); the shares sum to one per country and variable. After them, the joint
    margin ``gender:age_group`` (levels ``Woman:Under 30`` ...), whose counts add up to the
    one-way margins exactly (:func:`joint_cells`, from a further stream of its own). ``wave``
    (default: the instrument's) picks the design, whose population and date they are.
    """
    design = design_of(instrument, wave)
    check_questions(instrument, design)
    check_margin_levels(instrument, design)
    rng = np.random.Generator(np.random.PCG64(seed).jumped())
    joint_rng = np.random.Generator(np.random.PCG64(seed).jumped(2))  # its own stream: the margins stay put
    rows, joint = [], []
    for code, name in country_names(instrument).items():
        size = design.population_size[code]
        drawn = {}
        for variable, shares in (("gender", _POPULATION_GENDER[code]), ("age_group", _POPULATION_AGE[code])):
            counts = rng.multinomial(size, np.asarray(shares) / sum(shares))
            drawn[variable] = counts
            for label, count in zip(MARGIN_LEVEL_CODES[variable], counts, strict=True):
                rows.append((name, variable, label, int(count), count / size, MARGINS_SOURCE, design.margins_date))
        cells = joint_cells(drawn["gender"], drawn["age_group"], joint_rng)
        for gender, by_age in zip(MARGIN_LEVEL_CODES["gender"], cells, strict=True):
            for age, count in zip(MARGIN_LEVEL_CODES["age_group"], by_age, strict=True):
                joint.append((name, JOINT_MARGIN, f"{gender}:{age}", int(count), count / size, MARGINS_SOURCE,
                              design.margins_date))
    return pd.DataFrame(
        rows + joint, columns=["country", "variable", "level", "population_count", "population_share", "source", "date"]
    ).astype({"country": "str", "variable": "str", "level": "str", "source": "str", "date": "str"})


def joint_cells(gender: np.ndarray, age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A country's gender x age-group counts with exactly the drawn margins: the population's
    ages dealt to the genders at random (gender and age independent within a country), each
    gender's ages a multivariate hypergeometric draw from the ages not yet dealt."""
    remaining = np.asarray(age, dtype=np.int64).copy()
    cells = []
    for count in gender[:-1]:
        cell = rng.multivariate_hypergeometric(remaining, int(count))
        cells.append(cell)
        remaining = remaining - cell
    cells.append(remaining)
    return np.vstack(cells)


def check_margin_levels(instrument: Instrument, design: Design) -> None:
    """Refuse an instrument whose labels are not the population margins' levels."""
    for variable, name in design.margin_sources.items():
        levels = MARGIN_LEVEL_CODES[variable]
        source = instrument[name]
        if [source.values.get(codes[0]) for codes in levels.values()] != list(levels):
            raise InputError("its labels are not the population margins' levels", variable=source.name)
