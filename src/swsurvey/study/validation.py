"""Checks around cleaning: the spec against the instrument, raw codes, and the cleaned schema.

Three gates, each an :class:`InputError` naming the file, the variable, the value and the
number of rows, never a silent NA:

1. :func:`check_recode_against_instrument` (:mod:`swsurvey.study.recode_instrument`): every raw variable and code the spec names is one
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
from swsurvey.study.recode import NUMBER_RULES, CopyRule, RecodeSpec
from swsurvey.study.recode_instrument import (  # noqa: F401 - the cleaning's gates, importable from here
    PSEUDONYM_SUFFIX,
    analysis_levels,
    check_recode_against_instrument,
    checkbox_set,
    raw_variable,
    required_raw_variables,
    rule_raw_sources,
    skip_chain,
    valid_raw_codes,
)

#: Suffix of the column that keeps why an analysis value is missing.
MISSING_SUFFIX = "__missing"



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
            _check_codes(column, var, valid_raw_codes(var, instrument), file)


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
