"""The recode specification against the instrument: every raw variable, code and label the spec
names is one the instrument defines. Checked by the cleaning stage (stopping at the first
problem, :func:`check_recode_against_instrument`) and, every problem collected
(:func:`recode_problems`), by ``swsurvey wave check`` and when the workflow is read
(:mod:`swsurvey.study.wave_check`). No NumPy or pandas: the workflow's reading imports it.
"""

from __future__ import annotations

from collections.abc import Callable

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument, Variable
from swsurvey.study.recode import (
    AnalysisVariable,
    CasesRule,
    CheckboxRule,
    CodeRule,
    CopyRule,
    NumericRule,
    RecodeSpec,
    code_levels,
    condition_leaves,
    labels_of,
    rule_inputs,
)

#: The import stage renames a pseudonymised identifier ``X`` to ``X_pseudonym`` (a string).
PSEUDONYM_SUFFIX = "_pseudonym"


# ---------------------------------------------------------------------------------------------
# Which raw variables a spec reads


def raw_variable(name: str, instrument: Instrument) -> Variable:
    """The instrument's definition of a raw column of the imported file.

    ``ResponseId_pseudonym`` is not in the instrument: the import replaced ``ResponseId`` by a
    keyed pseudonym, a string that is no longer personal data.
    """
    if name.endswith(PSEUDONYM_SUFFIX) and name not in instrument.by_name:
        base = instrument[name.removesuffix(PSEUDONYM_SUFFIX)]
        return Variable(name=name, label=f"{base.label} (pseudonym)", kind="string", metadata=True)
    return instrument[name]


def checkbox_set(name: str, instrument: Instrument) -> list[str]:
    """The items of the "select all that apply" question a checkbox item belongs to."""
    for items in instrument.checkbox_sets().values():
        if name in items:
            return items
    raise InputError("not a checkbox item", file=instrument.path, variable=name)


def skip_chain(name: str, instrument: Instrument) -> list[str]:
    """Variables whose answers decide whether ``name`` was asked (its ``asked_if``, recursively)."""
    chain: list[str] = []
    var = instrument.by_name.get(name)
    while var is not None and var.asked_if is not None:
        chain.append(var.asked_if[0])
        var = instrument.by_name.get(var.asked_if[0])
    return chain


def rule_raw_sources(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument) -> list[str]:
    """Raw variables one rule reads directly: its source, the skip logic, a checkbox's siblings."""
    names: list[str] = []
    for ref in rule_inputs(var.rule):
        if spec.is_analysis(ref):
            continue
        if isinstance(var.rule, CheckboxRule):
            names += checkbox_set(ref, instrument) if ref in instrument.by_name else [ref]
        else:
            names.append(ref)
        names += skip_chain(ref, instrument)
    return list(dict.fromkeys(names))


def required_raw_variables(spec: RecodeSpec, instrument: Instrument) -> list[str]:
    """Every raw column the spec reads, in first-use order: the file must have all of them."""
    names = [spec.flow.by]
    for step in spec.exclusions:
        if step.keep is not None:
            names += [t.variable for t in condition_leaves(step.keep)]
        if step.deduplicate is not None:
            names += [step.deduplicate.by, step.deduplicate.order_by]
    for var in spec.variables:
        names += rule_raw_sources(var, spec, instrument)
    return list(dict.fromkeys(names))


def valid_raw_codes(var: Variable, instrument: Instrument) -> set[int]:
    """Codes a raw variable may hold; metadata (Status, Finished) have no user-missing codes."""
    if var.metadata:
        return set(var.values)
    return instrument.valid_codes(var.name)


# ---------------------------------------------------------------------------------------------
# 1. The spec against the instrument


def check_recode_against_instrument(spec: RecodeSpec, instrument: Instrument) -> None:
    """Every raw variable, code and label the spec names exists in the instrument or the spec;
    raise :class:`InputError` at the first that does not."""
    problems = recode_problems(spec, instrument, first_only=True)
    if problems:
        raise problems[0]


class _Stop(Exception):
    """Ends :func:`recode_problems` at its first problem (``first_only``)."""


def recode_problems(spec: RecodeSpec, instrument: Instrument, *, first_only: bool = False) -> list[InputError]:
    """Every raw variable, code and label the spec names that the instrument (or the spec) does
    not define, each an :class:`InputError` naming the spec file, the variable and the value,
    in the order the spec names them; only the first with ``first_only``."""
    problems: list[InputError] = []

    def fail(message: str, variable: str | None = None, value: object = None) -> None:
        problems.append(InputError(message, file=spec.path, variable=variable, value=value))
        raise _Stop

    def each(check: Callable[[], None]) -> None:
        try:
            check()
        except _Stop:
            if first_only:
                raise
        except InputError as exc:  # a name the instrument does not define, met inside a check
            if not any(p.variable == exc.variable for p in problems):  # said once, where the spec reads it
                problems.append(exc)
            if first_only:
                raise _Stop from None

    try:
        _collect(spec, instrument, fail, each)
    except _Stop:
        pass
    return problems


def _collect(spec: RecodeSpec, instrument: Instrument, fail, each) -> None:
    def header() -> None:
        if spec.instrument != instrument.name:
            fail(f"the recode spec is for instrument {spec.instrument!r}, but {instrument.path} is {instrument.name!r}")

    def wave() -> None:
        if instrument.wave and str(spec.wave_year) != instrument.wave:
            fail(f"the recode spec is for wave {spec.wave_year}, but {instrument.path} is wave {instrument.wave}")

    each(header)
    each(wave)
    for name in required_raw_variables(spec, instrument):
        def raw(name: str = name) -> None:
            try:
                var = raw_variable(name, instrument)
            except InputError:
                fail(f"not defined by the instrument {instrument.path}", variable=name)
            if var.personal:
                fail("is personal data (pii or free text), which never leaves the import stage", variable=name)

        each(raw)

    def flow() -> None:
        by = raw_variable(spec.flow.by, instrument)
        for code in spec.flow.groups:
            if code not in by.values:
                fail(f"key flow.groups: code {code} is not defined by the instrument", variable=by.name, value=code)

    each(flow)
    for step in spec.exclusions:
        if step.keep is not None:
            each(lambda step=step: _check_raw_tests(spec, instrument, step.keep, f"exclusions[{step.step}]", fail))

    kinds: dict[str, AnalysisVariable] = {}
    for var in spec.variables:
        each(lambda var=var: _check_variable(var, spec, instrument, kinds, fail))
        kinds[var.name] = var


def _check_variable(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument, kinds: dict, fail) -> None:
    rule, name = var.rule, var.name
    if isinstance(rule, CopyRule):
        src = raw_variable(rule.source, instrument)
        if src.kind != rule.dtype:
            fail(f"copy of {rule.source} as {rule.dtype}, but the instrument says it is {src.kind}", name)
    elif isinstance(rule, CodeRule):
        src = raw_variable(rule.source, instrument)
        if not src.values or src.checkbox:
            fail(f"code rule needs a coded question with value labels; {rule.source} has none", name)
        for level in code_levels(rule, spec, instrument):
            undefined = [c for c in level.codes if c not in src.values]
            if undefined:
                fail(f"level {level.label!r}: code {undefined[0]} of {rule.source} is not defined by the instrument",
                     name, undefined[0])
    elif isinstance(rule, NumericRule):
        src = raw_variable(rule.source, instrument)
        if src.kind != "numeric" or src.values or src.checkbox:
            fail(f"numeric rule needs a typed number; {rule.source} is a coded or non-numeric variable", name)
    elif isinstance(rule, CheckboxRule):
        if not raw_variable(rule.source, instrument).checkbox:
            fail(f"checkbox rule needs a checkbox item; {rule.source} is not one", name)
    elif isinstance(rule, CasesRule):
        for case in rule.cases:
            _check_raw_tests(spec, instrument, case.when, name, fail)
            for test in condition_leaves(case.when):
                if test.values is None or not spec.is_analysis(test.variable):
                    continue
                levels = analysis_levels(kinds[test.variable], spec, instrument)
                if levels is None:
                    fail(f"condition 'in' on {test.variable}, which has no levels (numeric or copy)", name)
                unknown = [v for v in test.values if v not in levels]
                if unknown:
                    fail(f"condition on {test.variable}: {unknown[0]!r} is not one of its levels "
                         f"({', '.join(levels)})", name, unknown[0])


def _check_raw_tests(spec: RecodeSpec, instrument: Instrument, cond, where: str, fail) -> None:
    """Codes in conditions on raw variables must be codes the instrument defines."""
    for test in condition_leaves(cond):
        if spec.is_analysis(test.variable) or test.values is None:
            continue
        var = raw_variable(test.variable, instrument)
        valid = valid_raw_codes(var, instrument)
        if not valid:
            fail(f"{where}: condition 'in' on a variable without codes", var.name)
        undefined = [v for v in test.values if v not in valid]
        if undefined:
            fail(f"{where}: code {undefined[0]} is not defined by the instrument", var.name, undefined[0])


def analysis_levels(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument) -> tuple[str, ...] | None:
    """Category labels of a categorical analysis variable, in order (None if not categorical)."""
    if isinstance(var.rule, CodeRule):
        return tuple(lv.label for lv in code_levels(var.rule, spec, instrument))
    return labels_of(var.rule)
