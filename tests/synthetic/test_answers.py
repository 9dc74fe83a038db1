"""The answers, section by section (swsurvey.synthetic.answers and the section modules): the
directions the publications report, on the default wave's eligible completes."""

from __future__ import annotations

from raw_wave import CHANNELS, eligible, raw, rate, wave, weekly  # noqa: F401 (fixtures)


def test_under_30s_use_less_than_every_older_group(eligible):
    young = eligible[eligible["Q5"] == 1]
    for group in (2, 3, 4, 5):
        older = eligible[eligible["Q5"] == group]
        assert rate(young["Q11"] == 1) + 3 < rate(older["Q11"] == 1), group
        assert rate(weekly(young)) + 3 < rate(weekly(older)), group
        assert rate(weekly(young[young["Q11"] == 1])) < rate(weekly(older[older["Q11"] == 1])), group


def test_older_and_more_experienced_are_among_the_highest_users(eligible):
    by_age = {g: rate(eligible.loc[eligible["Q5"] == g, "Q11"] == 1) for g in (1, 2, 3, 4, 5)}
    assert by_age[5] >= max(by_age.values()) - 3.0, by_age
    years = eligible["Q7"].where(eligible["Q7"].between(0, 60))
    low, high = years.quantile([0.25, 0.75])
    assert rate(eligible.loc[years >= high, "Q11"] == 1) > rate(eligible.loc[years <= low, "Q11"] == 1) + 5


def test_private_practice_and_psychotherapy_use_more(eligible):
    private = eligible["Q9"] == 1
    other_setting = eligible["Q9"].between(2, 7)
    assert rate(eligible.loc[private, "Q11"] == 1) > rate(eligible.loc[other_setting, "Q11"] == 1) + 5
    answered = eligible["Q10_1"] != -99
    psychotherapy = eligible["Q10_1"] == 1
    assert rate(eligible.loc[psychotherapy, "Q11"] == 1) > rate(eligible.loc[answered & ~psychotherapy, "Q11"] == 1) + 5


def test_any_use_is_similar_across_countries(eligible):
    by_country = eligible.groupby("Q2")["Q11"].apply(lambda s: rate(s == 1))
    assert len(by_country) == 4 and by_country.max() - by_country.min() <= 6.0, by_country.to_dict()


def test_channels_email_and_text_lead_social_media_rare(eligible):
    users = eligible[eligible["Q11"] == 1]
    weekly_share = {c: rate(users[c].isin([4, 5])) for c in CHANNELS}
    assert min(weekly_share["Q12_1"], weekly_share["Q12_2"]) > max(weekly_share[c] for c in CHANNELS[2:])
    assert rate(users["Q12_3"] == 1) > 75  # social media: mostly never
    assert 50 < rate(weekly(users)) < 85  # weekly use of some channel is common among users


def test_years_of_practice_rise_with_age(eligible):
    years = eligible["Q7"].where(eligible["Q7"].between(0, 60))
    medians = [years[eligible["Q5"] == g].median() for g in (1, 2, 3, 4, 5)]
    assert medians == sorted(medians) and medians[-1] - medians[0] > 20, medians
