"""The generator's population (swsurvey.synthetic.population): the stored margins are its draw,
and the sample over-represents women and the middle-aged against it in every country."""

from __future__ import annotations

import numpy as np
import pandas as pd
from raw_wave import STORED_MARGINS, eligible, raw, wave  # noqa: F401 (fixtures)

from swsurvey.synthetic.population import JOINT_MARGIN, MARGIN_LEVEL_CODES, MARGINS_SOURCE, population_margins
from swsurvey.synthetic.waves import DEFAULT_SEED


def test_stored_margins_are_the_generators_population(repo_dir, instrument_2017):
    stored = pd.read_csv(repo_dir / STORED_MARGINS, dtype={"population_count": "int64"})
    expected = population_margins(instrument_2017, DEFAULT_SEED)
    assert list(stored.columns) == [
        "country", "variable", "level", "population_count", "population_share", "source", "date"
    ]
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    assert (stored["source"] == MARGINS_SOURCE).all() and (stored["date"] == "2017-06-01").all()
    sums = stored.groupby(["country", "variable"])["population_share"].sum()
    assert np.allclose(sums, 1.0, atol=1e-12) and len(sums) == 12
    levels = stored.groupby("variable")["level"].unique()
    assert list(levels["gender"]) == [instrument_2017["Q6"].values[c] for c in (1, 2, 3)]
    assert list(levels["age_group"]) == [instrument_2017["Q5"].values[c] for c in (1, 2, 3, 4, 5)]


def test_the_joint_gender_by_age_margin_adds_up_to_the_one_way_margins(repo_dir):
    """The joint rows (variable gender:age_group, levels Woman:Under 30 ...) come after the
    one-way rows, and their counts add up to them exactly in every country."""
    stored = pd.read_csv(repo_dir / STORED_MARGINS)
    assert stored["variable"].drop_duplicates().tolist() == ["gender", "age_group", JOINT_MARGIN]
    joint = stored[stored["variable"] == JOINT_MARGIN]
    assert joint.index.min() > stored[stored["variable"] != JOINT_MARGIN].index.max()
    parts = joint["level"].str.split(":", expand=True)
    one_way = stored.set_index(["country", "variable", "level"])["population_count"]
    for position, variable in enumerate(("gender", "age_group")):
        sums = joint.groupby([joint["country"], parts[position]])["population_count"].sum()
        for (country, level), total in sums.items():
            assert one_way[(country, variable, level)] == total, (country, variable, level)
    assert len(joint) == 4 * 3 * 5


def test_sample_over_represents_women_and_middle_age_in_every_country(eligible, instrument_2017):
    margins = population_margins(instrument_2017, DEFAULT_SEED)
    for code, country in ((1, "Canada"), (2, "United States"), (3, "Israel"), (4, "United Kingdom")):
        here = eligible[eligible["Q2"] == code]
        population = margins[margins["country"] == country].set_index(["variable", "level"])["population_share"]
        gaps = {}
        for variable, source in (("gender", "Q6"), ("age_group", "Q5")):
            valid = here[source].isin([c for codes in MARGIN_LEVEL_CODES[variable].values() for c in codes])
            for level, codes in MARGIN_LEVEL_CODES[variable].items():
                sample = float(here.loc[valid, source].isin(codes).mean())
                gaps[(variable, level)] = 100 * (sample - population[(variable, level)])
        assert gaps[("gender", "Woman")] >= 4.0, (country, gaps)
        assert max(abs(g) for (v, _), g in gaps.items() if v == "age_group") >= 4.0, (country, gaps)
