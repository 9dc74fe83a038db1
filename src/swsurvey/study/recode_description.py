"""The recode spec described, variable by variable, for the cleaned data's codebook.

What the codebook says of an analysis variable before any data are counted: its type
(:func:`type_name`), the rule that makes it in words (:func:`describe_rule`, conditions by
:func:`condition_words`), the analysis variables it is derived from (:func:`analysis_sources`)
and the raw variables behind it (:func:`raw_sources`). It reads only the spec and the
instrument, so it lives with them, beside the checks of :mod:`swsurvey.study.validation`.
"""

from __future__ import annotations

from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import (
    NUMBER_RULES,
    AgeRule,
    AllOf,
    AnalysisVariable,
    BandsRule,
    CasesRule,
    CheckboxRule,
    CodeRule,
    Condition,
    CopyRule,
    Match,
    Not,
    NumericRule,
    RecodeSpec,
    code_levels,
    rule_inputs,
)
from swsurvey.study.validation import checkbox_set, rule_raw_sources


def type_name(var: AnalysisVariable) -> str:
    """The variable's type as the codebook names it."""
    rule = var.rule
    if isinstance(rule, CopyRule):
        return rule.dtype
    if isinstance(rule, NUMBER_RULES):
        return "numeric"
    return "ordered categorical" if var.ordered else "categorical"


def _codes_text(codes: tuple[int, ...] | list[int]) -> str:
    return ", ".join(str(c) for c in codes)


def condition_words(cond: Condition, spec: RecodeSpec) -> str:
    """A condition in words, e.g. ``freq_email in {"Weekly", "Daily"}``."""
    if isinstance(cond, Match):
        if cond.values is None:
            return f"{cond.variable} {'answered' if cond.answered else 'missing'}"
        # Labels are quoted and sets braced: a label may itself contain "or" or a comma.
        shown = [f'"{v}"' if spec.is_analysis(cond.variable) else str(v) for v in cond.values]
        if len(shown) == 1:
            return f"{cond.variable} = {shown[0]}"
        return f"{cond.variable} in {{{', '.join(shown)}}}"
    if isinstance(cond, Not):
        return f"not ({condition_words(cond.item, spec)})"
    joiner = " and " if isinstance(cond, AllOf) else " or "
    return "(" + joiner.join(condition_words(c, spec) for c in cond.items) + ")"


def describe_rule(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument) -> str:
    """The rule that makes an analysis variable, in words, for the codebook."""
    rule = var.rule
    m = spec.missing
    parts: list[str] = []

    def missing_words(codes: dict[int, str], defined: set[int] | None = None) -> None:
        # Only the codes this question can hold: 98 "don't know" is no news for Q5.
        said = [f"{c} → missing ({r})" for c, r in sorted(codes.items()) if defined is None or c in defined]
        if said:
            parts.append("Missing codes: " + "; ".join(said) + ".")

    def skip_words(source: str) -> None:
        asked_if = instrument[source].asked_if
        if asked_if:
            parent, code = asked_if
            label = instrument[parent].values.get(code, code)
            parts.append(f"Asked only if {parent} = {code} ({label}); otherwise missing ({m.not_asked}).")

    if isinstance(rule, CopyRule):
        parts.append(f"Copied from {rule.source} ({rule.dtype}).")
    elif isinstance(rule, CodeRule):
        levels = code_levels(rule, spec, instrument)
        mapping = "; ".join(f"{_codes_text(lv.codes)} → {lv.label}" for lv in levels)
        parts.append(f"{rule.source} codes as labels{' (ordered)' if rule.ordered else ''}: {mapping}.")
        missing_words({**m.codes, **rule.missing}, instrument.valid_codes(rule.source))
        parts.append(f"System-missing → missing ({m.not_asked}).")
        skip_words(rule.source)
    elif isinstance(rule, NumericRule):
        parts.append(f"{rule.source} as a number, valid from {rule.valid_min:g} to {rule.valid_max:g}.")
        if rule.year_typo_from is not None:
            parts.append(
                f"A value from {rule.year_typo_from} to {spec.wave_year} is a year typed instead of years: "
                f"it becomes {spec.wave_year} - value (if that is valid)."
            )
        if rule.two_digit_century is not None:
            parts.append(
                f"A whole number from 0 to 99 is a year typed with two digits: it becomes "
                f"{rule.two_digit_century} + value (if that is valid)."
            )
        parts.append(f"Any other value → missing ({m.implausible}).")
        missing_words({c: m.codes[c] for c in rule.missing_codes})
        parts.append(f"System-missing → missing ({m.not_asked}).")
        skip_words(rule.source)
    elif isinstance(rule, AgeRule):
        parts.append(
            f"Age reached in {spec.wave_year}: {spec.wave_year} - {rule.source}, in whole years. "
            f"Missing where {rule.source} is, with its reason."
        )
    elif isinstance(rule, BandsRule):
        edges = ["", *(f"{b:g}" for b in rule.breaks), ""]
        bands = []
        for label, lo, hi in zip(rule.labels, edges[:-1], edges[1:], strict=True):
            span = f"< {hi}" if not lo else (f">= {lo}" if not hi else f"[{lo}, {hi})")
            bands.append(f"{span} → {label}")
        parts.append(f"{rule.source} in bands: {'; '.join(bands)}. Missing where {rule.source} is, with its reason.")
    elif isinstance(rule, CheckboxRule):
        items = checkbox_set(rule.source, instrument)
        parts.append(
            f"{rule.source} ticked (1) → {rule.ticked}; not ticked while another option of "
            f"{items[0]}-{items[-1]} was ticked → {rule.unticked}; no option of the question ticked → "
            f"missing ({m.no_option_ticked})."
        )
        missing_words(m.codes, instrument.valid_codes(rule.source))
        skip_words(rule.source)
    elif isinstance(rule, CasesRule):
        parts.append("Cases tried in order, the first that holds gives the value:")
        parts += [f"{case.value} if {condition_words(case.when, spec)}." for case in rule.cases]
        otherwise = []
        if rule.missing_from:
            otherwise.append(f"the reason of the first missing of {', '.join(rule.missing_from)}")
        if rule.reason:
            otherwise.append(f"else {rule.reason}")
        parts.append("Otherwise missing, with " + ", ".join(otherwise) + ".")
    return " ".join(parts)


def analysis_sources(var: AnalysisVariable, spec: RecodeSpec) -> list[str]:
    """The analysis variables a variable's rule reads (earlier in the spec)."""
    return [name for name in rule_inputs(var.rule) if spec.is_analysis(name)]


def raw_sources(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument) -> list[str]:
    """Raw variables behind a variable, through the analysis variables it is derived from."""
    names = rule_raw_sources(var, spec, instrument)
    for ref in analysis_sources(var, spec):
        names += raw_sources(spec[ref], spec, instrument)
    order = {name: i for i, name in enumerate(instrument.names)}
    return sorted(dict.fromkeys(names), key=lambda n: (order.get(n.removesuffix("_pseudonym"), len(order)), n))

