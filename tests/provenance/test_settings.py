"""Config key paths and the value at one (swsurvey.provenance.settings)."""

from __future__ import annotations

from swsurvey.provenance.settings import NAMES, config_value

def test_config_value_follows_a_key_path_and_gives_a_mapping_s_names():
    config = {"infer": {"models": {"b": {"family": "x"}, "a": {}}}, "weighting": {"trim": None}}
    assert config_value(config, ["infer", "models", "b", "family"]) == "x"
    assert config_value(config, ["infer", "models", NAMES]) == ["a", "b"]  # whatever the order
    assert config_value(config, ["weighting", "trim"]) is None
    assert repr(config_value(config, ["weighting", "maxit"])) == "<missing>"
