"""The two sides of a new wave's match as :class:`~swsurvey.study.wave_match.Item` s: the
export's dictionary (its variables, value labels and user-missing codes) and the earlier wave's
instrument (:func:`swsurvey.study.wave_match.match_items` matches the first to the second)."""

from __future__ import annotations

from collections.abc import Mapping

from swsurvey.io.spss import RawMetadata, RawVariable
from swsurvey.study.instrument import Instrument
from swsurvey.study.wave_match import Item


def _code(value: object) -> int | None:
    """A value label's code as an integer (SPSS stores numbers as floats), None if not whole."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _user_missing(var: RawVariable) -> set[int]:
    codes = set()
    for lo, hi in var.missing_ranges:
        lo_code, hi_code = _code(lo), _code(hi)
        if lo_code is not None and hi_code is not None and hi_code - lo_code < 1000:
            codes.update(range(lo_code, hi_code + 1))
    return codes


def declared_missing(meta: RawMetadata) -> dict[int, str]:
    """The user-missing codes the export declares, labelled as its value labels label them."""
    codes: dict[int, str] = {}
    for var in meta.variables:
        labels = {_code(value): str(label) for value, label in var.value_labels.items()}
        for code in sorted(_user_missing(var)):
            if code in labels and code not in codes:
                codes[code] = labels[code]
    return dict(sorted(codes.items()))


def _checkbox_names(meta: RawMetadata) -> set[str]:
    """Variables of the export's multiple-response (dichotomy) sets."""
    names: set[str] = set()
    for mr in meta.mr_sets.values():
        if str(mr.get("type", "")).upper().startswith("D") or mr.get("is_dichotomy"):
            names.update(mr.get("variable_list") or [])
    return names


def dictionary_items(meta: RawMetadata, user_missing: Mapping[int, str]) -> list[Item]:
    """The export's variables as :class:`Item` s: labels, codes without the user-missing ones.

    A variable with the single code 1, labelled as the item its label ends with ("Which
    services do you provide? - Assessment" with 1 = "Assessment"), or in a dichotomy
    multiple-response set, is a checkbox item, as Qualtrics exports "select all that apply".
    """
    checkbox_sets = _checkbox_names(meta)
    items = []
    for var in meta.variables:
        missing = _user_missing(var) | set(user_missing)
        values = {}
        for value, label in var.value_labels.items():
            code = _code(value)
            if code is not None and code not in missing:
                values[code] = str(label)
        label = var.label or ""
        checkbox = var.name in checkbox_sets or (
            list(values) == [1] and " - " in label and label.rsplit(" - ", 1)[1].strip() == values[1].strip()
        )
        kind = {"date": "datetime", "time": "numeric"}.get(var.type, var.type)
        items.append(Item(var.name, label, kind, {} if checkbox else dict(sorted(values.items())), checkbox))
    return items


def instrument_items(instrument: Instrument) -> list[Item]:
    """The instrument's variables as :class:`Item` s."""
    return [Item(v.name, v.label, v.kind, dict(v.values), v.checkbox, v.metadata) for v in instrument.variables]
