"""Checks around cleaning: the spec against the instrument, raw codes, and the cleaned schema.

Three gates, each an :class:`InputError` naming the file, the variable, the value and the
number of rows, never a silent NA:

1. :func:`check_recode_against_instrument`: every raw variable and code the spec names is one
   the instrument defines (a spec written for another questionnaire stops here);
2. :func:`check_raw`: before any derivation, the raw columns the spec reads exist, have the
   instrument's type, and hold only codes the instrument defines (plus its missing codes);
3. :func:`check_cleaned`: after derivation, the cleaned frame is exactly the declared schema
   (:func:`declared_schema`): columns, dtypes, categories in order, required values present,
   and a missing reason for every missing value (and only for those).

(Replicate weights supplied with the data are checked by :mod:`swsurvey.study.replicate_weights`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument, Variable
from swsurvey.study.recode import (
    NUMBER_RULES,
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

#: Suffix of the column that keeps why an analysis value is missing.
MISSING_SUFFIX = "__missing"

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


def _valid_codes(var: Variable, instrument: Instrument) -> set[int]:
    """Codes a raw variable may hold; metadata (Status, Finished) have no user-missing codes."""
    if var.metadata:
        return set(var.values)
    return instrument.valid_codes(var.name)


# ---------------------------------------------------------------------------------------------
# 1. The spec against the instrument


def check_recode_against_instrument(spec: RecodeSpec, instrument: Instrument) -> None:
    """Every raw variable, code and label the spec names exists in the instrument or the spec."""

    def fail(message: str, variable: str | None = None, value: object = None) -> None:
        raise InputError(message, file=spec.path, variable=variable, value=value)

    if spec.instrument != instrument.name:
        fail(f"the recode spec is for instrument {spec.instrument!r}, but {instrument.path} is {instrument.name!r}")
    if instrument.wave and str(spec.wave_year) != instrument.wave:
        fail(f"the recode spec is for wave {spec.wave_year}, but {instrument.path} is wave {instrument.wave}")

    for name in required_raw_variables(spec, instrument):
        try:
            var = raw_variable(name, instrument)
        except InputError:
            fail(f"not defined by the instrument {instrument.path}", variable=name)
        if var.personal:
            fail("is personal data (pii or free text), which never leaves the import stage", variable=name)

    by = raw_variable(spec.flow.by, instrument)
    for code in spec.flow.groups:
        if code not in by.values:
            fail(f"key flow.groups: code {code} is not defined by the instrument", variable=by.name, value=code)

    for step in spec.exclusions:
        if step.keep is not None:
            _check_raw_tests(spec, instrument, step.keep, f"exclusions[{step.step}]")

    kinds: dict[str, AnalysisVariable] = {}
    for var in spec.variables:
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
                _check_raw_tests(spec, instrument, case.when, name)
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
        kinds[name] = var


def _check_raw_tests(spec: RecodeSpec, instrument: Instrument, cond, where: str) -> None:
    """Codes in conditions on raw variables must be codes the instrument defines."""
    for test in condition_leaves(cond):
        if spec.is_analysis(test.variable) or test.values is None:
            continue
        var = raw_variable(test.variable, instrument)
        valid = _valid_codes(var, instrument)
        if not valid:
            raise InputError(f"{where}: condition 'in' on a variable without codes", file=spec.path, variable=var.name)
        undefined = [v for v in test.values if v not in valid]
        if undefined:
            raise InputError(
                f"{where}: code {undefined[0]} is not defined by the instrument", file=spec.path,
                variable=var.name, value=undefined[0],
            )


def analysis_levels(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument) -> tuple[str, ...] | None:
    """Category labels of a categorical analysis variable, in order (None if not categorical)."""
    if isinstance(var.rule, CodeRule):
        return tuple(lv.label for lv in code_levels(var.rule, spec, instrument))
    return labels_of(var.rule)


# ---------------------------------------------------------------------------------------------
# 2. Raw data


def check_raw(frame: pd.DataFrame, spec: RecodeSpec, instrument: Instrument, *, file: str | Path | None = None) -> None:
    """The raw columns the spec reads exist, are typed as the instrument says, and hold defined codes.

    Runs before any derivation, over every raw row (excluded ones too: exclusion criteria are
    codes as well). A code the instrument does not define is an error with its row count.
    """
    required = required_raw_variables(spec, instrument)
    absent = [name for name in required if name not in frame.columns]
    if absent:
        raise InputError(
            f"required raw variable{'s' if len(absent) > 1 else ''} missing from the file "
            f"(the recode spec {spec.path.name} reads {'them' if len(absent) > 1 else 'it'})",
            file=file, variable=", ".join(absent),
        )
    for name in required:
        var = raw_variable(name, instrument)
        column = frame[name]
        _check_type(column, var, file)
        if var.values or var.checkbox:
            _check_codes(column, var, _valid_codes(var, instrument), file)


def _check_type(column: pd.Series, var: Variable, file: str | Path | None) -> None:
    dtype = column.dtype
    if var.kind == "numeric":
        ok = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        expected = "numeric (float codes)"
    elif var.kind == "datetime":
        ok = pd.api.types.is_datetime64_any_dtype(dtype)
        expected = "a timestamp"
    else:
        ok = pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
        if ok and dtype == object:
            # An object column may hold anything: every non-null value must be a str.
            ok = pd.api.types.infer_dtype(column, skipna=True) in {"string", "empty"}
        expected = "strings"
    if not ok:
        raise InputError(f"wrong type: stored as {dtype}, the instrument says {expected}", file=file, variable=var.name)


def _check_codes(column: pd.Series, var: Variable, valid: set[int], file: str | Path | None) -> None:
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isnan(values) & ~np.isin(values, np.fromiter(valid, dtype="float64", count=len(valid)))
    if not bad.any():
        return
    codes, counts = np.unique(values[bad], return_counts=True)
    first = codes[0].item()
    first = int(first) if first.is_integer() else first
    others = ""
    if len(codes) > 1:
        others = "; also " + ", ".join(
            f"{int(c) if c.is_integer() else c} ({n} row{'s' if n != 1 else ''})"
            for c, n in zip(codes[1:].tolist(), counts[1:].tolist(), strict=True)
        )
    raise InputError(
        f"code not defined by the instrument (defined: {', '.join(str(c) for c in sorted(valid))}){others}",
        file=file, variable=var.name, value=first, count=int(counts[0]),
    )


# ---------------------------------------------------------------------------------------------
# 3. The cleaned data against the declared schema


@dataclass(frozen=True)
class ColumnSchema:
    """One column of the cleaned data as the spec declares it."""

    name: str
    dtype: str  # "category", "float64", "string", "datetime"
    categories: tuple[str, ...] | None = None
    ordered: bool = False
    required: bool = False
    reasons_of: str | None = None  # for a __missing column: the analysis variable it explains


def declared_schema(spec: RecodeSpec, instrument: Instrument) -> list[ColumnSchema]:
    """The cleaned file's columns: the analysis variables in spec order, then their ``__missing``."""
    values: list[ColumnSchema] = []
    reasons: list[ColumnSchema] = []
    for var in spec.variables:
        rule = var.rule
        if isinstance(rule, CopyRule):
            values.append(ColumnSchema(var.name, rule.dtype, required=var.required))
            continue
        if isinstance(rule, NUMBER_RULES):
            values.append(ColumnSchema(var.name, "float64", required=var.required))
        else:
            values.append(
                ColumnSchema(var.name, "category", analysis_levels(var, spec, instrument), var.ordered, var.required)
            )
        reasons.append(ColumnSchema(var.name + MISSING_SUFFIX, "category", spec.missing.reasons, reasons_of=var.name))
    return values + reasons


def check_cleaned(frame: pd.DataFrame, spec: RecodeSpec, instrument: Instrument) -> None:
    """The cleaned frame is exactly the declared schema; any mismatch names the variable."""
    schema = declared_schema(spec, instrument)

    def fail(message: str, variable: str, count: int | None = None) -> None:
        raise InputError(f"cleaned data do not match the declared schema: {message}", file=spec.path,
                         variable=variable, count=count)

    expected = [c.name for c in schema]
    extra = [c for c in frame.columns if c not in expected]
    if extra:
        fail("column not declared by the recode spec", ", ".join(map(str, extra)))
    for col in schema:
        if col.name not in frame.columns:
            fail("declared column is absent", col.name)
        series = frame[col.name]
        dtype = series.dtype
        if col.dtype == "category":
            if not isinstance(dtype, pd.CategoricalDtype):
                fail(f"expected a categorical, found {dtype}", col.name)
            found = tuple(dtype.categories.tolist())
            if found != col.categories:
                fail(f"categories {list(found)} differ from the declared {list(col.categories or ())}", col.name)
            if bool(dtype.ordered) != col.ordered:
                fail(f"expected {'an ordered' if col.ordered else 'an unordered'} categorical", col.name)
        elif col.dtype == "float64":
            if dtype != np.float64:
                fail(f"expected float64, found {dtype}", col.name)
        elif col.dtype == "datetime":
            if not pd.api.types.is_datetime64_any_dtype(dtype):
                fail(f"expected a timestamp, found {dtype}", col.name)
        elif not pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
            fail(f"expected strings, found {dtype}", col.name)
        if col.required:
            n_missing = int(series.isna().sum())
            if n_missing:
                fail("required variable has missing values", col.name, n_missing)
        if col.reasons_of is not None:
            value_na = frame[col.reasons_of].isna().to_numpy()
            reason_na = series.isna().to_numpy()
            unexplained = int((value_na & reason_na).sum())
            if unexplained:
                fail("missing values without a reason (no rule case applied)", col.reasons_of, unexplained)
            contradicted = int((~value_na & ~reason_na).sum())
            if contradicted:
                fail("valid values that also carry a missing reason", col.reasons_of, contradicted)
