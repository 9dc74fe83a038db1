"""The analysis variables the config uses for a wave, and the wave's weighting.

``describe``, ``infer`` (its items and each model's formula, domain and reference),
``waves.<wave>.weighting`` (stratum and margins, a joint margin ``a:b`` or ``[a, b]``) and
``sensitivity``'s schemes name analysis variables the wave's recode must define
(:func:`swsurvey.study.wave_check.check_wave`). Standard library only: the workflow's reading
imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from swsurvey.study.targets_format import JOINT

#: A name in a model formula (a function's name is followed by "(").
_FORMULA_NAME = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)(?![\w.])(?!\s*\()")
#: Quoted text in a formula ("Yes").
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def margin_variables(margins: Sequence) -> list[tuple[str, ...]]:
    """``weighting.margins`` as one tuple of variables per margin (``a:b`` or [a, b] joint)."""
    return [tuple(m.split(JOINT)) if isinstance(m, str) else tuple(str(v) for v in m) for m in margins or []]


def formula_variables(formula: str) -> list[str]:
    """The variables a model formula names (``I(weekly_use == "Yes") ~ age_group + ...``)."""
    return list(dict.fromkeys(_FORMULA_NAME.findall(_QUOTED.sub(" ", formula))))


def used_variables(config: Mapping, wave: str) -> dict[str, str]:
    """Every analysis variable the config uses for the wave, with the first config key using it."""
    used: dict[str, str] = {}

    def add(names, key: str) -> None:
        for name in names:
            used.setdefault(name, key)

    describe = config.get("describe") or {}
    add(_listed(describe.get("by")), "describe.by")
    for table, names in (describe.get("tables") or {}).items():
        add(_listed(names), f"describe.tables[{table!r}]")
    add(list(describe.get("main_results") or {}), "describe.main_results")
    # describe.numeric is not here: a numeric item a wave lacks is shown as not asked (its schema says so)
    infer = config.get("infer") or {}
    add(_listed(infer.get("items")), "infer.items")
    for model, setting in (infer.get("models") or {}).items():
        add(formula_variables(str(setting.get("formula", ""))), f"infer.models.{model}.formula")
        add(list(setting.get("domain") or {}), f"infer.models.{model}.domain")
        add(list(setting.get("reference") or {}), f"infer.models.{model}.reference")
    weighting = weighting_of(config, wave)
    add(_listed(weighting.get("stratum")), f"waves.{wave}.weighting.stratum")
    for variables in margin_variables(weighting.get("margins")):
        add(variables, f"waves.{wave}.weighting.margins")
    # weighting.design's columns are checked by the weighting stage, on the data (a base weight
    # column may come from elsewhere than the recode)
    for scheme, setting in ((config.get("sensitivity") or {}).get("schemes") or {}).items():
        for variables in margin_variables((setting or {}).get("margins")):
            add(variables, f"sensitivity.schemes.{scheme}.margins")
    return used


def weighting_of(config: Mapping, wave: str) -> Mapping:
    """The wave's whole weighting (resolved: :func:`swsurvey.provenance.settings.resolve_wave_settings`)."""
    own = (config["waves"][wave] or {}).get("weighting")
    return own if isinstance(own, Mapping) else (config.get("weighting") or {})
