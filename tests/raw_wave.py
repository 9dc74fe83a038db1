"""The synthetic default wave read the way an analyst would: the published exclusions,
percentages on published bases, the mess a raw export carries, and the generated wave as
fixtures. Shared by tests/synthetic/ and tests/test_wave_2021.py.

Everything here is computed from raw codes, so the tests check the generator's output rather
than its internals.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml

from swsurvey.study.instrument import load_instrument
from swsurvey.synthetic.generate import generate_wave
from swsurvey.synthetic.waves import DEFAULT_SEED

REPO = Path(__file__).resolve().parents[1]

STORED_SAV = Path("data/synthetic/socialwork_2017.sav")
STORED_MARGINS = Path("data/synthetic/population_margins_2017.csv")
INSTRUMENT = Path("workflow/instruments/socialwork_2017.yaml")


#: The published exclusion order (instrument's eligibility, then Qualtrics' own flags).
EXCLUSIONS = (
    ("consent", lambda d: d["Q1"] == 1),
    ("country", lambda d: d["Q2"].isin([1, 2, 3, 4])),
    ("registered", lambda d: d["Q3"] == 1),
    ("client_contact", lambda d: d["Q4"] == 1),
    ("status", lambda d: d["Status"].isin([0, 4, 16])),
    ("finished", lambda d: d["Finished"] == 1),
)
#: Questions every respondent who got that far was shown (no skip logic), in survey order.
ALWAYS_ASKED = "Q1 Q2 Q3 Q4 Q5 Q6 Q7 Q8 Q9 Q11 Q17 Q18 Q20 Q21 Q22 Q23 Q24".split()
CHANNELS = [f"Q12_{i}" for i in range(1, 6)]


# -- helpers ------------------------------------------------------------------------------------


def eligible_completes(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Apply the exclusions in the published order; return the kept rows and the drops per step."""
    dropped = {}
    d = raw
    for step, keep in EXCLUSIONS:
        mask = keep(d)
        dropped[step] = int((~mask).sum())
        d = d[mask]
    deduped = d.sort_values("RecordedDate", kind="stable").drop_duplicates("ResponseId", keep="first")
    dropped["duplicates"] = len(d) - len(deduped)
    return deduped, dropped


def pct(hit: pd.Series, base: pd.Series) -> tuple[float, int]:
    """Unweighted percentage of ``hit`` within ``base`` (both boolean), and the base size."""
    return 100.0 * float((hit & base).sum()) / float(base.sum()), int(base.sum())


def published_figures(d: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """The pooled figures of published_figures.yaml, computed on their published bases."""
    user = d["Q11"] == 1
    searched = d["Q18"] == 1
    appropriate_base = d["Q20"].isin([1, 2, 3])  # "Don't know" (98) and -99 excluded
    return {
        "any_informal_ict_use": pct(user, d["Q11"].notna()),
        "outside_work_hours": pct(d["Q15"] == 1, user & d["Q15"].isin([1, 2])),
        "initiated_by_both": pct(d["Q14"] == 3, user & d["Q14"].isin([1, 2, 3])),
        "no_talk_supervisor_or_peers": pct(
            d["Q22"].isin([2, 3]) & (d["Q23"] == 2), d["Q22"].isin([1, 2, 3]) & d["Q23"].isin([1, 2])
        ),
        "friend_request_received": pct(d["Q17"] == 1, d["Q17"].isin([1, 2])),
        "searched_client_online": pct(searched, d["Q18"].isin([1, 2])),
        "search_reason_assessment": pct(d["Q19_1"] == 1, searched),
        "search_reason_curiosity": pct(d["Q19_2"] == 1, searched),
        "search_never_appropriate": pct(d["Q20"] == 3, appropriate_base),
        "search_appropriate_always_or_sometimes": pct(d["Q20"].isin([1, 2]), appropriate_base),
    }


def pooled(d: pd.DataFrame) -> pd.DataFrame:
    """Canada + United States + Israel, the pool of the published figures."""
    return d[d["Q2"].isin([1, 2, 3])]


def weekly(d: pd.DataFrame) -> pd.Series:
    """Weekly or daily use of at least one channel (non-users count as not weekly)."""
    return d[CHANNELS].isin([4, 5]).any(axis=1)


def rate(flag: pd.Series) -> float:
    return 100.0 * float(flag.mean())


def mess_counts(raw: pd.DataFrame) -> dict[str, int]:
    """How many rows carry each kind of mess the cleaning stage must handle."""
    _, dropped = eligible_completes(raw)
    by_id = raw.groupby("ResponseId")
    repeated = raw[raw["ResponseId"].isin(by_id.size()[lambda s: s > 1].index)]
    identical = int(repeated.duplicated(keep=False).sum())
    coded = raw.select_dtypes("float")
    return {
        "non_consenters": int((raw["Q1"] == 2).sum()),
        "country_other": int((raw["Q2"] == 5).sum()),
        "not_registered": int((raw["Q3"] == 2).sum()),
        "no_client_contact": int((raw["Q4"] == 2).sum()),
        "previews": int((raw["Status"] == 1).sum()),
        "tests": int((raw["Status"] == 2).sum()),
        "spam": int((raw["Status"] == 8).sum()),
        "offline_or_imported": int(raw["Status"].isin([4, 16]).sum()),
        "unfinished": int(((raw["Finished"] == 0) & (raw["Progress"] < 100)).sum()),
        "unfinished_after_screening": dropped["finished"],
        "duplicates_identical": identical // 2,
        "duplicates_later_recorded": len(repeated) // 2 - identical // 2,
        "seen_but_unanswered": int((coded == -99).sum().sum()),
        "age_prefer_not": int((raw["Q5"] == 99).sum()),
        "gender_prefer_not": int((raw["Q6"] == 99).sum()),
        "search_dont_know": int((raw["Q20"] == 98).sum()),
        "q7_year_typed": int((raw["Q7"] >= 1900).sum()),
        "q7_extra_digit": int(((raw["Q7"] > 60) & (raw["Q7"] < 1900)).sum()),
    }


# -- fixtures (import the ones a test module uses) -------------------------------------------


@functools.cache
def default_wave() -> tuple:
    """The default wave, generated from its seed once per test run (every test only reads it)."""
    return generate_wave(load_instrument(REPO / INSTRUMENT), DEFAULT_SEED)


@pytest.fixture(scope="session")
def wave():
    """The default wave, generated from its seed: the export and its SPSS metadata."""
    return default_wave()


@pytest.fixture(scope="session")
def raw(wave) -> pd.DataFrame:
    return wave[0]


@pytest.fixture(scope="session")
def eligible(raw) -> pd.DataFrame:
    return eligible_completes(raw)[0]


@pytest.fixture(scope="session")
def published(shared_instrument_dir) -> dict:
    return yaml.safe_load((shared_instrument_dir / "published_figures.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def stored(repo_dir):
    """The stored default wave, read with its metadata."""
    return pyreadstat.read_sav(str(repo_dir / STORED_SAV), user_missing=True)
