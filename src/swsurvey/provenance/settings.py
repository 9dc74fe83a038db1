"""Where in the config each setting of a rule comes from: key paths, and the value at one.

A rule states the key path of each param it takes from the config and of each input file the
config names (the param :data:`CONFIG_KEYS`, made by ``settings`` in
``workflow/rules/common.smk``); the job's record keeps them, and the audit looks the same keys
up in the current config (:func:`config_value`). Read when the workflow is read: standard
library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: The rule param that says which config key each param and config-named input came from:
#: {"params": {name: keys}, "input": {name: keys}}. It goes into the record, not to the work.
CONFIG_KEYS = "config_keys"
#: The last key of a key path that stands for the names of a mapping (its keys, sorted: how a
#: config is merged may reorder them), for a rule that takes only which models or waves there
#: are, e.g. ["infer", "models", NAMES].
NAMES = "<names>"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


#: What :func:`config_value` returns for a key the config does not have.
MISSING = _Missing()


def config_value(config: Any, keys: Sequence[str]) -> Any:
    """The value at ``keys`` in a config, or :data:`MISSING` when a key is absent. A last key
    :data:`NAMES` gives the names of the mapping there (a sorted list)."""
    node = config
    for key in keys:
        if key == NAMES and isinstance(node, Mapping):
            return sorted(node)
        if not isinstance(node, Mapping) or key not in node:
            return MISSING
        node = node[key]
    return node


#: The config sections a wave may give its own keys of (waves.<wave>.<section>).
WAVE_SECTIONS = ("weighting",)


def resolve_wave_settings(config: dict) -> dict:
    """Each wave's own settings of a :data:`WAVE_SECTIONS` section merged key by key over the
    top-level section, in place, before the schema fills in the defaults: afterwards
    ``waves.<wave>.weighting`` holds the wave's keys and the top level's others (the schema
    then fills in the rest, as for the top level), which the rules take by the key path of
    the wave, so a job reruns only when its wave's settings change. Done when the workflow is
    read (:func:`swsurvey.preflight.run`) and by the audit on the config it compares with.
    Idempotent."""
    for wave in (config.get("waves") or {}).values():
        if not isinstance(wave, dict):
            continue
        for section in WAVE_SECTIONS:
            top = config.get(section) or {}
            own = wave.get(section) or {}
            if isinstance(top, Mapping) and isinstance(own, Mapping):
                wave[section] = {**top, **own}
    return config
