"""The codes a recode groups: an analysis variable's levels, and the codes no level handles.

"Levels as the recode defines them": a code rule's ``levels:`` labels or, for a code rule
without them, the instrument's value labels minus the missing codes; a bands, checkbox or
cases rule's labels. Every code of a question the recode groups through explicit ``levels:``
must be given a level, a missing reason, or be a code the exclusions remove; a code added to
the question (a new answer option) would otherwise be an unexplained missing value.

No NumPy or pandas: the workflow's reading imports this module (:mod:`swsurvey.study.wave_check`).
"""

from __future__ import annotations

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import AllOf, CodeRule, Match, RecodeSpec, code_levels, labels_of


def recode_levels(name: str, spec: RecodeSpec, instrument: Instrument) -> tuple[str, ...] | None:
    """An analysis variable's levels as the recode defines them (None: not categorical)."""
    var = spec.by_name[name]
    if isinstance(var.rule, CodeRule):
        return tuple(level.label for level in code_levels(var.rule, spec, instrument))
    return labels_of(var.rule)


def _excluded_codes(spec: RecodeSpec, source: str, codes: set[int]) -> set[int]:
    """Codes of ``source`` the exclusions remove before any rule reads it: a step keeping
    ``{variable: source, in: [...]}`` (alone, or in an ``all:`` of tests)."""
    excluded: set[int] = set()
    for step in spec.exclusions:
        keep = step.keep
        tests = [keep] if isinstance(keep, Match) else list(keep.items) if isinstance(keep, AllOf) else []
        for test in tests:
            if isinstance(test, Match) and test.variable == source and test.values is not None:
                excluded |= codes - set(test.values)
    return excluded


def unhandled_codes(spec: RecodeSpec, instrument: Instrument, recode_file: str) -> list[str]:
    """Codes of a question the recode groups with explicit ``levels:`` that get no level, no
    missing reason and are not removed by the exclusions: a code added to the question (a
    new answer option) would be an unexplained missing value."""
    lines = []
    for var in spec.variables:
        rule = var.rule
        if not isinstance(rule, CodeRule) or rule.levels is None or rule.source not in instrument.by_name:
            continue
        question = instrument.by_name[rule.source]
        handled = {c for level in rule.levels for c in level.codes}
        handled |= set(spec.missing.codes) | set(rule.missing) | set(instrument.user_missing)
        handled |= _excluded_codes(spec, rule.source, set(question.values))
        for code, label in sorted(question.values.items()):
            if code not in handled:
                lines.append(str(InputError(
                    f"code {code} {label!r} of {rule.source} (instrument {instrument.path.name}) is not handled: "
                    "give it a level in code.levels (or a reason in code.missing)",
                    file=recode_file, variable=var.name, value=code,
                )))
    return lines
