"""Every row's answers, section by section of the questionnaire, in the generator's column
names (2017's, plus the follow-up's new items; see :data:`~swsurvey.synthetic.follow_up.SOURCES_2021`).

The draws come in a fixed order from the wave's one generator: demographics, the item
non-response of every item, then the sections in survey order, the language, the free text and
the follow-up's new items.
"""

from __future__ import annotations

import numpy as np

from swsurvey.synthetic.boundaries import boundary_answers
from swsurvey.synthetic.demographics import demographic_columns, demographics
from swsurvey.synthetic.design import Design
from swsurvey.synthetic.follow_up import follow_up_items
from swsurvey.synthetic.free_text import free_text, user_language
from swsurvey.synthetic.ict_use import ict_use_answers
from swsurvey.synthetic.people import People
from swsurvey.synthetic.policy import policy_answers
from swsurvey.synthetic.sample import KIND_CODES


def answers(rng: np.random.Generator, design: Design, kind: np.ndarray, country: np.ndarray) -> dict[str, np.ndarray]:
    """All answers every row would give if it saw every question (masked afterwards).

    Columns are named as in 2017, plus the follow-up's new items (see
    :data:`~swsurvey.synthetic.follow_up.SOURCES_2021`).
    """
    n = len(kind)
    eligible = kind == KIND_CODES["eligible"]
    demo = demographics(rng, design, eligible, country)
    people = People(
        country=country,
        eligible=eligible,
        pooled=eligible & np.isin(country, (1, 2, 3)),
        age=demo["age_group"],
        years=demo["years"],
        setting=demo["setting"],
        pp=(demo["setting"] == 1).astype(float),
        psy=demo["services"][:, 0].astype(float),
        propensity=rng.gamma(0.5, 2.0, n),
        nonresponse=design.nonresponse,
    )
    nr = {item: people.skips(rng, item) for item in design.nonresponse if item != "Q12"}
    # Screening: every row passes here; screen-outs get their failing answer later.
    cols: dict[str, np.ndarray] = {"Q1": np.ones(n), "Q2": country.astype(float), "Q3": np.ones(n), "Q4": np.ones(n)}
    cols.update(demographic_columns(rng, design, demo, eligible, nr))
    use, ticks, intensity, social = ict_use_answers(rng, design, people, nr)
    cols.update(use)
    boundaries, ticks["Q19"] = boundary_answers(rng, people, nr, user=cols["Q11"] == 1, social=social)
    cols.update(boundaries)
    cols.update(policy_answers(rng, people, nr, user=cols["Q11"] == 1, intensity=intensity))
    ticks["Q10"] = demo["services"]
    for prefix, ticked in ticks.items():
        for j in range(ticked.shape[1]):
            cols[f"{prefix}_{j + 1}"] = np.where(nr[prefix], -99.0, np.where(ticked[:, j], 1.0, np.nan))
    for item in ("Q14", "Q15", "Q16", "Q17", "Q18", "Q20", "Q21", "Q22", "Q23", "Q24"):
        cols[item] = np.where(nr[item], -99.0, cols[item])
    cols["UserLanguage"] = user_language(rng, country, kind)
    cols.update(free_text(rng, kind, country, cols["UserLanguage"], cols))
    if design.follow_up:
        cols.update(follow_up_items(rng, design.wave_year, demo["age"], eligible, nr))
    return cols
