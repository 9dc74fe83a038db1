"""The reproduction check: published figures beside the pipeline's unweighted percentages."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from swsurvey.errors import InputError
from swsurvey.stages.published import load_published, reproduction_table


@pytest.fixture(scope="module")
def published(repo_dir):
    return load_published(repo_dir / "workflow/published/socialwork_2017.yaml")


def test_project_record_matches_the_study_s_published_figures(published, shared_instrument_dir):
    study = yaml.safe_load((shared_instrument_dir / "published_figures.yaml").read_text())
    pooled = study["pooled_2017_ca_us_il"]
    assert published["n"] == pooled["n"]
    ours = {f["id"]: f for f in published["figures"]}
    theirs = {k: v for k, v in pooled.items() if isinstance(v, dict)}
    assert set(ours) == set(theirs)
    for key, fig in theirs.items():
        assert (ours[key]["pct"], ours[key]["n"], ours[key]["base"]) == (fig["pct"], fig["n"], fig["base"])


def _estimates(rows):
    return pd.DataFrame(rows, columns=["variable", "level", "domain", "weighting", "estimate", "base_n"])


def test_levels_are_summed_and_the_difference_is_reproduced_minus_published():
    doc = {
        "domain": "Pooled",
        "figures": [
            {"id": "a", "label": "A", "variable": "v", "levels": ["x", "y"], "pct": 60},
            {"id": "b", "label": "B", "variable": "w", "levels": ["Yes"], "pct": 40},
        ],
    }
    est = _estimates(
        [
            ("v", "x", "Pooled", "unweighted", 35.0, 100),
            ("v", "y", "Pooled", "unweighted", 27.5, 100),
            ("v", "x", "Pooled", "weighted", 99.0, 100),  # weighted rows are not used
            ("v", "x", "Other", "unweighted", 99.0, 10),  # nor other domains
            ("w", "Yes", "Pooled", "unweighted", 38.0, 80),
        ]
    )
    table = reproduction_table(est, doc).set_index("figure")
    assert table.loc["a", "reproduced_pct"] == pytest.approx(62.5)
    assert table.loc["a", "difference"] == pytest.approx(2.5)
    assert table.loc["b", "difference"] == pytest.approx(-2.0) and table.loc["b", "base_n"] == 80


def test_a_figure_without_estimates_is_an_error_naming_the_variable(published):
    with pytest.raises(InputError, match="any_ict_use"):
        reproduction_table(_estimates([]), published)
