"""End to end: the stored synthetic wave, through the real import and cleaning stages,
reproduces every published pooled figure (Canada + US + Israel, unweighted) within 2 points
on the published base, using the analysis variables a researcher would use."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

#: Published figure -> (analysis variable, levels counted, base: who answered it).
FIGURES = {
    "any_informal_ict_use": ("any_ict_use", {"Yes"}),
    "outside_work_hours": ("outside_hours", {"Yes"}),
    "initiated_by_both": ("initiator", {"Both"}),
    "no_talk_supervisor_or_peers": ("talk_neither", {"Yes"}),
    "friend_request_received": ("friend_request", {"Yes"}),
    "searched_client_online": ("searched_online", {"Yes"}),
    "search_reason_assessment": ("search_reason_assessment", {"Yes"}),
    "search_reason_curiosity": ("search_reason_curiosity", {"Yes"}),
    "search_never_appropriate": ("search_appropriate", {"Never appropriate"}),
    "search_appropriate_always_or_sometimes": (
        "search_appropriate",
        {"Always appropriate", "Sometimes appropriate"},
    ),
}


@pytest.fixture(scope="module")
def cleaned(cleaned_2017) -> pd.DataFrame:
    return pd.read_parquet(cleaned_2017)


@pytest.fixture(scope="module")
def published(shared_instrument_dir) -> dict:
    return yaml.safe_load((shared_instrument_dir / "published_figures.yaml").read_text())


def test_country_sample_sizes_are_the_published_ones(cleaned, published):
    assert cleaned["country"].value_counts().to_dict() == published["sample_n"]


@pytest.mark.parametrize("figure", sorted(FIGURES))
def test_pooled_figure_within_two_points_on_its_published_base(cleaned, published, figure):
    variable, levels = FIGURES[figure]
    pooled = cleaned[cleaned["country"] != "United Kingdom"]
    assert len(pooled) == published["pooled_2017_ca_us_il"]["n"]
    answered = pooled[variable].dropna()
    got = 100 * answered.isin(levels).mean()
    assert abs(got - published["pooled_2017_ca_us_il"][figure]["pct"]) <= 2.0, (figure, got, len(answered))


def test_israel_any_use_and_policy(cleaned, published):
    israel = cleaned[cleaned["country"] == "Israel"]
    any_use = 100 * (israel["any_ict_use"] == "Yes").mean()
    assert abs(any_use - published["israel"]["any_informal_ict_use"]["pct"]) <= 2.0
    assert (israel["workplace_policy"].dropna() == "No").mean() > 0.5
