"""The main results weighted beside unweighted, from the real estimates of the synthetic wave."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from run_stages import default_config

from swsurvey.errors import InputError
from swsurvey.stages.describe import describe
from swsurvey.stages.weighting_effect import weighting_effect, weighting_effect_markdown, write_weighting_effect

CONFIG = default_config()
ITEMS = {"any_ict_use": "Yes", "initiator": "Both"}


@pytest.fixture(scope="module")
def estimates(weighted_2017):
    frame = describe(weighted_2017, CONFIG["describe"]["tables"], labels={}, stratum="country", weight="weight",
                     pooled=CONFIG["describe"]["pooled"], min_n=10)
    # as describe_wave writes it: every row names its variance method
    return frame.assign(wave="2017", synthetic=True, variance="linearization (Taylor series), strata: country")


def _cell(estimates, variable, level, domain, weighting):
    rows = estimates[(estimates["variable"] == variable) & (estimates["level"] == level)
                     & (estimates["domain"] == domain) & (estimates["weighting"] == weighting)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_each_row_is_the_estimates_files_weighted_and_unweighted_cell(estimates):
    table = weighting_effect(estimates, ITEMS)
    domains = list(dict.fromkeys(estimates["domain"]))
    assert len(table) == len(ITEMS) * len(domains)
    assert table["variable"].tolist() == [v for v in ITEMS for _ in domains]
    for row in table.itertuples(index=False):
        weighted = _cell(estimates, row.variable, row.level, row.domain, "weighted")
        unweighted = _cell(estimates, row.variable, row.level, row.domain, "unweighted")
        assert row.weighted == weighted["estimate"] and row.unweighted == unweighted["estimate"]
        assert (row.ci_lower, row.ci_upper, row.deff) == (weighted["ci_lower"], weighted["ci_upper"], weighted["deff"])
        assert row.shift == pytest.approx(weighted["estimate"] - unweighted["estimate"])
        assert row.base_n == weighted["base_n"] and row.variance == weighted["variance"]  # the SEs' method named
    # raking moves the synthetic sample (women and 40-49s over-represented) by a visible amount
    assert table["shift"].abs().max() > 0.5


def test_an_item_or_level_the_estimates_lack_is_an_error_naming_it(estimates):
    with pytest.raises(InputError, match="no_such_item"):
        weighting_effect(estimates, {"no_such_item": "Yes"})
    with pytest.raises(InputError, match="Perhaps"):
        weighting_effect(estimates, {"any_ict_use": "Perhaps"})


def test_an_item_the_wave_did_not_ask_is_a_not_asked_row_not_a_zero(estimates):
    asked = estimates.assign(not_asked=False)
    lacking = asked[asked["variable"] == "outside_hours"].assign(not_asked=True, estimate=float("nan"))
    frame = pd.concat([asked[asked["variable"] != "outside_hours"], lacking])
    table = weighting_effect(frame, {"outside_hours": "Yes", "any_ict_use": "Yes"})
    first = table.iloc[0]
    assert first["domain"] == "not asked" and pd.isna(first["weighted"]) and pd.isna(first["unweighted"])
    text = weighting_effect_markdown(table, wave="2017", synthetic=False, min_n=10)
    assert "not asked in this wave" in text and "| 0.0 |" not in text


def test_small_bases_are_suppressed_in_the_markdown(weighted_2017):
    frame = describe(weighted_2017, {"T": ["any_ict_use"]}, labels={}, stratum="country", weight="weight",
                     pooled={}, min_n=200).assign(wave="2017", synthetic=True)
    table = weighting_effect(frame, {"any_ict_use": "Yes"})
    uk = table[table["domain"] == "United Kingdom"].iloc[0]
    assert uk["small_base"]
    text = weighting_effect_markdown(table, wave="2017", synthetic=True, min_n=200)
    assert text.startswith("> **SYNTHETIC DATA")
    uk_line = next(line for line in text.splitlines() if "| United Kingdom |" in line)
    assert "‡" in uk_line and f"{uk['weighted']:.1f}" not in uk_line


def test_files_are_written_with_the_same_bytes_twice(estimates, tmp_path):
    source = tmp_path / "estimates.csv"
    estimates.to_csv(source, index=False)
    digests = []
    for run in range(2):
        csv, md = tmp_path / f"effect{run}.csv", tmp_path / f"effect{run}.md"
        write_weighting_effect(source, csv, md, wave="2017", main_results=ITEMS, min_n=10)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in (csv, md)])
    assert digests[0] == digests[1]
    assert len(pd.read_csv(tmp_path / "effect0.csv")) == 2 * 6
